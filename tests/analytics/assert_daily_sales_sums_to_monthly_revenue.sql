-- The overall rows of daily_sales add up, per calendar month, to monthly_revenue_growth:
-- same revenue and revenue orders; and every month of one appears in the other.
-- Returns the months that disagree.
with

daily_sales as (

    select * from {{ ref('daily_sales') }}

),

monthly as (

    select * from {{ ref('monthly_revenue_growth') }}

),

daily_by_month as (

    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as month_start_date,
        sum(net_revenue_usd) as net_revenue_usd,
        sum(orders) as orders
    from daily_sales
    where grain = 'overall'
    group by cast({{ dbt.date_trunc('month', 'order_date') }} as date)

),

mismatches as (

    select
        daily_by_month.net_revenue_usd as daily_revenue_usd,
        monthly.net_revenue_usd as monthly_revenue_usd,
        daily_by_month.orders as daily_orders,
        monthly.orders as monthly_orders,
        coalesce(daily_by_month.month_start_date, monthly.month_start_date) as month_start_date
    from daily_by_month
    full outer join monthly
        on daily_by_month.month_start_date = monthly.month_start_date
    where
        daily_by_month.month_start_date is null
        or monthly.month_start_date is null
        or daily_by_month.net_revenue_usd != monthly.net_revenue_usd
        or daily_by_month.orders != monthly.orders

)

select * from mismatches
