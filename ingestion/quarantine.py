"""`<dataset>._quarantine`: records whose critical fields have the wrong type, kept verbatim.

Quarantined records are written by the same load package as the good records of their run, so
a crash can not lose one without the other. The table is merged insert-only on
(source_table, reason, record): a record seen again by a later run (an API page re-read at the
cursor boundary, a bad shop row still in the database) is stored once, with the load that first
saw it.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import dlt
from dlt.destinations.sql_client import SqlClientBase

QUARANTINE_TABLE = "_quarantine"
# the table as dlt creates it from `quarantine_hints` on DuckDB and Postgres
DDL_COLUMNS = {
    "source_table": "varchar",
    "record": "varchar",
    "reason": "varchar",
    "quarantined_at": "timestamp with time zone",
    "load_id": "varchar",
    "_dlt_load_id": "varchar",
    "_dlt_id": "varchar",
}


def quarantine_hints() -> dict[str, Any]:
    """Resource hints of `_quarantine` (a fresh copy: dlt updates hint dicts in place)."""
    return {
        "table_name": QUARANTINE_TABLE,
        "write_disposition": {"disposition": "merge", "strategy": "insert-only"},
        "primary_key": ["source_table", "reason", "record"],
        "columns": {
            "source_table": {"data_type": "text", "nullable": False},
            "record": {"data_type": "text", "nullable": False},
            "reason": {"data_type": "text", "nullable": False},
            "quarantined_at": {"data_type": "timestamp", "timezone": True, "nullable": False},
            "load_id": {"data_type": "text", "nullable": False},
        },
    }


def record_json(record: dict[str, Any]) -> str:
    """The record as JSON text, byte-for-byte the same each time the same record is seen."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)


def quarantine_row(
    source_table: str, record: str, reason: str, quarantined_at: dt.datetime
) -> dict[str, Any]:
    return {
        "source_table": source_table,
        "record": record,
        "reason": reason,
        "quarantined_at": quarantined_at,
        "load_id": dlt.current.load_package_state()["load_id"],
    }


def create_table(client: SqlClientBase[Any]) -> None:
    """Create `_quarantine` as dlt would, so every raw dataset has it even when nothing was bad.

    (dlt's `materialize_table_schema` can not create an empty table merged on a primary key.)
    """
    columns = ", ".join(
        f"{client.escape_column_name(name)} {sql_type} NOT NULL"
        for name, sql_type in DDL_COLUMNS.items()
    )
    table = client.make_qualified_table_name(QUARANTINE_TABLE)
    client.execute_sql(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")


def count_new(client: SqlClientBase[Any], load_ids: list[str]) -> dict[str, int]:
    """Rows that these loads added to `_quarantine`, per source table (re-seen ones excluded)."""
    if not load_ids:
        return {}
    table = client.make_qualified_table_name(QUARANTINE_TABLE)
    placeholders = ", ".join(["%s"] * len(load_ids))
    rows = client.execute_sql(
        f"SELECT source_table, count(*) FROM {table}"  # noqa: S608 (escaped identifier)
        f" WHERE load_id IN ({placeholders}) GROUP BY source_table",
        *load_ids,
    )
    return {source_table: int(count) for source_table, count in rows or []}
