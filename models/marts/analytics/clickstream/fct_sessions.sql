{#
    Grain: one row per web session (session_id; see the `session` doc block).

    Incremental, rebuilt by whole days (delete+insert on session_start_date): a run replaces
    every day from the earlier of
      * the day before the earliest session holding an event loaded at or after the newest
        load already in the table (late events, including events without a session id that
        join or split an existing session, move a session's start at most that far), and
      * var('incremental_lookback_days') days before the newest session day in the table,
    to the end. Replacing whole days also removes sessions whose id changed (an inferred
    session absorbed by a late sourced event), so a run converges to a full refresh.
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
