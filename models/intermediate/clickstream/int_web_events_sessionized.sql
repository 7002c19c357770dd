{#
    One row per event (event_id) with the session it belongs to (see the `sessionization` doc
    block). The source's session_id is kept as is. An event without one (about 5 %):
      1. joins the session of the nearest event of the same anonymous_id (before or after it,
         the nearer one; the earlier on a tie) that has a source session_id, when that event is
         at most var('session_timeout_minutes') minutes away ('inherited');
      2. otherwise it is sessionised with the other such events of its anonymous_id by
         inactivity: a new session starts when more than var('session_timeout_minutes') minutes
         passed since the previous one ('inactivity'); the session's id is
         'inferred-' || the event_id of its first event.
    Portable: no `ignore nulls` (Postgres lacks it); the nearest sourced events are found with
    running counts that group each run of events behind the sourced event that opens it.

    Incremental, delete+insert on event_id by changed visitor: a run re-sessionises every
    event of each visitor with an event loaded at or after the newest `_loaded_at` in the
    table (that filter reaches raw_web.events). docs/incremental.md ("Clickstream and ad
    spend").
#}
{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{%- set timeout_seconds = var('session_timeout_minutes') | int * 60 %}

with

all_events as (

    select
        *,
        -- events without an anonymous id are never grouped with others
        coalesce(anonymous_id, 'event:' || event_id) as visitor_key
    from {{ ref('stg_web__events') }}

),

{% if is_incremental() %}

touched_visitors as (

    select distinct visitor_key
    from all_events
    where _loaded_at >= {{ incremental_lookback_cutoff('_loaded_at', 0) }}

),

events as (

    select all_events.*
    from all_events
    inner join touched_visitors
        on all_events.visitor_key = touched_visitors.visitor_key

),

{% else %}

events as (

    select * from all_events

),

{% endif %}

runs as (

    select
        *,
        count(session_id) over (
            partition by visitor_key
            order by occurred_at asc, event_id asc
            rows between unbounded preceding and current row
        ) as run_after_sourced,
        count(session_id) over (
            partition by visitor_key
            order by occurred_at desc, event_id desc
            rows between unbounded preceding and current row
        ) as run_before_sourced
    from events

),

neighbours as (

    select
        *,
        -- each run starts with its sourced event (run 0 has none: nulls)
        first_value(session_id) over (
            partition by visitor_key, run_after_sourced
            order by occurred_at asc, event_id asc
        ) as previous_session_id,
        first_value(occurred_at) over (
            partition by visitor_key, run_after_sourced
            order by occurred_at asc, event_id asc
        ) as previous_sourced_at,
        first_value(session_id) over (
            partition by visitor_key, run_before_sourced
            order by occurred_at desc, event_id desc
        ) as next_session_id,
        first_value(occurred_at) over (
            partition by visitor_key, run_before_sourced
            order by occurred_at desc, event_id desc
        ) as next_sourced_at
    from runs

),

gaps as (

    select
        *,
        case
            when previous_session_id is not null
                then {{ seconds_between('previous_sourced_at', 'occurred_at') }}
        end as seconds_since_previous_sourced,
        case
            when next_session_id is not null
                then {{ seconds_between('occurred_at', 'next_sourced_at') }}
        end as seconds_until_next_sourced
    from neighbours

),

inherited as (

    select
        *,
        case
            when session_id is not null then session_id
            when
                seconds_since_previous_sourced <= {{ timeout_seconds }}
                and (
                    seconds_until_next_sourced is null
                    or seconds_since_previous_sourced <= seconds_until_next_sourced
                )
                then previous_session_id
            when seconds_until_next_sourced <= {{ timeout_seconds }}
                then next_session_id
        end as known_session_id
    from gaps

),

orphans as (

    select
        event_id,
        visitor_key,
        occurred_at,
        lag(occurred_at) over (
            partition by visitor_key
            order by occurred_at asc, event_id asc
        ) as previous_orphan_at
    from inherited
    where known_session_id is null

),

orphan_session_starts as (

    select
        *,
        case
            when previous_orphan_at is null then 1
            when {{ seconds_between('previous_orphan_at', 'occurred_at') }} > {{ timeout_seconds }}
                then 1
            else 0
        end as is_session_start
    from orphans

),

orphan_session_numbers as (

    select
        *,
        sum(is_session_start) over (
            partition by visitor_key
            order by occurred_at asc, event_id asc
            rows between unbounded preceding and current row
        ) as orphan_session_number
    from orphan_session_starts

),

orphan_sessions as (

    select
        event_id,
        'inferred-' || first_value(event_id) over (
            partition by visitor_key, orphan_session_number
            order by occurred_at asc, event_id asc
        ) as inferred_session_id
    from orphan_session_numbers

),

final as (

    select
        inherited.event_id,
        inherited.event_type,
        inherited.anonymous_id,
        inherited.customer_id,
        cast(
            coalesce(inherited.known_session_id, orphan_sessions.inferred_session_id)
            as {{ dbt.type_string() }}
        ) as session_id,
        cast(
            case
                when inherited.session_id is not null then 'source'
                when inherited.known_session_id is not null then 'inherited'
                else 'inactivity'
            end
            as {{ dbt.type_string() }}
        ) as session_assignment,
        inherited.session_id as source_session_id,
        inherited.page_path,
        inherited.product_id,
        inherited.order_id,
        inherited.utm_source,
        inherited.utm_medium,
        inherited.utm_campaign,
        inherited.device_type,
        inherited.country_code,
        inherited.occurred_at,
        inherited.event_date,
        inherited.received_at,
        inherited._loaded_at
    from inherited
    left join orphan_sessions
        on inherited.event_id = orphan_sessions.event_id

)

select * from final
