{#
    SCD2 product dimension built from snap_products: one row per product version plus the
    unknown member (product_key = '-1'). Same conventions as dim_customers (valid_to NULL for
    the current version, first version backdated to created_at). Category names are type 1:
    the current name of the version's category and of its top-level parent.
#}
with

snapshot as (

    select * from {{ ref('snap_products') }}

),

categories as (

    select * from {{ ref('stg_shop__categories') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

versions as (

    select
        *,
        row_number() over (
            partition by product_id
            order by dbt_valid_from, dbt_updated_at, dbt_scd_id
        ) as version_number
    from snapshot

),

product_versions as (

    select
        {{ generate_surrogate_key(['versions.product_id', 'versions.version_number']) }}
            as product_key,
        cast(versions.product_id as bigint) as product_id,
        cast(versions.version_number as integer) as version_number,
        cast(versions.sku as {{ dbt.type_string() }}) as sku,
        cast(versions.product_name as {{ dbt.type_string() }}) as product_name,
        cast(versions.brand as {{ dbt.type_string() }}) as brand,
        cast(versions.category_id as bigint) as category_id,
        cast(leaf_category.category_name as {{ dbt.type_string() }}) as category_name,
        cast(
            coalesce(top_category.category_id, leaf_category.category_id) as bigint
        ) as top_category_id,
        cast(
            coalesce(top_category.category_name, leaf_category.category_name)
            as {{ dbt.type_string() }}
        ) as top_category_name,
        cast(versions.list_price as {{ type_money() }}) as list_price,
        cast(versions.currency_code as {{ dbt.type_string() }}) as currency_code,
        cast(versions.list_price * fx_rates.rate_to_usd as {{ type_money() }}) as list_price_usd,
        cast(versions.is_active as boolean) as is_active,
        cast(versions.is_hard_deleted as boolean) as is_deleted,
        cast(versions.created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(versions.updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(
            case
                when versions.version_number = 1 and versions.created_at < versions.dbt_valid_from
                    then versions.created_at
                else versions.dbt_valid_from
            end
            as {{ type_timestamp_tz() }}
        ) as valid_from,
        cast(versions.dbt_valid_to as {{ type_timestamp_tz() }}) as valid_to,
        cast(versions.dbt_valid_to is null as boolean) as is_current
    from versions
    left join categories as leaf_category
        on versions.category_id = leaf_category.category_id
    left join categories as top_category
        on leaf_category.parent_category_id = top_category.category_id
    left join fx_rates
        on versions.currency_code = fx_rates.currency_code

),

unknown_member as (

    select
        {{ unknown_member_key() }} as product_key,
        cast(-1 as bigint) as product_id,
        cast(1 as integer) as version_number,
        cast(null as {{ dbt.type_string() }}) as sku,
        cast('Unknown' as {{ dbt.type_string() }}) as product_name,
        cast(null as {{ dbt.type_string() }}) as brand,
        cast(null as bigint) as category_id,
        cast('Unknown' as {{ dbt.type_string() }}) as category_name,
        cast(null as bigint) as top_category_id,
        cast('Unknown' as {{ dbt.type_string() }}) as top_category_name,
        cast(null as {{ type_money() }}) as list_price,
        cast(null as {{ dbt.type_string() }}) as currency_code,
        cast(null as {{ type_money() }}) as list_price_usd,
        cast(false as boolean) as is_active,
        cast(false as boolean) as is_deleted,
        cast(null as {{ type_timestamp_tz() }}) as created_at,
        cast(null as {{ type_timestamp_tz() }}) as updated_at,
        cast('1900-01-01 00:00:00+00' as {{ type_timestamp_tz() }}) as valid_from,
        cast(null as {{ type_timestamp_tz() }}) as valid_to,
        cast(true as boolean) as is_current

),

final as (

    select * from product_versions
    union all
    select * from unknown_member

)

select * from final
