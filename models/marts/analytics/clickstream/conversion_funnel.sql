{#
    Grain: one row per session start date (UTC) x landing channel. Counts sessions and the
    sessions that reached each funnel stage (reached = the session's furthest stage is that one
    or a later one, so the stages never increase), with step and overall conversion rates
    (NULL when the stage before has no session). See the `conversion_funnel` doc block.

    Incremental, delete+insert by whole session start days, from the earliest day the latest
    load touched (minus one) or var('incremental_lookback_days') days back; not microbatch:
    dbt-postgres' microbatch merges and would keep dissolved sessions. docs/incremental.md
    ("Clickstream and ad spend").
#}
{{
    config(
        materialized='incremental',
        unique_key='session_start_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

all_sessions as (

    select * from {{ ref('fct_sessions') }}

),

{% if is_incremental() %}

rebuild_window as (

    select
        cast({{ dbt.dateadd('day', -1, 'min(session_start_date)') }} as date) as touched_from,
        (
            select
                cast(
                    {{ dbt.dateadd(
                        'day',
                        -1 * (var('incremental_lookback_days', 3) | int),
                        'max(existing.session_start_date)'
                    ) }}
                    as date
                )
            from {{ this }} as existing
        ) as lookback_from
    from all_sessions
    where last_loaded_at >= {{ incremental_lookback_cutoff('last_loaded_at', 0) }}

),

sessions as (

    select all_sessions.*
    from all_sessions
    cross join rebuild_window
    where
        all_sessions.session_start_date >= coalesce(
            least(rebuild_window.touched_from, rebuild_window.lookback_from),
            rebuild_window.touched_from,
            rebuild_window.lookback_from
        )

),

{% else %}

sessions as (

    select * from all_sessions

),

{% endif %}

daily as (

    select
        session_start_date,
        landing_channel,
        count(*) as sessions,
        sum(case when reached_product_view then 1 else 0 end) as product_view_sessions,
        sum(case when reached_cart then 1 else 0 end) as add_to_cart_sessions,
        sum(case when reached_checkout then 1 else 0 end) as checkout_sessions,
        sum(case when reached_purchase then 1 else 0 end) as purchase_sessions,
        max(last_loaded_at) as last_loaded_at
    from sessions
    group by session_start_date, landing_channel

),

final as (

    select
        session_start_date,
        {{ date_key('session_start_date') }} as session_date_key,
        landing_channel,
        cast(sessions as bigint) as sessions,
        cast(product_view_sessions as bigint) as product_view_sessions,
        cast(add_to_cart_sessions as bigint) as add_to_cart_sessions,
        cast(checkout_sessions as bigint) as checkout_sessions,
        cast(purchase_sessions as bigint) as purchase_sessions,
        {{ safe_divide('product_view_sessions', 'sessions') }} as product_view_rate,
        {{ safe_divide('add_to_cart_sessions', 'product_view_sessions') }} as add_to_cart_rate,
        {{ safe_divide('checkout_sessions', 'add_to_cart_sessions') }} as checkout_rate,
        {{ safe_divide('purchase_sessions', 'checkout_sessions') }} as purchase_rate,
        {{ safe_divide('purchase_sessions', 'sessions') }} as session_conversion_rate,
        last_loaded_at
    from daily

)

select * from final
