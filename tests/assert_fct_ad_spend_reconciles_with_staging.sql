-- fct_ad_spend keeps every staged (date, campaign) row: same spend, clicks and impressions
-- per day. Returns the days that disagree.
with

staged_spend as (

    select * from {{ ref('stg_marketing__ad_spend') }}

),

fact_spend as (

    select * from {{ ref('fct_ad_spend') }}

),

expected as (

    select
        spend_date,
        sum(spend_amount) as spend_amount,
        sum(clicks) as clicks,
        sum(impressions) as impressions
    from staged_spend
    group by spend_date

),

actual as (

    select
        spend_date,
        sum(spend_amount) as spend_amount,
        sum(clicks) as clicks,
        sum(impressions) as impressions
    from fact_spend
    group by spend_date

),

mismatches as (

    select
        expected.spend_amount as expected_spend,
        actual.spend_amount as actual_spend,
        coalesce(expected.spend_date, actual.spend_date) as spend_date
    from expected
    full outer join actual
        on expected.spend_date = actual.spend_date
    where
        expected.spend_date is null
        or actual.spend_date is null
        or expected.spend_amount != actual.spend_amount
        or expected.clicks != actual.clicks
        or expected.impressions != actual.impressions

)

select * from mismatches
