"""Replay a `dbt build`'s compiled SQL directly in DuckDB, in the order dbt ran it.

The baseline for dbt's overhead: the `target/run/**.sql` file of every node in run_results
order (a valid DAG order: a node finishes after its parents), executed in one DuckDB
connection on a copy of the same raw warehouse. dbt builds tables and views as `<name>__dbt_tmp`
and renames them into place; the replay does the same rename. Seeds are copied from the
dbt-built file (their run SQL carries no data); test queries are fetched like dbt does. A
microbatch model is replayed batch by batch from the selects dbt compiled for each.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.measure import Sample, measured

TMP_SUFFIX = "__dbt_tmp"


def _run_files(target_path: Path) -> dict[str, list[Path]]:
    """Every run SQL file by file name (dbt nests yml-defined nodes under the yml's name)."""
    files: dict[str, list[Path]] = {}
    for path in (target_path / "run").rglob("*.sql"):
        files.setdefault(path.name, []).append(path)
    return files


def _run_sql_path(files: dict[str, list[Path]], node: dict[str, Any]) -> Path | None:
    candidates = files.get(Path(node.get("path") or "").name, [])
    origin = node.get("original_file_path", "")
    preferred = [p for p in candidates if origin and origin in str(p)]
    found = preferred or candidates
    return found[0] if found else None


def _parts(relation_name: str) -> list[str]:
    return [p.strip('"') for p in re.findall(r'"[^"]*"|[^.]+', relation_name)]


def _microbatch_sql(target_path: Path, node: dict[str, Any]) -> str | None:
    """A microbatch model's batches (dbt compiles one select per batch, into
    compiled/<path>/<model>/<model>_<batch>.sql): the first creates the table, each other one
    appends its rows (a first build: nothing to delete)."""
    folder = target_path / "compiled" / node["package_name"] / node["original_file_path"]
    batches = sorted(folder.with_suffix("").glob(f"{node['name']}_*.sql"))
    if not batches:
        return None
    relation = node["relation_name"]
    first, *rest = (path.read_text() for path in batches)
    return ";\n".join(
        [f"CREATE OR REPLACE TABLE {relation} AS {first}"]
        + [f"INSERT INTO {relation} {sql}" for sql in rest]
    )


def plan(target_path: Path) -> list[dict[str, Any]]:
    """[{unique_id, resource_type, relation, sql}] in run_results order."""
    manifest = json.loads((target_path / "manifest.json").read_text())
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    nodes = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    files = _run_files(target_path)
    steps = []
    for result in results:
        node = nodes.get(result["unique_id"])
        if node is None or result.get("status") not in ("success", "pass"):
            continue
        path = _run_sql_path(files, node)
        if node.get("config", {}).get("incremental_strategy") == "microbatch":
            sql = _microbatch_sql(target_path, node)
        else:
            sql = path.read_text() if path is not None and path.exists() else None
        steps.append(
            {
                "unique_id": result["unique_id"],
                "resource_type": node["resource_type"],
                "relation": node.get("relation_name"),
                "sql": sql,
            }
        )
    return steps


def _swap_tmp(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    database, schema, name = _parts(relation)
    tmp = f'"{database}"."{schema}"."{name}{TMP_SUFFIX}"'
    kind = con.execute(
        "SELECT table_type FROM information_schema.tables"
        " WHERE table_catalog = ? AND table_schema = ? AND table_name = ?",
        [database, schema, name + TMP_SUFFIX],
    ).fetchone()
    if kind is None:
        return
    noun = "VIEW" if kind[0] == "VIEW" else "TABLE"
    con.execute(f"DROP VIEW IF EXISTS {relation}")
    con.execute(f"DROP TABLE IF EXISTS {relation}")
    con.execute(f'ALTER {noun} {tmp} RENAME TO "{name}"')


def replay(target_path: Path, warehouse: Path, built: Path) -> Sample:
    """Replay the build recorded in `target_path` on `warehouse` (a copy of the raw warehouse).

    `built` is the file dbt built (its seeds are copied). Returns the measured replay with
    `extra` = counts of statements run and nodes skipped (no run SQL).
    """
    steps = plan(target_path)
    executed = skipped = 0
    with measured() as sample, duckdb.connect(str(warehouse)) as con:
        database = warehouse.stem
        for step in steps:
            kind, relation, sql = step["resource_type"], step["relation"], step["sql"]
            if kind == "seed":
                _, schema, name = _parts(relation)
                con.execute(f"ATTACH IF NOT EXISTS '{built}' AS built (READ_ONLY)")
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"."{schema}"')
                con.execute(
                    f'CREATE OR REPLACE TABLE {relation} AS SELECT * FROM built."{schema}"."{name}"'  # noqa: S608
                )
                executed += 1
                continue
            if not sql:
                # run hooks (`operation`) that render to nothing on DuckDB leave no SQL file
                skipped += kind != "operation"
                continue
            if kind in ("model", "snapshot") and relation:
                _, schema, _ = _parts(relation)
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"."{schema}"')
            con.execute(sql)
            if kind in ("test", "unit_test"):
                con.fetchall()
            elif relation:
                _swap_tmp(con, relation)
            executed += 1
        con.execute("DETACH DATABASE IF EXISTS built")
        con.execute("CHECKPOINT")
    sample.extra = {"statements": executed, "skipped": skipped}
    return sample
