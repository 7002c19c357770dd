{#
    Grain: one row per order line (order_item_id). customer_key and product_key point at the
    dimension versions valid when the order was placed (point-in-time join on ordered_at),
    falling back to the unknown member ('-1').

    The order-level discount is allocated to the lines in proportion to their net amount
    (rounded to cents, the rounding remainder on the order's last line), so line revenue sums
    exactly to the order's revenue. Revenue follows the order's status (see `revenue`).

    Incremental by changed key (docs/incremental.md): rebuilds the lines of the orders
    int_orders_enriched rebuilt since this table's newest `last_loaded_at`.
#}
{{
    config(
        materialized='incremental',
        unique_key='order_item_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

{% if is_incremental() %}

orders_to_load as (

    select *
    from orders
    where last_loaded_at >= {{ incremental_watermark() }}

),

{% else %}

orders_to_load as (

    select * from orders

),

{% endif %}

lines as (

    select
        order_items.order_item_id,
        order_items.order_id,
        order_items.product_id,
        order_items.quantity,
        order_items.unit_price,
        order_items.line_discount_amount,
        order_items.gross_line_amount,
        order_items.net_line_amount,
        order_items.updated_at,
        orders_to_load.customer_id,
        orders_to_load.ordered_at,
        orders_to_load.order_date,
        orders_to_load.order_status,
        orders_to_load.currency_code,
        orders_to_load.fx_rate_to_usd,
        orders_to_load.is_revenue,
        orders_to_load.discount_amount as order_discount_amount,
        orders_to_load.last_loaded_at,
        orders_to_load.last_updated_at,
        sum(order_items.net_line_amount) over (
            partition by order_items.order_id
        ) as order_lines_net_amount,
        row_number() over (
            partition by order_items.order_id
            order by order_items.order_item_id desc
        ) as reverse_line_number
    from order_items
    inner join orders_to_load
        on order_items.order_id = orders_to_load.order_id

),

discount_shares as (

    select
        *,
        case
            when reverse_line_number = 1 then 0
            when order_lines_net_amount = 0 then 0
            else
                coalesce(
                    {{ prorate_money(
                        'order_discount_amount', 'net_line_amount', 'order_lines_net_amount'
                    ) }},
                    0
                )
        end as proportional_discount_amount
    from lines

),

allocated as (

    select
        *,
        case
            when reverse_line_number = 1
                then
                    order_discount_amount
                    - sum(proportional_discount_amount) over (partition by order_id)
            else proportional_discount_amount
        end as allocated_order_discount_amount
    from discount_shares

),

with_dimensions as (

    select
        allocated.*,
        coalesce(customers.customer_key, {{ unknown_member_key() }}) as customer_key,
        coalesce(products.product_key, {{ unknown_member_key() }}) as product_key
    from allocated
    left join customers
        on
            allocated.customer_id = customers.customer_id
            and {{ valid_at('allocated.ordered_at', 'customers') }}
    left join products
        on
            allocated.product_id = products.product_id
            and {{ valid_at('allocated.ordered_at', 'products') }}

),

final as (

    select
        order_item_id,
        order_id,
        customer_key,
        product_key,
        customer_id,
        product_id,
        {{ date_key('order_date') }} as order_date_key,
        order_date,
        ordered_at,
        order_status,
        currency_code,
        fx_rate_to_usd,
        quantity,
        unit_price,
        line_discount_amount,
        gross_line_amount,
        net_line_amount,
        cast(allocated_order_discount_amount as {{ type_money() }})
            as allocated_order_discount_amount,
        is_revenue,
        cast(
            case
                when is_revenue then net_line_amount - allocated_order_discount_amount
                else 0
            end
            as {{ type_money() }}
        ) as net_revenue,
        cast(
            case
                when is_revenue
                    then (net_line_amount - allocated_order_discount_amount) * fx_rate_to_usd
                else 0
            end
            as {{ type_money() }}
        ) as net_revenue_usd,
        cast(gross_line_amount * fx_rate_to_usd as {{ type_money() }}) as gross_line_amount_usd,
        cast(net_line_amount * fx_rate_to_usd as {{ type_money() }}) as net_line_amount_usd,
        updated_at,
        last_updated_at,
        last_loaded_at
    from with_dimensions

)

select * from final
