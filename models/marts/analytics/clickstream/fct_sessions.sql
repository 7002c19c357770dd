{#
    Grain: one row per web session (session_id; see the `session` doc block).

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

sessions as (

    select * from {{ ref('int_web_sessions_aggregated') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

{% if is_incremental() %}

touched_sessions as (

    select session_start_date
    from sessions
    where last_loaded_at >= {{ incremental_lookback_cutoff('last_loaded_at', 0) }}

),

rebuild_window as (

    select
        cast({{ dbt.dateadd('day', -1, 'min(session_start_date)') }} as date) as touched_from,
        (
            select
                cast(
                    {{ dbt.dateadd(
                        'day',
                        -1 * (var('incremental_lookback_days', 3) | int),
                        'max(session_start_date)'
                    ) }}
                    as date
                )
            from {{ this }}
        ) as lookback_from
    from touched_sessions

),

sessions_to_load as (

    select sessions.*
    from sessions
    cross join rebuild_window
    where
        sessions.session_start_date >= coalesce(
            least(rebuild_window.touched_from, rebuild_window.lookback_from),
            rebuild_window.touched_from,
            rebuild_window.lookback_from
        )

),

{% else %}

sessions_to_load as (

    select * from sessions

),

{% endif %}

final as (

    select
        sessions_to_load.session_id,
        sessions_to_load.session_id_origin,
        sessions_to_load.anonymous_id,
        sessions_to_load.customer_id,
        sessions_to_load.session_start_at,
        sessions_to_load.session_end_at,
        sessions_to_load.session_start_date,
        {{ date_key('sessions_to_load.session_start_date') }} as session_date_key,
        sessions_to_load.duration_seconds,
        sessions_to_load.event_count,
        sessions_to_load.page_view_count,
        sessions_to_load.page_count,
        sessions_to_load.product_view_count,
        sessions_to_load.products_viewed_count,
        sessions_to_load.add_to_cart_count,
        sessions_to_load.reached_product_view,
        sessions_to_load.reached_cart,
        sessions_to_load.reached_checkout,
        sessions_to_load.reached_purchase,
        sessions_to_load.orders_completed,
        sessions_to_load.first_order_id,
        sessions_to_load.landing_page_path,
        sessions_to_load.device_type,
        sessions_to_load.country_code,
        sessions_to_load.landing_channel,
        sessions_to_load.utm_source,
        sessions_to_load.utm_medium,
        sessions_to_load.utm_campaign,
        sessions_to_load.campaign_id,
        case
            when sessions_to_load.utm_campaign is null then null
            else coalesce(campaigns.campaign_key, {{ unknown_member_key() }})
        end as campaign_key,
        sessions_to_load.last_loaded_at
    from sessions_to_load
    left join campaigns
        on sessions_to_load.campaign_id = campaigns.campaign_id

)

select * from final
