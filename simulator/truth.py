"""Ground truth: the figures the warehouse must reproduce, computed from the simulator's own
stores in plain Python/numpy (no SQL aggregation, nothing shared with the warehouse's models).

Every function takes the world directory (None = `$SIM_DIR` / `.sim`) and reflects the world as
it is now (i.e. after the last `advance`). Money is returned as `Decimal` with 2 places,
timestamps as timezone-aware UTC `datetime`s.

Rows injected by `advance --malformed` (listed in `State.malformed`) are left out of figures that
would need their bad field (units sold); revenue uses order headers, which are never malformed.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import store
from .clock import US_PER_SEC, us_to_datetime
from .state import State, resolve_dir

REVENUE_STATUSES = frozenset({"paid", "shipped", "delivered"})
CENT = Decimal("0.01")


def _rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = store.connect(path, readonly=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def _dir(directory: str | Path | None) -> Path:
    d = resolve_dir(directory)
    State.load(d)  # clear error when there is no world
    return d


def _cents(x: float | int) -> int:
    return round(float(x) * 100)


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def revenue_per_day(directory: str | Path | None = None) -> list[dict[str, Any]]:
    """[{date, currency, revenue, orders}] by the contract's revenue rule: subtotal - discount of
    orders now paid/shipped/delivered, on the UTC date of ordered_at, in the order currency."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for ordered_at, status, currency, subtotal, discount in _rows(
        _dir(directory) / store.SHOP_DB,
        "SELECT ordered_at, status, currency, subtotal_amount, discount_amount FROM orders",
    ):
        if status in REVENUE_STATUSES:
            t = totals[(ordered_at[:10], currency)]
            t[0] += _cents(subtotal) - _cents(discount)
            t[1] += 1
    return [
        {"date": dt.date.fromisoformat(day), "currency": cur, "revenue": _money(c), "orders": n}
        for (day, cur), (c, n) in sorted(totals.items())
    ]


def orders_per_status(directory: str | Path | None = None) -> dict[str, int]:
    rows = _rows(_dir(directory) / store.SHOP_DB, "SELECT status FROM orders")
    return dict(sorted(Counter(r[0] for r in rows).items()))


def units_sold_per_product(
    directory: str | Path | None = None, *, revenue_only: bool = True
) -> dict[int, int]:
    """Units per product_id. revenue_only=True (default): lines of orders that carry revenue
    (paid/shipped/delivered), matching the revenue rule; False: lines of all orders, any status.
    Malformed lines (non-integer quantity) are excluded."""
    d = _dir(directory)
    status = dict(_rows(d / store.SHOP_DB, "SELECT order_id, status FROM orders"))
    units: Counter[int] = Counter()
    for order_id, product_id, qty in _rows(
        d / store.SHOP_DB, "SELECT order_id, product_id, quantity FROM order_items"
    ):
        if isinstance(qty, int) and (not revenue_only or status[order_id] in REVENUE_STATUSES):
            units[product_id] += qty
    return dict(sorted(units.items()))


def _history(d: Path, table: str, key: str, columns: list[str]) -> list[dict[str, Any]]:
    rows = _rows(
        d / store.INTERNAL_DB,
        store.select(
            table, [key, "version", "valid_from", "change", *columns], f"ORDER BY {key}, version"
        ),
    )
    out: list[dict[str, Any]] = []
    for i, r in enumerate(rows):
        nxt = rows[i + 1] if i + 1 < len(rows) and rows[i + 1][0] == r[0] else None
        rec = dict(zip([key, "version", "valid_from", "change", *columns], r, strict=True))
        rec["valid_from"] = us_to_datetime(r[2])
        rec["valid_to"] = us_to_datetime(nxt[2]) if nxt else None
        out.append(rec)
    return out


def customer_history(directory: str | Path | None = None) -> list[dict[str, Any]]:
    """Every version of every customer, ordered by (customer_id, version): the attributes, the
    `change` that created it (created/moved/email_changed/opt_in_changed/closed) and its validity
    [valid_from, valid_to). A closed account's last version has `deleted_at` set."""
    cols = [
        "email",
        "first_name",
        "last_name",
        "phone",
        "street_address",
        "city",
        "postal_code",
        "country",
        "marketing_opt_in",
        "deleted_at",
    ]
    out = _history(_dir(directory), "customer_history", "customer_id", cols)
    for r in out:
        r["marketing_opt_in"] = bool(r["marketing_opt_in"])
        r["deleted_at"] = us_to_datetime(r["deleted_at"]) if r["deleted_at"] is not None else None
    return out


def product_history(directory: str | Path | None = None) -> list[dict[str, Any]]:
    """Every version of every product (created/price_changed/category_changed/discontinued/deleted);
    a hard-deleted product's last version has `deleted` True."""
    cols = ["sku", "name", "brand", "category_id", "list_price", "is_active", "deleted"]
    out = _history(_dir(directory), "product_history", "product_id", cols)
    for r in out:
        r["list_price"] = Decimal(str(r["list_price"])).quantize(CENT)
        r["is_active"], r["deleted"] = bool(r["is_active"]), bool(r["deleted"])
    return out


def ad_spend_per_campaign(directory: str | Path | None = None) -> dict[int, dict[str, Any]]:
    """Current (restated) totals per campaign_id: spend, impressions, clicks, days, currency."""
    out: dict[int, dict[str, Any]] = {}
    for campaign_id, imp, clicks, spend, currency in _rows(
        _dir(directory) / store.API_DB,
        "SELECT campaign_id, impressions, clicks, spend, currency FROM ad_spend",
    ):
        t = out.setdefault(
            campaign_id,
            {"spend_cents": 0, "impressions": 0, "clicks": 0, "days": 0, "currency": currency},
        )
        t["spend_cents"] += _cents(spend)
        t["impressions"] += imp
        t["clicks"] += clicks
        t["days"] += 1
    return {k: {"spend": _money(v.pop("spend_cents")), **v} for k, v in sorted(out.items())}


def events_per_type(directory: str | Path | None = None) -> dict[str, int]:
    """Distinct event_ids per event_type among delivered events (what the API serves)."""
    rows = _rows(_dir(directory) / store.API_DB, "SELECT event_id, event_type FROM events")
    return dict(sorted(Counter(dict(rows).values()).items()))


def event_totals(directory: str | Path | None = None) -> dict[str, int]:
    """Deliveries, distinct event_ids, duplicate deliveries, late events (received > 1 h after
    occurring, first delivery), events without session_id, events still undelivered."""
    d = _dir(directory)
    rows = _rows(
        d / store.API_DB,
        "SELECT event_id, session_id, occurred_at, received_at FROM events ORDER BY received_at",
    )
    first: dict[str, tuple] = {}
    for r in rows:
        first.setdefault(r[0], r)
    pending = _rows(d / store.INTERNAL_DB, "SELECT COUNT(*) FROM pending_events")[0][0]
    return {
        "deliveries": len(rows),
        "distinct_event_ids": len(first),
        "duplicate_deliveries": len(rows) - len(first),
        "late": sum(1 for r in first.values() if r[3] - r[2] > 3600 * US_PER_SEC),
        "null_session_id": sum(1 for r in first.values() if r[1] is None),
        "undelivered": pending,
    }


def current_date(directory: str | Path | None = None) -> dt.date:
    """The first day not simulated yet (data covers everything before its midnight UTC)."""
    return State.load(resolve_dir(directory)).today


FIGURES: dict[str, Callable[[Any], Any]] = {
    "revenue_per_day": revenue_per_day,
    "orders_per_status": orders_per_status,
    "units_sold_per_product": units_sold_per_product,
    "customer_history": customer_history,
    "product_history": product_history,
    "ad_spend_per_campaign": ad_spend_per_campaign,
    "events_per_type": events_per_type,
    "event_totals": event_totals,
}
