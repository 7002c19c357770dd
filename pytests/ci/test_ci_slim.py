"""Slim CI for real: `make prod-artifacts` then `make ci-slim` (the `elt.slim_ci` driver) on a
copy of the dbt project in a temp dir, against a production warehouse built once for the module
(tiny preset: simulator -> dlt -> dbt build -> docs).

Each test edits the COPY (never the repo), runs the slim build or lists its selection, and puts
the file back. dbt parses the copy once per target; the tests reuse one CI target dir so later
runs parse partially (a few seconds instead of a full parse).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import deque
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pytests.support.dbt_project import (
    RELATION_TYPES,
    SlimCI,
    built_relations,
    copy_project,
    descendants,
    edited,
    node_named,
    ok,
)
from pytests.support.warehouse import DBT, run_command

pytestmark = pytest.mark.slow

# A staging model with few descendants and a free-text column no test constrains (the first
# that exists): the test upper-cases that column, a real change that flows downstream.
STAGING_CHANGES = (
    ("stg_shop__categories", "category_name"),
    ("stg_marketing__campaigns", "campaign_name"),
)


class DuckDBSlimCI(SlimCI):
    @property
    def prod_db(self) -> Path:
        return self.state / "prod.duckdb"

    @property
    def ci_db(self) -> Path:
        return self.root / "ci" / "ci.duckdb"


@pytest.fixture(scope="module")
def slim(tmp_path_factory: pytest.TempPathFactory) -> DuckDBSlimCI:
    root = tmp_path_factory.mktemp("slim-ci")
    project = copy_project(root / "project")
    env = {
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PROD_DUCKDB_PATH": str(root / "prod-artifacts" / "prod.duckdb"),
        "CI_DUCKDB_PATH": str(root / "ci" / "ci.duckdb"),
        "DBT_TARGET_PATH": str(root / "ci" / "target"),
        "DBT_LOG_PATH": str(root / "ci" / "logs"),
    }
    slim = DuckDBSlimCI(root, project, env)
    slim.prod_artifacts()  # `make prod-artifacts`, tiny world: what every test compares with
    return slim


# --- helpers ----------------------------------------------------------------------------------


def macro_closure(manifest: dict[str, Any], uids: Iterable[str]) -> set[str]:
    found, queue = set(uids), deque(uids)
    while queue:
        macro = manifest["macros"].get(queue.popleft())
        for dep in macro["depends_on"]["macros"] if macro else []:
            if dep not in found:
                found.add(dep)
                queue.append(dep)
    return found


def _connect(**files: Path) -> duckdb.DuckDBPyConnection:
    """One in-memory session with the warehouse files attached read-only under their catalog
    names (dbt writes views as "<catalog>"."<schema>"."<name>", so the names must match)."""
    con = duckdb.connect()
    for alias, path in files.items():
        con.execute(f"attach '{path}' as {alias} (read_only)")
    return con


def differing_rows(con: duckdb.DuckDBPyConnection, left: str, right: str) -> int:
    # identifiers from dbt's manifest, no user input
    one_way = "select count(*) from (select * from {} except all select * from {})"
    sql = f"select ({one_way.format(left, right)}) + ({one_way.format(right, left)})"
    return con.execute(sql).fetchone()[0]


def catalog_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = ? and table_schema <> 'main'",
        [catalog],
    ).fetchall()
    return {f'{schema}."{name}"' for schema, name in rows}


# --- tests ------------------------------------------------------------------------------------
def test_prod_artifacts_hold_the_state_the_docs_and_a_prod_catalog(slim: DuckDBSlimCI) -> None:
    for name in ("manifest.json", "run_results.json", "project_vars.json", "prod.duckdb"):
        assert (slim.state / name).exists(), name
    for name in ("index.html", "static_index.html", "catalog.json", "manifest.json"):
        assert (slim.state / "docs" / name).exists(), name

    manifest = slim.prod_manifest()
    relations = [n for n in manifest["nodes"].values() if n["resource_type"] in RELATION_TYPES]
    assert relations and {n["database"] for n in relations} == {"prod"}
    assert {s["database"] for s in manifest["sources"].values()} == {"prod"}
    run_results = json.loads((slim.state / "run_results.json").read_text())["results"]
    ok(run_results)
    assert json.loads((slim.state / "project_vars.json").read_text())["incremental_lookback_days"]

    with closing(_connect(prod=slim.prod_db)) as con:
        assert con.execute("select count(*) from prod.marts.fct_orders").fetchone()[0] > 0
        assert con.execute("select count(*) from prod.raw_shop.orders").fetchone()[0] > 0


def test_an_unchanged_project_builds_nothing(slim: DuckDBSlimCI) -> None:
    results, _, out = slim.ci_slim()
    assert results == []
    assert "Nothing changed since production" in out
    if slim.ci_db.exists():  # with nothing selected dbt does not even open it
        with closing(_connect(ci=slim.ci_db, prod=slim.prod_db)) as con:
            assert catalog_relations(con, "ci") == set()


def test_a_changed_staging_model_builds_it_and_its_descendants_like_a_full_build(
    slim: DuckDBSlimCI,
) -> None:
    names = {n["name"] for n in slim.prod_manifest()["nodes"].values()}
    model, column = next((m, c) for m, c in STAGING_CHANGES if m in names)
    # A real change: upper-case one column (DuckDB's `select * replace`), which flows downstream.
    with edited(
        slim.path_of(model),
        lambda sql: (
            f"with slim_ci_original as (\n{sql}\n)\n"
            f"select * replace (upper({column}) as {column}) from slim_ci_original\n"
        ),
    ):
        results, manifest, _ = slim.ci_slim()
        ok(results)
        changed = node_named(manifest, model)["unique_id"]
        expected = descendants(manifest, [changed])
        assert {r["unique_id"] for r in results} == expected
        assert any(uid.startswith("model.") and uid != changed for uid in expected)
        slim_relations = built_relations(results, manifest)

        # The full build of the changed project, on the same raw data, into its own file (its
        # data tests skipped: they do not change the data, and the slim build ran them).
        full = slim.root / "full"
        full_build = [DBT, "build", "--target", "ci", "--project-dir", str(slim.project)]
        run_command(
            [*full_build, "--exclude-resource-type", "test", "unit_test"],
            {
                **slim.env,
                "CI_DUCKDB_PATH": str(full / "fullbuild.duckdb"),
                "DBT_RAW_DATABASE": "prod",
                "DBT_TARGET_PATH": str(full / "target"),
                "DBT_LOG_PATH": str(full / "logs"),
            },
        )

    with closing(
        _connect(prod=slim.prod_db, ci=slim.ci_db, fullbuild=full / "fullbuild.duckdb")
    ) as con:
        # only the slim set exists in the CI database: everything else was read from production
        assert catalog_relations(con, "ci") == set(slim_relations.values())
        for relation in slim_relations.values():
            assert differing_rows(con, f"ci.{relation}", f"fullbuild.{relation}") == 0, relation
        staging = slim_relations[changed]
        values = con.execute(f"select {column} from ci.{staging}").fetchall()  # noqa: S608
        assert values and all(v == (v.upper() if v else v) for (v,) in values)
        # CI wrote only under its own prefixed schemas, never production's names
        assert staging.startswith("ci_staging.")
        prod_staging = built_relations(results, slim.prod_manifest())[changed]
        assert differing_rows(con, f"ci.{staging}", f"prod.{prod_staging}") > 0


def test_an_incremental_model_builds_against_deferred_parents(slim: DuckDBSlimCI) -> None:
    prod = slim.prod_manifest()
    incremental = [
        n for n in prod["nodes"].values() if n["config"].get("materialized") == "incremental"
    ]
    assert incremental, "the project has no incremental model"
    # the one with the fewest descendants: the cheapest slim build
    name = min(incremental, key=lambda n: len(descendants(prod, [n["unique_id"]])))["name"]
    with edited(
        slim.path_of(name), lambda sql: sql + "\n-- slim CI: a comment changes the checksum only\n"
    ):
        first, manifest, _ = slim.ci_slim()
        # again on the same CI database: now the model exists, so it runs incrementally
        second, _, _ = slim.ci_slim("--keep-ci-database")
    for results in (first, second):
        ok(results)
    uid = node_named(manifest, name)["unique_id"]
    assert {r["unique_id"] for r in first} == descendants(manifest, [uid])
    code = {run: next(r for r in results if r["unique_id"] == uid)["compiled_code"]
            for run, results in (("full", first), ("incremental", second))}  # fmt: skip
    for compiled in code.values():
        assert '"prod".' in compiled, "unselected parents must resolve to production"
    assert code["incremental"] != code["full"], "the second run must take the incremental path"
    assert '"ci"."ci_marts"' in code["incremental"]  # is_incremental() filters on `this`, in CI

    relations = built_relations(second, manifest)
    prod_relations = built_relations(second, prod)
    with closing(_connect(prod=slim.prod_db, ci=slim.ci_db)) as con:
        # the code is unchanged in meaning, so every rebuilt relation equals production's
        for uid, relation in relations.items():
            assert differing_rows(con, f"ci.{relation}", f"prod.{prod_relations[uid]}") == 0, uid
        rows = con.execute(f"select count(*) from ci.{relations[uid]}").fetchone()[0]  # noqa: S608
        assert rows > 0


def test_a_changed_macro_selects_the_nodes_calling_it_and_their_descendants(
    slim: DuckDBSlimCI,
) -> None:
    manifest = slim.prod_manifest()
    project = manifest["metadata"]["project_name"]
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    direct = {m for n in nodes.values() for m in n.get("depends_on", {}).get("macros", [])}
    # a project macro nodes reach only through another macro: exercises the recursive check
    indirect = sorted(
        uid
        for uid, macro in manifest["macros"].items()
        if macro["package_name"] == project
        and uid not in direct
        and any(uid in macro_closure(manifest, [d]) for d in direct)
    )
    assert indirect, "no project macro is called only by other macros"
    macro = manifest["macros"][indirect[0]]
    # (the on-run-start hook calls macros too, but is no node a selector can pick)
    callers = {
        uid
        for uid, node in nodes.items()
        if node["resource_type"] != "operation"
        and macro["unique_id"] in macro_closure(manifest, node["depends_on"]["macros"])
    }
    expected = descendants(manifest, callers)

    opening = re.compile(r"\{%-?\s*macro\s+" + re.escape(macro["name"]) + r"\s*\(.*?%\}", re.S)
    with edited(
        slim.project / macro["original_file_path"],
        lambda sql: opening.sub(lambda m: m.group(0) + "{#- slim CI probe -#}", sql, count=1),
    ):
        assert slim.listed() == expected


def test_a_changed_var_selects_the_nodes_reading_it_and_their_descendants(
    slim: DuckDBSlimCI,
) -> None:
    manifest = slim.prod_manifest()
    changes = {"incremental_lookback_days": "5", "attribution_lookback_days": "9"}

    def reads(node: dict[str, Any], var: str) -> bool:
        sources = [node.get("raw_code") or ""] + [
            manifest["macros"][m]["macro_sql"]
            for m in macro_closure(manifest, node["depends_on"]["macros"])
            if m in manifest["macros"]
        ]
        return any(re.search(rf"""var\(\s*['"]{var}['"]""", source) for source in sources)

    readers = {
        var: {uid for uid, node in manifest["nodes"].items() if reads(node, var)} for var in changes
    }
    assert all(readers.values()), readers
    incremental = {
        uid
        for uid, n in manifest["nodes"].items()
        if n["config"].get("materialized") == "incremental"
    }
    assert readers["incremental_lookback_days"] & incremental

    def change_vars(text: str) -> str:
        for var, value in changes.items():
            text = re.sub(rf"(?m)^(\s+{var}:\s*)\S+", rf"\g<1>{value}", text, count=1)
        return text

    with edited(slim.project / "dbt_project.yml", change_vars):
        listed = slim.listed()
    assert listed == descendants(manifest, set().union(*readers.values()))


def test_the_production_test_window_is_config_that_state_modified_sees(
    slim: DuckDBSlimCI,
) -> None:
    """The windowed data tests carry a `where` on var('data_test_loaded_since') (no override of
    dbt's test macros): changing the var's default or the where itself selects exactly them."""
    manifest = slim.prod_manifest()
    windowed = {
        uid
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and "loaded_at >= '1970-01-01" in (node["config"].get("where") or "")
    }
    assert len(windowed) > 50, len(windowed)

    def new_default(text: str) -> str:
        return re.sub(
            r"(?m)^(\s+data_test_loaded_since:\s*)\S+", r'\g<1>"2000-01-01T00:00:00+00:00"', text
        )

    with edited(slim.project / "dbt_project.yml", new_default):
        assert slim.listed() == windowed

    # the where is a YAML anchor per file: editing it changes every test of that file that
    # aliases it (fct_orders, fct_order_items, fct_payments) and nothing else
    core_yml = "models/marts/core/_core__models.yml"
    with edited(
        slim.project / core_yml, lambda text: text.replace("last_loaded_at is null or ", "", 1)
    ):
        changed = slim.listed()
    in_core = {uid for uid in windowed if manifest["nodes"][uid]["original_file_path"] == core_yml}
    assert in_core and changed == in_core


def test_ci_slim_without_production_state_says_what_to_do(
    slim: DuckDBSlimCI, tmp_path: Path
) -> None:
    result = run_command(
        [sys.executable, "-m", "elt.slim_ci", "--project-dir", str(slim.project), "ci-slim",
         "--state", str(tmp_path / "nothing"), "--work-dir", str(tmp_path / "ci")],
        {**slim.env, "PROD_DUCKDB_PATH": str(tmp_path / "nothing" / "prod.duckdb")},
        check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "run `make prod-artifacts`" in result.stdout
    assert not os.path.exists(tmp_path / "ci" / "ci.duckdb")
