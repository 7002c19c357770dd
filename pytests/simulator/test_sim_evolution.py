"""Every kind of change the world goes through shows up after `advance`, stamped inside the
simulated days, and the data stays internally consistent."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from pytests.simulator.conftest import rows, table_snapshot
from simulator import store
from simulator.clock import day_start_us, parse_db_timestamp
from simulator.state import State

START, END = "2025-01-31 00:00:00", "2025-02-03 00:00:00"  # the 3 advanced days
START_US = parse_db_timestamp(START)
END_US = parse_db_timestamp(END)


def shop(world: Path, table: str) -> dict:
    return table_snapshot(world, store.SHOP_DB, table)


def changes(world: Path, table: str, change: str) -> list[tuple]:
    key = "customer_id" if table == "customer_history" else "product_id"
    return rows(
        world / store.INTERNAL_DB,
        store.select(table, [key, "version", "valid_from"], "WHERE change = ? AND valid_from >= ?"),
        (change, START_US),
    )


def in_window(ts: str) -> bool:
    return START <= ts < END


def test_clock_moved_forward(world: Path) -> None:
    assert State.load(world).current_date == "2025-02-03"


def test_every_update_is_stamped_inside_the_simulated_days(
    world: Path, before_advance: dict
) -> None:
    for table in store.SHOP_TABLES:
        before, after = before_advance[table], shop(world, table)
        for pk, row in after.items():
            old = before.get(pk)
            if old is None:
                assert in_window(row["created_at"]), (table, pk)
                assert row["created_at"] <= row["updated_at"]
            elif old != row:
                assert in_window(row["updated_at"]), (table, pk)
                assert row["created_at"] == old["created_at"]
            assert row["updated_at"] >= (old or row)["updated_at"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ("moved", {"street_address", "city", "postal_code"}),
        ("email_changed", {"email"}),
        ("opt_in_changed", {"marketing_opt_in"}),
    ],
)
def test_customer_changes(world: Path, before_advance: dict, change: str, fields: set[str]) -> None:
    found = changes(world, "customer_history", change)
    assert found, f"no customer {change} during the advance"
    now = shop(world, "customers")
    for customer_id, _, valid_from in found:
        old, new = before_advance["customers"][customer_id], now[customer_id]
        changed = {k for k in new if new[k] != old[k]}
        assert fields & changed, (change, customer_id)
        assert new["updated_at"] >= START
        assert parse_db_timestamp(new["updated_at"]) >= valid_from


def test_customers_close_accounts_by_soft_delete(world: Path, before_advance: dict) -> None:
    found = changes(world, "customer_history", "closed")
    assert found
    now = shop(world, "customers")
    for customer_id, _, valid_from in found:
        row = now[customer_id]  # still there: soft delete
        assert row["deleted_at"] is not None and in_window(row["deleted_at"])
        assert parse_db_timestamp(row["deleted_at"]) == valid_from
        assert before_advance["customers"][customer_id]["deleted_at"] is None


def test_new_customers_sign_up(world: Path, before_advance: dict) -> None:
    new = set(shop(world, "customers")) - set(before_advance["customers"])
    assert len(new) >= 3  # at least one a day


@pytest.mark.parametrize(
    ("change", "field"), [("price_changed", "list_price"), ("category_changed", "category_id")]
)
def test_product_changes(world: Path, before_advance: dict, change: str, field: str) -> None:
    found = changes(world, "product_history", change)
    assert found
    now = shop(world, "products")
    leaves = {
        r[0]
        for r in rows(
            world / store.SHOP_DB,
            "SELECT category_id FROM categories WHERE parent_category_id IS NOT NULL",
        )
    }
    for product_id, _, _ in found:
        assert now[product_id][field] != before_advance["products"][product_id][field]
        assert now[product_id]["category_id"] in leaves


def test_products_are_discontinued(world: Path, before_advance: dict) -> None:
    found = changes(world, "product_history", "discontinued")
    assert found
    now = shop(world, "products")
    for product_id, _, _ in found:
        assert now[product_id]["is_active"] == 0
        assert before_advance["products"][product_id]["is_active"] == 1


def test_never_sold_products_are_hard_deleted(world: Path, before_advance: dict) -> None:
    found = changes(world, "product_history", "deleted")
    assert found
    now = shop(world, "products")
    sold = {
        r[0] for r in rows(world / store.SHOP_DB, "SELECT DISTINCT product_id FROM order_items")
    }
    for product_id, _, _ in found:
        assert product_id in before_advance["products"]
        assert product_id not in now
        assert product_id not in sold


def test_new_products_are_launched(world: Path, before_advance: dict) -> None:
    assert set(shop(world, "products")) - set(before_advance["products"])


def test_new_orders_every_day(world: Path) -> None:
    days = Counter(
        r[0]
        for r in rows(
            world / store.SHOP_DB,
            "SELECT substr(ordered_at, 1, 10) FROM orders WHERE ordered_at >= ?",
            (START,),
        )
    )
    assert set(days) == {"2025-01-31", "2025-02-01", "2025-02-02"}


def test_order_numbers_count_per_day(world: Path) -> None:
    by_day: dict[str, list[int]] = {}
    for number, ordered_at in rows(
        world / store.SHOP_DB, "SELECT order_number, ordered_at FROM orders ORDER BY order_id"
    ):
        m = re.fullmatch(r"ORD-(\d{8})-(\d{6})", number)
        assert m and m.group(1) == ordered_at[:10].replace("-", "")
        by_day.setdefault(m.group(1), []).append(int(m.group(2)))
    for seqs in by_day.values():
        assert seqs == list(range(1, len(seqs) + 1))


ALLOWED_ORDER = {
    ("pending", "paid"),
    ("paid", "shipped"),
    ("shipped", "delivered"),
    ("pending", "cancelled"),
    ("paid", "cancelled"),
    ("delivered", "returned"),
}
ALLOWED_PAYMENT = {("authorized", "captured"), ("authorized", "failed"), ("captured", "refunded")}


def _closure(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    out = set(pairs)
    while True:
        more = {(a, d) for a, b in out for c, d in out if b == c} - out
        if not more:
            return out
        out |= more


def test_open_orders_move_along_their_lifecycle(world: Path, before_advance: dict) -> None:
    now = shop(world, "orders")
    moves = Counter(
        (old["status"], now[pk]["status"])
        for pk, old in before_advance["orders"].items()
        if old["status"] != now[pk]["status"]
    )
    assert set(moves) <= _closure(ALLOWED_ORDER)
    seen = {b for _, b in moves}
    assert {"shipped", "delivered"} <= seen
    assert "returned" in seen or "cancelled" in seen


def test_payments_follow_their_orders(world: Path, before_advance: dict) -> None:
    now = shop(world, "payments")
    moves = {
        (old["status"], now[pk]["status"])
        for pk, old in before_advance["payments"].items()
        if old["status"] != now[pk]["status"]
    }
    assert moves <= _closure(ALLOWED_PAYMENT)
    assert ("captured", "refunded") in moves or ("authorized", "captured") in moves
    orders = shop(world, "orders")
    for p in now.values():
        status = orders[p["order_id"]]["status"]
        if p["status"] == "refunded":
            assert status in {"cancelled", "returned"}
        if status in {"paid", "shipped", "delivered"} and p["status"] != "failed":
            assert p["status"] == "captured"


def test_order_amounts_add_up(world: Path) -> None:
    items: dict[int, int] = Counter()
    for order_id, qty, unit, disc in rows(
        world / store.SHOP_DB,
        "SELECT order_id, quantity, unit_price, discount_amount FROM order_items",
    ):
        items[order_id] += qty * round(unit * 100) - round(disc * 100)
    for order_id, sub, disc, ship, tax, total in rows(
        world / store.SHOP_DB,
        "SELECT order_id, subtotal_amount, discount_amount, shipping_amount, tax_amount, "
        "total_amount FROM orders",
    ):
        assert round(sub * 100) == items[order_id]
        assert round(total * 100) == round(sub * 100) - round(disc * 100) + round(
            ship * 100
        ) + round(tax * 100)


def test_late_and_duplicate_events_arrive(world: Path) -> None:
    api = world / store.API_DB
    late_from_before = rows(
        api,
        "SELECT COUNT(*) FROM events WHERE received_at >= ? AND occurred_at < ? - 3600000000",
        (START_US, START_US),
    )[0][0]
    assert late_from_before > 0  # earlier days' events delivered during the advance
    dup = rows(
        api,
        "SELECT COUNT(*) FROM (SELECT event_id FROM events WHERE received_at >= ? "
        "GROUP BY event_id HAVING COUNT(*) > 1)",
        (START_US,),
    )[0][0]
    assert dup > 0
    max_delay = rows(api, "SELECT MAX(received_at - occurred_at) FROM events")[0][0]
    assert max_delay <= 3 * 86_400_000_000 + 24 * 3_600_000_000  # 3 days late + a re-delivery


def test_events_match_the_shop(world: Path) -> None:
    api, shop_db = world / store.API_DB, world / store.SHOP_DB
    orders = {
        r[0]: parse_db_timestamp(r[1])
        for r in rows(shop_db, "SELECT order_id, ordered_at FROM orders")
    }
    completed = rows(
        api,
        "SELECT order_id, occurred_at, customer_id FROM events "
        "WHERE event_type = 'order_completed'",
    )
    assert completed
    for order_id, occurred, _ in completed:
        assert abs(occurred - orders[order_id]) < 1_000_000
    product_events = rows(
        api, "SELECT product_id FROM events WHERE event_type IN ('product_view', 'add_to_cart')"
    )
    assert all(p is not None for (p,) in product_events)
    ids = set(range(1, State.load(world).next_ids["product"]))
    assert {p for (p,) in product_events} <= ids
    anonymous = rows(api, "SELECT COUNT(*) FROM events WHERE customer_id IS NULL")[0][0]
    assert anonymous > 0  # anonymous browsing exists
    total, no_session = rows(api, "SELECT COUNT(*), SUM(session_id IS NULL) FROM events")[0]
    assert 0.02 < no_session / total < 0.08


def test_marketing_sessions_carry_live_campaign_utms(world: Path) -> None:
    api = world / store.API_DB
    utms = set(rows(api, "SELECT utm_source, utm_medium, utm_campaign FROM campaigns"))
    tagged = rows(
        api,
        "SELECT utm_source, utm_medium, utm_campaign, event_type, session_id FROM events "
        "WHERE utm_campaign IS NOT NULL",
    )
    assert tagged
    assert {t[:3] for t in tagged} <= utms
    assert {t[3] for t in tagged} == {"page_view"}  # only the landing event
    direct = rows(
        api, "SELECT COUNT(*) FROM events WHERE event_type = 'page_view' AND utm_campaign IS NULL"
    )[0][0]
    assert direct > 0
    # the campaign had spend that day
    spend = set(
        rows(
            api,
            "SELECT c.utm_campaign, a.date FROM ad_spend a JOIN campaigns c USING (campaign_id)",
        )
    )
    landing = rows(
        api, "SELECT utm_campaign, occurred_at FROM events WHERE utm_campaign IS NOT NULL"
    )
    from simulator.clock import iso_z

    assert all((u, iso_z(t)[:10]) in spend for u, t in landing)


def test_ad_spend_of_the_last_three_days_is_restated(world: Path, before_advance: dict) -> None:
    now = table_snapshot(world, store.API_DB, "ad_spend")
    restated = [
        k
        for k, old in before_advance["ad_spend"].items()
        if now[k]["updated_at"] != old["updated_at"]
    ]
    assert restated
    for key in restated:
        assert now[key]["updated_at"] >= START_US
        assert now[key]["spend"] != before_advance["ad_spend"][key]["spend"]
    dates = {k[0] for k in restated}
    assert dates == {"2025-01-28", "2025-01-29", "2025-01-30"}  # the 3 days before the advance
    new_dates = {k[0] for k in set(now) - set(before_advance["ad_spend"])}
    assert new_dates == {"2025-01-31", "2025-02-01", "2025-02-02"}


def test_campaigns_start_pause_and_end(world: Path, before_advance: dict) -> None:
    now = table_snapshot(world, store.API_DB, "campaigns")
    started = set(now) - set(before_advance["campaigns"])
    assert len(started) >= 3
    moves = {
        (old["status"], now[k]["status"])
        for k, old in before_advance["campaigns"].items()
        if old["status"] != now[k]["status"]
    }
    assert ("active", "paused") in moves
    for k in started:
        assert now[k]["start_date"] >= "2025-01-31"
    ended_anytime = [c for c in now.values() if c["status"] == "ended"]
    assert ended_anytime and all(c["end_date"] < "2025-02-03" for c in ended_anytime)


def test_advance_does_not_deliver_the_future(world: Path) -> None:
    latest = rows(world / store.API_DB, "SELECT MAX(received_at) FROM events")[0][0]
    assert latest < day_start_us(State.load(world).today)
