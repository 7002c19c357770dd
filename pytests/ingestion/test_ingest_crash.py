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
# right after dlt's extract step (the package waits to be normalized and loaded), or inside the
# load right after the warehouse committed a table's file but before dlt recorded that (so the
# next run loads that file again).
DRIVER = """
import os, signal, sys
from ingestion.cli import main
from dlt.common.storages.load_package import PackageStorage
from dlt.pipeline.pipeline import Pipeline

point, victim, table = os.environ["KILL_AT"], os.environ["KILL_PIPELINE"], os.environ["TABLE"]

def die():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "extract":
    extract = Pipeline.extract
    def killing_extract(self, *args, **kwargs):
        result = extract(self, *args, **kwargs)
        if self.pipeline_name == victim:
            die()
        return result
    Pipeline.extract = killing_extract
else:
    record = PackageStorage.save_pending_transition
    def killing_record(self, load_id, file_name, state, *args, **kwargs):
        if state == "completed" and file_name.startswith(table + ".") and ".sql" not in file_name:
            die()
        return record(self, load_id, file_name, state, *args, **kwargs)
    PackageStorage.save_pending_transition = killing_record

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
    ("point", "victim", "table"),
    [
        ("extract", "shop", "orders"),
        ("replayed load", "shop", "orders"),  # delete-insert merge
        ("replayed load", "web", "events"),  # insert-only merge
    ],
)
def test_killed_run_completes_on_next_run(
    point, victim, table, world, api_server, ingest, oracle, tmp_path
):
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    shop_db_url = f"sqlite:///{world / 'shop.sqlite'}"
    with api_server() as url:
        ingest(url, sources=(victim,))
        simulator.advance(world, days=1)
        args = ("--source", victim, "--shop-db-url", shop_db_url, "--api-url", url)

        killed = cli(*args, driver=driver, KILL_AT=point, KILL_PIPELINE=victim, TABLE=table)
        assert killed.returncode == -signal.SIGKILL

        rerun = cli(*args)
        assert rerun.returncode == 0, rerun.stderr
        assert f"{victim}: completing the load of an interrupted run" in rerun.stderr
        assert f"raw_{victim}.{table}" in rerun.stdout  # the per-table summary
        api_ids = sorted({e["event_id"] for e in oracle.api_records(url, "events")})

    if victim == "web":
        raw_ids = sorted(e for (e,) in oracle.query("SELECT event_id FROM raw_web.events"))
        assert raw_ids == api_ids
        if point == "replayed load":  # the file was loaded twice; its doubled rows collapsed
            assert "rows doubled by a replayed load job" in rerun.stderr
        return
    for shop_table, key in KEYS.items():
        assert oracle.raw_shop_rows(shop_table) == oracle.shop_rows(shop_table), shop_table
        (dupes,) = oracle.query(
            f"SELECT count(*) - count(DISTINCT {key}) FROM raw_shop.{shop_table}"  # noqa: S608
        )[0]
        assert dupes == 0, shop_table
