"""`advance`: move the world forward one simulated day at a time.

Each day draws from generators seeded by (seed, purpose, day), so `advance --days 2` produces the
same data as two `advance --days 1`. Every mutation is stamped with a time inside that day.
Each kind of change happens at least once a day (when there is something to change), so short
advances in tests always exercise every path.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import events, marketing, rng, shop, store, writers
from .clock import US_PER_DAY, date_str, db_timestamp, db_timestamps
from .generate import Progress, _quiet, orders_per_day
from .presets import Preset, get_preset
from .shop import HOUR, NEVER
from .state import State, resolve_dir

# daily probability of each change per existing entity
CUSTOMER_RATES = {"moved": 0.002, "email_changed": 0.001, "opt_in_changed": 0.002, "closed": 0.0006}
PRODUCT_RATES = {"price_changed": 0.003, "category_changed": 0.002, "discontinued": 0.001}
HARD_DELETE_RATE = 0.05  # of never-sold products, per day
STALE_AFTER_DAYS = 14  # only products on offer this long without a sale are deleted
QUANTITY_WORDS = {1: "one", 2: "two", 3: "three"}
LOYALTY_BACKFILL = (
    "UPDATE customers SET loyalty_tier = CASE customer_id % 10 WHEN 0 THEN 'gold' "
    "WHEN 1 THEN 'silver' WHEN 2 THEN 'silver' ELSE 'bronze' END WHERE loyalty_tier IS NULL"
)


def advance(
    directory: str | Path | None = None,
    days: int = 1,
    *,
    malformed: bool = False,
    drift: bool = False,
    progress: Progress = _quiet,
) -> State:
    """Simulate `days` more days. `malformed`/`drift` act on the last of them (see README)."""
    if int(days) != days or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    d = resolve_dir(directory)
    st = State.load(d)
    if malformed and st.postgres_url:
        raise ValueError("--malformed is SQLite-only: Postgres enforces column types")
    p = get_preset(st.preset)
    for i in range(days):
        last = i == days - 1
        watermark = st.current_date
        _advance_day(d, st, p, malformed=malformed and last, drift=drift and last)
        st.save(d)
        if st.postgres_url:
            from . import postgres  # psycopg2 is only needed with a Postgres URL

            postgres.mirror_day(d, st, watermark)
        progress(f"[advance] simulated {watermark}")
    return st


@dataclass
class _Day:
    seed: int
    index: int  # days since epoch
    start: int  # µs
    end: int

    def times(
        self, rg: np.random.Generator, n: int, lo: int = 0, hi: int = US_PER_DAY
    ) -> np.ndarray:
        return np.sort(self.start + rg.integers(lo, hi, n))

    def rng(self, purpose: int) -> np.random.Generator:
        return rng.day_rng(self.seed, purpose, self.index)


def _advance_day(d: Path, st: State, p: Preset, *, malformed: bool, drift: bool) -> None:
    index = st.today.toordinal() - 719163  # days since 1970-01-01
    day = _Day(st.seed, index, index * US_PER_DAY, (index + 1) * US_PER_DAY)
    shop_db = store.connect(d / store.SHOP_DB)
    api_db = store.connect(d / store.API_DB)
    internal_db = store.connect(d / store.INTERNAL_DB)
    try:
        for conn in (shop_db, api_db, internal_db):
            conn.execute("BEGIN IMMEDIATE")
        customers = _customers(shop_db, internal_db, st, p, day)
        products, price_at = _products(shop_db, internal_db, st, p, day)
        _transitions(shop_db, internal_db, day)
        og = day.rng(rng.ORDERS)
        ordered_at = shop.order_times(
            og, np.array([index]), orders_per_day(p, og, np.array([index]))
        )
        o = shop.make_orders(og, ordered_at, customers, products, price_at, dict(st.next_ids))
        for kind, n in (
            ("order", len(o)),
            ("order_item", len(o.item_id)),
            ("payment", len(o) + len(o.failed_order)),
        ):
            st.take_ids(kind, n)
        writers.write_orders(shop_db, internal_db, o, day.end)
        internal_db.executemany(
            "UPDATE product_meta SET sold = 1 WHERE product_id = ?",
            [(int(x),) for x in np.unique(o.product_id)],
        )
        live = _marketing(api_db, st, p, day)
        _events(api_db, internal_db, st, p, day, o, customers, products, live)
        if malformed and len(o.item_id):
            item, qty = int(o.item_id[0]), int(o.quantity[0])
            shop_db.execute(
                "UPDATE order_items SET quantity = ? WHERE order_item_id = ?",
                (QUANTITY_WORDS[qty], item),
            )
            st.malformed.append(
                {
                    "table": "order_items",
                    "order_item_id": item,
                    "column": "quantity",
                    "value": QUANTITY_WORDS[qty],
                    "day": st.current_date,
                }
            )
        if drift and not st.drift:
            shop_db.execute(store.DRIFT_DDL)
            st.drift = True
        if st.drift:  # a migration-style backfill: values appear without touching updated_at
            shop_db.execute(LOYALTY_BACKFILL)
        for conn in (internal_db, api_db, shop_db):
            conn.execute("COMMIT")
    except BaseException:
        for conn in (shop_db, api_db, internal_db):
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        raise
    finally:
        for conn in (shop_db, api_db, internal_db):
            conn.close()
    st.current_date = date_str(np.array([index + 1]))[0]


def _pick_disjoint(
    rg: np.random.Generator, n: int, rates: dict[str, float]
) -> dict[str, np.ndarray]:
    """Disjoint random row sets per change kind; at least one each while rows last."""
    counts = [max(1, rg.binomial(n, r)) for r in rates.values()]
    perm = rg.permutation(n)
    out, pos = {}, 0
    for kind, c in zip(rates, counts, strict=True):
        out[kind] = perm[pos : pos + c]
        pos += c
    return out


def _columns(rows: list[tuple], names: list[str]) -> dict[str, np.ndarray]:
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(names)
    return {n: np.array(c, dtype=object) for n, c in zip(names, cols, strict=True)}


def _next_versions(
    internal_db: sqlite3.Connection, table: str, key: str, ids: np.ndarray
) -> np.ndarray:
    sql = store.select(table, ["COALESCE(MAX(version), -1) + 1"], f"WHERE {key} = ?")
    return np.array(
        [internal_db.execute(sql, (int(i),)).fetchone()[0] for i in ids], dtype=np.int64
    )


def _customers(
    shop_db: sqlite3.Connection, internal_db: sqlite3.Connection, st: State, p: Preset, day: _Day
) -> shop.CustomerPool:
    """Signups, moves, email and opt-in changes, closures; returns who can order today."""
    rg = day.rng(rng.CUSTOMERS)
    names = ["customer_id", *shop.CUSTOMER_ATTRS, "created_at"]
    cur = _columns(
        shop_db.execute(
            store.select(
                "customers",
                names,
                "WHERE deleted_at IS NULL AND created_at < ? ORDER BY customer_id",
            ),
            (db_timestamp(day.start),),
        ).fetchall(),
        names,
    )
    ids = cur["customer_id"].astype(np.int64)
    attrs = {k: cur[k] for k in shop.CUSTOMER_ATTRS}
    attrs["marketing_opt_in"] = attrs["marketing_opt_in"].astype(np.int64)
    picks = _pick_disjoint(rg, len(ids), CUSTOMER_RATES)
    rows = np.concatenate([picks[k] for k in shop.CUSTOMER_CHANGES])
    kinds = np.repeat(np.arange(3), [len(picks[k]) for k in shop.CUSTOMER_CHANGES])
    at = day.start + rg.integers(0, US_PER_DAY, len(rows))
    version = _next_versions(internal_db, "customer_history", "customer_id", ids[rows])
    new = shop.change_customers(
        rg, {k: v[rows] for k, v in attrs.items()}, ids[rows], kinds, version
    )
    set_cols = ", ".join(f"{c} = ?" for c in shop.CUSTOMER_ATTRS)
    ts = db_timestamps(at)
    shop_db.executemany(
        f"UPDATE customers SET {set_cols}, updated_at = ? WHERE customer_id = ?",  # noqa: S608
        zip(*[new[c].tolist() for c in shop.CUSTOMER_ATTRS], ts, ids[rows].tolist(), strict=True),
    )
    history = {
        "customer_id": ids[rows],
        "version": version,
        "valid_from": at,
        "change": np.asarray(shop.CUSTOMER_CHANGES, dtype=object)[kinds],
        **new,
    }
    store.insert_columns(internal_db, "customer_history", history)

    closed = picks["closed"]
    closed_at = day.start + rg.integers(0, US_PER_DAY, len(closed))
    shop_db.executemany(
        "UPDATE customers SET deleted_at = ?, updated_at = ? WHERE customer_id = ?",
        zip(db_timestamps(closed_at), db_timestamps(closed_at), ids[closed].tolist(), strict=True),
    )
    closed_version = _next_versions(internal_db, "customer_history", "customer_id", ids[closed])
    store.insert_columns(
        internal_db,
        "customer_history",
        {
            "customer_id": ids[closed],
            "version": closed_version,
            "valid_from": closed_at,
            "change": np.full(len(closed), "closed", dtype=object),
            **{k: v[closed] for k, v in attrs.items()},
            "deleted_at": closed_at,
        },
    )

    n_new = max(1, rg.poisson(p.signups_per_day))
    new_ids = st.take_ids("customer", n_new) + np.arange(n_new)
    created = day.times(rg, n_new)
    fresh = shop.new_customers(rg, new_ids)
    ts = db_timestamps(created)
    store.insert_columns(
        shop_db, "customers", {"customer_id": new_ids, **fresh, "created_at": ts, "updated_at": ts}
    )
    store.insert_columns(
        internal_db,
        "customer_history",
        {
            "customer_id": new_ids,
            "version": np.zeros(n_new, np.int64),
            "valid_from": created,
            "change": np.full(n_new, "created", dtype=object),
            **fresh,
        },
    )

    # who can order today: existing accounts not closed today, with their current country
    country = attrs["country"].copy()
    country[rows] = new["country"]
    keep = np.ones(len(ids), dtype=bool)
    keep[closed] = False
    created_prev = np.full(int(keep.sum()), day.start - 1)
    return shop.CustomerPool(ids[keep], created_prev, country_idx=shop.country_index(country[keep]))


def _products(
    shop_db: sqlite3.Connection, internal_db: sqlite3.Connection, st: State, p: Preset, day: _Day
):
    """Launches, price and category changes, discontinuations, hard deletes of never-sold
    products; returns (what can be sold today, USD price lookup)."""
    rg = day.rng(rng.PRODUCTS)
    names = ["product_id", *shop.PRODUCT_ATTRS, "created_at"]
    cur = _columns(
        shop_db.execute(
            store.select("products", names, "WHERE created_at < ? ORDER BY product_id"),
            (db_timestamp(day.start),),
        ).fetchall(),
        names,
    )
    ids = cur["product_id"].astype(np.int64)
    attrs = {k: cur[k] for k in shop.PRODUCT_ATTRS}
    attrs["category_id"] = attrs["category_id"].astype(np.int64)
    attrs["list_price"] = attrs["list_price"].astype(float)
    attrs["is_active"] = attrs["is_active"].astype(np.int64)
    meta = dict(internal_db.execute("SELECT product_id, popularity FROM product_meta").fetchall())
    sold = {r[0] for r in internal_db.execute("SELECT product_id FROM product_meta WHERE sold = 1")}

    active = np.flatnonzero(attrs["is_active"] == 1)
    picks = {k: active[v] for k, v in _pick_disjoint(rg, len(active), PRODUCT_RATES).items()}
    rows = np.concatenate([picks[k] for k in shop.PRODUCT_CHANGES])
    kinds = np.repeat(np.arange(2), [len(picks[k]) for k in shop.PRODUCT_CHANGES])
    at = day.start + rg.integers(0, US_PER_DAY, len(rows))
    new = shop.change_products(rg, {k: v[rows] for k, v in attrs.items()}, kinds)
    shop_db.executemany(
        "UPDATE products SET list_price = ?, category_id = ?, updated_at = ? WHERE product_id = ?",
        zip(
            new["list_price"].tolist(),
            new["category_id"].tolist(),
            db_timestamps(at),
            ids[rows].tolist(),
            strict=True,
        ),
    )
    version = _next_versions(internal_db, "product_history", "product_id", ids[rows])
    store.insert_columns(
        internal_db,
        "product_history",
        {
            "product_id": ids[rows],
            "version": version,
            "valid_from": at,
            "change": np.asarray(shop.PRODUCT_CHANGES, dtype=object)[kinds],
            **new,
            "deleted": np.zeros(len(rows), np.int64),
        },
    )

    disc = picks["discontinued"]
    disc_at = day.start + rg.integers(0, US_PER_DAY, len(disc))
    shop_db.executemany(
        "UPDATE products SET is_active = 0, updated_at = ? WHERE product_id = ?",
        zip(db_timestamps(disc_at), ids[disc].tolist(), strict=True),
    )
    disc_attrs = {k: v[disc] for k, v in attrs.items()}
    disc_attrs["is_active"] = np.zeros(len(disc), np.int64)
    _product_versions(internal_db, ids[disc], disc_at, "discontinued", disc_attrs, deleted=0)

    touched = np.zeros(len(ids), dtype=bool)
    touched[rows] = True
    touched[disc] = True
    # never sold although on offer for a while
    stale = cur["created_at"].astype(str) < db_timestamp(day.start - STALE_AFTER_DAYS * US_PER_DAY)
    never_sold = np.flatnonzero(~touched & stale & ~np.isin(ids, list(sold)))
    n_del = min(len(never_sold), max(1, rg.binomial(len(never_sold), HARD_DELETE_RATE)))
    gone = rg.choice(never_sold, n_del, replace=False) if n_del else never_sold[:0]
    gone_at = day.start + rg.integers(0, US_PER_DAY, len(gone))
    shop_db.executemany("DELETE FROM products WHERE product_id = ?", [(int(i),) for i in ids[gone]])
    internal_db.executemany(
        "DELETE FROM product_meta WHERE product_id = ?", [(int(i),) for i in ids[gone]]
    )
    _product_versions(
        internal_db,
        ids[gone],
        gone_at,
        "deleted",
        {k: v[gone] for k, v in attrs.items()},
        deleted=1,
    )

    n_new = max(1, rg.poisson(p.launches_per_day))
    new_ids = st.take_ids("product", n_new) + np.arange(n_new)
    created = day.times(rg, n_new)
    fresh = shop.new_products(rg, new_ids)
    ts = db_timestamps(created)
    store.insert_columns(
        shop_db,
        "products",
        {
            "product_id": new_ids,
            **fresh,
            "currency": np.full(n_new, "USD", dtype=object),
            "created_at": ts,
            "updated_at": ts,
        },
    )
    _product_versions(internal_db, new_ids, created, "created", fresh, deleted=0, version=0)
    weight = shop.popularity(rg, n_new)
    store.insert_columns(
        internal_db,
        "product_meta",
        {"product_id": new_ids, "popularity": weight, "sold": np.zeros(n_new, np.int64)},
    )

    # sellable today: active before today, not discontinued or deleted today, with demand
    ok = attrs["is_active"] == 1
    ok[disc] = False
    ok[gone] = False
    w = np.array([meta.get(int(i), 0.0) for i in ids])
    ok &= w > 0
    pool = shop.ProductPool(ids[ok], w[ok])
    old_price = attrs["list_price"]
    changed_price = np.full(len(ids), NEVER, dtype=np.int64)
    price_rows = rows[kinds == 0]
    changed_price[price_rows] = at[kinds == 0]
    new_price = old_price.copy()
    new_price[price_rows] = new["list_price"][kinds == 0]

    def price_at(pid: np.ndarray, t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(ids, pid)
        return np.where(t >= changed_price[i], new_price[i], old_price[i])

    return pool, price_at


def _product_versions(
    internal_db: sqlite3.Connection,
    ids: np.ndarray,
    at: np.ndarray,
    change: str,
    attrs: dict[str, np.ndarray],
    *,
    deleted: int,
    version: int | None = None,
) -> None:
    v = (
        np.zeros(len(ids), np.int64)
        if version == 0
        else _next_versions(internal_db, "product_history", "product_id", ids)
    )
    store.insert_columns(
        internal_db,
        "product_history",
        {
            "product_id": ids,
            "version": v,
            "valid_from": at,
            "change": np.full(len(ids), change, dtype=object),
            **attrs,
            "deleted": np.full(len(ids), deleted, np.int64),
        },
    )


def _transitions(shop_db: sqlite3.Connection, internal_db: sqlite3.Connection, day: _Day) -> None:
    """Move open orders (and their payments) along their planned lifecycle."""
    fields = ["order_id", "payment_id", "ordered_at", *writers.ORDER_PLAN_FIELDS]
    rows = internal_db.execute(store.select("order_plan", fields, "ORDER BY order_id")).fetchall()
    if not rows:
        return
    a = np.array([[NEVER if x is None else x for x in r] for r in rows], dtype=np.int64).T
    order_id, payment_id, ordered, paid, shipped, delivered, cancelled, returned = a
    plan = (paid, shipped, delivered, cancelled, returned, ordered)
    s0, _, p0, _ = shop.order_status(day.start, *plan)
    s1, u1, p1, pu1 = shop.order_status(day.end, *plan)
    ch = np.flatnonzero(s1 != s0)
    shop_db.executemany(
        "UPDATE orders SET status = ?, updated_at = ? WHERE order_id = ?",
        zip(
            shop.ORDER_STATUSES[s1[ch]].tolist(),
            db_timestamps(u1[ch]),
            order_id[ch].tolist(),
            strict=True,
        ),
    )
    pc = np.flatnonzero(p1 != p0)
    shop_db.executemany(
        "UPDATE payments SET status = ?, updated_at = ? WHERE payment_id = ?",
        zip(
            shop.PAYMENT_STATUSES[p1[pc]].tolist(),
            db_timestamps(pu1[pc]),
            payment_id[pc].tolist(),
            strict=True,
        ),
    )
    ends = np.stack([cancelled, returned, delivered])
    final_at = np.where(ends == NEVER, -1, ends).max(axis=0)
    done = order_id[final_at < day.end]
    internal_db.executemany("DELETE FROM order_plan WHERE order_id = ?", [(int(i),) for i in done])


def _marketing(api_db: sqlite3.Connection, st: State, p: Preset, day: _Day) -> events.LiveCampaigns:
    """Campaigns end, pause, resume and start; today's spend is reported, the last 3 days
    restated."""
    rg = day.rng(rng.MARKETING)
    today = date_str(np.array([day.index]))[0]
    names = ["campaign_id", "status", "end_date"]
    c = _columns(
        api_db.execute(
            "SELECT campaign_id, status, end_date FROM campaigns ORDER BY campaign_id"
        ).fetchall(),
        names,
    )
    cid, status = c["campaign_id"].astype(np.int64), c["status"].astype(str)
    end = np.array([e or "9999-12-31" for e in c["end_date"]], dtype=str)
    yesterday = date_str(np.array([day.index - 1]))[0]
    updates: list[tuple[str, str | None, int, int]] = []  # (status, end_date, updated_at, id)

    def stamp(lo: int, hi: int) -> int:
        return int(day.start + rg.integers(lo * HOUR, hi * HOUR))

    ending = np.flatnonzero((status != "ended") & (end < today))
    updates += [("ended", c["end_date"][i], stamp(0, 2), int(cid[i])) for i in ending]
    active = rg.permutation(np.flatnonzero((status == "active") & (end >= today)))
    paused = np.flatnonzero((status == "paused") & (end >= today))
    if not len(ending) and len(active) > 1:
        # nothing ends on schedule today: the marketers stop one campaign early
        updates.append(("ended", yesterday, stamp(0, 2), int(cid[active[0]])))
        active = active[1:]
    if len(active):
        n = min(len(active), max(1, rg.binomial(len(active), 0.03)))
        updates += [("paused", c["end_date"][i], stamp(2, 20), int(cid[i])) for i in active[:n]]
    if len(paused):
        n = rg.binomial(len(paused), 0.1)
        updates += [
            ("active", c["end_date"][i], stamp(2, 20), int(cid[i]))
            for i in rg.choice(paused, n, replace=False)
        ]
    api_db.executemany(
        "UPDATE campaigns SET status = ?, end_date = ?, updated_at = ? WHERE campaign_id = ?",
        updates,
    )

    n_new = max(1, rg.poisson(p.campaigns / p.history_days))
    new_ids = st.take_ids("campaign", n_new) + np.arange(n_new)
    camp = marketing.new_campaigns(rg, new_ids, np.full(n_new, day.index))
    created = day.times(rg, n_new, 0, 6 * HOUR)
    camp.update(
        status=np.full(n_new, "active", dtype=object), created_at=created, updated_at=created
    )
    store.insert_columns(api_db, "campaigns", marketing.campaign_rows(camp))

    # restate the last 3 days, then report today's spend of live campaigns
    recent = api_db.execute(
        "SELECT date, campaign_id, impressions, clicks, spend FROM ad_spend "
        "WHERE date >= ? AND date < ? ORDER BY date, campaign_id",
        (date_str(np.array([day.index - 3]))[0], today),
    ).fetchall()
    if recent:
        r = _columns(recent, ["date", "campaign_id", "impressions", "clicks", "spend"])
        imp, clk, amt = marketing.restate(
            rg,
            r["impressions"].astype(np.int64),
            r["clicks"].astype(np.int64),
            r["spend"].astype(float),
        )
        upd = day.start + rg.integers(20 * HOUR, 24 * HOUR, len(amt))
        api_db.executemany(
            "UPDATE ad_spend SET impressions = ?, clicks = ?, spend = ?, updated_at = ? "
            "WHERE date = ? AND campaign_id = ?",
            zip(
                imp.tolist(),
                clk.tolist(),
                amt.tolist(),
                upd.tolist(),
                r["date"].tolist(),
                r["campaign_id"].tolist(),
                strict=True,
            ),
        )
    live_rows = api_db.execute(
        "SELECT campaign_id, channel, daily_budget, currency, utm_source, utm_medium, utm_campaign "
        "FROM campaigns WHERE status = 'active' AND start_date <= ? ORDER BY campaign_id",
        (today,),
    ).fetchall()
    lc = _columns(
        live_rows,
        [
            "campaign_id",
            "channel",
            "daily_budget",
            "currency",
            "utm_source",
            "utm_medium",
            "utm_campaign",
        ],
    )
    imp, clk, amt = marketing.spend(rg, lc["channel"].astype(str), lc["daily_budget"].astype(float))
    store.insert_columns(
        api_db,
        "ad_spend",
        {
            "date": [today] * len(amt),
            "campaign_id": lc["campaign_id"],
            "channel": lc["channel"],
            "impressions": imp,
            "clicks": clk,
            "spend": amt,
            "currency": lc["currency"],
            "updated_at": day.start + rg.integers(20 * HOUR, 24 * HOUR, len(amt)),
        },
    )
    return marketing.live_campaigns(
        day.index,
        1,
        np.full(len(amt), day.index),
        np.arange(len(amt)),
        {k: lc[k] for k in ("utm_source", "utm_medium", "utm_campaign")},
    )


def _events(
    api_db: sqlite3.Connection,
    internal_db: sqlite3.Connection,
    st: State,
    p: Preset,
    day: _Day,
    o: shop.Orders,
    customers: shop.CustomerPool,
    products: shop.ProductPool,
    live: events.LiveCampaigns,
) -> None:
    """Today's sessions: deliver what arrives today, hold back what arrives later, release
    earlier days' late events that arrive today."""
    rg = day.rng(rng.EVENTS)
    n_browse = rg.poisson(p.browse_per_order * len(o))
    ev = events.concat(
        [
            events.order_sessions(rg, st.seed, o, p.tracked_share, live),
            events.browse_sessions(rg, st.seed, day.times(rg, n_browse), customers, products, live),
        ]
    )
    received, pending = events.split_received(events.deliver(rg, ev, day.start), day.end)
    released = internal_db.execute(
        store.select("pending_events", store.EVENT_FIELDS, "WHERE received_at < ?"), (day.end,)
    ).fetchall()
    internal_db.execute("DELETE FROM pending_events WHERE received_at < ?", (day.end,))
    writers.write_events(internal_db, "pending_events", pending)
    new = writers.event_rows(received) + released
    new.sort(key=lambda r: (r[-1], r[0]))  # clustered insert in (received_at, event_id) order
    store.insert(api_db, "events", store.EVENT_FIELDS, new)
