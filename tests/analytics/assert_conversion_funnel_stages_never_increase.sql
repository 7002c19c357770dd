-- Funnel stages never increase: sessions >= product views >= add to cart >= checkout >=
-- purchase on every day and channel, and the funnel counts every session of fct_sessions once.
-- Returns the offending rows (or the totals when sessions are lost or double counted).
with

funnel as (

    select * from {{ ref('conversion_funnel') }}

),

sessions as (

    select * from {{ ref('fct_sessions') }}

),

increasing_stages as (

    select
        session_start_date,
        landing_channel,
        sessions as funnel_sessions,
        cast(null as bigint) as fact_sessions
    from funnel
    where
        product_view_sessions > sessions
        or add_to_cart_sessions > product_view_sessions
        or checkout_sessions > add_to_cart_sessions
        or purchase_sessions > checkout_sessions
        or purchase_sessions < 0

),

totals as (

    select
        cast(null as date) as session_start_date,
        'all' as landing_channel,
        (select sum(funnel.sessions) as total_sessions from funnel) as funnel_sessions,
        (select count(*) as total_sessions from sessions) as fact_sessions

),

lost_sessions as (

    select * from totals
    where funnel_sessions != fact_sessions

),

failures as (

    select * from increasing_stages
    union all
    select * from lost_sessions

)

select * from failures
