"""The one switch between DuckDB and Postgres, and the dlt pipelines that write to them."""

from __future__ import annotations

import sys
from typing import Any

import dlt
from dlt.common.runtime.collector import LogCollector
from dlt.destinations import duckdb, postgres

from ingestion import settings

# progress lines every few seconds on stderr: readable in a terminal and in CI logs
PROGRESS_PERIOD_S = 10.0


def make_destination(target: str) -> Any:
    if target == "duckdb":
        path = settings.duckdb_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        return duckdb(credentials=str(path))
    return postgres(credentials=settings.postgres_params())


def make_pipeline(source: str, target: str) -> dlt.Pipeline:
    """One dlt pipeline per source system, named like the source, writing its raw dataset."""
    return dlt.pipeline(
        pipeline_name=source,
        pipelines_dir=str(settings.pipelines_dir(target)),
        destination=make_destination(target),
        dataset_name=settings.DATASETS[source],
        progress=LogCollector(
            log_period=PROGRESS_PERIOD_S, logger=sys.stderr, dump_system_stats=False
        ),
    )
