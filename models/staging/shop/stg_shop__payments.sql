with

source as (

    select * from {{ source('shop', 'payments') }}

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

final as (

    select
        renamed.payment_id,
        renamed.order_id,
        renamed.payment_method,
        renamed.payment_status,
        renamed.amount,
        renamed.currency_code,
        renamed.created_at,
        renamed.updated_at,
        renamed._loaded_at
    from renamed

)

select * from final
