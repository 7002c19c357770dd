"""The production test window: the data tests of load-stamped models carry a `where` on
var('data_test_loaded_since'), which the daily production build sets to three days ago
(elt/steps.py) and every other run leaves at its default (every row).

On a copy of the shared DuckDB warehouse: one fct_orders row is made bad and old (loaded ten
days ago), another bad and recent, and a third duplicated. The production window fails only
the recent row's test and still the uniqueness test (uniqueness is never windowed); a plain
`dbt test` fails all three.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from elt import steps
from pytests.support.warehouse import Warehouse

STATUS = (
    "accepted_values_fct_orders_order_status__pending__paid__shipped__delivered__cancelled"
    "__returned"
)
CHANNEL = "accepted_values_fct_orders_sales_channel__web__mobile__marketplace"
UNIQUE = "unique_fct_orders_order_id"


def _statuses(wh: Warehouse, *args: str) -> dict[str, tuple[str, int]]:
    wh.dbt("test", "--select", STATUS, CHANNEL, UNIQUE, *args, check=False)
    results = json.loads((wh.target_path / "run_results.json").read_text())["results"]
    return {
        r["unique_id"].split(".")[2]: (r["status"], r["failures"])
        for r in results
        if r["unique_id"].startswith("test.")
    }


@pytest.fixture(scope="module")
def planted(duckdb_history: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    wh = duckdb_history.clone(tmp_path_factory.mktemp("test-window") / "warehouse")
    with duckdb.connect(wh.connection_env["DUCKDB_PATH"]) as con:
        old, recent, duplicated = (
            row[0]
            for row in con.execute(
                "select order_id from marts.fct_orders order by order_id limit 3"
            ).fetchall()
        )
        con.execute(
            "update marts.fct_orders set order_status = 'lost',"
            " last_loaded_at = now() - interval 10 day where order_id = ?",
            [old],
        )
        con.execute(
            "update marts.fct_orders set sales_channel = 'fax', last_loaded_at = now()"
            " where order_id = ?",
            [recent],
        )
        con.execute(
            "update marts.fct_orders set last_loaded_at = now() - interval 10 day"
            " where order_id = ?",
            [duplicated],
        )
        con.execute(
            "insert into marts.fct_orders select * from marts.fct_orders where order_id = ?",
            [duplicated],
        )
    return wh


def test_the_production_window_skips_old_rows_but_never_uniqueness(planted: Warehouse) -> None:
    window = steps.production_build_args()[2:]  # --vars {data_test_loaded_since: ...}
    assert window[0] == "--vars" and "data_test_loaded_since" in window[1]
    assert _statuses(planted, *window) == {
        STATUS: ("pass", 0),
        CHANNEL: ("fail", 1),
        UNIQUE: ("fail", 1),
    }


def test_without_the_window_every_row_is_tested(planted: Warehouse) -> None:
    assert _statuses(planted) == {STATUS: ("fail", 1), CHANNEL: ("fail", 1), UNIQUE: ("fail", 1)}


def test_the_window_is_three_days_on_the_hour_and_full_refresh_tests_everything() -> None:
    now = dt.datetime(2026, 3, 10, 14, 37, 5, tzinfo=dt.UTC)
    assert steps.data_test_loaded_since(now) == "2026-03-07T14:00:00+00:00"
    assert steps.production_build_args("--target", "duckdb", now=now) == [
        "--exclude-resource-type",
        "unit_test",
        "--vars",
        "{data_test_loaded_since: '2026-03-07T14:00:00+00:00'}",
        "--target",
        "duckdb",
    ]
    assert "--vars" not in steps.production_build_args("--full-refresh")
