{#
    Grain: one row per customer (customer_id, current version of dim_customers; the unknown
    member excluded), including customers without a revenue order (zero orders, NULL dates and
    scores, segment 'no_purchase'). See the `customer_lifetime_value` and `rfm` doc blocks.

    Orders, revenue and dates count revenue orders only (`revenue` rule, reporting currency).
    as_of_date = the last order date in the warehouse (any customer, any status), so recency
    does not depend on when the model is built.
      tenure_days     = last_order_date - first_order_date (days)
      order_frequency = orders / (tenure_days + 1)
      recency_days    = as_of_date - last_order_date
    RFM scores (1-5) from the cut points in vars rfm_recency_days, rfm_frequency_orders (on
    orders) and rfm_monetary_usd (on lifetime revenue); segment from var rfm_segments; spend
    tier Premium above var spend_tier_premium_above_usd, Standard above
    var spend_tier_standard_above_usd, else Basic.
#}
{%- set premium_above = var('spend_tier_premium_above_usd') -%}
{%- set standard_above = var('spend_tier_standard_above_usd') -%}
{%- set recency_cuts = var('rfm_recency_days') -%}
{%- set frequency_cuts = var('rfm_frequency_orders') -%}
{%- set monetary_cuts = var('rfm_monetary_usd') -%}
{%- set segment_rules = var('rfm_segments') %}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

current_customers as (

    select
        customer_id,
        customer_key,
        country_code,
        is_deleted
    from customers
    where is_current and customer_id != -1

),

as_of as (

    select max(order_date) as as_of_date
    from orders

),

customer_orders as (

    select
        customer_id,
        count(*) as orders_placed,
        sum(case when is_revenue then 1 else 0 end) as orders,
        sum(net_revenue_usd) as net_revenue_usd,
        min(case when is_revenue then order_date end) as first_order_date,
        max(case when is_revenue then order_date end) as last_order_date
    from orders
    group by customer_id

),

measured as (

    select
        current_customers.customer_id,
        current_customers.customer_key,
        current_customers.country_code,
        current_customers.is_deleted,
        as_of.as_of_date,
        coalesce(customer_orders.orders_placed, 0) as orders_placed,
        coalesce(customer_orders.orders, 0) as orders,
        coalesce(customer_orders.net_revenue_usd, 0) as net_revenue_usd,
        customer_orders.first_order_date,
        customer_orders.last_order_date,
        {{ dbt.datediff(
            'customer_orders.first_order_date', 'customer_orders.last_order_date', 'day'
        ) }} as tenure_days,
        {{ dbt.datediff('customer_orders.last_order_date', 'as_of.as_of_date', 'day') }}
            as recency_days
    from current_customers
    cross join as_of
    left join customer_orders
        on current_customers.customer_id = customer_orders.customer_id

),

scored as (

    select
        *,
        {{ rfm_score('case when orders > 0 then recency_days end', recency_cuts, false) }}
            as recency_score,
        {{ rfm_score('case when orders > 0 then orders end', frequency_cuts) }}
            as frequency_score,
        {{ rfm_score('case when orders > 0 then net_revenue_usd end', monetary_cuts) }}
            as monetary_score
    from measured

),

final as (

    select
        customer_id,
        customer_key,
        country_code,
        is_deleted,
        as_of_date,
        cast(orders_placed as bigint) as orders_placed,
        cast(orders as bigint) as orders,
        cast(net_revenue_usd as {{ type_money() }}) as net_revenue_usd,
        cast({{ prorate_money('net_revenue_usd', 1, 'orders') }} as {{ type_money() }})
            as average_order_value_usd,
        first_order_date,
        last_order_date,
        cast(tenure_days as integer) as tenure_days,
        cast(recency_days as integer) as recency_days,
        {{ safe_divide('orders', 'tenure_days + 1') }} as order_frequency,
        recency_score,
        frequency_score,
        monetary_score,
        cast(
            case
                when recency_score is not null
                    then
                        cast(recency_score as {{ dbt.type_string() }})
                        || cast(frequency_score as {{ dbt.type_string() }})
                        || cast(monetary_score as {{ dbt.type_string() }})
            end
            as {{ dbt.type_string() }}
        ) as rfm_cell,
        cast(
            {{ rfm_segment('recency_score', 'frequency_score', 'monetary_score', segment_rules) }}
            as {{ dbt.type_string() }}
        ) as rfm_segment,
        cast(
            case
                when net_revenue_usd > {{ premium_above }} then 'Premium'
                when net_revenue_usd > {{ standard_above }} then 'Standard'
                else 'Basic'
            end
            as {{ dbt.type_string() }}
        ) as spend_tier
    from scored

)

select * from final
