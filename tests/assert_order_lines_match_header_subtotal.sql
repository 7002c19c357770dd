-- Source contract check (warn): an order's subtotal equals the sum of its lines'
-- quantity * unit_price - line discount. Returns the orders whose header disagrees.
{{ config(severity='warn') }}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

mismatches as (

    select
        order_id,
        subtotal_amount,
        lines_subtotal_amount
    from orders
    where line_count > 0 and subtotal_amount != lines_subtotal_amount

)

select * from mismatches
