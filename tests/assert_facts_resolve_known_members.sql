-- Data quality signal (warn): a fact row points at the unknown member although its natural
-- key exists in the dimension, i.e. the point-in-time join found no version valid at
-- ordered_at (a snapshot gap). Unknown natural keys are expected to use '-1' and are not
-- reported.
{{ config(severity='warn') }}

with

fact_order_items as (

    select * from {{ ref('fct_order_items') }}

),

customers as (

    select distinct customer_id from {{ ref('dim_customers') }}

),

products as (

    select distinct product_id from {{ ref('dim_products') }}

),

unresolved_customers as (

    select
        fact_order_items.order_item_id,
        'customer' as dimension
    from fact_order_items
    inner join customers
        on fact_order_items.customer_id = customers.customer_id
    where fact_order_items.customer_key = {{ unknown_member_key() }}

),

unresolved_products as (

    select
        fact_order_items.order_item_id,
        'product' as dimension
    from fact_order_items
    inner join products
        on fact_order_items.product_id = products.product_id
    where fact_order_items.product_key = {{ unknown_member_key() }}

),

unresolved as (

    select * from unresolved_customers
    union all
    select * from unresolved_products

)

select * from unresolved
