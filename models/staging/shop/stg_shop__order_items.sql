with

source as (

    select * from {{ source('shop', 'order_items') }}

),

renamed as (

    select
        cast(order_item_id as bigint) as order_item_id,
        cast(order_id as bigint) as order_id,
        cast(product_id as bigint) as product_id,
        cast(quantity as integer) as quantity,
        cast(unit_price as {{ type_money() }}) as unit_price,
        cast(discount_amount as {{ type_money() }}) as line_discount_amount,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source
    where _hard_deleted_at is null

),

final as (

    select
        order_item_id,
        order_id,
        product_id,
        quantity,
        unit_price,
        line_discount_amount,
        cast(quantity * unit_price as {{ type_money() }}) as gross_line_amount,
        cast(quantity * unit_price - line_discount_amount as {{ type_money() }})
            as net_line_amount,
        created_at,
        updated_at,
        _loaded_at
    from renamed

)

select * from final
