{#
    Grain: one row per order (order_id): the order's last non-direct touch within the
    attribution window (see the `attribution` doc block) next to its revenue (`revenue` doc
    block). Orders without a touch are attributed to 'direct'.
#}
with

attributed as (

    select * from {{ ref('int_orders_attributed') }}

),

orders as (

    select * from {{ ref('fct_orders') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

final as (

    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        orders.order_date,
        orders.order_date_key,
        orders.sales_channel,
        orders.order_status,
        orders.is_revenue,
        orders.currency_code,
        orders.net_revenue,
        orders.net_revenue_usd,
        attributed.is_attributed,
        attributed.attribution_channel,
        attributed.campaign_id,
        case
            when attributed.utm_campaign is null then null
            else coalesce(campaigns.campaign_key, {{ unknown_member_key() }})
        end as campaign_key,
        attributed.utm_source,
        attributed.utm_medium,
        attributed.utm_campaign,
        attributed.touch_session_id,
        attributed.touched_at,
        cast(
            case
                when attributed.touched_at is not null
                    then {{ seconds_between('attributed.touched_at', 'orders.ordered_at') }} / 3600
            end
            as numeric(18, 2)
        ) as hours_from_touch_to_order,
        attributed.attribution_lookback_days
    from orders
    inner join attributed
        on orders.order_id = attributed.order_id
    left join campaigns
        on attributed.campaign_id = campaigns.campaign_id

)

select * from final
