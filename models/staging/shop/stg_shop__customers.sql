{#
    PII stops here. E-mail becomes a keyed hash (hash_pii) plus its domain; names, phone,
    street address and the full postal code are not selected. Materialised as a table (not a
    view) because the hash key is part of the compiled SQL and a view's definition is readable
    from the catalog.
#}
{{ config(materialized='table') }}

with

source as (

    select * from {{ source('shop', 'customers') }}

),

renamed as (

    select
        cast(customer_id as bigint) as customer_id,
        {{ hash_pii("lower(trim(email))") }} as email_hash,
        {{ clean_code(dbt.split_part("trim(email)", "'@'", 2)) }} as email_domain,
        {{ clean_text('city') }} as city,
        cast(
            upper(substring(replace(trim(postal_code), ' ', ''), 1, 3))
            as {{ dbt.type_string() }}
        ) as postal_code_prefix,
        {{ clean_upper_code('country') }} as country_code,
        cast(marketing_opt_in as boolean) as is_marketing_opt_in,
        cast(deleted_at is not null as boolean) as is_deleted,
        cast(deleted_at as {{ type_timestamp_tz() }}) as deleted_at,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        -- Hard-deleted rows are kept, flagged: the snapshot records the deletion as a version
        -- (macros/snapshot_delta.sql). Other readers must filter them out.
        cast(_hard_deleted_at is not null as boolean) as is_hard_deleted,
        cast(_hard_deleted_at as {{ type_timestamp_tz() }}) as _hard_deleted_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source

),

final as (

    select
        customer_id,
        email_hash,
        email_domain,
        city,
        postal_code_prefix,
        country_code,
        is_marketing_opt_in,
        is_deleted,
        deleted_at,
        created_at,
        updated_at,
        is_hard_deleted,
        _hard_deleted_at,
        _loaded_at
    from renamed

)

select * from final
