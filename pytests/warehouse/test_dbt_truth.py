"""The marts reproduce the simulator's ground truth (computed independently, in Python), on
DuckDB and on Postgres, after an initial load and a few advanced days."""

from __future__ import annotations

from simulator import truth


def test_revenue_per_day_and_currency_matches_truth(history) -> None:
    expected = {
        (r["date"], r["currency"]): (r["revenue"], r["orders"])
        for r in truth.revenue_per_day(history.sim_dir)
    }
    actual = {
        (day, currency): (revenue, orders)
        for day, currency, revenue, orders in history.query(
            "select order_date, currency_code, sum(net_revenue), count(*)"
            " from marts.fct_orders where is_revenue group by order_date, currency_code"
        )
    }
    assert actual == expected


def test_order_line_revenue_adds_up_to_order_revenue(history) -> None:
    orders = history.scalar("select sum(net_revenue) from marts.fct_orders")
    lines = history.scalar("select sum(net_revenue) from marts.fct_order_items")
    assert orders == lines
    assert orders == sum(r["revenue"] for r in truth.revenue_per_day(history.sim_dir))


def test_orders_per_status_match_truth(history) -> None:
    actual = dict(
        history.query("select order_status, count(*) from marts.fct_orders group by order_status")
    )
    assert actual == truth.orders_per_status(history.sim_dir)


def test_units_sold_per_product_match_truth(history) -> None:
    actual = {
        product_id: int(units)
        for product_id, units in history.query(
            "select product_id, sum(quantity) from marts.fct_order_items"
            " where is_revenue group by product_id"
        )
    }
    assert actual == truth.units_sold_per_product(history.sim_dir)
    all_units = {
        product_id: int(units)
        for product_id, units in history.query(
            "select product_id, sum(quantity) from marts.fct_order_items group by product_id"
        )
    }
    assert all_units == truth.units_sold_per_product(history.sim_dir, revenue_only=False)


def test_ad_spend_per_campaign_matches_truth(history) -> None:
    actual = {
        campaign_id: {
            "spend": spend,
            "impressions": int(impressions),
            "clicks": int(clicks),
            "days": int(days),
            "currency": currency,
        }
        for campaign_id, spend, impressions, clicks, days, currency in history.query(
            "select campaign_id, sum(spend_amount), sum(impressions), sum(clicks), count(*),"
            " min(currency_code) from marts.fct_ad_spend group by campaign_id"
        )
    }
    assert actual == truth.ad_spend_per_campaign(history.sim_dir)


def test_events_per_type_match_truth(history) -> None:
    actual = dict(
        history.query("select event_type, count(*) from staging.stg_web__events group by 1")
    )
    assert actual == truth.events_per_type(history.sim_dir)


def test_facts_never_fall_back_to_unknown_members_for_known_keys(history) -> None:
    assert (
        history.scalar(
            "select count(*) from marts.fct_order_items f"
            " join marts.dim_customers c on c.customer_id = f.customer_id and c.is_current"
            " where f.customer_key = '-1'"
        )
        == 0
    )
    assert (
        history.scalar(
            "select count(*) from marts.fct_order_items f"
            " join marts.dim_products p on p.product_id = f.product_id and p.is_current"
            " where f.product_key = '-1'"
        )
        == 0
    )
