-- Per order, the lines in fct_order_items add up to the order in fct_orders: line count,
-- units and revenue (the allocated order discount makes line revenue sum exactly).
-- Returns the orders that disagree.
with

fact_orders as (

    select * from {{ ref('fct_orders') }}

),

fact_order_items as (

    select * from {{ ref('fct_order_items') }}

),

line_totals as (

    select
        order_id,
        count(*) as line_count,
        sum(quantity) as units,
        sum(net_revenue) as net_revenue,
        sum(allocated_order_discount_amount) as allocated_discount_amount
    from fact_order_items
    group by order_id

),

mismatches as (

    select
        fact_orders.order_id,
        fact_orders.line_count as order_line_count,
        line_totals.line_count as fact_line_count,
        fact_orders.units as order_units,
        line_totals.units as fact_units,
        fact_orders.net_revenue as order_net_revenue,
        line_totals.net_revenue as lines_net_revenue
    from fact_orders
    left join line_totals
        on fact_orders.order_id = line_totals.order_id
    where
        coalesce(line_totals.line_count, 0) != fact_orders.line_count
        or coalesce(line_totals.units, 0) != fact_orders.units
        or (
            line_totals.order_id is not null
            and (
                line_totals.net_revenue != fact_orders.net_revenue
                or line_totals.allocated_discount_amount != fact_orders.discount_amount
            )
        )

)

select * from mismatches
