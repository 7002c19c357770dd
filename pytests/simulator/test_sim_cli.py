"""`python -m simulator ...`: help, clear errors, and the shop-database faults."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pytests.simulator.conftest import rows
from simulator import store, truth
from simulator.cli import main
from simulator.state import State

REPO = Path(__file__).resolve().parents[2]


def run(
    *args: str, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=cwd or REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", ["generate", "advance", "serve", "truth"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert "--dir" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "--preset", "huge", "--seed", "1"], "unknown preset 'huge'"),
        (["generate", "--preset", "tiny", "--seed", "-3"], "non-negative integer"),
        (["advance", "--days", "-1"], "positive integer"),
        (["advance", "--days", "two"], "positive integer"),
        (["serve", "--faults", "meteor"], "unknown fault"),
        (["serve", "--port", "70000"], "port out of range"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("command", [["advance"], ["serve"], ["truth", "orders_per_status"]])
def test_commands_before_generate_fail_clearly(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert main([*command, "--dir", str(tmp_path / "empty")]) == 1
    err = capsys.readouterr().err
    assert "no simulated world" in err and "generate" in err


def test_generate_advance_and_truth_in_a_subprocess_with_sim_dir(tmp_path: Path) -> None:
    env = {"SIM_DIR": str(tmp_path / "w")}
    gen = run("generate", "--preset", "tiny", "--seed", "3", env=env)
    assert gen.returncode == 0, gen.stderr
    assert "[generate] done" in gen.stderr
    adv = run("advance", "--days", "2", env=env)
    assert adv.returncode == 0, adv.stderr
    assert State.load(tmp_path / "w").current_date == "2025-02-02"
    out = run("truth", "orders_per_status", env=env)
    assert json.loads(out.stdout) == truth.orders_per_status(tmp_path / "w")


def test_default_dir_is_dot_sim_under_the_cwd(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SIM_DIR"}
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "generate", "--preset", "tiny", "--seed", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert (tmp_path / ".sim" / "state.json").exists()


def test_malformed_writes_one_wrong_type_row(world_copy: Path) -> None:
    assert main(["advance", "--dir", str(world_copy), "--malformed"]) == 0
    bad = State.load(world_copy).malformed
    assert len(bad) == 1 and bad[0]["table"] == "order_items" and bad[0]["column"] == "quantity"
    found = rows(
        world_copy / store.SHOP_DB,
        "SELECT order_item_id, quantity FROM order_items WHERE typeof(quantity) != 'integer'",
    )
    assert found == [(bad[0]["order_item_id"], bad[0]["value"])]
    assert found[0][1] in {"one", "two", "three"}
    units = truth.units_sold_per_product(world_copy, revenue_only=False)
    assert (
        sum(units.values())
        == rows(
            world_copy / store.SHOP_DB,
            "SELECT SUM(quantity) FROM order_items WHERE typeof(quantity) = 'integer'",
        )[0][0]
    )


def test_drift_adds_a_customer_column(world_copy: Path) -> None:
    assert main(["advance", "--dir", str(world_copy), "--drift"]) == 0
    assert State.load(world_copy).drift
    conn = sqlite3.connect(world_copy / store.SHOP_DB)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(customers)")]
    assert cols[-1] == "loyalty_tier"
    changed_today = conn.execute(
        "SELECT loyalty_tier FROM customers WHERE updated_at >= '2025-01-31'"
    ).fetchall()
    assert changed_today and {t for (t,) in changed_today} <= {"bronze", "silver", "gold"}
    conn.close()
    # later days keep working and fill the column for new customers too
    assert main(["advance", "--dir", str(world_copy)]) == 0
    assert (
        rows(
            world_copy / store.SHOP_DB, "SELECT COUNT(*) FROM customers WHERE loyalty_tier IS NULL"
        )[0][0]
        == 0
    )
