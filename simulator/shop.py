"""Vectorised generators of the shop's entities: customers, catalog, orders and their lifecycle.

Used both for bulk history (`generate`, many days at once) and for single days (`advance`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import refdata as ref
from .clock import US_PER_DAY, US_PER_SEC

NEVER = np.iinfo(np.int64).max  # "transition does not happen"
MIN = 60 * US_PER_SEC
HOUR = 60 * MIN
CUSTOMER_ATTRS = [
    "email",
    "first_name",
    "last_name",
    "phone",
    "street_address",
    "city",
    "postal_code",
    "country",
    "marketing_opt_in",
]
PRODUCT_ATTRS = ["sku", "name", "brand", "category_id", "list_price", "is_active"]
CUSTOMER_CHANGES = ["moved", "email_changed", "opt_in_changed"]
PRODUCT_CHANGES = ["price_changed", "category_changed"]


def _s(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).astype(str)


def _join(*parts: object) -> np.ndarray:
    out = _s(parts[0]) if isinstance(parts[0], np.ndarray) else np.asarray(str(parts[0]))
    for p in parts[1:]:
        out = np.char.add(out, _s(p) if isinstance(p, np.ndarray) else str(p))
    return out


def _zfill(a: np.ndarray, width: int) -> np.ndarray:
    s = _s(a)
    return np.char.zfill(s, width) if len(s) else s


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    return _zfill(rng.integers(0, 10**width, n), width)


# ---------------------------------------------------------------- customers


def _address(rng: np.random.Generator, country_idx: np.ndarray) -> dict[str, np.ndarray]:
    n = len(country_idx)
    city = np.empty(n, dtype=object)
    postal = np.empty(n, dtype=object)
    for c, cities in enumerate(ref.CITIES):  # loop over 8 countries, vectorised inside
        m = country_idx == c
        k = int(m.sum())
        city[m] = np.asarray(cities)[rng.integers(0, len(cities), k)]
        postal[m] = _digits(rng, k, ref.POSTAL_DIGITS[c])
    street = _join(
        rng.integers(1, 400, n),
        " ",
        ref.STREETS[rng.integers(0, len(ref.STREETS), n)],
        " ",
        ref.STREET_KINDS[rng.integers(0, len(ref.STREET_KINDS), n)],
    )
    return {
        "street_address": street.astype(object),
        "city": city,
        "postal_code": postal,
        "country": np.asarray(ref.COUNTRIES, dtype=object)[country_idx],
    }


def country_index(codes: np.ndarray) -> np.ndarray:
    order = np.argsort(ref.COUNTRIES)
    return order[np.searchsorted(np.asarray(ref.COUNTRIES)[order], codes.astype(str))]


def _email(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray, ids: np.ndarray, tag: object
) -> np.ndarray:
    domain = ref.EMAIL_DOMAINS[rng.integers(0, len(ref.EMAIL_DOMAINS), len(ids))]
    return np.char.lower(_join(first, ".", last, ids, tag, "@", domain)).astype(object)


def new_customers(rng: np.random.Generator, ids: np.ndarray) -> dict[str, np.ndarray]:
    n = len(ids)
    country_idx = rng.choice(len(ref.COUNTRIES), n, p=ref.COUNTRY_WEIGHTS)
    first = ref.FIRST_NAMES[rng.integers(0, len(ref.FIRST_NAMES), n)]
    last = ref.LAST_NAMES[rng.integers(0, len(ref.LAST_NAMES), n)]
    return {
        "email": _email(rng, first, last, ids, ""),
        "first_name": first.astype(object),
        "last_name": last.astype(object),
        "phone": _join("+", rng.integers(1, 50, n), "-", _digits(rng, n, 9)).astype(object),
        **_address(rng, country_idx),
        "marketing_opt_in": (rng.random(n) < 0.45).astype(np.int64),
    }


def change_customers(
    rng: np.random.Generator,
    attrs: dict[str, np.ndarray],
    ids: np.ndarray,
    kinds: np.ndarray,
    version: np.ndarray,
) -> dict[str, np.ndarray]:
    """Apply one change per row (`kinds` indexes CUSTOMER_CHANGES); returns the new versions."""
    out = {k: v.copy() for k, v in attrs.items()}
    moved = kinds == 0
    if moved.any():
        country = country_index(out["country"][moved])
        emigrate = rng.random(len(country)) < 0.2  # most moves stay within the country
        country[emigrate] = rng.choice(
            len(ref.COUNTRIES), int(emigrate.sum()), p=ref.COUNTRY_WEIGHTS
        )
        for k, v in _address(rng, country).items():
            out[k][moved] = v
    mail = kinds == 1
    if mail.any():
        out["email"][mail] = _email(
            rng,
            out["first_name"][mail].astype(str),
            out["last_name"][mail].astype(str),
            ids[mail],
            _join("+v", version[mail]),
        )
    opt = kinds == 2
    out["marketing_opt_in"][opt] = 1 - out["marketing_opt_in"][opt]
    return out


# ---------------------------------------------------------------- catalog


def categories() -> tuple[np.ndarray, list[str], np.ndarray]:
    """(category_id, name, parent_category_id or 0) of the fixed two-level tree."""
    names = list(ref.CATEGORY_TREE)
    parents = [0] * len(names)
    for top, leaves in enumerate(ref.CATEGORY_TREE.values(), start=1):
        names += leaves
        parents += [top] * len(leaves)
    return np.arange(1, len(names) + 1), names, np.array(parents)


def leaf_categories() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(leaf category_id, its top-level index 0.., leaf name)."""
    ids, names, parents = categories()
    leaf = parents > 0
    return (
        ids[leaf],
        parents[leaf] - 1,
        [n for n, is_leaf in zip(names, leaf, strict=True) if is_leaf],
    )


def _price(rng: np.random.Generator, top: np.ndarray) -> np.ndarray:
    lo = np.array([r[0] for r in ref.PRICE_RANGE])[top]
    hi = np.array([r[1] for r in ref.PRICE_RANGE])[top]
    raw = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    return np.maximum(np.floor(raw), 1) + 0.99  # x.99 pricing


def new_products(rng: np.random.Generator, ids: np.ndarray) -> dict[str, np.ndarray]:
    leaf_ids, leaf_top, leaf_names = leaf_categories()
    n = len(ids)
    leaf = rng.integers(0, len(leaf_ids), n)
    brand = ref.BRANDS[rng.integers(0, len(ref.BRANDS), n)]
    name = _join(
        brand,
        " ",
        ref.ADJECTIVES[rng.integers(0, len(ref.ADJECTIVES), n)],
        " ",
        np.asarray(leaf_names)[leaf],
    )
    return {
        "sku": _join("SKU-", _zfill(ids, 7)).astype(object),
        "name": name.astype(object),
        "brand": brand.astype(object),
        "category_id": leaf_ids[leaf],
        "list_price": _price(rng, leaf_top[leaf]),
        "is_active": np.ones(n, dtype=np.int64),
    }


def popularity(rng: np.random.Generator, n: int) -> np.ndarray:
    """Demand weights: heavy-tailed, and ~10% duds that never sell (hard-delete candidates)."""
    w = rng.lognormal(0.0, 1.2, n)
    w[rng.random(n) < 0.1] = 0.0
    return w


def change_products(
    rng: np.random.Generator, attrs: dict[str, np.ndarray], kinds: np.ndarray
) -> dict[str, np.ndarray]:
    """Apply one change per row (`kinds` indexes PRODUCT_CHANGES); returns the new versions."""
    out = {k: v.copy() for k, v in attrs.items()}
    price = kinds == 0
    if price.any():
        old = out["list_price"][price]
        factor = rng.choice([0.8, 0.85, 0.9, 1.1, 1.15, 1.2], int(price.sum()))
        out["list_price"][price] = np.maximum(np.floor(old * factor), 1) + 0.99
    cat = kinds == 1
    if cat.any():
        leaf_ids, leaf_top, _ = leaf_categories()
        cur = np.searchsorted(leaf_ids, out["category_id"][cat])
        # move to another leaf of the same top-level category (a re-categorisation)
        choice = rng.integers(0, len(leaf_ids), int(cat.sum()))
        same_top = leaf_top[choice] == leaf_top[cur]
        shift = np.where(same_top & (choice != cur), choice, (cur + 1) % len(leaf_ids))
        out["category_id"][cat] = leaf_ids[shift]
    return out


# ---------------------------------------------------------------- orders

ORDER_STATUSES = np.array(["pending", "paid", "shipped", "delivered", "cancelled", "returned"])
PAYMENT_STATUSES = np.array(["authorized", "captured", "failed", "refunded"])
# share of orders per hour of day (UTC): quiet nights, busy evenings
_HOURS = np.array([1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4, 2], float)


@dataclass
class CustomerPool:
    """Customers who can order; `created_at` ascending, so those existing at t are a prefix.

    Their country (index into refdata.COUNTRIES) is `country_idx`, or, for history where
    customers move over time, `country_at(ids, times)`.
    """

    ids: np.ndarray
    created_at: np.ndarray
    country_idx: np.ndarray | None = None
    country_at: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None

    def pick(self, rng: np.random.Generator, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A customer existing at each time (uniform: older customers order more in total)."""
        existing = np.searchsorted(self.created_at, times, side="left")
        idx = np.minimum(
            (rng.random(len(times)) * existing).astype(np.int64), np.maximum(existing - 1, 0)
        )
        ids = self.ids[idx]
        if self.country_at is not None:
            return ids, self.country_at(ids, times)
        assert self.country_idx is not None
        return ids, self.country_idx[idx]


@dataclass
class ProductPool:
    ids: np.ndarray
    weights: np.ndarray

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.ids[rng.choice(len(self.ids), n, p=self.weights / self.weights.sum())]


@dataclass
class Orders:
    """Columns of a batch of new orders, their lines, payments and lifecycle plans (µs, cents)."""

    order_id: np.ndarray
    order_number: np.ndarray
    customer_id: np.ndarray
    country_idx: np.ndarray
    ordered_at: np.ndarray
    channel: np.ndarray
    currency: np.ndarray
    subtotal: np.ndarray
    discount: np.ndarray
    shipping: np.ndarray
    tax: np.ndarray
    total: np.ndarray
    # lifecycle plan (NEVER = does not happen)
    paid_at: np.ndarray
    shipped_at: np.ndarray
    delivered_at: np.ndarray
    cancelled_at: np.ndarray
    returned_at: np.ndarray
    # lines
    item_order: np.ndarray  # index into the orders above
    item_id: np.ndarray
    product_id: np.ndarray
    quantity: np.ndarray
    unit_price: np.ndarray
    item_discount: np.ndarray
    # payments: the main one per order, plus declined first attempts
    payment_id: np.ndarray
    method: np.ndarray
    failed_order: np.ndarray  # index into orders of declined attempts
    failed_payment_id: np.ndarray

    def __len__(self) -> int:
        return len(self.order_id)

    @property
    def final_at(self) -> np.ndarray:
        """When the order reaches its last status."""
        ends = np.stack([self.cancelled_at, self.returned_at, self.delivered_at])
        ends = np.where(ends == NEVER, -1, ends).max(axis=0)
        return ends


def order_times(rng: np.random.Generator, day_index: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sorted order timestamps: `counts[i]` orders on day `day_index[i]`, busier in the evening."""
    days = np.repeat(day_index.astype(np.int64), counts)
    hour = rng.choice(24, len(days), p=_HOURS / _HOURS.sum())
    t = days * US_PER_DAY + hour * HOUR + rng.integers(0, HOUR, len(days))
    return np.sort(t)


def make_orders(
    rng: np.random.Generator,
    ordered_at: np.ndarray,
    customers: CustomerPool,
    products: ProductPool,
    price_at: Callable[[np.ndarray, np.ndarray], np.ndarray],  # (ids, times) -> USD list price
    ids: dict[str, int],  # first order/order_item/payment id to use
) -> Orders:
    n = len(ordered_at)
    customer_id, country_idx = customers.pick(rng, ordered_at)
    day = ordered_at // US_PER_DAY
    first_of_day = np.searchsorted(day, day, side="left")
    seq = np.arange(n) - first_of_day + 1
    ymd = np.char.replace(np.datetime_as_string(day.astype("datetime64[D]")), "-", "")
    order_number = _join("ORD-", ymd, "-", _zfill(seq, 6)).astype(object)
    channel = rng.choice(len(ref.CHANNELS), n, p=ref.CHANNEL_WEIGHTS)
    currency = np.asarray(ref.COUNTRY_CURRENCY)[country_idx]
    fx = np.vectorize(ref.FX_FROM_USD.get, otypes=[float])(currency)

    # lines: 1 + Poisson, distinct products per order
    k = np.minimum(1 + rng.poisson(1.67, n), 8)
    item_order = np.repeat(np.arange(n), k)
    prod = products.pick(rng, len(item_order))
    _, keep = np.unique(item_order.astype(np.int64) * 10**9 + prod, return_index=True)
    item_order, prod = item_order[keep], prod[keep]
    m = len(item_order)
    quantity = rng.choice([1, 2, 3], m, p=[0.82, 0.14, 0.04])
    unit = np.round(price_at(prod, ordered_at[item_order]) * fx[item_order] * 100).astype(np.int64)
    gross = quantity * unit
    item_disc = np.where(
        rng.random(m) < 0.08, np.round(gross * rng.uniform(0.05, 0.25, m)), 0
    ).astype(np.int64)
    subtotal = np.bincount(item_order, weights=gross - item_disc, minlength=n).astype(np.int64)
    discount = np.where(rng.random(n) < 0.15, np.round(subtotal * 0.10), 0).astype(np.int64)
    shipping = np.where(subtotal >= 5000, 0, 499).astype(np.int64)
    tax = np.round((subtotal - discount) * ref.TAX_RATE[country_idx]).astype(np.int64)

    # lifecycle plan
    method = rng.choice(len(ref.METHODS), n, p=ref.METHOD_WEIGHTS)
    pay_delay = np.where(
        ref.METHODS[method] == "bank_transfer",
        rng.integers(6 * HOUR, 72 * HOUR, n),
        rng.integers(MIN, 30 * MIN, n),
    )
    fate = rng.random(n)
    never = np.full(n, NEVER, dtype=np.int64)
    unpaid = fate < 0.05  # abandoned / payment failed: pending -> cancelled
    cancel_paid = (fate >= 0.05) & (fate < 0.08)  # paid -> cancelled before shipping
    fulfilled = fate >= 0.08
    paid_at = np.where(unpaid, never, ordered_at + pay_delay)
    shipped_at = np.where(fulfilled, paid_at + rng.integers(8 * HOUR, 72 * HOUR, n), never)
    delivered_at = np.where(fulfilled, shipped_at + rng.integers(24 * HOUR, 144 * HOUR, n), never)
    returned = fulfilled & (rng.random(n) < 0.07)
    returned_at = np.where(returned, delivered_at + rng.integers(48 * HOUR, 600 * HOUR, n), never)
    cancelled_at = np.select(
        [unpaid, cancel_paid],
        [
            ordered_at + rng.integers(10 * MIN, 48 * HOUR, n),
            paid_at + rng.integers(HOUR, 36 * HOUR, n),
        ],
        never,
    )
    failed = np.flatnonzero((ref.METHODS[method] == "card") & (rng.random(n) < 0.04))

    first_payment = ids["payment"]
    return Orders(
        order_id=ids["order"] + np.arange(n),
        order_number=order_number,
        customer_id=customer_id,
        country_idx=country_idx,
        ordered_at=ordered_at,
        channel=channel,
        currency=currency.astype(object),
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        tax=tax,
        total=subtotal - discount + shipping + tax,
        paid_at=paid_at,
        shipped_at=shipped_at,
        delivered_at=delivered_at,
        cancelled_at=cancelled_at,
        returned_at=returned_at,
        item_order=item_order,
        item_id=ids["order_item"] + np.arange(m),
        product_id=prod,
        quantity=quantity,
        unit_price=unit,
        item_discount=item_disc,
        payment_id=first_payment + len(failed) + np.arange(n),
        method=method,
        failed_order=failed,
        failed_payment_id=first_payment + np.arange(len(failed)),
    )


def order_status(
    now: int,
    paid: np.ndarray,
    shipped: np.ndarray,
    delivered: np.ndarray,
    cancelled: np.ndarray,
    returned: np.ndarray,
    ordered: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Order and payment status just before `now` from the plan, with the time each last changed.

    Returns (order status index, order updated_at, payment status index, payment updated_at);
    indexes into ORDER_STATUSES / PAYMENT_STATUSES.
    """
    steps = [(paid, 1), (shipped, 2), (delivered, 3), (cancelled, 4), (returned, 5)]
    status = np.zeros(len(ordered), dtype=np.int64)
    updated = ordered.copy()
    for t, code in steps:
        hit = t < now
        status[hit] = code  # later steps of the lifecycle win
        updated = np.where(hit, np.maximum(updated, t), updated)
    pay = np.zeros(len(ordered), dtype=np.int64)
    pay_updated = ordered + 2 * US_PER_SEC  # payment created 2 s after the order
    captured = paid < now
    pay[captured] = 1
    pay_updated = np.where(captured, paid, pay_updated)
    failed = (cancelled < now) & ~captured
    pay[failed] = 2
    refund_at = np.where(
        captured & (cancelled < now), cancelled, np.where(returned < now, returned, NEVER)
    )
    refunded = refund_at < now
    pay[refunded] = 3
    pay_updated = np.where(failed, cancelled, np.where(refunded, refund_at, pay_updated))
    return status, updated, pay, pay_updated
