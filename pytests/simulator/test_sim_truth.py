"""Ground-truth figures agree with direct computations on the stores."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

from pytests.simulator.conftest import rows, table_snapshot
from simulator import store, truth
from simulator.clock import parse_db_timestamp


def test_revenue_per_day_follows_the_revenue_rule(world: Path) -> None:
    direct = rows(
        world / store.SHOP_DB,
        "SELECT date(ordered_at), currency, "
        "SUM(CAST(ROUND((subtotal_amount - discount_amount) * 100) AS INTEGER)), COUNT(*) "
        "FROM orders WHERE status IN ('paid', 'shipped', 'delivered') GROUP BY 1, 2 ORDER BY 1, 2",
    )
    got = truth.revenue_per_day(world)
    assert [
        (r["date"].isoformat(), r["currency"], int(r["revenue"] * 100), r["orders"]) for r in got
    ] == direct
    assert all(isinstance(r["revenue"], Decimal) for r in got)
    assert {r["currency"] for r in got} == {"USD", "EUR", "GBP", "CAD"}
    # pending, cancelled and returned orders carry no revenue
    excluded = rows(
        world / store.SHOP_DB,
        "SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'cancelled', 'returned')",
    )
    assert excluded[0][0] > 0
    assert (
        sum(r["orders"] for r in got) + excluded[0][0]
        == rows(world / store.SHOP_DB, "SELECT COUNT(*) FROM orders")[0][0]
    )


def test_orders_per_status(world: Path) -> None:
    direct = dict(rows(world / store.SHOP_DB, "SELECT status, COUNT(*) FROM orders GROUP BY 1"))
    assert truth.orders_per_status(world) == direct
    assert set(direct) == {"pending", "paid", "shipped", "delivered", "cancelled", "returned"}


def test_units_sold_per_product(world: Path) -> None:
    sql = (
        "SELECT product_id, SUM(quantity) FROM order_items JOIN orders USING (order_id) {} "
        "GROUP BY 1 ORDER BY 1"
    )
    revenue = dict(
        rows(world / store.SHOP_DB, sql.format("WHERE status IN ('paid', 'shipped', 'delivered')"))
    )
    everything = dict(rows(world / store.SHOP_DB, sql.format("")))
    assert truth.units_sold_per_product(world) == revenue
    assert truth.units_sold_per_product(world, revenue_only=False) == everything
    assert sum(revenue.values()) < sum(everything.values())


def test_customer_history_ends_in_the_current_rows(world: Path) -> None:
    history = truth.customer_history(world)
    current = table_snapshot(world, store.SHOP_DB, "customers")
    latest = {}
    for h in history:
        latest[h["customer_id"]] = h
        if h["valid_to"] is not None:
            assert h["valid_to"] > h["valid_from"]
    assert set(latest) == set(current)
    for cid, h in latest.items():
        row = current[cid]
        assert h["valid_to"] is None
        for k in ("email", "city", "country", "postal_code", "street_address"):
            assert h[k] == row[k]
        assert h["marketing_opt_in"] == bool(row["marketing_opt_in"])
        assert (h["deleted_at"] is None) == (row["deleted_at"] is None)
        assert int(h["valid_from"].timestamp() * 1e6) == parse_db_timestamp(row["updated_at"])
    kinds = Counter(h["change"] for h in history)
    assert set(kinds) == {"created", "moved", "email_changed", "opt_in_changed", "closed"}
    assert kinds["created"] == len(current)


def test_product_history_ends_in_the_current_rows(world: Path) -> None:
    history = truth.product_history(world)
    current = table_snapshot(world, store.SHOP_DB, "products")
    latest = {h["product_id"]: h for h in history}
    assert {p for p, h in latest.items() if not h["deleted"]} == set(current)
    for pid, row in current.items():
        h = latest[pid]
        assert h["list_price"] == Decimal(str(row["list_price"])).quantize(Decimal("0.01"))
        assert h["category_id"] == row["category_id"]
        assert h["is_active"] == bool(row["is_active"])
    assert {h["change"] for h in history} == {
        "created",
        "price_changed",
        "category_changed",
        "discontinued",
        "deleted",
    }


def test_ad_spend_per_campaign_uses_current_figures(world: Path) -> None:
    direct = rows(
        world / store.API_DB,
        "SELECT campaign_id, SUM(CAST(ROUND(spend * 100) AS INTEGER)), SUM(impressions), "
        "SUM(clicks), COUNT(*) FROM ad_spend GROUP BY 1 ORDER BY 1",
    )
    got = truth.ad_spend_per_campaign(world)
    assert [
        (k, int(v["spend"] * 100), v["impressions"], v["clicks"], v["days"]) for k, v in got.items()
    ] == direct


def test_event_figures(world: Path) -> None:
    api = world / store.API_DB
    per_type = dict(rows(api, "SELECT event_type, COUNT(DISTINCT event_id) FROM events GROUP BY 1"))
    assert truth.events_per_type(world) == per_type
    totals = truth.event_totals(world)
    n, distinct = rows(api, "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events")[0]
    assert totals["deliveries"] == n and totals["distinct_event_ids"] == distinct
    assert totals["duplicate_deliveries"] == n - distinct > 0
    assert 0.01 < totals["late"] / distinct < 0.06
    assert (
        totals["undelivered"]
        == rows(world / store.INTERNAL_DB, "SELECT COUNT(*) FROM pending_events")[0][0]
    )
