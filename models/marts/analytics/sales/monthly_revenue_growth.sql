{#
    Grain: one row per calendar month (month_start_date) from the month of the first order to
    the month of the last one; months without revenue show zeros, so the previous month is
    always the calendar month before. Revenue follows the `revenue` rule (reporting currency).
    Growth rate = (revenue - previous month's revenue) / previous month's revenue, NULL when
    there is no previous month or its revenue is 0 (see the `revenue_growth` doc block).
    The month of the last order is flagged partial unless that order was on its last day.
#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

order_months as (

    select
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as month_start_date,
        order_id,
        customer_id,
        is_revenue,
        net_revenue_usd
    from orders

),

months as (

    select distinct calendar.month_start_date
    from calendar
    where
        calendar.month_start_date >= (
            select min(order_months.month_start_date) as first_month from order_months
        )
        and calendar.month_start_date <= (
            select max(order_months.month_start_date) as last_month from order_months
        )

),

monthly_totals as (

    select
        month_start_date,
        count(*) as orders,
        count(distinct customer_id) as unique_customers,
        sum(net_revenue_usd) as net_revenue_usd
    from order_months
    where is_revenue
    group by month_start_date

),

monthly as (

    select
        months.month_start_date,
        coalesce(monthly_totals.orders, 0) as orders,
        coalesce(monthly_totals.unique_customers, 0) as unique_customers,
        coalesce(monthly_totals.net_revenue_usd, 0) as net_revenue_usd
    from months
    left join monthly_totals
        on months.month_start_date = monthly_totals.month_start_date

),

last_order_day as (

    select
        max(order_date) as last_order_date,
        cast({{ dbt.dateadd('day', 1, 'max(order_date)') }} as date) as day_after_last_order
    from orders

),

with_previous as (

    select
        monthly.*,
        lag(monthly.net_revenue_usd) over (order by monthly.month_start_date)
            as previous_month_net_revenue_usd,
        cast(
            monthly.month_start_date
            = cast({{ dbt.date_trunc('month', 'last_order_day.last_order_date') }} as date)
            and extract(month from last_order_day.day_after_last_order)
            = extract(month from last_order_day.last_order_date)
            as boolean
        ) as is_partial_month
    from monthly
    cross join last_order_day

),

final as (

    select
        month_start_date,
        cast(
            extract(year from month_start_date) * 100 + extract(month from month_start_date)
            as integer
        ) as month_key,
        cast(orders as bigint) as orders,
        cast(unique_customers as bigint) as unique_customers,
        cast(net_revenue_usd as {{ type_money() }}) as net_revenue_usd,
        cast(previous_month_net_revenue_usd as {{ type_money() }})
            as previous_month_net_revenue_usd,
        cast(net_revenue_usd - previous_month_net_revenue_usd as {{ type_money() }})
            as revenue_change_usd,
        {{ safe_divide(
            'net_revenue_usd - previous_month_net_revenue_usd', 'previous_month_net_revenue_usd'
        ) }} as revenue_growth_rate,
        is_partial_month
    from with_previous

)

select * from final
