"""The slim-CI driver's own logic, without building anything (fast): which vars changed, which
nodes read them, the guards on the production state, and the Makefile targets that call it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from elt import slim_ci
from elt.steps import StepFailed
from pytests.support.warehouse import REPO_ROOT


def _project(tmp_path: Path, vars_yaml: str) -> Path:
    (tmp_path / "dbt_project.yml").write_text(
        f"name: shop\nversion: '1'\nconfig-version: 2\nvars:\n{vars_yaml}"
    )
    return tmp_path


def test_project_vars_merge_global_and_project_scoped_vars(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        "  currency: USD\n  tiers: [1, 2]\n  rules: {a: 1}\n  shop:\n    lookback: 3\n",
    )
    assert slim_ci.project_vars(project) == {
        "currency": "USD",
        "tiers": [1, 2],
        "rules": {"a": 1},
        "lookback": 3,
    }


def test_changed_vars_are_added_removed_or_different_values() -> None:
    old = {"same": 1, "changed": [1, 2], "removed": "x"}
    new = {"same": 1, "changed": [1, 3], "added": True}
    assert slim_ci.changed_vars(old, new) == ["added", "changed", "removed"]
    assert slim_ci.changed_vars(old, dict(old)) == []


def _manifest() -> dict:
    def node(name: str, code: str, macros: list[str], package: str = "shop") -> dict:
        return {
            "name": name,
            "package_name": package,
            "raw_code": code,
            "depends_on": {"macros": macros, "nodes": []},
        }

    def macro(sql: str, deps: list[str]) -> dict:
        return {"macro_sql": sql, "depends_on": {"macros": deps}}

    return {
        "metadata": {"project_name": "shop"},
        "macros": {
            "macro.shop.cutoff": macro("{{ var('lookback', 3) }}", []),
            "macro.shop.filter": macro("x >= {{ cutoff() }}", ["macro.shop.cutoff"]),
            "macro.shop.loop_a": macro("{{ loop_b() }}", ["macro.shop.loop_b"]),
            "macro.shop.loop_b": macro("{{ loop_a() }}", ["macro.shop.loop_a"]),
        },
        "nodes": {
            "model.shop.direct": node("direct", "select '{{ var(\"currency\") }}'", []),
            "model.shop.indirect": node("indirect", "where {{ filter() }}", ["macro.shop.filter"]),
            "model.shop.cycle": node("cycle", "{{ loop_a() }}", ["macro.shop.loop_a"]),
            "model.shop.mention": node("mention", "-- lookback is a var", []),
            "model.pkg.other": node("other", "{{ var('currency') }}", [], package="pkg"),
        },
    }


def test_var_users_follow_macros_recursively() -> None:
    manifest = _manifest()
    assert slim_ci.var_users(manifest, ["lookback"]) == ["indirect"]
    assert slim_ci.var_users(manifest, ["currency"]) == ["direct"]
    assert slim_ci.var_users(manifest, ["currency", "lookback"]) == ["direct", "indirect"]
    assert slim_ci.var_users(manifest, ["unused"]) == []
    assert slim_ci.var_users(manifest, []) == []


def test_production_state_must_exist_and_live_in_the_prod_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(StepFailed, match="make prod-artifacts"):
        slim_ci.load_state(tmp_path)
    manifest = {"nodes": {"model.shop.a": {"resource_type": "model", "database": "warehouse"}}}
    with pytest.raises(StepFailed, match="`prod` catalog"):
        slim_ci._prod_database(manifest, "duckdb")
    # Postgres: CI builds inside the production database, so PGDATABASE must be it
    monkeypatch.setenv("PGDATABASE", "warehouse")
    assert slim_ci._prod_database(manifest, "postgres") == "warehouse"
    monkeypatch.setenv("PGDATABASE", "other")
    with pytest.raises(StepFailed, match="but PGDATABASE is 'other'"):
        slim_ci._prod_database(manifest, "postgres")
    manifest["nodes"]["model.shop.a"]["database"] = "prod"
    assert slim_ci._prod_database(manifest, "duckdb") == "prod"

    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert slim_ci.load_state(tmp_path) == (manifest, None)  # state without project_vars.json


def test_ci_schemas_are_the_prefixed_production_schemas_and_never_production() -> None:
    manifest = {
        "nodes": {
            "model.shop.a": {"resource_type": "model", "schema": "marts"},
            "model.shop.b": {"resource_type": "model", "schema": "staging"},
            "test.shop.t": {"resource_type": "test", "schema": "dbt_test__audit"},
        },
        "sources": {"source.shop.raw.orders": {"schema": "raw_shop"}},
    }
    assert slim_ci.ci_schemas(manifest, "pr_123") == ["pr_123", "pr_123_marts", "pr_123_staging"]
    for prefix in ("marts", "public"):  # the prefix itself would be a production schema
        with pytest.raises(StepFailed, match="would write into production"):
            slim_ci.ci_schemas(manifest, prefix)
    manifest["nodes"]["model.shop.c"] = {"resource_type": "model", "schema": "raw"}
    with pytest.raises(StepFailed, match="would write into production"):
        slim_ci.ci_schemas(manifest, "raw")  # raw_shop would be both
    manifest["nodes"]["model.shop.c"]["schema"] = "shop"
    with pytest.raises(StepFailed, match=re.escape("production's {'raw_shop'}")):
        slim_ci.ci_schemas(manifest, "raw")
    for bad in ("", "PR-1", "1pr", "pr; drop schema marts"):
        with pytest.raises(StepFailed, match="lower-case identifier"):
            slim_ci.ci_schemas(manifest, bad)


def test_prod_artifacts_refuses_a_file_whose_catalog_is_not_prod(tmp_path: Path) -> None:
    out, work = tmp_path / "out", tmp_path / "work"
    result = subprocess.run(
        [sys.executable, "-m", "elt.slim_ci", "prod-artifacts", "--out", str(out),
         "--work-dir", str(work), "--preset", "tiny"],
        cwd=REPO_ROOT,
        env={**os.environ, "PROD_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb")},
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 1
    assert "must be a file named prod.duckdb" in result.stdout
    assert not out.exists() and not work.exists(), "nothing runs before the check"


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("prod-artifacts", "elt.slim_ci --engine duckdb prod-artifacts"),
        ("ci-slim", "elt.slim_ci --engine duckdb ci-slim --state"),
        ("test-fast", 'pytest -m "not slow"'),
    ],
)
def test_make_targets_call_the_slim_ci_driver(target: str, expected: str) -> None:
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", target],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert expected in result.stdout
