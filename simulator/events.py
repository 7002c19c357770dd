"""Clickstream events, consistent with the shop: order sessions end in the real order, browsing
sessions view real products, marketing sessions land with a live campaign's utm fields."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import refdata as ref
from .clock import US_PER_DAY, US_PER_SEC
from .rng import hashed_uuids, uuids
from .shop import HOUR, MIN, CustomerPool, Orders, ProductPool

EVENT_TYPES = np.array(
    ["page_view", "product_view", "add_to_cart", "checkout_started", "order_completed"]
)
PAGES = np.array(["/", None, "/cart", "/checkout", "/checkout/complete"], dtype=object)
MARKETING_SHARE = 0.45  # sessions that arrive through a campaign (when one is live that day)
NULL_SESSION_SHARE = 0.05
LATE_SHARE = 0.03  # received 1 h .. 3 days after it happened
DUPLICATE_SHARE = 0.01  # delivered a second time, later
ANON_SALT = 7  # salt of customers' stable browser ids


@dataclass
class LiveCampaigns:
    """Campaigns spending on each day of a window: for day d, rows offsets[d]:offsets[d+1]."""

    first_day: int
    offsets: np.ndarray
    campaign_row: np.ndarray  # index into the utm arrays, grouped by day
    utm_source: np.ndarray
    utm_medium: np.ndarray
    utm_campaign: np.ndarray

    def pick(self, rng: np.random.Generator, day: np.ndarray) -> np.ndarray:
        """A live campaign for each session's day, or -1 (direct traffic)."""
        d = day - self.first_day
        lo, hi = self.offsets[d], self.offsets[d + 1]
        count = hi - lo
        mkt = (rng.random(len(day)) < MARKETING_SHARE) & (count > 0)
        j = lo + (rng.random(len(day)) * np.maximum(count, 1)).astype(np.int64)
        return (
            np.where(mkt, self.campaign_row[np.minimum(j, len(self.campaign_row) - 1)], -1)
            if len(self.campaign_row)
            else np.full(len(day), -1)
        )


@dataclass
class Sessions:
    start: np.ndarray  # µs of the first event
    gap: np.ndarray  # µs between consecutive events
    anonymous_id: np.ndarray
    customer_id: np.ndarray  # -1 = not logged in
    device: np.ndarray
    country: np.ndarray
    campaign: np.ndarray  # row in LiveCampaigns utm arrays, -1 = direct
    n_events: np.ndarray


def _expand(s: Sessions) -> tuple[np.ndarray, np.ndarray]:
    """(session index, position within session) of every event."""
    sess = np.repeat(np.arange(len(s.n_events)), s.n_events)
    starts = np.cumsum(s.n_events) - s.n_events
    return sess, np.arange(len(sess)) - starts[sess]


def order_sessions(
    rng: np.random.Generator, seed: int, orders: Orders, tracked_share: float, live: LiveCampaigns
) -> dict[str, np.ndarray]:
    """Sessions that led to an order: landing, view+add per line, checkout, order_completed."""
    web = ref.CHANNELS[orders.channel] != "marketplace"
    tracked = np.flatnonzero(web & (rng.random(len(orders)) < tracked_share))
    lines = np.bincount(orders.item_order, minlength=len(orders))
    first_line = np.cumsum(lines) - lines
    k = lines[tracked]
    n_events = 2 * k + 3
    gap = rng.integers(15 * US_PER_SEC, 3 * MIN, len(tracked))
    ordered = orders.ordered_at[tracked]
    device = np.where(
        ref.CHANNELS[orders.channel[tracked]] == "mobile",
        1,
        rng.choice(3, len(tracked), p=ref.DEVICE_WEIGHTS),
    )
    cust = orders.customer_id[tracked]
    s = Sessions(
        start=ordered - (n_events - 1) * gap,
        gap=gap,
        anonymous_id=hashed_uuids(seed, ANON_SALT, cust).astype(object),
        customer_id=cust,
        device=device,
        country=np.asarray(ref.COUNTRIES, dtype=object)[orders.country_idx[tracked]],
        campaign=live.pick(rng, (ordered - (n_events - 1) * gap) // US_PER_DAY),
        n_events=n_events,
    )
    sess, pos = _expand(s)
    last = n_events[sess] - 1
    etype = np.select([pos == 0, pos == last, pos == last - 1, pos % 2 == 1], [0, 4, 3, 1], 2)
    line = first_line[tracked][sess] + (pos - 1) // 2
    on_product = (etype == 1) | (etype == 2)
    product = np.where(on_product, orders.product_id[np.where(on_product, line, 0)], -1)
    order = np.where(etype == 4, orders.order_id[tracked][sess], -1)
    occurred = (
        s.start[sess] + pos * s.gap[sess] + (etype == 4) * 300_000
    )  # completed just after the order
    return _events(rng, s, sess, pos, etype, product, order, occurred, live)


def browse_sessions(
    rng: np.random.Generator,
    seed: int,
    start: np.ndarray,
    customers: CustomerPool,
    products: ProductPool,
    live: LiveCampaigns,
) -> dict[str, np.ndarray]:
    """Sessions without an order: views, sometimes an abandoned cart or checkout."""
    n = len(start)
    known = rng.random(n) < 0.35
    cust, country_idx = customers.pick(rng, start)
    anon = np.where(known, hashed_uuids(seed, ANON_SALT, cust), uuids(rng, n)).astype(object)
    logged_in = known & (rng.random(n) < 0.6)
    country_idx = np.where(
        known, country_idx, rng.choice(len(ref.COUNTRIES), n, p=ref.COUNTRY_WEIGHTS)
    )
    views = np.minimum(1 + rng.geometric(0.45, n), 8) - 1
    views = np.maximum(views, 1)
    cart = rng.random(n) < 0.3
    checkout = cart & (rng.random(n) < 0.3)
    n_events = 1 + views + cart + checkout
    s = Sessions(
        start=start,
        gap=rng.integers(10 * US_PER_SEC, 4 * MIN, n),
        anonymous_id=anon,
        customer_id=np.where(logged_in, cust, -1),
        device=rng.choice(3, n, p=ref.DEVICE_WEIGHTS),
        country=np.asarray(ref.COUNTRIES, dtype=object)[country_idx],
        campaign=live.pick(rng, start // US_PER_DAY),
        n_events=n_events,
    )
    sess, pos = _expand(s)
    v = views[sess]
    etype = np.select([pos == 0, pos <= v, pos == v + 1], [0, 1, 2], 3)
    viewed = products.pick(rng, len(sess))
    # the cart holds the last viewed product: carry it forward from the previous event
    product = np.where(etype == 1, viewed, -1)
    carry = np.where(etype == 2, np.roll(product, 1), -1)
    product = np.where(etype == 2, carry, product)
    occurred = s.start[sess] + pos * s.gap[sess]
    return _events(rng, s, sess, pos, etype, product, np.full(len(sess), -1), occurred, live)


def _events(
    rng: np.random.Generator,
    s: Sessions,
    sess: np.ndarray,
    pos: np.ndarray,
    etype: np.ndarray,
    product: np.ndarray,
    order: np.ndarray,
    occurred: np.ndarray,
    live: LiveCampaigns,
) -> dict[str, np.ndarray]:
    n = len(sess)
    session_id = uuids(rng, len(s.n_events)).astype(object)[sess]
    session_id[rng.random(n) < NULL_SESSION_SHARE] = None
    page = PAGES[etype]
    is_view = etype == 1
    page[is_view] = np.char.add("/products/", product[is_view].astype(str))
    campaign = np.where(pos == 0, s.campaign[sess], -1)  # utm only on the landing event
    has_utm = campaign >= 0
    utm = {}
    for name in ("utm_source", "utm_medium", "utm_campaign"):
        col = np.full(n, None, dtype=object)
        col[has_utm] = getattr(live, name)[campaign[has_utm]]
        utm[name] = col
    return {
        "event_id": uuids(rng, n).astype(object),
        "event_type": EVENT_TYPES[etype].astype(object),
        "anonymous_id": s.anonymous_id[sess],
        "customer_id": s.customer_id[sess],
        "session_id": session_id,
        "page": page,
        "product_id": product,
        "order_id": order,
        **utm,
        "device": ref.DEVICES[s.device[sess]].astype(object),
        "country": s.country[sess],
        "occurred_at": occurred,
    }


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def deliver(
    rng: np.random.Generator, ev: dict[str, np.ndarray], not_before: int
) -> dict[str, np.ndarray]:
    """Add `received_at`: most within seconds, some late, some delivered twice.

    Nothing is received before `not_before` (the start of the window being simulated), so data
    that an API client may already have paged through is never extended backwards.
    """
    n = len(ev["event_id"])
    late = rng.random(n) < LATE_SHARE
    delay = np.where(
        late, rng.integers(HOUR, 3 * US_PER_DAY, n), rng.integers(50_000, 20 * US_PER_SEC, n)
    )
    received = np.maximum(ev["occurred_at"] + delay, not_before)
    dup = np.flatnonzero(rng.random(n) < DUPLICATE_SHARE)
    redelivered = received[dup] + rng.integers(MIN, 24 * HOUR, len(dup))
    out = {k: np.concatenate([v, v[dup]]) for k, v in ev.items()}
    out["received_at"] = np.concatenate([received, redelivered])
    order = np.lexsort((out["event_id"].astype(str), out["received_at"]))
    return {k: v[order] for k, v in out.items()}


def split_received(
    ev: dict[str, np.ndarray], before: int
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(events received before `before`, the rest)."""
    now = ev["received_at"] < before
    return {k: v[now] for k, v in ev.items()}, {k: v[~now] for k, v in ev.items()}
