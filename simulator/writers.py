"""Writing generated columns into the shop, API and internal stores."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import refdata as ref
from . import shop, store
from .clock import US_PER_SEC, db_timestamps
from .shop import NEVER, Orders

ORDER_PLAN_FIELDS = ["paid_at", "shipped_at", "delivered_at", "cancelled_at", "returned_at"]


def money(cents: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(cents) / 100.0, 2)


def nullable(values: np.ndarray, null: object = -1) -> np.ndarray:
    """Object array with None where `values == null` (so SQLite stores NULL)."""
    out = np.asarray(values).astype(object)
    out[np.asarray(values) == null] = None
    return out


def write_orders(
    shop_db: sqlite3.Connection, internal_db: sqlite3.Connection, o: Orders, now: int
) -> None:
    """Insert new orders with their status as of `now`; keep the plans of those not final yet."""
    status, updated, pay, pay_updated = shop.order_status(
        now, o.paid_at, o.shipped_at, o.delivered_at, o.cancelled_at, o.returned_at, o.ordered_at
    )
    ordered = db_timestamps(o.ordered_at)
    store.insert_columns(
        shop_db,
        "orders",
        {
            "order_id": o.order_id,
            "order_number": o.order_number,
            "customer_id": o.customer_id,
            "ordered_at": ordered,
            "status": shop.ORDER_STATUSES[status],
            "channel": ref.CHANNELS[o.channel],
            "currency": o.currency,
            "subtotal_amount": money(o.subtotal),
            "discount_amount": money(o.discount),
            "shipping_amount": money(o.shipping),
            "tax_amount": money(o.tax),
            "total_amount": money(o.total),
            "created_at": ordered,
            "updated_at": db_timestamps(updated),
        },
    )
    item_ts = np.asarray(ordered, dtype=object)[o.item_order]
    store.insert_columns(
        shop_db,
        "order_items",
        {
            "order_item_id": o.item_id,
            "order_id": o.order_id[o.item_order],
            "product_id": o.product_id,
            "quantity": o.quantity,
            "unit_price": money(o.unit_price),
            "discount_amount": money(o.item_discount),
            "created_at": item_ts,
            "updated_at": item_ts,
        },
    )
    f = o.failed_order
    failed_ts = db_timestamps(
        o.ordered_at[f] + US_PER_SEC
    )  # a declined card, just before the retry
    store.insert_columns(
        shop_db,
        "payments",
        {
            "payment_id": np.concatenate([o.failed_payment_id, o.payment_id]),
            "order_id": np.concatenate([o.order_id[f], o.order_id]),
            "method": np.concatenate(
                [np.full(len(f), "card", dtype=object), ref.METHODS[o.method]]
            ),
            "status": np.concatenate(
                [np.full(len(f), "failed", dtype=object), shop.PAYMENT_STATUSES[pay]]
            ),
            "amount": money(np.concatenate([o.total[f], o.total])),
            "currency": np.concatenate([o.currency[f], o.currency]),
            "created_at": failed_ts + db_timestamps(o.ordered_at + 2 * US_PER_SEC),
            "updated_at": failed_ts + db_timestamps(pay_updated),
        },
    )
    open_ = np.flatnonzero(o.final_at >= now)
    store.insert_columns(
        internal_db,
        "order_plan",
        {
            "order_id": o.order_id[open_],
            "payment_id": o.payment_id[open_],
            "ordered_at": o.ordered_at[open_],
            **{k: nullable(getattr(o, k)[open_], NEVER) for k in ORDER_PLAN_FIELDS},
        },
    )


def event_rows(ev: dict[str, np.ndarray]) -> list[tuple]:
    """Rows in store.EVENT_FIELDS order, with NULL for missing ids."""
    nullable_ids = ("customer_id", "product_id", "order_id")
    cols = [(nullable(ev[k]) if k in nullable_ids else ev[k]).tolist() for k in store.EVENT_FIELDS]
    return list(zip(*cols, strict=True))


def write_events(conn: sqlite3.Connection, table: str, ev: dict[str, np.ndarray]) -> None:
    store.insert(conn, table, store.EVENT_FIELDS, event_rows(ev))


@dataclass
class EntityHistory:
    """Bulk-generated customers or products with all their versions (see generate._versioned):
    version v of an entity applies its v-th change (`change_*`, sorted by entity then time)."""

    ids: np.ndarray
    created: np.ndarray
    first: dict[str, np.ndarray]  # version 0
    latest: dict[str, np.ndarray]
    versions: list[tuple[np.ndarray, dict[str, np.ndarray]]]
    change_row: np.ndarray
    change_time: np.ndarray
    change_kind: np.ndarray

    def rows(self, kind_names: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """All versions as columns (id, version, valid_from, change, attrs...) and the number
        of versions per entity."""
        parts = [
            {
                "id": self.ids,
                "version": np.zeros(len(self.ids), np.int64),
                "valid_from": self.created,
                "change": np.full(len(self.ids), "created", dtype=object),
                **self.first,
            }
        ]
        for v, (sel, attrs) in enumerate(self.versions, start=1):
            parts.append(
                {
                    "id": self.ids[self.change_row[sel]],
                    "version": np.full(int(sel.sum()), v),
                    "valid_from": self.change_time[sel],
                    "change": np.asarray(kind_names, dtype=object)[self.change_kind[sel]],
                    **attrs,
                }
            )
        cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        return cols, 1 + np.bincount(self.change_row, minlength=len(self.ids))

    def version_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """(entity id, valid_from) of every version: version 0 of all, then the changes."""
        return (
            np.concatenate([self.ids, self.ids[self.change_row]]),
            np.concatenate([self.created, self.change_time]),
        )

    def attribute_per_version(self, name: str, convert: Callable = np.asarray) -> np.ndarray:
        """An attribute of every version, in `version_keys` order."""
        first = convert(self.first[name])
        out = np.empty(len(self.ids) + len(self.change_row), dtype=first.dtype)
        out[: len(self.ids)] = first
        for sel, changed in self.versions:
            out[len(self.ids) + np.flatnonzero(sel)] = convert(changed[name])
        return out

    @property
    def updated(self) -> np.ndarray:
        """Time of each entity's latest change (its creation if none)."""
        last = self.created.copy()
        np.maximum.at(last, self.change_row, self.change_time)
        return last


def _final_version(
    latest: dict,
    ids: np.ndarray,
    n_versions: np.ndarray,
    mask: np.ndarray,
    at: np.ndarray,
    change: str,
) -> dict:
    return {
        "id": ids[mask],
        "version": n_versions[mask],
        "valid_from": at[mask],
        "change": np.full(int(mask.sum()), change, dtype=object),
        **{k: v[mask] for k, v in latest.items()},
    }


def write_customers(
    shop_db: sqlite3.Connection,
    internal_db: sqlite3.Connection,
    h: EntityHistory,
    closed: np.ndarray,
    closed_at: np.ndarray,
) -> None:
    cols, n_versions = h.rows(shop.CUSTOMER_CHANGES)
    cols["deleted_at"] = np.full(len(cols["id"]), None, dtype=object)
    last = _final_version(h.latest, h.ids, n_versions, closed, closed_at, "closed")
    last["deleted_at"] = closed_at[closed].astype(object)
    cols = {k: np.concatenate([cols[k], last[k]]) for k in cols}
    cols["customer_id"] = cols.pop("id")
    store.insert_columns(internal_db, "customer_history", cols)

    updated = np.where(closed, closed_at, h.updated)
    deleted = np.array(db_timestamps(closed_at), dtype=object)
    deleted[~closed] = None
    store.insert_columns(
        shop_db,
        "customers",
        {
            "customer_id": h.ids,
            **h.latest,
            "created_at": db_timestamps(h.created),
            "updated_at": db_timestamps(updated),
            "deleted_at": deleted,
        },
    )


def write_products(
    shop_db: sqlite3.Connection,
    internal_db: sqlite3.Connection,
    h: EntityHistory,
    disc: np.ndarray,
    disc_at: np.ndarray,
) -> None:
    cols, n_versions = h.rows(shop.PRODUCT_CHANGES)
    latest = dict(h.latest)
    latest["is_active"] = np.where(disc, 0, latest["is_active"])
    last = _final_version(latest, h.ids, n_versions, disc, disc_at, "discontinued")
    cols = {k: np.concatenate([cols[k], last[k]]) for k in cols}
    cols["product_id"] = cols.pop("id")
    cols["deleted"] = np.zeros(len(cols["product_id"]), np.int64)
    store.insert_columns(internal_db, "product_history", cols)

    updated = np.where(disc, disc_at, h.updated)
    store.insert_columns(
        shop_db,
        "products",
        {
            "product_id": h.ids,
            **latest,
            "currency": np.full(len(h.ids), "USD", dtype=object),
            "created_at": db_timestamps(h.created),
            "updated_at": db_timestamps(updated),
        },
    )
