{#
    Grain: one row per campaign x day (campaign_id, activity_date) with spend or attributed
    orders: the day's ad spend (fct_ad_spend) next to the revenue orders placed that day that
    are attributed to the campaign (fct_order_attribution, last non-direct touch), their
    revenue (`revenue` rule, reporting currency), ROAS and cost per order (NULL instead of a
    division by zero). Touches whose utm_campaign is not a known campaign count under the
    unknown campaign (-1). See the `roas` doc block.
#}
with

ad_spend as (

    select * from {{ ref('fct_ad_spend') }}

),

attribution as (

    select * from {{ ref('fct_order_attribution') }}

),

campaigns as (

    select * from {{ ref('dim_campaigns') }}

),

daily_spend as (

    select
        campaign_id,
        spend_date as activity_date,
        max(currency_code) as spend_currency_code,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(spend_amount) as spend_amount,
        sum(spend_amount_usd) as spend_amount_usd
    from ad_spend
    group by campaign_id, spend_date

),

daily_attributed as (

    select
        order_date as activity_date,
        coalesce(campaign_id, -1) as campaign_id,
        count(*) as attributed_orders,
        sum(net_revenue_usd) as attributed_revenue_usd
    from attribution
    where is_revenue and utm_campaign is not null
    group by coalesce(campaign_id, -1), order_date

),

joined as (

    select
        daily_spend.spend_currency_code,
        coalesce(daily_spend.campaign_id, daily_attributed.campaign_id) as campaign_id,
        coalesce(daily_spend.activity_date, daily_attributed.activity_date) as activity_date,
        coalesce(daily_spend.impressions, 0) as impressions,
        coalesce(daily_spend.clicks, 0) as clicks,
        coalesce(daily_spend.spend_amount, 0) as spend_amount,
        coalesce(daily_spend.spend_amount_usd, 0) as spend_amount_usd,
        coalesce(daily_attributed.attributed_orders, 0) as attributed_orders,
        coalesce(daily_attributed.attributed_revenue_usd, 0) as attributed_revenue_usd
    from daily_spend
    full outer join daily_attributed
        on
            daily_spend.campaign_id = daily_attributed.campaign_id
            and daily_spend.activity_date = daily_attributed.activity_date

),

final as (

    select
        joined.campaign_id,
        coalesce(campaigns.campaign_key, {{ unknown_member_key() }}) as campaign_key,
        coalesce(campaigns.campaign_name, 'Unknown') as campaign_name,
        coalesce(campaigns.marketing_channel, 'unknown') as marketing_channel,
        joined.activity_date,
        {{ date_key('joined.activity_date') }} as activity_date_key,
        cast(joined.impressions as bigint) as impressions,
        cast(joined.clicks as bigint) as clicks,
        cast(
            coalesce(joined.spend_currency_code, campaigns.currency_code)
            as {{ dbt.type_string() }}
        ) as spend_currency_code,
        cast(joined.spend_amount as {{ type_money() }}) as spend_amount,
        cast(joined.spend_amount_usd as {{ type_money() }}) as spend_amount_usd,
        cast(joined.attributed_orders as bigint) as attributed_orders,
        cast(joined.attributed_revenue_usd as {{ type_money() }}) as attributed_revenue_usd,
        {{ safe_divide('joined.attributed_revenue_usd', 'joined.spend_amount_usd') }} as roas,
        cast(
            {{ prorate_money('joined.spend_amount_usd', 1, 'joined.attributed_orders') }}
            as {{ type_money() }}
        ) as cost_per_order_usd
    from joined
    left join campaigns
        on joined.campaign_id = campaigns.campaign_id

)

select * from final
