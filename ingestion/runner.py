"""One ingestion run: for each source system, finish what an interrupted run left, then extract,
normalize and load its new data, record the run, and report."""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from collections.abc import Sequence
from typing import Any

import dlt
from dlt.destinations.sql_client import SqlClientBase

from governance import suppression
from ingestion import apis, quarantine, replays, runlog, settings, shop, state
from ingestion.destinations import make_pipeline
from ingestion.report import IngestionError, PipelineReport, RunReport


def run(
    target: str | None = None,
    sources: Sequence[str] = settings.SOURCES,
    full_refresh: bool = False,
    shop_db_url: str | None = None,
    api_url: str | None = None,
) -> RunReport:
    """Load the given sources into the raw datasets of the target warehouse.

    `target` None means INGEST_TARGET, else DBT_TARGET, else duckdb. `full_refresh` re-reads
    everything regardless of saved cursors and merges it (raw rows are never dropped). Raises
    `IngestionError` (with the report) when any source failed; the others still ran.
    """
    target = settings.resolve_target(target)
    unknown = sorted(set(sources) - set(settings.SOURCES))
    if unknown:
        raise settings.ConfigError(
            f"unknown source(s) {', '.join(unknown)}; choose from: {', '.join(settings.SOURCES)}"
        )
    report = RunReport(
        run_id=uuid.uuid4().hex,
        target=target,
        destination=settings.destination_identity(target),
    )
    for name in settings.SOURCES:
        if name in sources:
            report.pipelines.append(
                _run_pipeline(name, target, report.run_id, full_refresh, shop_db_url, api_url)
            )
    if not report.succeeded:
        raise IngestionError(report)
    return report


def _run_pipeline(
    name: str,
    target: str,
    run_id: str,
    full_refresh: bool,
    shop_db_url: str | None,
    api_url: str | None,
) -> PipelineReport:
    started_at = _now()
    report = PipelineReport(pipeline=name, dataset=settings.DATASETS[name], started_at=started_at)
    pipeline = None
    try:
        pipeline = make_pipeline(name, target)
        # local cursors count only where the warehouse confirms them (ingestion/state.py)
        if reset := state.confirm(pipeline):
            print(f"{name}: {reset}", file=sys.stderr)
            report.schema_changes["state_reset"] = reset
        else:
            # restores state from the warehouse when newer
            pipeline.sync_destination()
        if missing := state.recreate_missing(pipeline):
            print(
                f"{name}: tables missing from the warehouse, reloading: {missing}", file=sys.stderr
            )
            report.schema_changes["missing_tables_reloaded"] = missing
        known_columns = _known_columns(pipeline)
        if pipeline.has_pending_data:
            print(f"{name}: completing the load of an interrupted run", file=sys.stderr)
            _normalize_and_load(pipeline, report, known_columns)
        engine = None
        if name == "shop":
            engine = shop.make_engine(shop_db_url or _config("sources.shop_db_url"))
            source = shop.shop_source(engine, started_at, _config("sources.shop_chunk_size", int))
        else:
            base_url = api_url or _config("sources.api_base_url")
            page_size = _config("sources.api_page_size", int)
            source = apis.api_source(name, base_url, _api_token(), page_size, started_at)
        # people erased from the warehouse stay out of raw (governance/suppression.py)
        suppression.apply(pipeline, source)
        if full_refresh or missing:
            _forget_cursors(pipeline, source.name, list(source.resources))
        elif engine is not None and (widened := shop.widened_tables(pipeline, source)):
            report.schema_changes["reloaded_tables"] = widened
            _forget_cursors(pipeline, source.name, widened)
        pipeline.extract(source)
        _normalize_and_load(pipeline, report, known_columns)
        if engine is not None:
            with pipeline.sql_client() as client:
                report.rows_hard_deleted = shop.mark_hard_deletes(
                    client, engine, set(pipeline.default_schema.tables), started_at
                )
        # a table the schema says holds rows but the warehouse lacks is data lost, not success
        if lost := state.missing_tables(pipeline, state.warehouse_tables(pipeline) or set()):
            raise RuntimeError(f"tables missing from the warehouse after the load: {lost}")
        report.status = "succeeded"
    except Exception as exc:
        report.status = "failed"
        report.error = describe_error(exc)
    report.finished_at = _now()
    if pipeline is not None:
        try:
            with pipeline.sql_client() as client:
                if not client.has_dataset():
                    client.create_dataset()
                runlog.record_run(client, run_id, report)
        except Exception as exc:
            print(f"{name}: could not record the run: {describe_error(exc)}", file=sys.stderr)
    return report


def _normalize_and_load(
    pipeline: dlt.Pipeline, report: PipelineReport, known_columns: dict[str, set[str]]
) -> None:
    pipeline.normalize()
    info = pipeline.load()
    report.load_ids.extend(info.loads_ids)
    with pipeline.sql_client() as client:
        if not client.has_dataset():
            client.create_dataset()
        tables = replays.insert_only_tables(pipeline)
        if info.loads_ids and (removed := replays.collapse(client, tables, info.loads_ids)):
            name = pipeline.pipeline_name
            print(f"{name}: removed {removed} rows doubled by a replayed load job", file=sys.stderr)
        quarantine.create_table(client)
        if info.loads_ids:
            report.add_rows(report.rows_loaded, _rows_written(client, pipeline, info.loads_ids))
            report.add_rows(report.rows_quarantined, quarantine.count_new(client, info.loads_ids))
    for package in info.load_packages:
        _add_schema_changes(report.schema_changes, package.schema_update, known_columns)


def _rows_written(
    client: SqlClientBase[Any], pipeline: dlt.Pipeline, load_ids: list[str]
) -> dict[str, int]:
    """Rows of each raw table that these loads wrote (inserted or replaced).

    Counted in the warehouse rather than taken from the extract, so a package finished for an
    interrupted run counts too, and repeat deliveries ignored by an insert-only merge do not.
    """
    load_id = client.escape_column_name("_dlt_load_id")
    placeholders = ", ".join(["%s"] * len(load_ids))
    counts = {}
    for table in pipeline.default_schema.data_table_names(seen_data_only=True):
        if table == quarantine.QUARANTINE_TABLE:
            continue
        ((rows,),) = client.execute_sql(
            f"SELECT count(*) FROM {client.make_qualified_table_name(table)}"  # noqa: S608
            f" WHERE {load_id} IN ({placeholders})",
            *load_ids,
        )
        if rows:
            counts[table] = rows
    return counts


def _known_columns(pipeline: dlt.Pipeline) -> dict[str, set[str]]:
    """Columns of each table as the warehouse has them before this run."""
    if not pipeline.default_schema_name:
        return {}
    return {name: set(table["columns"]) for name, table in pipeline.default_schema.tables.items()}


def _add_schema_changes(
    changes: dict[str, Any], update: dict[str, Any], known_columns: dict[str, set[str]]
) -> None:
    """Record tables created and columns added by a load (dlt's own tables left out)."""
    for table, schema in update.items():
        if table.startswith("_dlt"):
            continue
        if table not in known_columns:
            if table not in changes.setdefault("new_tables", []):
                changes["new_tables"].append(table)
            continue
        added = [c for c in schema.get("columns", {}) if c not in known_columns[table]]
        if added:
            columns = changes.setdefault("new_columns", {}).setdefault(table, [])
            columns.extend(c for c in added if c not in columns)


def _forget_cursors(pipeline: dlt.Pipeline, source_name: str, resources: list[str]) -> None:
    """Drop the saved incremental state of these resources, so they re-read everything."""
    with pipeline.managed_state() as state:
        saved = state.get("sources", {}).get(source_name, {}).get("resources", {})
        for resource_name in resources:
            saved.pop(resource_name, None)


def _config(key: str, kind: type = str) -> Any:
    value = dlt.config.get(key, kind)
    if value is None:
        raise settings.ConfigError(f"missing setting {key} (.dlt/config.toml or environment)")
    return value


def _api_token() -> str:
    token = dlt.secrets.get("sources.api_token", str)
    if not token:
        raise settings.ConfigError(
            "missing API token: set SOURCES__API_TOKEN or sources.api_token in .dlt/secrets.toml"
        )
    return token


def describe_error(exc: BaseException) -> str:
    """One line: the dlt step and resource that failed and the root cause."""
    step = getattr(exc, "step", None)
    resource = getattr(exc, "pipe_name", None)
    cause = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
        resource = getattr(cause, "pipe_name", None) or resource
    lines = str(cause).strip().splitlines()
    where = ", ".join(
        part for part in (step and f"{step} step", resource and f"resource {resource}") if part
    )
    message = f"{type(cause).__name__}: {lines[0] if lines else ''}".rstrip(": ")
    return f"{where}: {message}" if where else message


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
