"""The analytics marts (models/marts/analytics) against the simulator's ground truth, computed
independently in Python, on DuckDB and on Postgres; the two engines agree row for row; and
fct_sessions built incrementally equals a full refresh. Reuses the shared warehouses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest

from simulator import truth
from simulator.state import State

from .conftest import LOAD_TIME_COLUMNS, table_rows

ANALYTICS_MARTS = (
    "marts.fct_sessions",
    "marts.conversion_funnel",
    "marts.fct_order_attribution",
    "marts.marketing_roas",
    "marts.daily_sales",
    "marts.monthly_revenue_growth",
    "marts.product_performance",
    "marts.customer_lifetime_value",
    "marts.cohort_retention",
)


def _fx_rates(wh) -> dict[str, Decimal]:
    return dict(wh.query("select currency_code, rate_to_usd from staging.stg_reference__fx_rates"))


def test_daily_sales_revenue_per_day_and_currency_matches_truth(history) -> None:
    expected = {
        (r["date"], r["currency"]): (r["revenue"], r["orders"])
        for r in truth.revenue_per_day(history.sim_dir)
    }
    actual = {
        (day, currency): (revenue, orders)
        for day, currency, revenue, orders in history.query(
            "select order_date, currency_code, net_revenue, orders"
            " from marts.daily_sales where grain = 'currency'"
        )
    }
    assert actual == expected


def test_daily_sales_overall_orders_and_revenue_per_day_match_truth(history) -> None:
    rates = _fx_rates(history)
    expected_orders: dict[dt.date, int] = defaultdict(int)
    expected_usd: dict[dt.date, Decimal] = defaultdict(Decimal)
    for r in truth.revenue_per_day(history.sim_dir):
        expected_orders[r["date"]] += r["orders"]
        expected_usd[r["date"]] += r["revenue"] * rates[r["currency"]]

    overall = history.query(
        "select order_date, orders, net_revenue_usd from marts.daily_sales"
        " where grain = 'overall' order by order_date"
    )
    days = [day for day, _, _ in overall]
    # one row per day, no gap, from the first to the last order date
    assert days == [days[0] + dt.timedelta(days=i) for i in range(len(days))]
    assert set(expected_orders) <= set(days)
    for day, orders, revenue_usd in overall:
        assert orders == expected_orders.get(day, 0), day
        # converted order by order, rounded to the cent each time: half a cent per order at most
        tolerance = Decimal("0.005") * orders + Decimal("0.000001")
        assert abs(revenue_usd - expected_usd.get(day, Decimal(0))) <= tolerance, day


def test_marketing_roas_spend_per_campaign_matches_truth(history) -> None:
    expected = {
        campaign_id: (t["spend"], t["impressions"], t["clicks"], t["currency"])
        for campaign_id, t in truth.ad_spend_per_campaign(history.sim_dir).items()
    }
    actual = {
        campaign_id: (spend, int(impressions), int(clicks), currency)
        for campaign_id, spend, impressions, clicks, currency in history.query(
            "select campaign_id, sum(spend_amount), sum(impressions), sum(clicks),"
            " max(spend_currency_code)"
            " from marts.marketing_roas where campaign_id != -1"
            " group by campaign_id having sum(impressions) > 0 or sum(spend_amount) > 0"
        )
    }
    assert actual == expected


def test_marketing_roas_ratios_are_guarded_and_consistent(history) -> None:
    rows = history.query(
        "select spend_amount_usd, attributed_orders, attributed_revenue_usd, roas,"
        " cost_per_order_usd from marts.marketing_roas"
    )
    assert rows
    for spend, orders, revenue, roas, cost_per_order in rows:
        assert (roas is None) == (spend == 0)
        assert (cost_per_order is None) == (orders == 0)
        if roas is not None:
            assert abs(roas - revenue / spend) < Decimal("0.000001")
        if cost_per_order is not None:
            assert abs(cost_per_order - spend / orders) <= Decimal("0.005")
    # attributed revenue never exceeds the revenue of the orders it comes from
    attributed = history.scalar("select sum(attributed_revenue_usd) from marts.marketing_roas")
    total = history.scalar("select sum(net_revenue_usd) from marts.fct_orders")
    assert 0 < attributed <= total


def test_sessions_hold_every_delivered_event_once(history) -> None:
    totals = truth.event_totals(history.sim_dir)
    assert (
        history.scalar("select sum(event_count) from marts.fct_sessions")
        == (totals["distinct_event_ids"])
    )
    without_source_id = history.scalar(
        "select count(*) from intermediate.int_web_events_sessionized"
        " where session_assignment != 'source'"
    )
    assert without_source_id == totals["null_session_id"]
    purchases = history.scalar("select count(*) from marts.fct_sessions where reached_purchase")
    assert purchases == truth.events_per_type(history.sim_dir)["order_completed"]


@pytest.mark.postgres
def test_analytics_marts_identical_on_both_engines(duckdb_history, postgres_history) -> None:
    today = State.load(duckdb_history.sim_dir).today
    assert today == State.load(postgres_history.sim_dir).today
    for table in ANALYTICS_MARTS:
        columns, duck = table_rows(duckdb_history, table, LOAD_TIME_COLUMNS)
        pg_columns, pg = table_rows(postgres_history, table, LOAD_TIME_COLUMNS)
        assert columns == pg_columns, table
        assert _normalise(duck) == _normalise(pg), table


def _normalise(rows: list[tuple]) -> list[tuple]:
    def value(v):
        if isinstance(v, dt.datetime):
            return v.astimezone(dt.UTC)
        if isinstance(v, Decimal):
            return v.normalize()
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


# Built incrementally (models/ + macros/incremental.sql): rebuilding them from scratch must
# give the same rows as the shared warehouse's days of incremental builds.
INCREMENTAL_ANALYTICS = (
    "intermediate.int_web_events_sessionized",
    "intermediate.int_web_sessions_aggregated",
    "marts.fct_sessions",
    "marts.conversion_funnel",
    "marts.daily_sales",
)


def test_incremental_analytics_equal_full_refresh(duckdb_history, duckdb_clone) -> None:
    """The shared warehouse built the clickstream models and daily_sales incrementally
    (initial load + advanced days); rebuilding them from scratch gives the same rows."""
    incremental = {t: table_rows(duckdb_history, t)[1] for t in INCREMENTAL_ANALYTICS}
    models = [t.split(".")[1] for t in INCREMENTAL_ANALYTICS]
    duckdb_clone.dbt("run", "--select", *models, "--full-refresh")
    for table in INCREMENTAL_ANALYTICS:
        _, full_refresh = table_rows(duckdb_clone, table)
        assert len(incremental[table]) == len(full_refresh), table
        assert incremental[table] == full_refresh, table
