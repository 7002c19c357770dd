with

source as (

    select * from {{ source('shop', 'orders') }}

),

renamed as (

    select
        cast(order_id as bigint) as order_id,
        {{ clean_upper_code('order_number') }} as order_number,
        cast(customer_id as bigint) as customer_id,
        cast(ordered_at as {{ type_timestamp_tz() }}) as ordered_at,
        {{ clean_code('status') }} as order_status,
        {{ clean_code('channel') }} as sales_channel,
        {{ clean_upper_code('currency') }} as currency_code,
        cast(subtotal_amount as {{ type_money() }}) as subtotal_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(total_amount as {{ type_money() }}) as total_amount,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source
    where _hard_deleted_at is null

),

final as (

    select
        renamed.order_id,
        renamed.order_number,
        renamed.customer_id,
        renamed.ordered_at,
        {{ utc_date('renamed.ordered_at') }} as order_date,
        renamed.order_status,
        renamed.sales_channel,
        renamed.currency_code,
        renamed.subtotal_amount,
        renamed.discount_amount,
        renamed.shipping_amount,
        renamed.tax_amount,
        renamed.total_amount,
        renamed.created_at,
        renamed.updated_at,
        renamed._loaded_at
    from renamed

)

select * from final
