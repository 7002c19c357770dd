{#
    Grain: one row per order (order_id), with its current status, amounts, payments, revenue
    and the customer version valid when it was placed.

    Incremental by changed key (docs/incremental.md): rebuilds every order of the customers
    with an order int_orders_enriched rebuilt since this table's newest `last_loaded_at`
    (whole customers: the sequence columns depend on the customer's other orders).
#}
{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_sequence as (

    select * from {{ ref('int_customer_orders_sequenced') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

{% if is_incremental() %}

changed_orders as (

    select
        order_id,
        customer_id
    from orders
    where last_loaded_at >= {{ incremental_watermark() }}

),

orders_to_load as (

    select *
    from orders
    where
        order_id in (select changed_orders.order_id from changed_orders)
        or customer_id in (
            select changed_orders.customer_id
            from changed_orders
            where changed_orders.customer_id is not null
        )

),

{% else %}

orders_to_load as (

    select * from orders

),

{% endif %}

orders_with_customer as (

    select
        orders_to_load.*,
        coalesce(customers.customer_key, {{ unknown_member_key() }}) as customer_key
    from orders_to_load
    left join customers
        on
            orders_to_load.customer_id = customers.customer_id
            and {{ valid_at('orders_to_load.ordered_at', 'customers') }}

),

final as (

    select
        orders_with_customer.order_id,
        orders_with_customer.order_number,
        orders_with_customer.customer_key,
        orders_with_customer.customer_id,
        {{ date_key('orders_with_customer.order_date') }} as order_date_key,
        orders_with_customer.order_date,
        orders_with_customer.ordered_at,
        orders_with_customer.order_status,
        orders_with_customer.sales_channel,
        orders_with_customer.currency_code,
        orders_with_customer.fx_rate_to_usd,
        cast(orders_with_customer.line_count as integer) as line_count,
        orders_with_customer.units,
        orders_with_customer.subtotal_amount,
        orders_with_customer.discount_amount,
        orders_with_customer.shipping_amount,
        orders_with_customer.tax_amount,
        orders_with_customer.total_amount,
        orders_with_customer.net_merchandise_amount,
        orders_with_customer.is_revenue,
        orders_with_customer.net_revenue,
        orders_with_customer.subtotal_amount_usd,
        orders_with_customer.discount_amount_usd,
        orders_with_customer.shipping_amount_usd,
        orders_with_customer.tax_amount_usd,
        orders_with_customer.total_amount_usd,
        orders_with_customer.net_revenue_usd,
        cast(orders_with_customer.payment_count as integer) as payment_count,
        orders_with_customer.captured_amount,
        orders_with_customer.refunded_amount,
        orders_with_customer.failed_amount,
        orders_with_customer.authorized_amount,
        orders_with_customer.net_paid_amount,
        order_sequence.customer_order_sequence,
        order_sequence.is_first_order,
        order_sequence.previous_order_id,
        order_sequence.days_since_previous_order,
        order_sequence.cumulative_net_revenue_usd,
        orders_with_customer.created_at,
        orders_with_customer.updated_at,
        orders_with_customer.last_updated_at,
        orders_with_customer.last_loaded_at
    from orders_with_customer
    inner join order_sequence
        on orders_with_customer.order_id = order_sequence.order_id

)

select * from final
