"""`generate`: build a world with `history_days` of history, vectorised block by block."""

from __future__ import annotations

import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import events, marketing, rng, shop, store, writers
from .clock import US_PER_DAY, date_str, day_start_us, db_timestamps
from .presets import Preset, get_preset
from .shop import HOUR, NEVER
from .state import STATE_FILE, State, resolve_dir

Progress = Callable[[str], None]
_KEY_BASE_DAYS = 900  # version-lookup keys count ms from this many days before the start


def _quiet(_: str) -> None:
    pass


def stderr_progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def orders_per_day(p: Preset, rg: np.random.Generator, day: np.ndarray) -> np.ndarray:
    """Poisson counts around a trend with weekly seasonality (weekends busier)."""
    t = (day - day_start_us(p.start_date) // US_PER_DAY) / 365.0
    weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    season = np.where(weekday >= 5, 1.2, 0.92)
    return rg.poisson(p.orders_per_day * (1 + p.growth_per_year * t) * season)


class Versions:
    """Entity versions sorted by (id, valid_from), with as-of lookups."""

    def __init__(self, ids: np.ndarray, valid_from: np.ndarray, base_us: int) -> None:
        self.base = base_us
        order = np.lexsort((valid_from, ids))
        self.order = order
        self.keys = self._key(ids[order], valid_from[order])

    def _key(self, ids: np.ndarray, t: np.ndarray) -> np.ndarray:
        return ids.astype(np.int64) * 10**11 + (t - self.base) // 1000

    def at(self, ids: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Row (in the unsorted input) of the version of each id valid at time t."""
        return self.order[np.searchsorted(self.keys, self._key(ids, t), side="right") - 1]


def _changes(
    rg: np.random.Generator, created: np.ndarray, now: int, rate_per_day: float, kinds: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to two changes per entity at random times after creation: (entity row, time, kind)."""
    alive_days = (now - created) / US_PER_DAY
    k = np.minimum(rg.poisson(rate_per_day * alive_days), 2)
    row = np.repeat(np.arange(len(created)), k)
    t = created[row] + (rg.random(len(row)) * (now - created[row])).astype(np.int64)
    order = np.lexsort((t, row))
    return row[order], t[order], rg.integers(0, kinds, len(row))


def _versioned(base: dict, row: np.ndarray, kinds: np.ndarray, apply) -> tuple[list, dict]:
    """Chains of versions: version v applies an entity's v-th change to version v-1.

    `row` must be sorted by entity then time. Returns ([(mask over changes, new attributes)] per
    version number 1.., latest attributes of every entity).
    """
    versions = []
    first = np.ones(len(row), dtype=bool)
    first[1:] = row[1:] != row[:-1]
    level = np.arange(len(row)) - np.maximum.accumulate(np.where(first, np.arange(len(row)), 0))
    current = {k: v.copy() for k, v in base.items()}
    for v in range(1, int(level.max(initial=-1)) + 2):
        sel = level == v - 1
        changed = apply({k: c[row[sel]] for k, c in current.items()}, row[sel], kinds[sel], v)
        for k in current:
            current[k][row[sel]] = changed[k]
        versions.append((sel, changed))
    return versions, current


def _created(
    rg: np.random.Generator,
    t0: int,
    before: tuple[int, int],
    n_before: int,
    days: np.ndarray,
    per_day: float,
) -> np.ndarray:
    """Creation times: `n_before` spread over `before` (µs, lo..hi) before t0, then a Poisson
    number per day of `days`."""
    daily = rg.poisson(per_day, len(days))
    return np.sort(np.concatenate([
        t0 - rg.integers(before[0], before[1], n_before),
        np.repeat(days, daily) * US_PER_DAY + rg.integers(0, US_PER_DAY, int(daily.sum())),
    ]))  # fmt: skip


def _customers(p: Preset, seed: int, t0: int, days: np.ndarray, now: int) -> writers.EntityHistory:
    """An established customer base before the start, daily signups, moves/email/opt changes."""
    rg = rng.block_rng(seed, rng.CUSTOMERS, 0)
    created = _created(rg, t0, (1, 365 * US_PER_DAY), p.initial_customers, days, p.signups_per_day)
    ids = np.arange(1, len(created) + 1)
    first = shop.new_customers(rg, ids)
    row, t, kind = _changes(rg, created, now, 0.002, len(shop.CUSTOMER_CHANGES))
    versions, latest = _versioned(
        first, row, kind,
        lambda a, r, k, v: shop.change_customers(rg, a, ids[r], k, np.full(len(r), v)),
    )  # fmt: skip
    return writers.EntityHistory(ids, created, first, latest, versions, row, t, kind)


def _products(p: Preset, seed: int, t0: int, days: np.ndarray, now: int):
    """A catalog before the start, launches, price/category changes, demand weights, and
    discontinuations (a product's last change; it is not sold afterwards)."""
    rg = rng.block_rng(seed, rng.PRODUCTS, 0)
    created = _created(
        rg, t0, (US_PER_DAY, 400 * US_PER_DAY), p.initial_products, days, p.launches_per_day
    )
    ids = np.arange(1, len(created) + 1)
    first = shop.new_products(rg, ids)
    weight = shop.popularity(rg, len(ids))
    row, t, kind = _changes(rg, created, now, 0.003, len(shop.PRODUCT_CHANGES))
    versions, latest = _versioned(
        first, row, kind, lambda a, r, k, v: shop.change_products(rg, a, k)
    )
    h = writers.EntityHistory(ids, created, first, latest, versions, row, t, kind)
    disc_at = np.maximum(h.updated, created + 30 * US_PER_DAY) + rg.integers(
        HOUR, 200 * US_PER_DAY, len(ids)
    )
    discontinued = (rg.random(len(ids)) < 0.08) & (disc_at < now)
    return h, weight, discontinued, np.where(discontinued, disc_at, NEVER)


def _marketing(api_db: sqlite3.Connection, p: Preset, seed: int, first_day: int, now_day: int):
    camp, ad = marketing.history(
        rng.block_rng(seed, rng.MARKETING, 0), p.campaigns, first_day, now_day
    )
    store.insert_columns(api_db, "campaigns", marketing.campaign_rows(camp))
    row = ad["campaign_row"]
    store.insert_columns(
        api_db,
        "ad_spend",
        {"date": date_str(ad["day"]), "campaign_id": camp["campaign_id"][row],
         "channel": camp["channel"][row], "impressions": ad["impressions"], "clicks": ad["clicks"],
         "spend": ad["spend"], "currency": camp["currency"][row], "updated_at": ad["updated_at"]},
    )  # fmt: skip
    return camp, ad


def _categories(shop_db: sqlite3.Connection, t0: int) -> None:
    ids, names, parents = shop.categories()
    ts = db_timestamps(np.full(len(ids), t0 - 400 * US_PER_DAY))
    store.insert_columns(
        shop_db,
        "categories",
        {"category_id": ids, "name": names, "parent_category_id": [int(x) or None for x in parents],
         "created_at": ts, "updated_at": ts},
    )  # fmt: skip


def generate(
    preset: str,
    seed: int,
    directory: str | Path | None = None,
    *,
    postgres_url: str | None = None,
    progress: Progress = _quiet,
) -> Path:
    """Create a new world in `directory` (replacing any existing one); returns the directory."""
    p = get_preset(preset)
    d = resolve_dir(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d / STATE_FILE).unlink(missing_ok=True)  # a half-generated world must not look usable
    t_start = time.perf_counter()
    t0 = day_start_us(p.start_date)
    first_day = t0 // US_PER_DAY
    now_day = first_day + p.history_days
    now = now_day * US_PER_DAY
    days = np.arange(first_day, now_day)
    key_base = t0 - _KEY_BASE_DAYS * US_PER_DAY

    shop_db = store.create(d / store.SHOP_DB, store.shop_ddl())
    api_db = store.create(d / store.API_DB, store.API_DDL)
    internal_db = store.create(d / store.INTERNAL_DB, store.INTERNAL_DDL)
    _categories(shop_db, t0)
    cust = _customers(p, seed, t0, days, now)
    prod, weight, discontinued, disc_at = _products(p, seed, t0, days, now)
    progress(f"[generate] {p.name}: {len(cust.ids)} customers, {len(prod.ids)} products")
    camp, ad = _marketing(api_db, p, seed, first_day, now_day)

    # as-of lookups: a customer's country and a product's price at the time of an order
    c_lookup, c_country = (
        Versions(*cust.version_keys(), key_base),
        cust.attribute_per_version("country", shop.country_index),
    )
    p_lookup, p_price = (
        Versions(*prod.version_keys(), key_base),
        prod.attribute_per_version("list_price"),
    )
    customers = shop.CustomerPool(
        cust.ids, cust.created, country_at=lambda ids, t: c_country[c_lookup.at(ids, t)]
    )

    def price_at(ids: np.ndarray, t: np.ndarray) -> np.ndarray:
        return p_price[p_lookup.at(ids, t)]

    # ---- orders and events, block by block (bounded memory)
    ids = {"order": 1, "order_item": 1, "payment": 1}
    last_order_at = np.full(len(cust.ids) + 1, -1, dtype=np.int64)
    last_sold_at = np.full(len(prod.ids) + 1, -1, dtype=np.int64)
    n_orders = n_items = n_events = 0
    for b, d0 in enumerate(range(first_day, now_day, p.block_days)):
        d1 = min(d0 + p.block_days, now_day)
        og = rng.block_rng(seed, rng.ORDERS, b)
        block = np.arange(d0, d1)
        ordered_at = shop.order_times(og, block, orders_per_day(p, og, block))
        sellable = (prod.created < d0 * US_PER_DAY) & (disc_at > d1 * US_PER_DAY) & (weight > 0)
        products = shop.ProductPool(prod.ids[sellable], weight[sellable])
        o = shop.make_orders(og, ordered_at, customers, products, price_at, ids)
        ids = {
            "order": ids["order"] + len(o),
            "order_item": ids["order_item"] + len(o.item_id),
            "payment": ids["payment"] + len(o) + len(o.failed_order),
        }
        writers.write_orders(shop_db, internal_db, o, now)
        np.maximum.at(last_order_at, o.customer_id, o.ordered_at)
        np.maximum.at(last_sold_at, o.product_id, o.ordered_at[o.item_order])

        eg = rng.block_rng(seed, rng.EVENTS, b)
        in_block = (ad["day"] >= d0) & (ad["day"] < d1)
        live = marketing.live_campaigns(
            d0, d1 - d0, ad["day"][in_block], ad["campaign_row"][in_block], camp
        )
        n_browse = eg.poisson(p.browse_per_order * len(o))
        browse_start = np.sort(eg.integers(d0 * US_PER_DAY, d1 * US_PER_DAY, n_browse))
        ev = events.concat(
            [
                events.order_sessions(eg, seed, o, p.tracked_share, live),
                events.browse_sessions(eg, seed, browse_start, customers, products, live),
            ]
        )
        received, pending = events.split_received(events.deliver(eg, ev, d0 * US_PER_DAY), now)
        writers.write_events(api_db, "events", received)
        writers.write_events(internal_db, "pending_events", pending)
        n_orders += len(o)
        n_items += len(o.item_id)
        n_events += len(received["event_id"])
        through = date_str(np.array([d1 - 1]))[0]
        progress(f"[generate] {through}: {n_orders} orders, {n_items} lines, {n_events} events")

    # accounts are closed some time after the customer's last activity
    cx = rng.block_rng(seed, rng.CUSTOMERS, 1)
    closed_at = np.maximum(cust.updated, last_order_at[1:]) + cx.integers(
        US_PER_DAY, 30 * US_PER_DAY, len(cust.ids)
    )
    closed = (cx.random(len(cust.ids)) < 0.06) & (closed_at < now)
    writers.write_customers(shop_db, internal_db, cust, closed, closed_at)
    writers.write_products(shop_db, internal_db, prod, discontinued, disc_at)
    store.insert_columns(
        internal_db,
        "product_meta",
        {"product_id": prod.ids, "popularity": weight, "sold": (last_sold_at[1:] >= 0).astype(int)},
    )

    store.finish(internal_db, store.INTERNAL_INDEXES)
    store.finish(api_db, store.API_INDEXES)
    store.finish(shop_db, store.SHOP_INDEXES)
    State(
        preset=p.name,
        seed=seed,
        start_date=p.start_date.isoformat(),
        current_date=date_str(np.array([now_day]))[0],
        next_ids={
            "customer": len(cust.ids) + 1,
            "product": len(prod.ids) + 1,
            "campaign": len(camp["campaign_id"]) + 1,
            **ids,
        },
        postgres_url=postgres_url,
    ).save(d)
    if postgres_url:
        from . import postgres  # psycopg2 is only needed with a Postgres URL

        postgres.mirror_full(d, postgres_url, progress)
    progress(f"[generate] done in {time.perf_counter() - t_start:.1f}s: {d}")
    return d


def _last_per(n: int, row: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Latest change time per entity row (-1 if none)."""
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, row, t)
    return last
