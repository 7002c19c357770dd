-- Within a day, the rows of each breakdown grain of daily_sales (sales_channel, country,
-- currency) add up to the overall row: orders, units and revenue. unique_customers is a
-- distinct count and is not summed. Returns the (day, grain) pairs that disagree.
with

daily_sales as (

    select * from {{ ref('daily_sales') }}

),

overall as (

    select * from daily_sales
    where grain = 'overall'

),

breakdowns as (

    select
        order_date,
        grain,
        sum(orders) as orders,
        sum(units) as units,
        sum(net_revenue_usd) as net_revenue_usd,
        max(unique_customers) as max_unique_customers
    from daily_sales
    where grain != 'overall'
    group by order_date, grain

),

mismatches as (

    select
        breakdowns.order_date,
        breakdowns.grain,
        overall.orders as overall_orders,
        breakdowns.orders as breakdown_orders,
        overall.net_revenue_usd as overall_revenue_usd,
        breakdowns.net_revenue_usd as breakdown_revenue_usd
    from breakdowns
    left join overall
        on breakdowns.order_date = overall.order_date
    where
        overall.order_date is null
        or breakdowns.orders != overall.orders
        or breakdowns.units != overall.units
        or breakdowns.net_revenue_usd != overall.net_revenue_usd
        or breakdowns.max_unique_customers > overall.unique_customers

)

select * from mismatches
