-- Every customer with a revenue order is in exactly one cohort, the month of their first
-- revenue order in customer_lifetime_value: cohort sizes per month (month 0 rows) equal the
-- customers whose first_order_date falls in that month. Returns the months that disagree.
with

cohorts as (

    select * from {{ ref('cohort_retention') }}

),

clv as (

    select * from {{ ref('customer_lifetime_value') }}

),

expected as (

    select
        cast({{ dbt.date_trunc('month', 'first_order_date') }} as date) as cohort_month,
        count(*) as cohort_size
    from clv
    where first_order_date is not null
    group by cast({{ dbt.date_trunc('month', 'first_order_date') }} as date)

),

actual as (

    select
        cohort_month,
        cohort_size,
        active_customers
    from cohorts
    where months_since_first_order = 0

),

mismatches as (

    select
        expected.cohort_size as expected_size,
        actual.cohort_size as actual_size,
        actual.active_customers as active_in_month_0,
        coalesce(expected.cohort_month, actual.cohort_month) as cohort_month
    from expected
    full outer join actual
        on expected.cohort_month = actual.cohort_month
    where
        expected.cohort_month is null
        or actual.cohort_month is null
        or expected.cohort_size != actual.cohort_size
        or actual.active_customers != actual.cohort_size

)

select * from mismatches
