{#
    Grain: one row per spend date x campaign (ad_spend_id = hash(spend_date, campaign_id)).
    Spend on a campaign unknown to the campaigns API points at the unknown campaign ('-1').
    Microbatch by spend date (event_time spend_date, batch_size day, lookback 3): each batch
    replaces one day with that day's rows of stg_marketing__ad_spend (dbt filters the ref by
    its event_time), so the API's restatement of the last 3 days is re-read by the window.
    dbt-duckdb's microbatch deletes and inserts the batch's day (no unique_key allowed);
    dbt-postgres' merges on unique_key ad_spend_id (required there; rows never vanish).
    docs/incremental.md ("Clickstream and ad spend").
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='spend_date',
        unique_key=('ad_spend_id' if target.type == 'postgres' else none),
        batch_size='day',
        lookback=3,
        begin='2024-01-01',
        concurrent_batches=false,
        on_schema_change='fail',
    )
}}

with

ad_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

final as (

    select
        ad_spend.ad_spend_id,
        {{ date_key('ad_spend.spend_date') }} as spend_date_key,
        ad_spend.spend_date,
        coalesce(campaigns.campaign_key, {{ unknown_member_key() }}) as campaign_key,
        ad_spend.campaign_id,
        ad_spend.marketing_channel,
        ad_spend.impressions,
        ad_spend.clicks,
        ad_spend.currency_code,
        ad_spend.spend_amount,
        cast(ad_spend.spend_amount * fx_rates.rate_to_usd as {{ type_money() }})
            as spend_amount_usd,
        ad_spend.updated_at
    from ad_spend
    left join campaigns
        on ad_spend.campaign_id = campaigns.campaign_id
    left join fx_rates
        on ad_spend.currency_code = fx_rates.currency_code

)

select * from final
