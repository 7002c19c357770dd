-- product_performance's sales equal fct_order_items' revenue lines per day (units and revenue,
-- exactly) and add up to daily_sales' overall revenue (within half a cent per line: line
-- revenue is converted to the reporting currency line by line, orders order by order); its
-- views equal the staged product_view events per day. Returns the days that disagree.
with

performance as (

    select * from {{ ref('product_performance') }}

),

order_items as (

    select * from {{ ref('fct_order_items') }}

),

daily_sales as (

    select * from {{ ref('daily_sales') }}

),

events as (

    select * from {{ ref('stg_web__events') }}

),

performance_by_day as (

    select
        activity_date,
        sum(units_sold) as units_sold,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(product_views) as product_views
    from performance
    group by activity_date

),

items_by_day as (

    select
        order_date as activity_date,
        sum(quantity) as units_sold,
        sum(net_revenue_usd) as net_revenue_usd,
        count(*) as line_count
    from order_items
    where is_revenue
    group by order_date

),

views_by_day as (

    select
        event_date as activity_date,
        count(*) as product_views
    from events
    where event_type = 'product_view' and product_id is not null
    group by event_date

),

sales_by_day as (

    select
        order_date as activity_date,
        net_revenue_usd
    from daily_sales
    where grain = 'overall'

),

mismatches as (

    select
        performance_by_day.activity_date,
        performance_by_day.units_sold,
        items_by_day.units_sold as expected_units_sold,
        performance_by_day.net_revenue_usd,
        items_by_day.net_revenue_usd as expected_revenue_usd,
        sales_by_day.net_revenue_usd as daily_sales_revenue_usd,
        performance_by_day.product_views,
        views_by_day.product_views as expected_product_views
    from performance_by_day
    left join items_by_day
        on performance_by_day.activity_date = items_by_day.activity_date
    left join views_by_day
        on performance_by_day.activity_date = views_by_day.activity_date
    left join sales_by_day
        on performance_by_day.activity_date = sales_by_day.activity_date
    where
        performance_by_day.units_sold != coalesce(items_by_day.units_sold, 0)
        or performance_by_day.net_revenue_usd != coalesce(items_by_day.net_revenue_usd, 0)
        or abs(performance_by_day.net_revenue_usd - coalesce(sales_by_day.net_revenue_usd, 0))
        > 0.005 * coalesce(items_by_day.line_count, 0)
        or performance_by_day.product_views != coalesce(views_by_day.product_views, 0)

)

select * from mismatches
