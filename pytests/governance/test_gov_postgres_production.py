"""The documented Postgres production path, end to end (issue 14 §5).

A fresh database; `make roles` (`python -m governance roles`, as the administrator, with the
three role passwords set); `make run TARGET=postgres` (`python -m elt run --target postgres`, one
administrator login for ingestion and dbt, see docs/postgres.md#roles) at the smallest scale;
then the BI role logs in with its password: every mart is readable, and raw, staging,
intermediate and snapshots answer `permission denied`.

The role names are the documented defaults (governance.config.ROLE_ENV), as `make roles` uses
them when no *_ROLE variable is set; no other test uses those names on the suite's server.
"""

from __future__ import annotations

import secrets
import sys
from contextlib import closing
from pathlib import Path

import pytest
from psycopg2 import errors, sql

from governance.config import ROLE_ENV
from pytests.support.postgres import PostgresServer
from pytests.support.warehouse import postgres_warehouse, run_command

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DATABASE = "production"
FORBIDDEN = ("raw_shop", "raw_web", "raw_marketing", "staging", "intermediate", "snapshots")


def _relations(server: PostgresServer, schemas: tuple[str, ...]) -> dict[str, list[str]]:
    """Tables, views and materialized views per schema, as the administrator sees them."""
    conn = server.connect(dbname=DATABASE)
    with closing(conn), conn.cursor() as cur:
        cur.execute(
            "select n.nspname, c.relname from pg_class as c"
            " join pg_namespace as n on n.oid = c.relnamespace"
            " where c.relkind in ('r', 'v', 'm', 'p') and n.nspname = any(%s)"
            " order by 1, 2",
            (list(schemas),),
        )
        found: dict[str, list[str]] = {schema: [] for schema in schemas}
        for schema, name in cur.fetchall():
            found[schema].append(name)
    return found


def test_roles_then_run_then_bi_reader_reads_only_the_marts(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    admin = postgres_warehouse(tmp_path, postgres_server, DATABASE)
    names = {kind: default for kind, (_, default, _) in ROLE_ENV.items()}
    passwords = {kind: secrets.token_urlsafe(12) for kind in ROLE_ENV}
    # the names pinned to the defaults, so a developer's own *_ROLE variables cannot interfere
    roles_env = {name_var: names[kind] for kind, (name_var, _, _) in ROLE_ENV.items()}
    roles_env.update({pw_var: passwords[kind] for kind, (_, _, pw_var) in ROLE_ENV.items()})
    env = {**admin.env, **roles_env}

    # `make roles`
    roles = run_command([sys.executable, "-m", "governance", "roles"], env)
    assert f"role {names['bi_reader']} (bi_reader): LOGIN" in roles.stdout, roles.stdout

    # `make run TARGET=postgres` (the Makefile's command line, smallest scale, no extra day);
    # SIM_DIR, dbt's target/log dirs and dlt's pipelines dir all point under tmp_path.
    # BI_READER_ROLE not exported (empty = unset): the runner finds the role `make roles` made
    # and has dbt grant it SELECT on the marts (the admin's tables get no default privileges)
    run = run_command(
        [
            sys.executable,
            *("-m", "elt", "run", "--target", "postgres"),
            *("--preset", "tiny", "--seed", "11", "--days", "0"),
        ],
        {**env, "BI_READER_ROLE": ""},
        check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    assert f"Warehouse (Postgres): 127.0.0.1/{DATABASE}" in run.stdout
    assert f"dbt grants SELECT on the marts to {names['bi_reader']}" in run.stdout, run.stdout

    relations = _relations(postgres_server, ("marts", *FORBIDDEN))
    marts = relations["marts"]
    assert {"fct_orders", "dim_customers"} <= set(marts), marts
    assert [schema for schema in FORBIDDEN if not relations[schema]] == [], relations

    conn = postgres_server.connect(
        user=names["bi_reader"], password=passwords["bi_reader"], dbname=DATABASE
    )
    with closing(conn), conn.cursor() as cur:
        counts = {}
        for mart in marts:
            cur.execute(sql.SQL("select count(*) from marts.{}").format(sql.Identifier(mart)))
            counts[mart] = cur.fetchone()[0]
            conn.rollback()
        assert counts["fct_orders"] > 0 and counts["dim_customers"] > 0, counts

        tried, readable = [], []
        for schema in FORBIDDEN:
            for name in relations[schema]:
                tried.append(f"{schema}.{name}")
                query = sql.SQL("select count(*) from {}.{}").format(
                    sql.Identifier(schema), sql.Identifier(name)
                )
                try:
                    cur.execute(query)
                    readable.append(tried[-1])
                except errors.InsufficientPrivilege as exc:
                    assert "permission denied" in str(exc), exc
                conn.rollback()
    assert readable == [], f"{names['bi_reader']} can read {readable}"
    assert {"raw_shop.customers", "staging.stg_shop__customers"} <= set(tried)
