"""`generate`: build a world with `history_days` of history, vectorised block by block."""

from __future__ import annotations

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
    key_base = t0 - _KEY_BASE_DAYS * US_PER_DAY

    shop_db = store.create(d / store.SHOP_DB, store.shop_ddl())
    api_db = store.create(d / store.API_DB, store.API_DDL)
    internal_db = store.create(d / store.INTERNAL_DB, store.INTERNAL_DDL)

    # ---- categories
    cat_ids, cat_names, cat_parent = shop.categories()
    cat_ts = db_timestamps(np.full(len(cat_ids), t0 - 400 * US_PER_DAY))
    parent = [int(x) if x else None for x in cat_parent]
    store.insert_columns(
        shop_db,
        "categories",
        {
            "category_id": cat_ids,
            "name": cat_names,
            "parent_category_id": parent,
            "created_at": cat_ts,
            "updated_at": cat_ts,
        },
    )

    # ---- customers: an established base before the start, then daily signups
    cg = rng.block_rng(seed, rng.CUSTOMERS, 0)
    hist_days = np.arange(first_day, now_day)
    signups = cg.poisson(p.signups_per_day, len(hist_days))
    c_created = np.sort(
        np.concatenate(
            [
                t0 - cg.integers(1, 365 * US_PER_DAY, p.initial_customers),
                np.repeat(hist_days, signups) * US_PER_DAY
                + cg.integers(0, US_PER_DAY, int(signups.sum())),
            ]
        )
    )
    c_ids = np.arange(1, len(c_created) + 1)
    cust = shop.new_customers(cg, c_ids)
    c_row, c_time, c_kind = _changes(cg, c_created, now, 0.002, len(shop.CUSTOMER_CHANGES))
    c_versions, cust_now = _versioned(
        cust,
        c_row,
        c_kind,
        lambda a, r, k, v: shop.change_customers(cg, a, c_ids[r], k, np.full(len(r), v)),
    )

    # ---- products: a catalog before the start, then launches
    pg = rng.block_rng(seed, rng.PRODUCTS, 0)
    launches = pg.poisson(p.launches_per_day, len(hist_days))
    p_created = np.sort(
        np.concatenate(
            [
                t0 - pg.integers(US_PER_DAY, 400 * US_PER_DAY, p.initial_products),
                np.repeat(hist_days, launches) * US_PER_DAY
                + pg.integers(0, US_PER_DAY, int(launches.sum())),
            ]
        )
    )
    p_ids = np.arange(1, len(p_created) + 1)
    prod = shop.new_products(pg, p_ids)
    weight = shop.popularity(pg, len(p_ids))
    p_row, p_time, p_kind = _changes(pg, p_created, now, 0.003, len(shop.PRODUCT_CHANGES))
    p_versions, prod_now = _versioned(
        prod, p_row, p_kind, lambda a, r, k, v: shop.change_products(pg, a, k)
    )
    # discontinued products stop selling; discontinuation is their last change
    last_p_change = np.maximum(p_created, _last_per(len(p_ids), p_row, p_time))
    disc_at = np.maximum(last_p_change, p_created + 30 * US_PER_DAY) + pg.integers(
        HOUR, 200 * US_PER_DAY, len(p_ids)
    )
    discontinued = (pg.random(len(p_ids)) < 0.08) & (disc_at < now)
    disc_at = np.where(discontinued, disc_at, NEVER)

    # as-of lookups over all versions (version 0 = creation)
    c_all_ids = np.concatenate([c_ids, c_ids[c_row]])
    c_all_from = np.concatenate([c_created, c_time])
    c_all_country = np.concatenate([shop.country_index(cust["country"]), np.zeros(len(c_row), int)])
    for sel, changed in c_versions:
        c_all_country[len(c_ids) + np.flatnonzero(sel)] = shop.country_index(changed["country"])
    c_lookup = Versions(c_all_ids, c_all_from, key_base)
    p_all_ids = np.concatenate([p_ids, p_ids[p_row]])
    p_all_from = np.concatenate([p_created, p_time])
    p_all_price = np.concatenate([prod["list_price"], np.zeros(len(p_row))])
    for sel, changed in p_versions:
        p_all_price[len(p_ids) + np.flatnonzero(sel)] = changed["list_price"]
    p_lookup = Versions(p_all_ids, p_all_from, key_base)
    progress(f"[generate] {p.name}: {len(c_ids)} customers, {len(p_ids)} products")

    customers = shop.CustomerPool(
        c_ids, c_created, country_at=lambda ids, t: c_all_country[c_lookup.at(ids, t)]
    )

    def price_at(ids: np.ndarray, t: np.ndarray) -> np.ndarray:
        return p_all_price[p_lookup.at(ids, t)]

    # ---- marketing
    mg = rng.block_rng(seed, rng.MARKETING, 0)
    camp, ad = marketing.history(mg, p.campaigns, first_day, now_day)
    store.insert_columns(api_db, "campaigns", marketing.campaign_rows(camp))
    store.insert_columns(
        api_db,
        "ad_spend",
        {
            "date": date_str(ad["day"]),
            "campaign_id": camp["campaign_id"][ad["campaign_row"]],
            "channel": camp["channel"][ad["campaign_row"]],
            "impressions": ad["impressions"],
            "clicks": ad["clicks"],
            "spend": ad["spend"],
            "currency": camp["currency"][ad["campaign_row"]],
            "updated_at": ad["updated_at"],
        },
    )

    # ---- orders and events, block by block
    ids = {"order": 1, "order_item": 1, "payment": 1}
    last_order_at = np.full(len(c_ids) + 1, -1, dtype=np.int64)
    last_sold_at = np.full(len(p_ids) + 1, -1, dtype=np.int64)
    n_orders = n_items = n_events = 0
    for b, d0 in enumerate(range(first_day, now_day, p.block_days)):
        d1 = min(d0 + p.block_days, now_day)
        og = rng.block_rng(seed, rng.ORDERS, b)
        days = np.arange(d0, d1)
        ordered_at = shop.order_times(og, days, orders_per_day(p, og, days))
        sellable = (p_created < d0 * US_PER_DAY) & (disc_at > d1 * US_PER_DAY) & (weight > 0)
        products = shop.ProductPool(p_ids[sellable], weight[sellable])
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
        ev = events.deliver(eg, ev, d0 * US_PER_DAY)
        received, pending = events.split_received(ev, now)
        writers.write_events(api_db, "events", received)
        writers.write_events(internal_db, "pending_events", pending)
        n_orders += len(o)
        n_items += len(o.item_id)
        n_events += len(received["event_id"])
        through = date_str(np.array([d1 - 1]))[0]
        progress(f"[generate] {through}: {n_orders} orders, {n_items} lines, {n_events} events")

    # ---- accounts are closed some time after the customer's last activity
    cx = rng.block_rng(seed, rng.CUSTOMERS, 1)
    last_c_change = np.maximum(c_created, _last_per(len(c_ids), c_row, c_time))
    closed_at = np.maximum(last_c_change, last_order_at[1:]) + cx.integers(
        US_PER_DAY, 30 * US_PER_DAY, len(c_ids)
    )
    closed = (cx.random(len(c_ids)) < 0.06) & (closed_at < now)

    c_hist = writers.EntityHistory(
        c_ids, c_created, cust, cust_now, c_versions, c_row, c_time, c_kind
    )
    writers.write_customers(shop_db, internal_db, c_hist, closed, closed_at)
    p_hist = writers.EntityHistory(
        p_ids, p_created, prod, prod_now, p_versions, p_row, p_time, p_kind
    )
    writers.write_products(shop_db, internal_db, p_hist, discontinued, disc_at)
    sold = np.zeros(len(p_ids), dtype=np.int64)
    sold[last_sold_at[1:] >= 0] = 1
    store.insert_columns(
        internal_db, "product_meta", {"product_id": p_ids, "popularity": weight, "sold": sold}
    )

    store.finish(internal_db, store.INTERNAL_INDEXES)
    store.finish(api_db, store.API_INDEXES)
    store.finish(shop_db, store.SHOP_INDEXES)
    st = State(
        preset=p.name,
        seed=seed,
        start_date=p.start_date.isoformat(),
        current_date=date_str(np.array([now_day]))[0],
        next_ids={
            "customer": len(c_ids) + 1,
            "product": len(p_ids) + 1,
            "campaign": len(camp["campaign_id"]) + 1,
            **ids,
        },
        postgres_url=postgres_url,
    )
    st.save(d)
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
