{#
    One row per web session (session_id from int_web_events_sessionized): start, end, counts,
    the furthest funnel stage reached, the landing event's page/device/country, and the
    session's traffic source: the utm fields of its first event that carries any (the landing
    event in practice). The channel is the matching campaign's channel when utm_campaign is a
    known campaign, else derived from utm_medium, and 'direct' without utm fields.

    Incremental, delete+insert on session_id: a run re-aggregates the sessions of the visitors
    int_web_events_sessionized re-sessionised (events loaded at or after the newest
    last_loaded_at here); the post-hook drops inferred sessions that late events dissolved.
    docs/incremental.md ("Clickstream and ad spend").
#}
{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where session_id like 'inferred-%' and session_id not in ("
            ~ "select session_id from {{ ref('int_web_events_sessionized') }}"
            ~ " where session_assignment = 'inactivity')"
        ],
    )
}}

with

all_events as (

    select * from {{ ref('int_web_events_sessionized') }}

),

{% if is_incremental() %}

touched_visitors as (

    select distinct coalesce(anonymous_id, 'event:' || event_id) as visitor_key
    from all_events
    where _loaded_at >= {{ incremental_lookback_cutoff('last_loaded_at', 0) }}

),

touched_sessions as (

    select distinct all_events.session_id
    from all_events
    inner join touched_visitors
        on coalesce(all_events.anonymous_id, 'event:' || all_events.event_id)
        = touched_visitors.visitor_key

),

events as (

    select all_events.*
    from all_events
    inner join touched_sessions
        on all_events.session_id = touched_sessions.session_id

),

{% else %}

events as (

    select * from all_events

),

{% endif %}

campaigns as (

    select * from {{ ref('stg_marketing__campaigns') }}

),

-- one campaign per utm_campaign code (the lowest id should a code ever be reused)
campaign_codes as (

    select
        utm_campaign,
        min(campaign_id) as campaign_id
    from campaigns
    where utm_campaign is not null
    group by utm_campaign

),

campaign_channels as (

    select
        campaign_codes.utm_campaign,
        campaign_codes.campaign_id,
        campaigns.marketing_channel
    from campaign_codes
    inner join campaigns
        on campaign_codes.campaign_id = campaigns.campaign_id

),

ranked_events as (

    select
        *,
        row_number() over (
            partition by session_id
            order by occurred_at asc, event_id asc
        ) as event_rank,
        row_number() over (
            partition by session_id
            order by
                case
                    when
                        utm_source is not null
                        or utm_medium is not null
                        or utm_campaign is not null
                        then 0
                    else 1
                end asc,
                occurred_at asc,
                event_id asc
        ) as utm_rank
    from events

),

landing_events as (

    select
        session_id,
        page_path as landing_page_path,
        device_type,
        country_code
    from ranked_events
    where event_rank = 1

),

traffic_sources as (

    select
        ranked_events.session_id,
        ranked_events.utm_source,
        ranked_events.utm_medium,
        ranked_events.utm_campaign,
        campaign_channels.campaign_id,
        case
            when
                ranked_events.utm_source is null
                and ranked_events.utm_medium is null
                and ranked_events.utm_campaign is null
                then 'direct'
            when campaign_channels.marketing_channel is not null
                then campaign_channels.marketing_channel
            else {{ marketing_channel_from_utm('ranked_events.utm_medium') }}
        end as landing_channel
    from ranked_events
    left join campaign_channels
        on ranked_events.utm_campaign = campaign_channels.utm_campaign
    where ranked_events.utm_rank = 1

),

aggregated as (

    select
        session_id,
        min(anonymous_id) as anonymous_id,
        max(customer_id) as customer_id,
        max(case when session_assignment = 'inactivity' then 0 else 1 end) as has_source_id,
        min(occurred_at) as session_start_at,
        max(occurred_at) as session_end_at,
        count(*) as event_count,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_view_count,
        count(distinct page_path) as page_count,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_view_count,
        count(distinct case when event_type = 'product_view' then product_id end)
            as products_viewed_count,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_cart_count,
        max(
            case event_type
                when 'product_view' then 1
                when 'add_to_cart' then 2
                when 'checkout_started' then 3
                when 'order_completed' then 4
                else 0
            end
        ) as funnel_stage,
        count(distinct case when event_type = 'order_completed' then order_id end)
            as orders_completed,
        min(case when event_type = 'order_completed' then order_id end) as first_order_id,
        max(_loaded_at) as last_loaded_at
    from events
    group by session_id

),

final as (

    select
        aggregated.session_id,
        cast(
            case when aggregated.has_source_id = 1 then 'source' else 'inactivity' end
            as {{ dbt.type_string() }}
        ) as session_id_origin,
        aggregated.anonymous_id,
        aggregated.customer_id,
        aggregated.session_start_at,
        aggregated.session_end_at,
        {{ utc_date('aggregated.session_start_at') }} as session_start_date,
        cast(
            floor({{ seconds_between('aggregated.session_start_at', 'aggregated.session_end_at') }})
            as bigint
        ) as duration_seconds,
        cast(aggregated.event_count as bigint) as event_count,
        cast(aggregated.page_view_count as bigint) as page_view_count,
        cast(aggregated.page_count as bigint) as page_count,
        cast(aggregated.product_view_count as bigint) as product_view_count,
        cast(aggregated.products_viewed_count as bigint) as products_viewed_count,
        cast(aggregated.add_to_cart_count as bigint) as add_to_cart_count,
        cast(aggregated.funnel_stage >= 1 as boolean) as reached_product_view,
        cast(aggregated.funnel_stage >= 2 as boolean) as reached_cart,
        cast(aggregated.funnel_stage >= 3 as boolean) as reached_checkout,
        cast(aggregated.funnel_stage >= 4 as boolean) as reached_purchase,
        cast(aggregated.orders_completed as bigint) as orders_completed,
        aggregated.first_order_id,
        landing_events.landing_page_path,
        landing_events.device_type,
        landing_events.country_code,
        cast(traffic_sources.landing_channel as {{ dbt.type_string() }}) as landing_channel,
        traffic_sources.utm_source,
        traffic_sources.utm_medium,
        traffic_sources.utm_campaign,
        traffic_sources.campaign_id,
        aggregated.last_loaded_at
    from aggregated
    inner join landing_events
        on aggregated.session_id = landing_events.session_id
    inner join traffic_sources
        on aggregated.session_id = traffic_sources.session_id

)

select * from final
