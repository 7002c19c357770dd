-- Source contract check (warn): an order's subtotal equals the sum of its lines'
-- quantity * unit_price - line discount. Returns the orders whose header disagrees.
{{ config(severity='warn') }}

with

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

line_totals as (

    select
        order_id,
        sum(net_line_amount) as lines_subtotal_amount
    from order_items
    group by order_id

),

mismatches as (

    select
        orders.order_id,
        orders.subtotal_amount,
        line_totals.lines_subtotal_amount
    from orders
    inner join line_totals
        on orders.order_id = line_totals.order_id
    where orders.subtotal_amount != line_totals.lines_subtotal_amount

)

select * from mismatches
