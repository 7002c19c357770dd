{#
    One row per event_id as loaded: ingestion keeps the first delivery of each event
    (insert-only merge on event_id, ingestion/replays.py), so staging is a plain projection and
    a filter on _loaded_at or occurred_at reaches the raw table (docs/incremental.md).
#}
with

source as (

    select * from {{ source('web', 'events') }}

),

renamed as (

    select
        cast(trim(event_id) as {{ dbt.type_string() }}) as event_id,
        {{ clean_code('event_type') }} as event_type,
        {{ clean_text('anonymous_id') }} as anonymous_id,
        cast(customer_id as bigint) as customer_id,
        {{ clean_text('session_id') }} as session_id,
        {{ clean_text('page') }} as page_path,
        cast(product_id as bigint) as product_id,
        cast(order_id as bigint) as order_id,
        {{ clean_code('utm_source') }} as utm_source,
        {{ clean_code('utm_medium') }} as utm_medium,
        {{ clean_code('utm_campaign') }} as utm_campaign,
        {{ clean_code('device') }} as device_type,
        {{ clean_upper_code('country') }} as country_code,
        cast(occurred_at as {{ type_timestamp_tz() }}) as occurred_at,
        cast(received_at as {{ type_timestamp_tz() }}) as received_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source

),

final as (

    select
        event_id,
        event_type,
        anonymous_id,
        customer_id,
        session_id,
        page_path,
        product_id,
        order_id,
        utm_source,
        utm_medium,
        utm_campaign,
        device_type,
        country_code,
        occurred_at,
        {{ utc_date('occurred_at') }} as event_date,
        received_at,
        _loaded_at
    from renamed

)

select * from final
