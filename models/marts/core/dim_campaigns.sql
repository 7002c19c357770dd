{#
    Campaign dimension (type 1: current attributes), one row per campaign plus the unknown
    member (campaign_key = '-1') for spend on a campaign the campaigns API does not know.
#}
with

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

campaign_rows as (

    select
        {{ generate_surrogate_key(['campaigns.campaign_id']) }} as campaign_key,
        cast(campaigns.campaign_id as bigint) as campaign_id,
        cast(campaigns.campaign_name as {{ dbt.type_string() }}) as campaign_name,
        cast(campaigns.marketing_channel as {{ dbt.type_string() }}) as marketing_channel,
        cast(campaigns.utm_source as {{ dbt.type_string() }}) as utm_source,
        cast(campaigns.utm_medium as {{ dbt.type_string() }}) as utm_medium,
        cast(campaigns.utm_campaign as {{ dbt.type_string() }}) as utm_campaign,
        cast(campaigns.campaign_status as {{ dbt.type_string() }}) as campaign_status,
        cast(campaigns.start_date as date) as start_date,
        cast(campaigns.end_date as date) as end_date,
        cast(campaigns.daily_budget as {{ type_money() }}) as daily_budget,
        cast(campaigns.currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(campaigns.daily_budget * fx_rates.rate_to_usd as {{ type_money() }})
            as daily_budget_usd,
        cast(campaigns.created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(campaigns.updated_at as {{ type_timestamp_tz() }}) as updated_at
    from campaigns
    left join fx_rates
        on campaigns.currency_code = fx_rates.currency_code

),

unknown_member as (

    select
        {{ unknown_member_key() }} as campaign_key,
        cast(-1 as bigint) as campaign_id,
        cast('Unknown' as {{ dbt.type_string() }}) as campaign_name,
        cast('unknown' as {{ dbt.type_string() }}) as marketing_channel,
        cast(null as {{ dbt.type_string() }}) as utm_source,
        cast(null as {{ dbt.type_string() }}) as utm_medium,
        cast(null as {{ dbt.type_string() }}) as utm_campaign,
        cast('unknown' as {{ dbt.type_string() }}) as campaign_status,
        cast(null as date) as start_date,
        cast(null as date) as end_date,
        cast(null as {{ type_money() }}) as daily_budget,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        cast(null as {{ type_money() }}) as daily_budget_usd,
        cast(null as {{ type_timestamp_tz() }}) as created_at,
        cast(null as {{ type_timestamp_tz() }}) as updated_at

),

final as (

    select * from campaign_rows
    union all
    select * from unknown_member

)

select * from final
