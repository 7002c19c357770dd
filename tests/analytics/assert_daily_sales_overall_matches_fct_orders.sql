-- daily_sales' overall revenue and orders equal fct_orders' per day: revenue (reporting
-- currency) and count of revenue-carrying orders. Days without revenue must show 0.
-- Returns the days that disagree.
with

daily_sales as (

    select * from {{ ref('daily_sales') }}

),

fact_orders as (

    select * from {{ ref('fct_orders') }}

),

expected as (

    select
        order_date,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(case when is_revenue then 1 else 0 end) as orders
    from fact_orders
    group by order_date

),

actual as (

    select
        order_date,
        net_revenue_usd,
        orders
    from daily_sales
    where grain = 'overall'

),

mismatches as (

    select
        expected.net_revenue_usd as expected_revenue_usd,
        actual.net_revenue_usd as actual_revenue_usd,
        expected.orders as expected_orders,
        actual.orders as actual_orders,
        coalesce(expected.order_date, actual.order_date) as order_date
    from expected
    full outer join actual
        on expected.order_date = actual.order_date
    where
        actual.order_date is null
        or coalesce(expected.net_revenue_usd, 0) != actual.net_revenue_usd
        or coalesce(expected.orders, 0) != actual.orders

)

select * from mismatches
