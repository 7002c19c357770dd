-- fct_payments holds every staged payment once, with the same amount per status and
-- currency. Returns the (status, currency) pairs that disagree.
with

staged_payments as (

    select * from {{ ref('stg_shop__payments') }}

),

fact_payments as (

    select * from {{ ref('fct_payments') }}

),

expected as (

    select
        payment_status,
        currency_code,
        count(*) as payment_count,
        sum(amount) as amount
    from staged_payments
    group by payment_status, currency_code

),

actual as (

    select
        payment_status,
        currency_code,
        count(*) as payment_count,
        sum(amount) as amount
    from fact_payments
    group by payment_status, currency_code

),

mismatches as (

    select
        expected.payment_count as expected_count,
        actual.payment_count as actual_count,
        expected.amount as expected_amount,
        actual.amount as actual_amount,
        coalesce(expected.payment_status, actual.payment_status) as payment_status,
        coalesce(expected.currency_code, actual.currency_code) as currency_code
    from expected
    full outer join actual
        on
            expected.payment_status = actual.payment_status
            and expected.currency_code = actual.currency_code
    where
        expected.payment_count is null
        or actual.payment_count is null
        or expected.payment_count != actual.payment_count
        or expected.amount != actual.amount

)

select * from mismatches
