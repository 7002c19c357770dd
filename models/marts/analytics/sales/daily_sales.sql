{#
    Grain: one row per order date (UTC) x `grain` x its dimension value (see the
    `daily_sales_grain` doc block):
      * grain 'overall': one row per day from the first to the last order date (days without
        revenue show zeros), sales_channel = country_code = currency_code = 'all';
      * grain 'sales_channel' / 'country' / 'currency': one row per day and value of that
        dimension that has revenue orders, the other two dimensions 'all'.
    Measures count revenue orders only (the `revenue` rule). unique_customers is a distinct
    count within the row: it must never be summed across days or rows.

    Incremental by whole days (delete+insert on order_date): a run rebuilds every order date
    holding an order of fct_orders loaded at or after the newest load already in the table
    (last_loaded_at: the newest load of any order of that day, revenue or not, so an order that
    stops counting as revenue also rebuilds its day), plus the days after the newest day in the
    table. An order's date, customer version and revenue only change with a new load of it,
    so a run equals a full refresh.
#}
{{
    config(
        materialized='incremental',
        unique_key='order_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}
{%- set dimensions = ['sales_channel', 'country_code', 'currency_code'] -%}
{%- set grains = {
    'sales_channel': 'sales_channel',
    'country': 'country_code',
    'currency': 'currency_code',
} %}

with

all_orders as (

    select * from {{ ref('fct_orders') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

),

order_bounds as (

    select
        min(order_date) as first_date,
        max(order_date) as last_date
    from all_orders

),

{% if is_incremental() %}

days_to_load as (

    select distinct order_date
    from all_orders
    where last_loaded_at >= {{ incremental_watermark() }}

    union

    select calendar.date_day as order_date
    from calendar
    where calendar.date_day > (select max(existing.order_date) from {{ this }} as existing)

),

orders as (

    select all_orders.*
    from all_orders
    inner join days_to_load
        on all_orders.order_date = days_to_load.order_date

),

{% else %}

days_to_load as (

    select calendar.date_day as order_date
    from calendar

),

orders as (

    select * from all_orders

),

{% endif %}

day_loads as (

    select
        order_date,
        max(last_loaded_at) as last_loaded_at
    from orders
    group by order_date

),

revenue_orders as (

    select
        orders.order_id,
        orders.order_date,
        orders.customer_id,
        orders.sales_channel,
        orders.currency_code,
        orders.units,
        orders.net_revenue,
        orders.net_revenue_usd,
        coalesce(customers.country_code, 'unknown') as country_code
    from orders
    left join customers
        on orders.customer_key = customers.customer_key
    where orders.is_revenue

),

order_days as (

    select days_to_load.order_date
    from days_to_load
    cross join order_bounds
    where
        days_to_load.order_date >= order_bounds.first_date
        and days_to_load.order_date <= order_bounds.last_date

),

overall_totals as (

    select
        order_date,
        count(*) as orders,
        sum(units) as units,
        count(distinct customer_id) as unique_customers,
        sum(net_revenue_usd) as net_revenue_usd
    from revenue_orders
    group by order_date

),

overall as (

    select
        order_days.order_date,
        'overall' as grain,
        {%- for dimension in dimensions %}
        'all' as {{ dimension }},
        {%- endfor %}
        coalesce(overall_totals.orders, 0) as orders,
        coalesce(overall_totals.units, 0) as units,
        coalesce(overall_totals.unique_customers, 0) as unique_customers,
        coalesce(overall_totals.net_revenue_usd, 0) as net_revenue_usd,
        cast(null as {{ type_money() }}) as net_revenue
    from order_days
    left join overall_totals
        on order_days.order_date = overall_totals.order_date

),

{% for grain, grain_column in grains.items() %}

by_{{ grain }} as (

    select
        order_date,
        '{{ grain }}' as grain,
        {%- for dimension in dimensions %}
        {{ dimension if dimension == grain_column else "'all'" }} as {{ dimension }},
        {%- endfor %}
        count(*) as orders,
        sum(units) as units,
        count(distinct customer_id) as unique_customers,
        sum(net_revenue_usd) as net_revenue_usd,
        {%- if grain == 'currency' %}
        sum(net_revenue) as net_revenue
        {%- else %}
        cast(null as {{ type_money() }}) as net_revenue
        {%- endif %}
    from revenue_orders
    group by order_date, {{ grain_column }}

),

{% endfor %}

unioned as (

    select * from overall
    {%- for grain in grains %}
    union all
    select * from by_{{ grain }}
    {%- endfor %}

),

with_loads as (

    select
        unioned.*,
        day_loads.last_loaded_at
    from unioned
    left join day_loads
        on unioned.order_date = day_loads.order_date

),

final as (

    select
        order_date,
        {{ date_key('order_date') }} as order_date_key,
        cast(grain as {{ dbt.type_string() }}) as grain,
        {%- for dimension in dimensions %}
        cast({{ dimension }} as {{ dbt.type_string() }}) as {{ dimension }},
        {%- endfor %}
        cast(orders as bigint) as orders,
        cast(units as bigint) as units,
        cast(unique_customers as bigint) as unique_customers,
        cast(net_revenue_usd as {{ type_money() }}) as net_revenue_usd,
        cast(
            {{ prorate_money('net_revenue_usd', 1, 'orders') }} as {{ type_money() }}
        ) as average_order_value_usd,
        cast(net_revenue as {{ type_money() }}) as net_revenue,
        last_loaded_at
    from with_loads

)

select * from final
