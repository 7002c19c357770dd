with

source as (

    select * from {{ source('shop', 'orders') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

renamed as (

    select
        cast(order_id as bigint) as order_id,
        {{ clean_upper_code('order_number') }} as order_number,
        cast(customer_id as bigint) as customer_id,
        cast(ordered_at as {{ type_timestamp_tz() }}) as ordered_at,
        {{ clean_code('status') }} as order_status,
        {{ clean_code('channel') }} as sales_channel,
        {{ clean_upper_code('currency') }} as currency_code,
        cast(subtotal_amount as {{ type_money() }}) as subtotal_amount,
        cast(discount_amount as {{ type_money() }}) as discount_amount,
        cast(shipping_amount as {{ type_money() }}) as shipping_amount,
        cast(tax_amount as {{ type_money() }}) as tax_amount,
        cast(total_amount as {{ type_money() }}) as total_amount,
        cast(created_at as {{ type_timestamp_tz() }}) as created_at,
        cast(updated_at as {{ type_timestamp_tz() }}) as updated_at,
        cast(_loaded_at as {{ type_timestamp_tz() }}) as _loaded_at
    from source
    where _hard_deleted_at is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by order_id
            order by updated_at desc, _loaded_at desc
        ) as version_rank
    from renamed

),

final as (

    select
        ranked.order_id,
        ranked.order_number,
        ranked.customer_id,
        ranked.ordered_at,
        {{ utc_date('ranked.ordered_at') }} as order_date,
        ranked.order_status,
        ranked.sales_channel,
        ranked.currency_code,
        fx_rates.rate_to_reporting as fx_rate_to_usd,
        ranked.subtotal_amount,
        ranked.discount_amount,
        ranked.shipping_amount,
        ranked.tax_amount,
        ranked.total_amount,
        cast(ranked.subtotal_amount * fx_rates.rate_to_reporting as {{ type_money() }})
            as subtotal_amount_usd,
        cast(ranked.discount_amount * fx_rates.rate_to_reporting as {{ type_money() }})
            as discount_amount_usd,
        cast(ranked.shipping_amount * fx_rates.rate_to_reporting as {{ type_money() }})
            as shipping_amount_usd,
        cast(ranked.tax_amount * fx_rates.rate_to_reporting as {{ type_money() }})
            as tax_amount_usd,
        cast(ranked.total_amount * fx_rates.rate_to_reporting as {{ type_money() }})
            as total_amount_usd,
        ranked.created_at,
        ranked.updated_at,
        ranked._loaded_at
    from ranked
    left join fx_rates
        on ranked.currency_code = fx_rates.currency_code
    where ranked.version_rank = 1

)

select * from final
