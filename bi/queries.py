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


# --- Sales overview ---------------------------------------------------------------------------
SALES_DAILY = Query(
    "sales_daily",
    """
    select
        fct_orders.order_date,
        fct_orders.sales_channel,
        coalesce(dim_customers.country_code, 'unknown') as country_code,
        sum(fct_orders.net_revenue_usd) as revenue_usd,
        sum(case when fct_orders.is_revenue then 1 else 0 end) as orders
    from marts.fct_orders
    left join marts.dim_customers
        on fct_orders.customer_key = dim_customers.customer_key
    group by 1, 2, 3
    order by 1, 2, 3
    """,
)

# --- Customers --------------------------------------------------------------------------------
CUSTOMER_ORDERS = Query(
    "customer_orders",
    """
    select
        customer_id,
        order_date,
        net_revenue_usd,
        is_revenue
    from marts.fct_orders
    where customer_id is not null
    """,
)

# --- Marketing --------------------------------------------------------------------------------
CAMPAIGN_SPEND = Query(
    "campaign_spend",
    """
    select
        dim_campaigns.campaign_id,
        dim_campaigns.campaign_name,
        dim_campaigns.marketing_channel,
        sum(fct_ad_spend.spend_amount_usd) as spend_usd,
        sum(fct_ad_spend.impressions) as impressions,
        sum(fct_ad_spend.clicks) as clicks
    from marts.fct_ad_spend
    inner join marts.dim_campaigns
        on fct_ad_spend.campaign_key = dim_campaigns.campaign_key
    group by 1, 2, 3
    order by spend_usd desc
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
    dataset: Query(f"ingestion_runs_{dataset}", _RUNS.format(dataset=dataset))
    for dataset in ("raw_shop", "raw_web", "raw_marketing")
}

# Fallback when the raw schemas are not readable (Postgres `bi_reader` reads only `marts`):
# the load time the facts carry (`last_loaded_at`: when ingestion last wrote a source row of
# the fact) and, for ad spend, when the platform last restated the figures.
MART_FRESHNESS = Query(
    "mart_freshness",
    """
    select 'shop' as source_name, 'fct_orders' as table_name,
        max(last_loaded_at) as last_loaded_at, count(*) as row_count
    from marts.fct_orders
    union all
    select 'shop', 'fct_order_items', max(last_loaded_at), count(*) from marts.fct_order_items
    union all
    select 'shop', 'fct_payments', max(last_loaded_at), count(*) from marts.fct_payments
    union all
    select 'marketing', 'fct_ad_spend', max(updated_at), count(*) from marts.fct_ad_spend
    """,
)


# Which statements each dashboard page runs; the dbt exposures list the same marts (a test
# checks they agree).
PAGE_QUERIES: dict[str, list[Query]] = {
    "sales": [SALES_DAILY],
    "customers": [CUSTOMER_ORDERS],
    "funnel": [],
    "marketing": [CAMPAIGN_SPEND],
    "health": [*RAW_FRESHNESS.values(), *INGESTION_RUNS.values(), MART_FRESHNESS],
}
