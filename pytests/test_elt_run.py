"""`make run`'s orchestration, end to end on DuckDB: simulate, ingest, build, advance, docs."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
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
    assert (wh.target_path / "index.html").exists()
    # the docs step leaves the last build's results for the data-health dashboard
    run_results = json.loads((wh.target_path / "run_results.json").read_text())
    assert run_results["args"]["which"] == "build"
    # the production build runs data tests but not unit tests (those run in CI: `make test`)
    kinds = {r["unique_id"].split(".")[0] for r in run_results["results"]}
    assert "test" in kinds and "unit_test" not in kinds

    with duckdb.connect(wh.connection_env["DUCKDB_PATH"], read_only=True) as con:
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
