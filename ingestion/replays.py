"""Undo rows doubled by a load job that dlt ran twice.

dlt records a finished load job only after the warehouse committed it; a crash in between makes
the next run load that file again. Staged rows of delete-insert merges are de-duplicated by
dlt, but an insert-only merge (`events`, `_quarantine`) inserts every staged row whose key is
not stored yet: a replayed file would insert its rows twice. Such copies are identical down to
`_dlt_id` (a hash of the key for these tables), so each is collapsed back to one row.
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.destinations.sql_client import SqlClientBase

INSERT_ONLY = "insert-only"
SCRATCH = "_ingestion_replayed"


def insert_only_tables(pipeline: dlt.Pipeline) -> list[str]:
    return [
        name
        for name, table in pipeline.default_schema.tables.items()
        if table.get("x-merge-strategy") == INSERT_ONLY
    ]


def collapse(client: SqlClientBase[Any], tables: list[str], load_ids: list[str]) -> int:
    """Collapse rows of these loads that share `_dlt_id`; returns how many copies were removed."""
    removed = 0
    row_id, load_id = (
        client.escape_column_name("_dlt_id"),
        client.escape_column_name("_dlt_load_id"),
    )
    placeholders = ", ".join(["%s"] * len(load_ids))
    for name in tables:
        table = client.make_qualified_table_name(name)
        # identifiers are escaped by dlt; the load ids are bound parameters
        doubled = (
            f"SELECT {row_id} FROM {table} WHERE {load_id} IN ({placeholders})"  # noqa: S608
            f" GROUP BY {row_id} HAVING count(*) > 1"
        )
        ((copies,),) = client.execute_sql(
            f"SELECT count(*) FROM {table} WHERE {row_id} IN ({doubled})",  # noqa: S608
            *load_ids,
        )
        if not copies:
            continue
        with client.begin_transaction():
            client.execute_sql(
                f"CREATE TEMPORARY TABLE {SCRATCH} AS SELECT DISTINCT * FROM {table}"  # noqa: S608
                f" WHERE {row_id} IN ({doubled})",
                *load_ids,
            )
            client.execute_sql(
                f"DELETE FROM {table} WHERE {row_id} IN (SELECT {row_id} FROM {SCRATCH})"  # noqa: S608
            )
            ((kept,),) = client.execute_sql(f"SELECT count(*) FROM {SCRATCH}")  # noqa: S608
            client.execute_sql(f"INSERT INTO {table} SELECT * FROM {SCRATCH}")  # noqa: S608
            client.execute_sql(f"DROP TABLE {SCRATCH}")
        removed += copies - kept
    return removed
