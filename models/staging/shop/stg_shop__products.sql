with

source as (

    select * from {{ source('shop', 'products') }}

),

renamed as (

    select
        cast(product_id as bigint) as product_id,
        {{ clean_upper_code('sku') }} as sku,
        {{ clean_text('name') }} as product_name,
        {{ clean_text('brand') }} as brand,
        cast(category_id as bigint) as category_id,
        cast(list_price as {{ type_money() }}) as list_price,
        {{ clean_upper_code('currency') }} as currency_code,
        cast(is_active as boolean) as is_active,
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
        renamed.product_id,
        renamed.sku,
        renamed.product_name,
        renamed.brand,
        renamed.category_id,
        renamed.list_price,
        renamed.currency_code,
        renamed.is_active,
        renamed.created_at,
        renamed.updated_at,
        renamed.is_hard_deleted,
        renamed._hard_deleted_at,
        renamed._loaded_at
    from renamed

)

select * from final
