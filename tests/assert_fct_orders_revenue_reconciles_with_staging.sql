-- Revenue in fct_orders equals the revenue rule applied directly to the staged orders, per
-- UTC order date and currency: subtotal - order discount of paid/shipped/delivered orders.
-- Returns the (date, currency) pairs that disagree.
with

staged_orders as (

    select * from {{ ref('stg_shop__orders') }}

),

fact_orders as (

    select * from {{ ref('fct_orders') }}

),

expected as (

    select
        order_date,
        currency_code,
        sum(
            case
                when order_status in ('paid', 'shipped', 'delivered')
                    then subtotal_amount - discount_amount
                else 0
            end
        ) as revenue,
        count(*) as order_count
    from staged_orders
    group by order_date, currency_code

),

actual as (

    select
        order_date,
        currency_code,
        sum(net_revenue) as revenue,
        count(*) as order_count
    from fact_orders
    group by order_date, currency_code

),

compared as (

    select
        expected.revenue as expected_revenue,
        actual.revenue as actual_revenue,
        expected.order_count as expected_orders,
        actual.order_count as actual_orders,
        coalesce(expected.order_date, actual.order_date) as order_date,
        coalesce(expected.currency_code, actual.currency_code) as currency_code
    from expected
    full outer join actual
        on
            expected.order_date = actual.order_date
            and expected.currency_code = actual.currency_code

),

mismatches as (

    select * from compared
    where
        expected_revenue is null
        or actual_revenue is null
        or expected_revenue != actual_revenue
        or expected_orders != actual_orders

)

select * from mismatches
