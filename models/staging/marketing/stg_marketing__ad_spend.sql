{#
    One row per (spend_date, campaign_id). The API restates the last 3 days; ingestion merges
    on that key so the latest restatement wins, and staging is a plain projection.
#}
with

source as (

    select * from {{ source('marketing', 'ad_spend') }}

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

final as (

    select
        {{ generate_surrogate_key(['renamed.spend_date', 'renamed.campaign_id']) }}
            as ad_spend_id,
        renamed.spend_date,
        renamed.campaign_id,
        renamed.marketing_channel,
        renamed.impressions,
        renamed.clicks,
        renamed.spend_amount,
        renamed.currency_code,
        renamed.updated_at,
        renamed._loaded_at
    from renamed

)

select * from final
