{#
    Grain: one row per product x day (product_id, activity_date) with sales or product views.
      * sales (order date, revenue orders only, `revenue` rule): units, orders, revenue in the
        reporting currency, from fct_order_items;
      * views (UTC event date): product_view events, the sessions that viewed the product, and
        of those the sessions that placed an order containing it (purchasing sessions);
      * view_to_purchase_rate = purchasing sessions / viewing sessions (NULL without views).
    Marketplace orders are not tracked on the web, so units can exceed purchasing sessions.
    Product attributes are the product's current version.
#}
with

order_items as (

    select * from {{ ref('fct_order_items') }}

),

events as (

    select * from {{ ref('int_web_events_sessionized') }}

),

products as (

    select * from {{ ref('dim_products') }}

),

daily_sales as (

    select
        product_id,
        order_date as activity_date,
        sum(quantity) as units_sold,
        count(distinct order_id) as orders,
        sum(net_revenue_usd) as net_revenue_usd
    from order_items
    where is_revenue
    group by product_id, order_date

),

session_product_views as (

    select
        product_id,
        event_date as activity_date,
        session_id,
        count(*) as product_views
    from events
    where event_type = 'product_view' and product_id is not null
    group by product_id, event_date, session_id

),

session_orders as (

    select distinct
        session_id,
        order_id
    from events
    where event_type = 'order_completed' and order_id is not null

),

session_purchases as (

    select distinct
        session_orders.session_id,
        order_items.product_id
    from session_orders
    inner join order_items
        on session_orders.order_id = order_items.order_id

),

daily_views as (

    select
        session_product_views.product_id,
        session_product_views.activity_date,
        sum(session_product_views.product_views) as product_views,
        count(*) as viewing_sessions,
        count(session_purchases.session_id) as purchasing_sessions
    from session_product_views
    left join session_purchases
        on
            session_product_views.session_id = session_purchases.session_id
            and session_product_views.product_id = session_purchases.product_id
    group by session_product_views.product_id, session_product_views.activity_date

),

joined as (

    select
        coalesce(daily_sales.product_id, daily_views.product_id) as product_id,
        coalesce(daily_sales.activity_date, daily_views.activity_date) as activity_date,
        coalesce(daily_sales.units_sold, 0) as units_sold,
        coalesce(daily_sales.orders, 0) as orders,
        coalesce(daily_sales.net_revenue_usd, 0) as net_revenue_usd,
        coalesce(daily_views.product_views, 0) as product_views,
        coalesce(daily_views.viewing_sessions, 0) as viewing_sessions,
        coalesce(daily_views.purchasing_sessions, 0) as purchasing_sessions
    from daily_sales
    full outer join daily_views
        on
            daily_sales.product_id = daily_views.product_id
            and daily_sales.activity_date = daily_views.activity_date

),

current_products as (

    select * from products
    where is_current

),

final as (

    select
        joined.product_id,
        joined.activity_date,
        {{ date_key('joined.activity_date') }} as activity_date_key,
        current_products.product_key,
        current_products.product_name,
        current_products.category_name,
        current_products.top_category_name,
        cast(joined.units_sold as bigint) as units_sold,
        cast(joined.orders as bigint) as orders,
        cast(joined.net_revenue_usd as {{ type_money() }}) as net_revenue_usd,
        cast(joined.product_views as bigint) as product_views,
        cast(joined.viewing_sessions as bigint) as viewing_sessions,
        cast(joined.purchasing_sessions as bigint) as purchasing_sessions,
        {{ safe_divide('joined.purchasing_sessions', 'joined.viewing_sessions') }}
            as view_to_purchase_rate
    from joined
    left join current_products
        on joined.product_id = current_products.product_id

)

select * from final
