{#
    One row per (spend_date, campaign_id). The API restates the last 3 days; ingestion merges
    them so the latest restatement wins, and staging keeps only the latest too.
#}
with

source as (

    select * from {{ source('marketing', 'ad_spend') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

renamed as (

    select
        cast({{ adapter.quote('date') }} as date) as spend_date,
        cast(campaign_id as bigint) as campaign_id,
        {{ clean_code('channel') }} as marketing_channel,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(spend as {{ type_money() }}) as spend_amount,
        {{ clean_upper_code('currency') }} as currency_code,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source

),

ranked as (

    select
        *,
        row_number() over (
            partition by spend_date, campaign_id
            order by updated_at desc, _loaded_at desc
        ) as version_rank
    from renamed

),

final as (

    select
        {{ generate_surrogate_key(['ranked.spend_date', 'ranked.campaign_id']) }}
            as ad_spend_id,
        ranked.spend_date,
        ranked.campaign_id,
        ranked.marketing_channel,
        ranked.impressions,
        ranked.clicks,
        ranked.spend_amount,
        ranked.currency_code,
        cast(ranked.spend_amount * fx_rates.rate_to_reporting as {{ type_money() }})
            as spend_amount_usd,
        ranked.updated_at,
        ranked._loaded_at
    from ranked
    left join fx_rates
        on ranked.currency_code = fx_rates.currency_code
    where ranked.version_rank = 1

)

select * from final
