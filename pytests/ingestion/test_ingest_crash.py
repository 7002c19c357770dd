"""A load killed with SIGKILL finishes on the next run with nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import simulator

# Runs the real CLI in a subprocess that SIGKILLs itself at a chosen point of a chosen pipeline:
# right after dlt's extract or normalize step, or inside the load between the staging copy and
# the merge into the raw table.
DRIVER = """
import os, signal, sys
from ingestion.cli import main
from dlt.pipeline.pipeline import Pipeline
from dlt.destinations.impl.duckdb.sql_client import DuckDbSqlClient

point, victim = os.environ["KILL_AT"], os.environ["KILL_PIPELINE"]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point in ("extract", "normalize"):
    step = getattr(Pipeline, point)
    def killing_step(self, *args, **kwargs):
        result = step(self, *args, **kwargs)
        if self.pipeline_name == victim:
            die()
        return result
    setattr(Pipeline, point, killing_step)
else:
    execute = DuckDbSqlClient.execute_sql
    def killing_execute(self, sql, *args, **kwargs):
        if f'MERGE INTO "raw_{victim}".' in str(sql):
            die()
        return execute(self, sql, *args, **kwargs)
    DuckDbSqlClient.execute_sql = killing_execute

sys.exit(main(sys.argv[1:]))
"""


REPO = Path(__file__).resolve().parents[2]
KEYS = {
    "customers": "customer_id",
    "products": "product_id",
    "orders": "order_id",
    "order_items": "order_item_id",
    "payments": "payment_id",
}


def cli(*args: str, driver: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    program = [str(driver)] if driver else ["-m", "ingestion"]
    return subprocess.run(
        [sys.executable, *program, "run", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
    )


@pytest.mark.parametrize(
    ("point", "victim"), [("extract", "shop"), ("normalize", "web"), ("load", "shop")]
)
def test_killed_run_completes_on_next_run(point, victim, world, api_server, oracle, tmp_path):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    shop_db_url = f"sqlite:///{world / 'shop.sqlite'}"
    with api_server() as url:
        args = ("--source", victim, "--shop-db-url", shop_db_url, "--api-url", url)
        assert cli(*args).returncode == 0
        simulator.advance(world, days=1)

        killed = cli(*args, driver=driver, KILL_AT=point, KILL_PIPELINE=victim)
        assert killed.returncode == -signal.SIGKILL

        rerun = cli(*args)
        assert rerun.returncode == 0, rerun.stderr
        assert f"{victim}: completing the load of an interrupted run" in rerun.stderr

        if victim == "web":
            api_ids = sorted({e["event_id"] for e in oracle.api_records(url, "events")})
            raw_ids = sorted(e for (e,) in oracle.query("SELECT event_id FROM raw_web.events"))
            assert raw_ids == api_ids
            return
    for table, key in KEYS.items():
        assert oracle.raw_shop_rows(table) == oracle.shop_rows(table), table
        (dupes,) = oracle.query(
            f"SELECT count(*) - count(DISTINCT {key}) FROM raw_shop.{table}"  # noqa: S608
        )[0]
        assert dupes == 0, table
