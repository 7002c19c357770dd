"""Rows a query's table scans emit, from DuckDB's profiler: what an incremental run reads from
its inputs after the filters DuckDB pushes into the scans (at the test presets every table is
a single row group, so rows *scanned* would always be whole tables)."""

from __future__ import annotations

import json
from pathlib import Path


def rows_scanned(database: Path, sql: str, profile: Path) -> int:
    import duckdb

    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{profile}'")
        con.execute(sql).fetchall()
        con.execute("pragma disable_profiling")

    def emitted(node: dict) -> int:
        own = (
            node.get("operator_cardinality", 0) if node.get("operator_type") == "TABLE_SCAN" else 0
        )
        return own + sum(emitted(child) for child in node.get("children", []))

    return emitted(json.loads(profile.read_text()))
