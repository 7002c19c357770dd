-- marketing_roas agrees with the facts, per day: its spend equals fct_ad_spend's (original and
-- reporting currency), and its attributed orders and revenue equal the revenue orders of
-- fct_order_attribution attributed to a campaign. Returns the days that disagree.
with

roas as (

    select * from {{ ref('marketing_roas') }}

),

ad_spend as (

    select * from {{ ref('fct_ad_spend') }}

),

attribution as (

    select * from {{ ref('fct_order_attribution') }}

),

roas_by_day as (

    select
        activity_date,
        sum(spend_amount) as spend_amount,
        sum(spend_amount_usd) as spend_amount_usd,
        sum(attributed_orders) as attributed_orders,
        sum(attributed_revenue_usd) as attributed_revenue_usd
    from roas
    group by activity_date

),

spend_by_day as (

    select
        spend_date as activity_date,
        sum(spend_amount) as spend_amount,
        sum(spend_amount_usd) as spend_amount_usd
    from ad_spend
    group by spend_date

),

attributed_by_day as (

    select
        order_date as activity_date,
        count(*) as attributed_orders,
        sum(net_revenue_usd) as attributed_revenue_usd
    from attribution
    where is_revenue and utm_campaign is not null
    group by order_date

),

mismatches as (

    select
        roas_by_day.activity_date,
        roas_by_day.spend_amount_usd as roas_spend_usd,
        spend_by_day.spend_amount_usd as fact_spend_usd,
        roas_by_day.attributed_orders as roas_orders,
        attributed_by_day.attributed_orders as fact_orders
    from roas_by_day
    left join spend_by_day
        on roas_by_day.activity_date = spend_by_day.activity_date
    left join attributed_by_day
        on roas_by_day.activity_date = attributed_by_day.activity_date
    where
        roas_by_day.spend_amount != coalesce(spend_by_day.spend_amount, 0)
        or roas_by_day.spend_amount_usd != coalesce(spend_by_day.spend_amount_usd, 0)
        or roas_by_day.attributed_orders != coalesce(attributed_by_day.attributed_orders, 0)
        or roas_by_day.attributed_revenue_usd
        != coalesce(attributed_by_day.attributed_revenue_usd, 0)

),

missing_days as (

    select
        coalesce(spend_by_day.activity_date, attributed_by_day.activity_date) as activity_date,
        cast(null as {{ type_money() }}) as roas_spend_usd,
        spend_by_day.spend_amount_usd as fact_spend_usd,
        cast(null as bigint) as roas_orders,
        attributed_by_day.attributed_orders as fact_orders
    from spend_by_day
    full outer join attributed_by_day
        on spend_by_day.activity_date = attributed_by_day.activity_date
    where
        coalesce(spend_by_day.activity_date, attributed_by_day.activity_date) not in (
            select roas_by_day.activity_date from roas_by_day
        )

),

failures as (

    select * from mismatches
    union all
    select * from missing_days

)

select * from failures
