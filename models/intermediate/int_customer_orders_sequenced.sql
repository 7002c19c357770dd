{#
    One row per order, placed in its customer's order history: sequence number, the previous
    order, days since it (between UTC order dates) and the customer's running net revenue.
    Every order counts in the sequence (whatever its status); spend counts only revenue.

    Incremental by changed key (docs/incremental.md): rebuilds every order of the customers
    with an order int_orders_enriched rebuilt since this table's newest `last_loaded_at`.
#}
{{
    config(
        materialized='incremental',
        unique_key='order_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

orders as (

    select * from {{ ref('int_orders_enriched') }}

),

{% if is_incremental() %}

orders_to_sequence as (

    select * from orders
    where customer_id in (
        select changed.customer_id
        from orders as changed
        where changed.last_loaded_at >= {{ incremental_watermark() }}
    )

),

{% else %}

orders_to_sequence as (

    select * from orders

),

{% endif %}

sequenced as (

    select
        order_id,
        customer_id,
        ordered_at,
        order_date,
        last_loaded_at,
        row_number() over (
            partition by customer_id
            order by ordered_at, order_id
        ) as customer_order_sequence,
        lag(order_id) over (
            partition by customer_id
            order by ordered_at, order_id
        ) as previous_order_id,
        lag(order_date) over (
            partition by customer_id
            order by ordered_at, order_id
        ) as previous_order_date,
        sum(net_revenue_usd) over (
            partition by customer_id
            order by ordered_at, order_id
            rows between unbounded preceding and current row
        ) as cumulative_net_revenue_usd,
        sum(case when is_revenue then 1 else 0 end) over (
            partition by customer_id
            order by ordered_at, order_id
            rows between unbounded preceding and current row
        ) as cumulative_revenue_orders
    from orders_to_sequence

),

final as (

    select
        order_id,
        customer_id,
        ordered_at,
        cast(customer_order_sequence as integer) as customer_order_sequence,
        cast(customer_order_sequence = 1 as boolean) as is_first_order,
        previous_order_id,
        cast(
            {{ dbt.datediff('previous_order_date', 'order_date', 'day') }} as integer  -- noqa: LT05
        ) as days_since_previous_order,
        cast(cumulative_net_revenue_usd as {{ type_money() }}) as cumulative_net_revenue_usd,
        cast(cumulative_revenue_orders as integer) as cumulative_revenue_orders,
        last_loaded_at
    from sequenced

)

select * from final
