"""The microbatch mart fct_ad_spend (docs/incremental.md):
a backfill of a past date range rebuilds exactly those days, and an incremental build of the
clickstream and ad-spend models reads fewer rows than a full one, counted by DuckDB's profiler
from what the queries scanned."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from elt import steps

from .conftest import table_rows

MICROBATCH = {"marts.fct_ad_spend": "spend_date"}
MODELS = (
    "int_web_events_sessionized",
    "int_web_sessions_aggregated",
    "fct_sessions",
    "conversion_funnel",
    "fct_ad_spend",
)
IN_RANGE, OUT_OF_RANGE = "2025-01-11", "2025-01-20"
RANGE = ("2025-01-10", "2025-01-13")  # [start, end): 10, 11 and 12 January


def _by_day(wh) -> dict[str, dict[str, list[tuple]]]:
    """Each microbatch table's rows grouped by the ISO day of its event-time column."""
    out: dict[str, dict[str, list[tuple]]] = {}
    for table, day_column in MICROBATCH.items():
        columns, rows = table_rows(wh, table)
        at = columns.index(day_column)
        days: dict[str, list[tuple]] = {}
        for row in rows:
            days.setdefault(str(row[at])[:10], []).append(row)
        out[table] = days
    return out


def test_a_backfill_rebuilds_only_its_days_and_matches_a_full_refresh(duckdb_clone) -> None:
    wh = duckdb_clone
    with duckdb.connect(wh.connection_env["DUCKDB_PATH"]) as con:
        for day in (IN_RANGE, OUT_OF_RANGE):
            con.execute(
                "update raw_marketing.ad_spend set impressions = impressions + 1000"
                ' where "date" = ?',
                [day],
            )
    before = _by_day(wh)
    selected = ("--select", "fct_ad_spend")
    wh.dbt("run", *selected, "--event-time-start", RANGE[0], "--event-time-end", RANGE[1])
    backfilled = _by_day(wh)
    start, end = steps.event_time_window(wh.query, full_refresh=True)
    wh.dbt(
        "run",
        *selected,
        "--full-refresh",
        "--event-time-start",
        start.isoformat(),
        "--event-time-end",
        end.isoformat(),
    )
    full = _by_day(wh)

    for table in MICROBATCH:
        days = set(before[table]) | set(full[table])
        assert {IN_RANGE, OUT_OF_RANGE} <= days, table
        for day in days:
            rebuilt = RANGE[0] <= day < RANGE[1]
            expected = full[table] if rebuilt else before[table]
            assert backfilled[table].get(day) == expected.get(day), (table, day)
        # the planted day inside the range changed, the one outside did not (yet)
        assert backfilled[table][IN_RANGE] != before[table][IN_RANGE], table
        assert backfilled[table][OUT_OF_RANGE] != full[table][OUT_OF_RANGE], table


def _scanned(database: Path, sql: str, profile: Path) -> dict[str, int]:
    """Rows each table scan of `sql` read (DuckDB profiler, operator_rows_scanned)."""
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("pragma enable_profiling = 'json'")
        con.execute(f"pragma profiling_output = '{profile}'")
        con.execute(f"select count(*) from ({sql}) as model_rows").fetchall()  # noqa: S608
        con.execute("pragma disable_profiling")
    counts: dict[str, int] = {}

    def walk(node: dict) -> None:
        if node.get("operator_type") == "TABLE_SCAN":
            table = node.get("extra_info", {}).get("Table", "?")
            counts[table] = counts.get(table, 0) + int(node["operator_rows_scanned"])
        for child in node.get("children", []):
            walk(child)

    walk(json.loads(profile.read_text()))
    return counts


def _compiled(target_path: Path, model: str) -> list[str]:
    """The compiled selects of `model` from the last command: one file, or one per batch."""
    root = target_path / "compiled"
    files = list(root.rglob(f"{model}/{model}_*.sql")) or [
        p for p in root.rglob(f"{model}.sql") if "_unit_tests" not in str(p)
    ]
    assert files, model
    return [p.read_text() for p in files]


def _reads(wh, database: Path, tmp_path: Path) -> dict[str, int]:
    reads = {}
    for model in MODELS:
        total = 0
        for i, sql in enumerate(_compiled(wh.target_path, model)):
            total += sum(_scanned(database, sql, tmp_path / f"{model}-{i}.json").values())
        reads[model] = total
    return reads


def test_an_incremental_build_reads_fewer_rows_than_a_full_one(duckdb_clone, tmp_path) -> None:
    """The same new day built twice from the same warehouse state: incrementally (what the
    production build runs) and with --full-refresh. Each model's compiled selects (every
    batch of the microbatch ones) are then replayed on a copy of that state under DuckDB's
    profiler, which reports the rows the scans actually read (after zone-map pruning)."""
    wh = duckdb_clone
    wh.advance(1)
    wh.ingest()
    # the same file name: compiled SQL names the catalog after it ("warehouse")
    state = tmp_path / "state" / Path(wh.connection_env["DUCKDB_PATH"]).name
    state.parent.mkdir()
    shutil.copy(wh.connection_env["DUCKDB_PATH"], state)
    selected = ("--select", " ".join(MODELS))

    wh.dbt("run", *selected, *steps.event_time_window_args(wh.query))
    incremental = _reads(wh, state, tmp_path)
    shutil.rmtree(wh.target_path / "compiled")
    shutil.copy(state, wh.connection_env["DUCKDB_PATH"])
    full_window = steps.event_time_window_args(wh.query, full_refresh=True)
    wh.dbt("run", *selected, "--full-refresh", *full_window)
    full = _reads(wh, state, tmp_path)

    print({m: (incremental[m], full[m]) for m in MODELS})  # shown with -s
    assert incremental["fct_ad_spend"] < full["fct_ad_spend"] / 3
    assert sum(incremental.values()) < sum(full.values())
