{#
    Grain: one row per order date (UTC) x `grain` x its dimension value (see the
    `daily_sales_grain` doc block):
      * grain 'overall': one row per day from the first to the last order date (days without
        revenue show zeros), sales_channel = country_code = currency_code = 'all';
      * grain 'sales_channel' / 'country' / 'currency': one row per day and value of that
        dimension that has revenue orders, the other two dimensions 'all'.
    Measures count revenue orders only (the `revenue` rule). unique_customers is a distinct
    count within the row: it must never be summed across days or rows.
#}
{%- set dimensions = ['sales_channel', 'country_code', 'currency_code'] -%}
{%- set grains = {
    'sales_channel': 'sales_channel',
    'country': 'country_code',
    'currency': 'currency_code',
} %}

with

orders as (

    select * from {{ ref('fct_orders') }}

),

customers as (

    select * from {{ ref('dim_customers') }}

),

calendar as (

    select * from {{ ref('dim_date') }}

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

    select calendar.date_day as order_date
    from calendar
    where
        calendar.date_day >= (select min(orders.order_date) as first_date from orders)
        and calendar.date_day <= (select max(orders.order_date) as last_date from orders)

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
        cast(net_revenue as {{ type_money() }}) as net_revenue
    from unioned

)

select * from final
