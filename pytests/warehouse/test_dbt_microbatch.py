"""The microbatch mart fct_ad_spend (docs/incremental.md): a backfill of a past date range
rebuilds exactly those days, and an incremental run's batches read a few days of ad spend
(DuckDB's profiler) where a full one reads them all."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from elt import steps
from pytests.support.profiling import rows_scanned

from .conftest import table_rows

MICROBATCH = {"marts.fct_ad_spend": "spend_date"}
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


def _batches(target_path: Path, model: str) -> list[str]:
    """The compiled select of each batch of `model` in the last command."""
    files = sorted((target_path / "compiled").rglob(f"{model}/{model}_*.sql"))
    assert files, model
    return [p.read_text() for p in files]


def _reads(wh, database: Path, tmp_path: Path) -> int:
    return sum(
        rows_scanned(database, sql, tmp_path / f"batch-{i}.json")
        for i, sql in enumerate(_batches(wh.target_path, "fct_ad_spend"))
    )


def test_an_incremental_run_reads_a_few_days(duckdb_clone, tmp_path) -> None:
    """The same new day built twice from the same warehouse state: incrementally (the window
    the production build passes) and with --full-refresh. Every batch's compiled select is then
    replayed on a copy of that state under DuckDB's profiler."""
    wh = duckdb_clone
    wh.advance(1)
    wh.ingest()
    # the same file name: compiled SQL names the catalog after it ("warehouse")
    state = tmp_path / "state" / Path(wh.connection_env["DUCKDB_PATH"]).name
    state.parent.mkdir()
    shutil.copy(wh.connection_env["DUCKDB_PATH"], state)
    selected = ("--select", "fct_ad_spend")

    wh.dbt("run", *selected, *steps.event_time_window_args(wh.query))
    day_batches = len(_batches(wh.target_path, "fct_ad_spend"))
    incremental = _reads(wh, state, tmp_path)
    shutil.rmtree(wh.target_path / "compiled")
    shutil.copy(state, wh.connection_env["DUCKDB_PATH"])
    wh.dbt("run", *selected, "--full-refresh", *steps.event_time_window_args(wh.query, True))
    full = _reads(wh, state, tmp_path)

    # the newest built day minus the 3-day lookback, to the new day
    assert day_batches == steps.MICROBATCH_LOOKBACK_DAYS + 2, day_batches
    assert 0 < incremental < full / 3, (incremental, full)
