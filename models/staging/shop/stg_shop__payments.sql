with

source as (

    select * from {{ source('shop', 'payments') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

renamed as (

    select
        cast(payment_id as bigint) as payment_id,
        cast(order_id as bigint) as order_id,
        {{ clean_code('method') }} as payment_method,
        {{ clean_code('status') }} as payment_status,
        cast(amount as {{ type_money() }}) as amount,
        {{ clean_upper_code('currency') }} as currency_code,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source
    where _hard_deleted_at is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by payment_id
            order by updated_at desc, _loaded_at desc
        ) as version_rank
    from renamed

),

final as (

    select
        ranked.payment_id,
        ranked.order_id,
        ranked.payment_method,
        ranked.payment_status,
        ranked.amount,
        ranked.currency_code,
        cast(ranked.amount * fx_rates.rate_to_reporting as {{ type_money() }}) as amount_usd,
        ranked.created_at,
        ranked.updated_at,
        ranked._loaded_at
    from ranked
    left join fx_rates
        on ranked.currency_code = fx_rates.currency_code
    where ranked.version_rank = 1

)

select * from final
