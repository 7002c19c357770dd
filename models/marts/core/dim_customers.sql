{#
    SCD2 customer dimension built from snap_customers: one row per customer version plus the
    unknown member (customer_key = '-1') that facts fall back to.
    * customer_key: surrogate key per version = hash(customer_id, version_number). Versions
      are only ever appended to a snapshot, so a version keeps its number and key.
    * valid_from: the version's dbt_valid_from; the first version is backdated to the
      customer's created_at, so orders placed before the first snapshot still find it.
    * valid_to: exclusive end; NULL for the current version (never a far-future date).
    * is_deleted: account closed in the source (soft delete) or customer hard-deleted.
#}
with

snapshot as (

    select * from {{ ref('snap_customers') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by customer_id
            order by dbt_valid_from, dbt_updated_at, dbt_scd_id
        ) as version_number
    from snapshot

),

customer_versions as (

    select
        {{ generate_surrogate_key(['customer_id', 'version_number']) }} as customer_key,
        cast(customer_id as bigint) as customer_id,
        cast(version_number as integer) as version_number,
        cast(email_hash as {{ dbt.type_string() }}) as email_hash,
        cast(email_domain as {{ dbt.type_string() }}) as email_domain,
        cast(city as {{ dbt.type_string() }}) as city,
        cast(postal_code_prefix as {{ dbt.type_string() }}) as postal_code_prefix,
        cast(country_code as {{ dbt.type_string() }}) as country_code,
        cast(is_marketing_opt_in as boolean) as is_marketing_opt_in,
        cast(is_deleted or is_hard_deleted as boolean) as is_deleted,
        cast(deleted_at as {{ type_timestamp_tz() }}) as deleted_at,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(
            case
                when version_number = 1 and created_at < dbt_valid_from then created_at
                else dbt_valid_from
            end
            as {{ type_timestamp_tz() }}
        ) as valid_from,
        cast(dbt_valid_to as {{ type_timestamp_tz() }}) as valid_to,
        cast(dbt_valid_to is null as boolean) as is_current
    from versions

),

unknown_member as (

    select
        {{ unknown_member_key() }} as customer_key,
        cast(-1 as bigint) as customer_id,
        cast(1 as integer) as version_number,
        cast(null as {{ dbt.type_string() }}) as email_hash,
        cast(null as {{ dbt.type_string() }}) as email_domain,
        cast('Unknown' as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as postal_code_prefix,
        cast(null as {{ dbt.type_string() }}) as country_code,
        cast(false as boolean) as is_marketing_opt_in,
        cast(false as boolean) as is_deleted,
        cast(null as {{ type_timestamp_tz() }}) as deleted_at,
        cast(null as {{ type_timestamp_tz() }}) as created_at,
        cast(null as {{ type_timestamp_tz() }}) as updated_at,
        cast('1900-01-01 00:00:00+00' as {{ type_timestamp_tz() }}) as valid_from,
        cast(null as {{ type_timestamp_tz() }}) as valid_to,
        cast(true as boolean) as is_current

),

final as (

    select * from customer_versions
    union all
    select * from unknown_member

)

select * from final
