{#
    Grain: one row per payment (payment_id) with its current status. customer_key is the
    customer version valid when the paid order was placed (as in fct_orders).

    Incremental by changed key (docs/incremental.md): rebuilds the payments of the orders
    int_orders_enriched rebuilt since this table's newest `last_loaded_at`.
#}
{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

payments as (

    select * from {{ ref('stg_shop__payments') }}

),

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

{% if is_incremental() %}

orders_to_load as (

    select *
    from orders
    where last_loaded_at >= {{ incremental_watermark() }}

),

{% else %}

orders_to_load as (

    select * from orders

),

{% endif %}

payments_with_order as (

    select
        payments.*,
        orders_to_load.customer_id,
        orders_to_load.ordered_at,
        orders_to_load.order_date,
        orders_to_load.last_updated_at,
        orders_to_load.last_loaded_at
    from payments
    inner join orders_to_load
        on payments.order_id = orders_to_load.order_id

),

with_customer as (

    select
        payments_with_order.*,
        coalesce(customers.customer_key, {{ unknown_member_key() }}) as customer_key,
        cast(payments_with_order.amount * fx_rates.rate_to_usd as {{ type_money() }})
            as amount_usd
    from payments_with_order
    left join customers
        on
            payments_with_order.customer_id = customers.customer_id
            and {{ valid_at('payments_with_order.ordered_at', 'customers') }}
    left join fx_rates
        on payments_with_order.currency_code = fx_rates.currency_code

),

final as (

    select
        payment_id,
        order_id,
        customer_key,
        customer_id,
        {{ date_key(utc_date('created_at')) }} as payment_date_key,
        {{ utc_date('created_at') }} as payment_date,
        {{ date_key('order_date') }} as order_date_key,
        payment_method,
        payment_status,
        currency_code,
        amount,
        amount_usd,
        cast(payment_status in ('captured', 'refunded') as boolean) as is_captured,
        cast(payment_status = 'refunded' as boolean) as is_refunded,
        cast(payment_status = 'failed' as boolean) as is_failed,
        created_at,
        updated_at,
        last_updated_at,
        last_loaded_at
    from with_customer

)

select * from final
