-- customer_lifetime_value holds every customer's orders and revenue: per customer, orders
-- placed, revenue orders and revenue equal fct_orders', and no customer with orders is
-- missing. Returns the customers that disagree.
with

clv as (

    select * from {{ ref('customer_lifetime_value') }}

),

fact_orders as (

    select * from {{ ref('fct_orders') }}

),

expected as (

    select
        customer_id,
        count(*) as orders_placed,
        sum(case when is_revenue then 1 else 0 end) as orders,
        sum(net_revenue_usd) as net_revenue_usd
    from fact_orders
    where customer_id is not null
    group by customer_id

),

mismatches as (

    select
        expected.customer_id,
        expected.orders as expected_orders,
        clv.orders as actual_orders,
        expected.net_revenue_usd as expected_revenue_usd,
        clv.net_revenue_usd as actual_revenue_usd
    from expected
    left join clv
        on expected.customer_id = clv.customer_id
    where
        clv.customer_id is null
        or expected.orders_placed != clv.orders_placed
        or expected.orders != clv.orders
        or expected.net_revenue_usd != clv.net_revenue_usd

)

select * from mismatches
