"""Slim CI on Postgres for real: `make prod-artifacts TARGET=postgres` builds production into a
database of the test server (schema names as promised: `marts`...), then `make ci-slim
TARGET=postgres` builds the working tree's changes into the same database under the pull
request's prefixed schemas (`pr_7_marts`...), deferring to production, and never touches
production's relations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from pytests.support.dbt_project import (
    SlimCI,
    built_relations,
    copy_project,
    descendants,
    edited,
    node_named,
    ok,
)
from pytests.support.postgres import PostgresServer

pytestmark = pytest.mark.slow

DATABASE = "slim_ci_prod"
PREFIX = "pr_7"
PRODUCTION_SCHEMAS = ("staging", "intermediate", "snapshots", "marts")
# a staging model with few descendants (comments change its checksum, not its rows)
STAGING_MODELS = ("stg_shop__categories", "stg_marketing__campaigns")


@dataclass
class PostgresSlimCI(SlimCI):
    server: PostgresServer | None = None

    def fetch(self, sql: str, *params: Any) -> list[tuple]:
        assert self.server is not None
        with self.server.connect(dbname=DATABASE) as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall()
        conn.close()
        return rows

    def relations(self, schemas: tuple[str, ...]) -> dict[str, int]:
        """`schema."name"` -> oid of every table and view in those schemas (a rebuilt or
        replaced relation gets a new oid)."""
        rows = self.fetch(
            "select n.nspname, c.relname, c.oid::int from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = any(%s) and c.relkind in ('r', 'v', 'm')",
            list(schemas),
        )
        return {f'{schema}."{name}"': oid for schema, name, oid in rows}

    def ci_schemas(self) -> list[str]:
        rows = self.fetch(
            "select nspname from pg_namespace where nspname = %s or nspname like %s",
            PREFIX,
            PREFIX.replace("_", r"\_") + r"\_%",
        )
        return sorted(name for (name,) in rows)

    def differing_rows(self, left: str, right: str) -> int:
        # whole rows as text: also compares types without an equality operator (json)
        one_way = "select t::text from {} t except all select t::text from {} t"
        sql = (
            f"select count(*) from (({one_way.format(left, right)})"  # noqa: S608 (manifest names)
            f" union all ({one_way.format(right, left)})) d"
        )
        return self.fetch(sql)[0][0]


@pytest.fixture(scope="module")
def slim_pg(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> PostgresSlimCI:
    root = tmp_path_factory.mktemp("slim-ci-postgres")
    postgres_server.create_database(DATABASE)
    env = {
        **postgres_server.env,
        "PGDATABASE": DATABASE,
        "DBT_PROFILES_DIR": str(root / "project"),
        "DBT_SCHEMA_PREFIX": PREFIX,
        "DBT_TARGET_PATH": str(root / "ci" / "target"),
        "DBT_LOG_PATH": str(root / "ci" / "logs"),
    }
    slim = PostgresSlimCI(root, copy_project(root / "project"), env, "postgres", postgres_server)
    slim.prod_artifacts()
    return slim


def test_production_on_postgres_uses_the_promised_schema_names(slim_pg: PostgresSlimCI) -> None:
    manifest = slim_pg.prod_manifest()
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "snapshot")]
    assert {n["database"] for n in nodes} == {DATABASE}
    assert {n["schema"] for n in nodes} <= set(PRODUCTION_SCHEMAS)
    ok(json.loads((slim_pg.state / "run_results.json").read_text())["results"])
    assert slim_pg.fetch("select count(*) from marts.fct_orders")[0][0] > 0


def test_an_unchanged_project_builds_nothing_on_postgres(slim_pg: PostgresSlimCI) -> None:
    results, _, out = slim_pg.ci_slim()
    assert results == []
    assert "Nothing changed since production" in out
    assert slim_pg.fetch(
        "select count(*) from information_schema.tables where table_schema like 'pr\\_7%%'"
    ) == [(0,)]


def test_a_changed_model_builds_into_prefixed_schemas_and_leaves_production_alone(
    slim_pg: PostgresSlimCI,
) -> None:
    prod = slim_pg.prod_manifest()
    names = {n["name"] for n in prod["nodes"].values()}
    model = next(m for m in STAGING_MODELS if m in names)
    production_before = slim_pg.relations(PRODUCTION_SCHEMAS)
    comment = "\n-- slim CI on Postgres: a changed checksum\n"
    with edited(slim_pg.path_of(model), lambda sql: sql + comment):
        results, manifest, out = slim_pg.ci_slim()
    ok(results)
    changed = node_named(manifest, model)["unique_id"]
    assert {r["unique_id"] for r in results} == descendants(manifest, [changed])
    ci_relations = built_relations(results, manifest)
    prod_relations = built_relations(results, prod)
    assert any(rel.startswith(f"{PREFIX}_marts.") for rel in ci_relations.values()), ci_relations

    # only the slim set was built, only under the prefix, in the production database
    assert set(slim_pg.relations(tuple(slim_pg.ci_schemas()))) == set(ci_relations.values())
    assert all(rel.split(".")[0].startswith(f"{PREFIX}_") for rel in ci_relations.values())
    assert {n["database"] for n in manifest["nodes"].values()} == {DATABASE}
    # unselected parents resolved to production's relations (deferred, unprefixed)
    production_refs = [f'"{DATABASE}"."{schema}".' for schema in PRODUCTION_SCHEMAS]
    assert any(ref in (r.get("compiled_code") or "") for r in results for ref in production_refs)
    # same code in meaning: every CI relation equals its production twin, row for row
    for uid, relation in ci_relations.items():
        assert slim_pg.differing_rows(relation, prod_relations[uid]) == 0, uid
    # production untouched: the same relations, none rebuilt or replaced
    assert slim_pg.relations(PRODUCTION_SCHEMAS) == production_before
    assert f"CI schemas:  {PREFIX}" in out


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PGDATABASE": "postgres"}, f"live in ['{DATABASE}'], but PGDATABASE is 'postgres'"),
        ({"DBT_SCHEMA_PREFIX": "marts"}, "would write into production's"),
    ],
    ids=["another-database", "a-production-prefix"],
)
def test_ci_slim_refuses_to_build_where_production_lives(
    slim_pg: PostgresSlimCI, env: dict[str, str], message: str
) -> None:
    before = slim_pg.relations(PRODUCTION_SCHEMAS)
    result = slim_pg.driver("ci-slim", "--state", str(slim_pg.state), check=False, **env)
    assert result.returncode == 1
    assert message in result.stdout
    assert slim_pg.relations(PRODUCTION_SCHEMAS) == before
