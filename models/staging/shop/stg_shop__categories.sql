with

source as (

    select * from {{ source('shop', 'categories') }}

),

renamed as (

    select
        cast(category_id as bigint) as category_id,
        {{ clean_text('name') }} as category_name,
        cast(parent_category_id as bigint) as parent_category_id,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source
    where _hard_deleted_at is null

),

final as (

    select
        category_id,
        category_name,
        parent_category_id,
        cast(parent_category_id is null as boolean) as is_top_level,
        created_at,
        updated_at,
        _loaded_at
    from renamed

)

select * from final
