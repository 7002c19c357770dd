"""`<dataset>._ingestion_runs`: one row per pipeline run, written with plain SQL.

Plain SQL rather than a dlt load, so the row is written for failed runs too (when the destination
is reachable) and never mixes with the data's load packages.
"""

from __future__ import annotations

import json
from typing import Any

from dlt.destinations.sql_client import SqlClientBase

from ingestion.report import PipelineReport

RUNS_TABLE = "_ingestion_runs"
RUNS_COLUMNS = {
    "run_id": "varchar",
    "pipeline": "varchar",
    "started_at": "timestamp with time zone",
    "finished_at": "timestamp with time zone",
    "status": "varchar",
    "load_id": "varchar",
    "rows_loaded": "varchar",
    "rows_quarantined": "varchar",
    "rows_hard_deleted": "varchar",
    "schema_changes": "varchar",
    "error": "varchar",
}


def record_run(client: SqlClientBase[Any], run_id: str, report: PipelineReport) -> None:
    values = {
        "run_id": run_id,
        "pipeline": report.pipeline,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "status": report.status,
        # more than one only when the run also finished a package of an interrupted run
        "load_id": ",".join(report.load_ids) or None,
        "rows_loaded": json.dumps(report.rows_loaded, sort_keys=True),
        "rows_quarantined": json.dumps(report.rows_quarantined, sort_keys=True),
        "rows_hard_deleted": json.dumps(report.rows_hard_deleted, sort_keys=True),
        "schema_changes": json.dumps(report.schema_changes, sort_keys=True),
        "error": report.error,
    }
    table = client.make_qualified_table_name(RUNS_TABLE)
    columns = ", ".join(
        f"{client.escape_column_name(name)} {sql_type}" for name, sql_type in RUNS_COLUMNS.items()
    )
    client.execute_sql(f"CREATE TABLE IF NOT EXISTS {table} ({columns})")
    names = ", ".join(client.escape_column_name(name) for name in values)
    placeholders = ", ".join(["%s"] * len(values))
    # identifiers are escaped by dlt; every value is a bound parameter
    client.execute_sql(
        f"INSERT INTO {table} ({names}) VALUES ({placeholders})",  # noqa: S608
        *values.values(),
    )
