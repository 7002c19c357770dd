{#
    Grain: one row per acquisition cohort (month of the customer's first revenue order) x
    months since that month (0, 1, ... up to the month of the last order), so every cohort has
    a row for every month it could have been active in, zeros included. See the
    `cohort_retention` and `active_customer` doc blocks:
      cohort_size       = customers whose first revenue order fell in the cohort month;
      active_customers  = of those, customers with at least one revenue order in the month;
      retention_rate    = active_customers / cohort_size (1 in month 0 by construction).
#}
with

orders as (

    select * from {{ ref('fct_orders') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

customer_months as (

    select distinct
        customer_id,
        cast({{ dbt.date_trunc('month', 'order_date') }} as date) as activity_month
    from orders
    where is_revenue and customer_id is not null

),

cohorts as (

    select
        customer_id,
        min(activity_month) as cohort_month
    from customer_months
    group by customer_id

),

cohort_sizes as (

    select
        cohort_month,
        count(*) as cohort_size
    from cohorts
    group by cohort_month

),

months as (

    select distinct calendar.month_start_date as activity_month
    from calendar
    where
        calendar.month_start_date >= (select min(cohorts.cohort_month) as first_month from cohorts)
        and calendar.month_start_date <= (
            select
                cast({{ dbt.date_trunc('month', 'max(orders.order_date)') }} as date)
                    as last_month
            from orders
        )

),

cohort_grid as (

    select
        cohort_sizes.cohort_month,
        cohort_sizes.cohort_size,
        months.activity_month
    from cohort_sizes
    inner join months
        on cohort_sizes.cohort_month <= months.activity_month

),

activity as (

    select
        cohorts.cohort_month,
        customer_months.activity_month,
        count(*) as active_customers
    from customer_months
    inner join cohorts
        on customer_months.customer_id = cohorts.customer_id
    group by cohorts.cohort_month, customer_months.activity_month

),

final as (

    select
        cohort_grid.cohort_month,
        cohort_grid.activity_month,
        cast(
            {{ dbt.datediff('cohort_grid.cohort_month', 'cohort_grid.activity_month', 'month') }}
            as integer
        ) as months_since_first_order,
        cast(cohort_grid.cohort_size as bigint) as cohort_size,
        cast(coalesce(activity.active_customers, 0) as bigint) as active_customers,
        {{ safe_divide('coalesce(activity.active_customers, 0)', 'cohort_grid.cohort_size') }}
            as retention_rate
    from cohort_grid
    left join activity
        on
            cohort_grid.cohort_month = activity.cohort_month
            and cohort_grid.activity_month = activity.activity_month

)

select * from final
