-- No order line is lost or duplicated between staging and fct_order_items: same number of
-- lines and units per product. Returns the products that disagree.
with

staged_items as (

    select * from {{ ref('stg_shop__order_items') }}

),

fact_items as (

    select * from {{ ref('fct_order_items') }}

),

expected as (

    select
        product_id,
        count(*) as line_count,
        sum(quantity) as units
    from staged_items
    group by product_id

),

actual as (

    select
        product_id,
        count(*) as line_count,
        sum(quantity) as units
    from fact_items
    group by product_id

),

mismatches as (

    select
        expected.line_count as expected_lines,
        actual.line_count as actual_lines,
        expected.units as expected_units,
        actual.units as actual_units,
        coalesce(expected.product_id, actual.product_id) as product_id
    from expected
    full outer join actual
        on expected.product_id = actual.product_id
    where
        expected.product_id is null
        or actual.product_id is null
        or expected.line_count != actual.line_count
        or expected.units != actual.units

)

select * from mismatches
