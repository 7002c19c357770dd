{#
    Grain: one row per web session (session_id; see the `session` doc block).

    Microbatch by session start day (event_time session_start_at, batch_size day, lookback 3):
    each batch replaces one UTC day with the sessions of int_web_sessions_aggregated that start
    on it (dbt filters that ref by its event_time). Why a window of days is enough, and how
    the production runner supplies it: docs/incremental.md ("Clickstream and ad spend").
#}
{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='session_start_at',
        batch_size='day',
        lookback=3,
        begin='2024-01-01',
        concurrent_batches=false,
        on_schema_change='fail',
    )
}}

with

sessions_to_load as (

    select * from {{ ref('int_web_sessions_aggregated') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

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
