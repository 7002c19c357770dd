with

source as (

    select * from {{ source('shop', 'products') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

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

ranked as (

    select
        *,
        row_number() over (
            partition by product_id
            order by updated_at desc, _loaded_at desc
        ) as version_rank
    from renamed

),

final as (

    select
        ranked.product_id,
        ranked.sku,
        ranked.product_name,
        ranked.brand,
        ranked.category_id,
        ranked.list_price,
        ranked.currency_code,
        cast(ranked.list_price * fx_rates.rate_to_usd as {{ type_money() }})
            as list_price_usd,
        ranked.is_active,
        ranked.created_at,
        ranked.updated_at,
        ranked.is_hard_deleted,
        ranked._hard_deleted_at,
        ranked._loaded_at
    from ranked
    left join fx_rates
        on ranked.currency_code = fx_rates.currency_code
    where ranked.version_rank = 1

)

select * from final
