with

source as (

    select * from {{ source('marketing', 'campaigns') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

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

ranked as (

    select
        *,
        row_number() over (
            partition by campaign_id
            order by updated_at desc, _loaded_at desc
        ) as version_rank
    from renamed

),

final as (

    select
        ranked.campaign_id,
        ranked.campaign_name,
        ranked.marketing_channel,
        ranked.utm_source,
        ranked.utm_medium,
        ranked.utm_campaign,
        ranked.campaign_status,
        ranked.start_date,
        ranked.end_date,
        ranked.daily_budget,
        ranked.currency_code,
        cast(ranked.daily_budget * fx_rates.rate_to_reporting as {{ type_money() }})
            as daily_budget_usd,
        ranked.created_at,
        ranked.updated_at,
        ranked._loaded_at
    from ranked
    left join fx_rates
        on ranked.currency_code = fx_rates.currency_code
    where ranked.version_rank = 1

)

select * from final
