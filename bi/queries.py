"""Every SQL statement the dashboards run, in one place.

Rules: only `select`; business data only from schema `marts`; the raw run-log tables
(`raw_*._ingestion_runs`, `_loaded_at`) only for the data-health page, which falls back to
`marts` when the raw schemas are not readable (the Postgres `bi_reader` role). The SQL is plain
ANSI that DuckDB and Postgres both run; parameters use psycopg2's `%(name)s` style
(`bi.db` rewrites them for DuckDB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RELATION = re.compile(r"\b(marts|raw_shop|raw_web|raw_marketing)\.(\w+)")


@dataclass(frozen=True)
class Query:
    name: str
    sql: str

    @property
    def relations(self) -> frozenset[str]:
        """`schema.table` of every relation the statement reads."""
        return frozenset(f"{schema}.{table}" for schema, table in _RELATION.findall(self.sql))

    @property
    def marts(self) -> frozenset[str]:
        return frozenset(r.split(".", 1)[1] for r in self.relations if r.startswith("marts."))


# --- Sales overview (daily_sales: several grains in one table; filter one grain first) --------
SALES_DAILY = Query(
    "sales_daily",
    """
    select
        order_date,
        grain,
        sales_channel,
        country_code,
        orders,
        units,
        net_revenue_usd
    from marts.daily_sales
    where grain in ('overall', 'sales_channel', 'country')
    order by order_date, grain, sales_channel, country_code
    """,
)

SALES_MONTHLY = Query(
    "sales_monthly",
    """
    select
        month_start_date,
        orders,
        unique_customers,
        net_revenue_usd,
        revenue_growth_rate,
        is_partial_month
    from marts.monthly_revenue_growth
    order by month_start_date
    """,
)

TOP_PRODUCTS = Query(
    "top_products",
    """
    select
        product_id,
        product_name,
        top_category_name,
        coalesce(sum(units_sold), 0) as units_sold,
        coalesce(sum(net_revenue_usd), 0) as net_revenue_usd,
        coalesce(sum(product_views), 0) as product_views,
        coalesce(sum(viewing_sessions), 0) as viewing_sessions,
        coalesce(sum(purchasing_sessions), 0) as purchasing_sessions
    from marts.product_performance
    where activity_date between %(start_date)s and %(end_date)s
    group by product_id, product_name, top_category_name
    order by net_revenue_usd desc, units_sold desc, product_id
    limit 10
    """,
)

# --- Customers --------------------------------------------------------------------------------
COHORT_RETENTION = Query(
    "cohort_retention",
    """
    select
        cohort_month,
        months_since_first_order,
        cohort_size,
        active_customers,
        retention_rate
    from marts.cohort_retention
    order by cohort_month, months_since_first_order
    """,
)

CUSTOMER_SUMMARY = Query(
    "customer_summary",
    """
    select
        count(*) as customers,
        sum(case when orders > 0 then 1 else 0 end) as purchasers,
        sum(case when orders > 1 then 1 else 0 end) as repeat_purchasers,
        sum(net_revenue_usd) as net_revenue_usd
    from marts.customer_lifetime_value
    """,
)

CUSTOMER_SEGMENTS = Query(
    "customer_segments",
    """
    select
        rfm_segment,
        count(*) as customers,
        sum(net_revenue_usd) as net_revenue_usd,
        avg(recency_days) as avg_recency_days,
        avg(orders) as avg_orders
    from marts.customer_lifetime_value
    group by rfm_segment
    order by net_revenue_usd desc, rfm_segment
    """,
)

# Lifetime value of customers with a purchase, in 100 USD buckets (the last one is 2000+).
CUSTOMER_LTV_BUCKETS = Query(
    "customer_ltv_buckets",
    """
    select
        least(floor(net_revenue_usd / 100) * 100, 2000) as ltv_bucket_usd,
        spend_tier,
        count(*) as customers
    from marts.customer_lifetime_value
    where orders > 0
    group by least(floor(net_revenue_usd / 100) * 100, 2000), spend_tier
    order by ltv_bucket_usd, spend_tier
    """,
)

RFM_GRID = Query(
    "rfm_grid",
    """
    select
        recency_score,
        frequency_score,
        count(*) as customers,
        sum(net_revenue_usd) as net_revenue_usd
    from marts.customer_lifetime_value
    where orders > 0
    group by recency_score, frequency_score
    order by recency_score, frequency_score
    """,
)

# --- Conversion funnel ------------------------------------------------------------------------
FUNNEL_DAILY = Query(
    "funnel_daily",
    """
    select
        session_start_date,
        landing_channel,
        sessions,
        product_view_sessions,
        add_to_cart_sessions,
        checkout_sessions,
        purchase_sessions
    from marts.conversion_funnel
    order by session_start_date, landing_channel
    """,
)

# --- Marketing --------------------------------------------------------------------------------
MARKETING_ROAS = Query(
    "marketing_roas",
    """
    select
        activity_date,
        campaign_id,
        campaign_name,
        marketing_channel,
        impressions,
        clicks,
        spend_amount_usd,
        attributed_orders,
        attributed_revenue_usd
    from marts.marketing_roas
    order by activity_date, campaign_id
    """,
)

# --- Data health ------------------------------------------------------------------------------
# Freshness of each raw table the dbt sources declare (docs/raw-layer.md): when ingestion last
# wrote a row. One query per source, so a source whose schema is missing does not hide others.
RAW_FRESHNESS = {
    "shop": Query(
        "raw_freshness_shop",
        """
        select 'shop' as source_name, 'customers' as table_name,
            max(_loaded_at) as last_loaded_at, count(*) as row_count
        from raw_shop.customers
        union all
        select 'shop', 'categories', max(_loaded_at), count(*) from raw_shop.categories
        union all
        select 'shop', 'products', max(_loaded_at), count(*) from raw_shop.products
        union all
        select 'shop', 'orders', max(_loaded_at), count(*) from raw_shop.orders
        union all
        select 'shop', 'order_items', max(_loaded_at), count(*) from raw_shop.order_items
        union all
        select 'shop', 'payments', max(_loaded_at), count(*) from raw_shop.payments
        """,
    ),
    "web": Query(
        "raw_freshness_web",
        """
        select 'web' as source_name, 'events' as table_name,
            max(_loaded_at) as last_loaded_at, count(*) as row_count
        from raw_web.events
        """,
    ),
    "marketing": Query(
        "raw_freshness_marketing",
        """
        select 'marketing' as source_name, 'campaigns' as table_name,
            max(_loaded_at) as last_loaded_at, count(*) as row_count
        from raw_marketing.campaigns
        union all
        select 'marketing', 'ad_spend', max(_loaded_at), count(*) from raw_marketing.ad_spend
        """,
    ),
}

# The ingestion run log of each raw dataset (docs/raw-layer.md, `_ingestion_runs`).
_RUNS = """
    select
        '{dataset}' as dataset,
        pipeline,
        run_id,
        started_at,
        finished_at,
        status,
        rows_loaded,
        rows_quarantined,
        error
    from {dataset}._ingestion_runs
"""
INGESTION_RUNS = {
    # fixed identifiers, no user input
    dataset: Query(f"ingestion_runs_{dataset}", _RUNS.format(dataset=dataset))
    for dataset in ("raw_shop", "raw_web", "raw_marketing")
}

# Fallback when the raw schemas are not readable (Postgres `bi_reader` reads only `marts`):
# the load time the facts carry (`last_loaded_at`: when ingestion last wrote a source row of
# the fact or session) and, for ad spend, when the platform last restated the figures.
MART_FRESHNESS = Query(
    "mart_freshness",
    """
    select 'shop' as source_name, 'fct_orders' as table_name, 'loaded' as basis,
        max(last_loaded_at) as last_loaded_at, count(*) as row_count
    from marts.fct_orders
    union all
    select 'shop', 'fct_order_items', 'loaded', max(last_loaded_at), count(*)
    from marts.fct_order_items
    union all
    select 'shop', 'fct_payments', 'loaded', max(last_loaded_at), count(*)
    from marts.fct_payments
    union all
    select 'web', 'fct_sessions', 'loaded', max(last_loaded_at), count(*)
    from marts.fct_sessions
    union all
    select 'marketing', 'fct_ad_spend', 'restated', max(updated_at), count(*)
    from marts.fct_ad_spend
    """,
)


# Which statements each dashboard page runs; the dbt exposures list the same marts (a test
# checks they agree).
PAGE_QUERIES: dict[str, list[Query]] = {
    "sales": [SALES_DAILY, SALES_MONTHLY, TOP_PRODUCTS],
    "customers": [
        COHORT_RETENTION,
        CUSTOMER_SUMMARY,
        CUSTOMER_SEGMENTS,
        CUSTOMER_LTV_BUCKETS,
        RFM_GRID,
    ],
    "funnel": [FUNNEL_DAILY],
    "marketing": [MARKETING_ROAS],
    "health": [*RAW_FRESHNESS.values(), *INGESTION_RUNS.values(), MART_FRESHNESS],
}
