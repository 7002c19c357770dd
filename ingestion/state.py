"""Cursors are trusted only when the warehouse confirms them.

A pipeline's local working dir (state, cursors, schema) outlives its warehouse: a database
recreated (and its empty raw schemas made again by `make roles`), a DuckDB file deleted, a raw
schema or table dropped. Applied to such a warehouse, the local cursors would load nothing and
report success. So before each run the destination is asked: without a `_dlt_pipeline_state`
row for this pipeline the local state is dropped and everything is loaded from the beginning;
with a data table missing, that table is recreated and every resource re-read and merged (the
rows that survived are kept, none doubled).
"""

from __future__ import annotations

import dlt
from dlt.pipeline.helpers import pipeline_drop

STATE_TABLE = "_dlt_pipeline_state"


def warehouse_tables(pipeline: dlt.Pipeline) -> set[str] | None:
    """Tables of the pipeline's dataset in the warehouse; None when the dataset is missing."""
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            return None
        rows = client.execute_sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            client.dataset_name,
        )
        return {name for (name,) in rows}


def _has_state_row(pipeline: dlt.Pipeline) -> bool:
    with pipeline.sql_client() as client:
        table = client.make_qualified_table_name(STATE_TABLE)
        ((rows,),) = client.execute_sql(
            f"SELECT count(*) FROM {table} WHERE pipeline_name = %s",  # noqa: S608
            pipeline.pipeline_name,
        )
        return rows > 0


def missing_tables(pipeline: dlt.Pipeline, existing: set[str]) -> list[str]:
    """Data tables the pipeline's schema says hold rows but the warehouse does not have."""
    if not pipeline.default_schema_name:
        return []
    seen = pipeline.default_schema.data_table_names(seen_data_only=True)
    return sorted(table for table in seen if table not in existing)


def confirm(pipeline: dlt.Pipeline) -> str | None:
    """Drop the local state unless the warehouse holds this pipeline's state; say why, if so.

    When it was dropped, the caller must not `sync_destination()`: the run starts from nothing.
    """
    # nothing local to distrust: a first run, or state to restore from the warehouse
    if not pipeline.default_schema_name and not pipeline.has_pending_data:
        return None
    existing = warehouse_tables(pipeline)
    if existing is not None and STATE_TABLE in existing and _has_state_row(pipeline):
        return None
    pipeline.drop()
    return "the warehouse holds no dlt state for this pipeline: loading from the beginning"


def recreate_missing(pipeline: dlt.Pipeline) -> list[str]:
    """Data tables the warehouse lacks, after `sync_destination()`; their stored schema is reset
    with dlt's `pipeline_drop`, so the next load creates them again. The caller then re-reads
    every resource (a feed's cursor may sit on another resource than the table's)."""
    missing = missing_tables(pipeline, warehouse_tables(pipeline) or set())
    if missing:
        tables = pipeline.default_schema.tables
        if pipeline.has_pending_data:
            pipeline.drop_pending_packages()
        pipeline_drop(
            pipeline, resources=sorted({tables[t].get("resource") or t for t in missing})
        )()
    return missing
