{#
    One row per order: the order header with its line totals, its payments by status and the
    revenue rule applied (see the `revenue` doc block):
    revenue = subtotal_amount - discount_amount (order currency) for orders whose current
    status is paid, shipped or delivered; pending, cancelled and returned orders carry none.
    Amounts in USD (`*_usd`) at the order currency's rate (`stg_reference__fx_rates`).

    Incremental by changed key (docs/incremental.md): a run rebuilds the orders whose header,
    lines or payments were loaded since the newest `last_loaded_at` already in the table.
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

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

payments as (

    select * from {{ ref('stg_shop__payments') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

{% if is_incremental() %}

changed_orders as (

    select order_id from orders
    where _loaded_at >= {{ incremental_watermark('last_loaded_at') }}
    union
    select order_id from order_items
    where _loaded_at >= {{ incremental_watermark('last_loaded_at') }}
    union
    select order_id from payments
    where _loaded_at >= {{ incremental_watermark('last_loaded_at') }}

),

orders_to_build as (

    select * from orders
    where order_id in (select changed_orders.order_id from changed_orders)

),

{% else %}

orders_to_build as (

    select * from orders

),

{% endif %}

order_line_totals as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(gross_line_amount) as lines_gross_amount,
        sum(line_discount_amount) as lines_discount_amount,
        sum(net_line_amount) as lines_subtotal_amount,
        max(updated_at) as lines_updated_at,
        max(_loaded_at) as lines_loaded_at
    from order_items
    where order_id in (select orders_to_build.order_id from orders_to_build)
    group by order_id

),

order_payment_totals as (

    select
        order_id,
        count(*) as payment_count,
        sum(case when payment_status in ('captured', 'refunded') then amount else 0 end)
            as captured_amount,
        sum(case when payment_status = 'refunded' then amount else 0 end) as refunded_amount,
        sum(case when payment_status = 'failed' then amount else 0 end) as failed_amount,
        sum(case when payment_status = 'authorized' then amount else 0 end)
            as authorized_amount,
        max(updated_at) as payments_updated_at,
        max(_loaded_at) as payments_loaded_at
    from payments
    where order_id in (select orders_to_build.order_id from orders_to_build)
    group by order_id

),

joined as (

    select
        orders_to_build.*,
        fx_rates.rate_to_usd as fx_rate_to_usd,
        coalesce(order_line_totals.line_count, 0) as line_count,
        coalesce(order_line_totals.units, 0) as units,
        coalesce(order_line_totals.lines_subtotal_amount, 0) as lines_subtotal_amount,
        coalesce(order_payment_totals.payment_count, 0) as payment_count,
        coalesce(order_payment_totals.captured_amount, 0) as captured_amount,
        coalesce(order_payment_totals.refunded_amount, 0) as refunded_amount,
        coalesce(order_payment_totals.failed_amount, 0) as failed_amount,
        coalesce(order_payment_totals.authorized_amount, 0) as authorized_amount,
        orders_to_build.order_status in ('paid', 'shipped', 'delivered') as is_revenue,
        greatest(
            orders_to_build.updated_at,
            coalesce(order_line_totals.lines_updated_at, orders_to_build.updated_at),
            coalesce(order_payment_totals.payments_updated_at, orders_to_build.updated_at)
        ) as last_updated_at,
        greatest(
            orders_to_build._loaded_at,
            coalesce(order_line_totals.lines_loaded_at, orders_to_build._loaded_at),
            coalesce(order_payment_totals.payments_loaded_at, orders_to_build._loaded_at)
        ) as last_loaded_at
    from orders_to_build
    left join order_line_totals
        on orders_to_build.order_id = order_line_totals.order_id
    left join order_payment_totals
        on orders_to_build.order_id = order_payment_totals.order_id
    left join fx_rates
        on orders_to_build.currency_code = fx_rates.currency_code

),

final as (

    select
        order_id,
        order_number,
        customer_id,
        ordered_at,
        order_date,
        order_status,
        sales_channel,
        currency_code,
        fx_rate_to_usd,
        line_count,
        cast(units as bigint) as units,
        subtotal_amount,
        discount_amount,
        shipping_amount,
        tax_amount,
        total_amount,
        cast(lines_subtotal_amount as {{ type_money() }}) as lines_subtotal_amount,
        cast(subtotal_amount - discount_amount as {{ type_money() }})
            as net_merchandise_amount,
        cast(is_revenue as boolean) as is_revenue,
        cast(
            case
                when is_revenue then subtotal_amount - discount_amount
                else 0
            end
            as {{ type_money() }}
        ) as net_revenue,
        cast(
            case
                when is_revenue then (subtotal_amount - discount_amount) * fx_rate_to_usd
                else 0
            end
            as {{ type_money() }}
        ) as net_revenue_usd,
        cast(subtotal_amount * fx_rate_to_usd as {{ type_money() }}) as subtotal_amount_usd,
        cast(discount_amount * fx_rate_to_usd as {{ type_money() }}) as discount_amount_usd,
        cast(shipping_amount * fx_rate_to_usd as {{ type_money() }}) as shipping_amount_usd,
        cast(tax_amount * fx_rate_to_usd as {{ type_money() }}) as tax_amount_usd,
        cast(total_amount * fx_rate_to_usd as {{ type_money() }}) as total_amount_usd,
        payment_count,
        cast(captured_amount as {{ type_money() }}) as captured_amount,
        cast(refunded_amount as {{ type_money() }}) as refunded_amount,
        cast(failed_amount as {{ type_money() }}) as failed_amount,
        cast(authorized_amount as {{ type_money() }}) as authorized_amount,
        cast(captured_amount - refunded_amount as {{ type_money() }}) as net_paid_amount,
        created_at,
        updated_at,
        last_updated_at,
        last_loaded_at
    from joined

)

select * from final
