-- Every staged web event belongs to exactly one session in fct_sessions: the sessions' event
-- counts add up to the staged events per day of session start, and fct_sessions holds exactly
-- the sessions sessionisation produces (same ids, same event counts). Returns the sessions or
-- totals that disagree.
with

staged_events as (

    select * from {{ ref('stg_web__events') }}

),

sessionized_events as (

    select * from {{ ref('int_web_events_sessionized') }}

),

fact_sessions as (

    select * from {{ ref('fct_sessions') }}

),

expected_sessions as (

    select
        session_id,
        count(*) as event_count
    from sessionized_events
    group by session_id

),

session_mismatches as (

    select
        coalesce(expected_sessions.session_id, fact_sessions.session_id) as session_id,
        expected_sessions.event_count as expected_events,
        fact_sessions.event_count as actual_events
    from expected_sessions
    full outer join fact_sessions
        on expected_sessions.session_id = fact_sessions.session_id
    where
        expected_sessions.session_id is null
        or fact_sessions.session_id is null
        or expected_sessions.event_count != fact_sessions.event_count

),

event_totals as (

    select
        'all events' as session_id,
        (select count(*) as total_events from staged_events) as expected_events,
        (
            select sum(fact_sessions.event_count) as total_events from fact_sessions
        ) as actual_events

),

total_mismatches as (

    select * from event_totals
    where expected_events != actual_events

),

failures as (

    select * from session_mismatches
    union all
    select * from total_mismatches

)

select * from failures
