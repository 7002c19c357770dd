with

source as (

    select * from {{ source('marketing', 'campaigns') }}

),

renamed as (

    select
        cast(campaign_id as bigint) as campaign_id,
        {{ clean_text('name') }} as campaign_name,
        {{ clean_code('channel') }} as marketing_channel,
        {{ clean_code('utm_source') }} as utm_source,
        {{ clean_code('utm_medium') }} as utm_medium,
        {{ clean_code('utm_campaign') }} as utm_campaign,
        {{ clean_code('status') }} as campaign_status,
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        cast(daily_budget as {{ type_money() }}) as daily_budget,
        {{ clean_upper_code('currency') }} as currency_code,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source

),

final as (

    select
        renamed.campaign_id,
        renamed.campaign_name,
        renamed.marketing_channel,
        renamed.utm_source,
        renamed.utm_medium,
        renamed.utm_campaign,
        renamed.campaign_status,
        renamed.start_date,
        renamed.end_date,
        renamed.daily_budget,
        renamed.currency_code,
        renamed.created_at,
        renamed.updated_at,
        renamed._loaded_at
    from renamed

)

select * from final
