{#
    One row per order (order_id) with its last non-direct touch (see the `attribution` doc
    block): among the sessions of the order's customer that arrived through a marketing
    channel (landing_channel <> 'direct') and started within var('attribution_lookback_days')
    x 24 hours before the order was placed (inclusive) and not after it, the latest one
    (ties: the highest session_id). Orders without such a touch are 'direct'.

    A session belongs to a customer when the customer was logged in during it, or else when
    its anonymous_id (device) was seen logged in as exactly one customer (at any time).
#}
{#-
    A table, not a view: fct_order_attribution and four data tests read it, and each read of a
    view would redo the attribution join over all orders and sessions.
#}
{{ config(materialized='table') }}
{%- set lookback_hours = var('attribution_lookback_days') | int * 24 %}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

order_windows as (

    select
        order_id,
        customer_id,
        ordered_at,
        {{ dbt.dateadd('hour', -1 * lookback_hours, 'ordered_at') }} as window_start_at
    from orders

),

sessions as (

    select * from {{ ref('int_web_sessions_aggregated') }}

),

device_customers as (

    select
        anonymous_id,
        min(customer_id) as customer_id
    from sessions
    where customer_id is not null and anonymous_id is not null
    group by anonymous_id
    having count(distinct customer_id) = 1

),

touches as (

    select
        sessions.session_id,
        sessions.session_start_at,
        sessions.landing_channel,
        sessions.campaign_id,
        sessions.utm_source,
        sessions.utm_medium,
        sessions.utm_campaign,
        coalesce(sessions.customer_id, device_customers.customer_id) as customer_id
    from sessions
    left join device_customers
        on sessions.anonymous_id = device_customers.anonymous_id
    where sessions.landing_channel != 'direct'

),

order_touches as (

    select
        order_windows.order_id,
        touches.session_id,
        touches.session_start_at,
        touches.landing_channel,
        touches.campaign_id,
        touches.utm_source,
        touches.utm_medium,
        touches.utm_campaign,
        row_number() over (
            partition by order_windows.order_id
            order by touches.session_start_at desc, touches.session_id desc
        ) as touch_rank
    from order_windows
    inner join touches
        on
            order_windows.customer_id = touches.customer_id
            and order_windows.ordered_at >= touches.session_start_at
            and order_windows.window_start_at <= touches.session_start_at

),

last_touches as (

    select * from order_touches
    where touch_rank = 1

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        cast(last_touches.session_id is not null as boolean) as is_attributed,
        cast(coalesce(last_touches.landing_channel, 'direct') as {{ dbt.type_string() }})
            as attribution_channel,
        last_touches.campaign_id,
        last_touches.utm_source,
        last_touches.utm_medium,
        last_touches.utm_campaign,
        last_touches.session_id as touch_session_id,
        last_touches.session_start_at as touched_at,
        cast({{ var('attribution_lookback_days') | int }} as integer) as attribution_lookback_days
    from orders
    left join last_touches
        on orders.order_id = last_touches.order_id

)

select * from final
