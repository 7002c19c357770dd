"""Keep erased people out of raw: the suppression list, applied by ingestion before loading.

`governance erase` writes keyed hashes of the erased customer id and of their anonymous_ids to
`governance.erasure_suppressions`. Every ingestion run reads that list (as the loader) and
attaches filters to the dlt resources before extraction:

* shop `customers`: the rows of suppressed customers are dropped;
* shop `orders`: kept, with a suppressed `customer_id` set to null (detached, as erasure does);
* events: dropped when they carry a suppressed customer_id, or no customer_id and a suppressed
  anonymous_id;
* `_quarantine` records (every source): dropped when they mention a suppressed id.

So a source that still holds the person (a re-sent row, a `--full-refresh`) cannot resurrect
them. Hashes are made with PII_HASH_KEY; if the list was written with another key than the
one set now, ingestion fails instead of silently letting the person back in.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from governance import pii
from governance.config import DETACHED_CUSTOMER_ID, GOVERNANCE_SCHEMA, SUPPRESSIONS


class SuppressionKeyMismatch(RuntimeError):
    """The suppression list was hashed with another key than PII_HASH_KEY."""


class SuppressionList:
    def __init__(self, entries: list[tuple[str, str, str]]) -> None:
        fingerprint = pii.key_fingerprint()
        if any(fp != fingerprint for _, _, fp in entries):
            raise SuppressionKeyMismatch(
                "the erasure suppression list was written with another PII_HASH_KEY than the "
                "one set now: set the warehouse's PII_HASH_KEY, or erased people would be "
                "loaded again"
            )
        self.customers = {token for kind, token, _ in entries if kind == "customer_id"}
        self.anonymous = {token for kind, token, _ in entries if kind == "anonymous_id"}
        self._customer_cache: dict[Any, bool] = {}
        self._anonymous_cache: dict[str, bool] = {}

    def __len__(self) -> int:
        return len(self.customers) + len(self.anonymous)

    def customer(self, customer_id: Any) -> bool:
        if customer_id is None or isinstance(customer_id, bool):
            return False
        if customer_id not in self._customer_cache:
            try:
                token = pii.customer_token(int(str(customer_id).strip()))
            except ValueError:
                self._customer_cache[customer_id] = False
            else:
                self._customer_cache[customer_id] = token in self.customers
        return self._customer_cache[customer_id]

    def anonymous_id(self, anonymous_id: Any) -> bool:
        if not isinstance(anonymous_id, str) or not anonymous_id.strip():
            return False
        if anonymous_id not in self._anonymous_cache:
            token = pii.anonymous_token(anonymous_id)
            self._anonymous_cache[anonymous_id] = token in self.anonymous
        return self._anonymous_cache[anonymous_id]

    # --- filters ---------------------------------------------------------------------------
    def keep_quarantined(self, row: dict[str, Any]) -> bool:
        try:
            record = json.loads(row.get("record") or "")
        except ValueError:
            return True
        if not isinstance(record, dict):
            return True
        customer, anonymous = record.get("customer_id"), record.get("anonymous_id")
        return not (self.customer(customer) or self.anonymous_id(anonymous))

    @staticmethod
    def _hits(column: pa.ChunkedArray | pa.Array, suppressed: Callable[[Any], bool]) -> Any:
        """Boolean mask of the values that are suppressed (null never is); None when none is.

        Each distinct value is tested once (and cached), not each row.
        """
        bad = [v for v in pc.unique(column).to_pylist() if suppressed(v)]
        if not bad:
            return None
        return pc.fill_null(pc.is_in(column, value_set=pa.array(bad, column.type)), False)

    def drop_customers(self, item: Any) -> Any:
        """Arrow table of shop customers without the suppressed ones."""
        _require_arrow(item, "customers")
        hit = self._hits(item.column("customer_id"), self.customer)
        return item if hit is None else item.filter(pc.invert(hit))

    def drop_events(self, item: Any) -> Any:
        """Arrow table of events without those of suppressed people: by customer_id when the
        event has one, else by anonymous_id."""
        _require_arrow(item, "events")
        customer = item.column("customer_id")
        by_customer = self._hits(customer, self.customer)
        by_anonymous = self._hits(item.column("anonymous_id"), self.anonymous_id)
        if by_anonymous is not None:
            by_anonymous = pc.and_(pc.is_null(customer), by_anonymous)
        hits = [h for h in (by_customer, by_anonymous) if h is not None]
        if not hits:
            return item
        return item.filter(pc.invert(hits[0] if len(hits) == 1 else pc.or_(*hits)))

    def detach_orders(self, item: Any) -> Any:
        """Arrow table (or row dict) of shop orders, suppressed customer_ids set to null."""
        if isinstance(item, dict):
            if self.customer(item.get("customer_id")):
                return {**item, "customer_id": DETACHED_CUSTOMER_ID}
            return item
        index = item.schema.get_field_index("customer_id")
        column = item.column(index)
        hit = self._hits(column, self.customer)
        if hit is None:
            return item
        detached = pc.if_else(hit, pa.scalar(DETACHED_CUSTOMER_ID, column.type), column)
        return item.set_column(index, item.schema.field(index), detached)


def _require_arrow(item: Any, table: str) -> None:
    # the shop tables and events arrive as Arrow tables; fail loudly rather than let rows through
    if not isinstance(item, (pa.Table, pa.RecordBatch)):
        raise TypeError(f"suppression expects Arrow tables of {table}, got {type(item)}")


def load(sql_client: Any) -> SuppressionList:
    """The list from the warehouse a dlt pipeline writes to (empty when there is none yet)."""
    exists = sql_client.execute_sql(
        "select count(*) from information_schema.tables"
        " where table_schema = %s and table_name = %s",
        GOVERNANCE_SCHEMA,
        SUPPRESSIONS,
    )
    if not exists or not exists[0][0]:
        return SuppressionList([])
    rows = sql_client.execute_sql(
        f"select identifier_kind, identifier_token, key_fingerprint"  # noqa: S608
        f" from {GOVERNANCE_SCHEMA}.{SUPPRESSIONS}"
    )
    return SuppressionList([tuple(r) for r in rows or []])


# dlt resource name -> how the list applies to it
def _transforms(suppressed: SuppressionList) -> dict[str, tuple[str, Callable[[Any], Any]]]:
    return {
        "customers": ("map", suppressed.drop_customers),
        "orders": ("map", suppressed.detach_orders),
        "events": ("map", suppressed.drop_events),
        "shop_quarantine": ("filter", suppressed.keep_quarantined),
        "events_quarantine": ("filter", suppressed.keep_quarantined),
    }


def apply(pipeline: Any, source: Any) -> int:
    """Attach the suppression filters to a dlt source; returns the number of list entries."""
    with pipeline.sql_client() as client:
        suppressed = load(client)
    if not len(suppressed):
        return 0
    for name, (kind, function) in _transforms(suppressed).items():
        if name not in source.resources:
            continue
        resource = source.resources[name]
        if name == "orders":
            # a table dlt creates from now on must accept detached (null) customers
            resource.apply_hints(columns={"customer_id": {"name": "customer_id", "nullable": True}})
        if kind == "map":
            resource.add_map(function)
        else:
            resource.add_filter(function)
    return len(suppressed)
