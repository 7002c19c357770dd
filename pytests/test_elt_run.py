"""`make run`'s orchestration, end to end on DuckDB: simulate, ingest, build, advance, docs."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from contextlib import closing
from pathlib import Path

import duckdb

from pytests.support.warehouse import REPO_ROOT, duckdb_warehouse
from simulator.state import State


def _run_elt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "elt", "run", "--preset", "tiny", "--seed", "3", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_elt_run_builds_the_marts_and_docs_then_advances(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path)
    env = {**os.environ, **wh.env}
    result = _run_elt(env, "--days", "1")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    out = result.stdout
    for step in ("Generating the simulated shop", "Ingesting with dlt", "dbt build", "Advancing"):
        assert step in out
    assert "dbt docs generate" in out and "Warehouse (DuckDB)" in out
    # readable: no per-node dbt lines nor dlt progress, the full stream is in logs/
    assert len(out.splitlines()) <= 60, out
    assert "OK created" not in out and "Extract web" not in out
    log_dir = tmp_path / "dbt-logs"
    assert "OK created" in (log_dir / "dbt-console.log").read_text()
    assert "raw_web.events" in (log_dir / "dlt.log").read_text()
    assert (wh.target_path / "index.html").exists()
    # the docs step leaves the last build's results for the data-health dashboard
    run_results = json.loads((wh.target_path / "run_results.json").read_text())
    assert run_results["args"]["which"] == "build"
    # the production build runs data tests but not unit tests (those run in CI: `make test`)
    kinds = {r["unique_id"].split(".")[0] for r in run_results["results"]}
    assert "test" in kinds and "unit_test" not in kinds

    # the summary: test counts of the last build as run_results.json has them
    statuses = Counter(
        r["status"] for r in run_results["results"] if r["unique_id"].startswith("test.")
    )
    last_build = next(ln for ln in out.splitlines() if ln.strip().startswith("day 1/1:"))
    assert f"tests {statuses['pass']} passed / {statuses['warn']} warned" in last_build
    with duckdb.connect(wh.connection_env["DUCKDB_PATH"], read_only=True) as con:
        # events are insert-only: the rows loaded over both cycles are the raw table's rows
        (events,) = con.execute("select count(*) from raw_web.events").fetchone()
        assert re.search(rf"^\s+raw_web\.events\s+{events}\s", out, re.M), (events, out)
        customers = con.execute("select count(*) from marts.dim_customers").fetchone()[0]
        orders = con.execute("select count(*) from marts.fct_orders").fetchone()[0]
        simulated_day = con.execute("select max(ordered_at) from marts.fct_orders").fetchone()[0]
    assert customers > 0 and orders > 0
    # the advanced day was ingested and built: the newest order is from the last simulated day
    last_simulated_day = State.load(wh.sim_dir).today - dt.timedelta(days=1)
    assert simulated_day.date() == last_simulated_day


def test_elt_run_reports_an_unreachable_postgres_in_one_line(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PGHOST": "127.0.0.1",
        "PGPORT": "1",  # nothing listens there
        "PGUSER": "nobody",
        "PGPASSWORD": "wrong",
        "PGDATABASE": "warehouse",
        "SIM_DIR": str(tmp_path / "sim"),
    }
    result = _run_elt(env, "--target", "postgres", "--days", "0")
    assert result.returncode == 1
    assert "ERROR: cannot connect to Postgres nobody@127.0.0.1:1/warehouse" in result.stdout
    assert not (tmp_path / "sim").exists(), "nothing should run before the connection check"


def test_elt_run_fails_in_one_line_with_the_log_path_and_verbose_streams(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path)
    # a broken simulated world: ingestion cannot open the shop database
    env = {**os.environ, **wh.env}
    wh.generate()
    (wh.sim_dir / "shop.sqlite").unlink()
    result = _run_elt(env, "--days", "0")
    assert result.returncode == 1
    error = [ln for ln in result.stdout.splitlines() if ln.startswith("ERROR:")]
    assert len(error) == 1 and "Ingesting with dlt" in error[0], result.stdout
    assert error[0].endswith("ingestion failed: shop: NoSuchTableError: customers")
    assert f"full log: {tmp_path / 'dbt-logs' / 'dlt.log'}" in result.stdout
    assert "Traceback" not in result.stdout

    verbose = _run_elt(env, "--days", "0", "--verbose")
    assert verbose.returncode == 1
    # the full stream: the ingestion's own report is on the console
    assert "shop: failed in" in verbose.stdout and "shop: failed in" not in result.stdout


def test_elt_run_lists_every_warning_with_its_node_and_still_succeeds(tmp_path: Path) -> None:
    wh = duckdb_warehouse(tmp_path, seed=3)
    env = {**os.environ, **wh.env}
    wh.generate()
    # a source problem the warehouse only warns about: an order header whose subtotal disagrees
    # with its lines (assert_order_lines_match_header_subtotal, severity warn). A cancelled
    # order, so no revenue reconciliation (severity error) sees it; its total moves along, so no
    # other test warns about it.
    with closing(sqlite3.connect(wh.sim_dir / "shop.sqlite")) as shop, shop:
        shop.execute(
            "update orders set subtotal_amount = subtotal_amount + 1,"
            " total_amount = total_amount + 1 where order_id = (select min(order_id) from orders"
            " where status = 'cancelled' and order_id in (select order_id from order_items))"
        )
    result = _run_elt(env, "--days", "0")
    # a warning is not a failure
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]

    out = result.stdout
    assert len(out.splitlines()) <= 60, out
    run_results = json.loads((wh.target_path / "run_results.json").read_text())
    assert run_results["args"]["which"] == "build"
    # in build order, as the summary lists them; only data tests can warn
    warned = [r["unique_id"] for r in run_results["results"] if r["status"] == "warn"]
    assert "test.ecommerce_warehouse.assert_order_lines_match_header_subtotal" in warned, warned
    assert all(uid.startswith("test.") for uid in warned), warned
    # the summary: the count, then one line per warned test with its build and node
    lines = out.splitlines()
    (count_at,) = [i for i, ln in enumerate(lines) if ln.strip().startswith("warnings:")]
    assert lines[count_at].strip() == f"warnings: {len(warned)}", out
    listed = [ln.strip() for ln in lines[count_at + 1 : count_at + 1 + len(warned)]]
    assert listed == [f"WARN sources as they are now: {uid}" for uid in warned], out
    # every warned node is also in the per-build line's count
    build_line = next(ln for ln in lines if ln.strip().startswith("sources as they are now:"))
    assert f"/ {len(warned)} warned /" in build_line, out
