"""Postgres for real: roles and grants, credentials, erasure, on the suite's Postgres server.

One warehouse of its own (database `governed`), set up the production way: `python -m
governance roles` as the administrator, ingestion as the loader role, `dbt build` as the
transformer role, the BI role reading. Role names are the configurable ones (LOADER_ROLE...),
not the defaults, so the names really come from the environment. The erasure test runs last:
it changes the warehouse.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import errors

import simulator
from governance import pii
from pytests.support.postgres import PostgresServer
from pytests.support.privacy import changes_for_others, dump, person, pick_person, traces
from pytests.support.warehouse import REPO_ROOT, Warehouse, postgres_warehouse, run_command

pytestmark = pytest.mark.postgres

ROLES = {"loader": "gov_loader", "transformer": "gov_transformer", "bi_reader": "gov_bi_reader"}
DATABASE = "governed"
RAW = ("raw_shop", "raw_web", "raw_marketing")
NOT_FOR_BI = (*RAW, "staging", "intermediate", "snapshots", "governance")


@dataclasses.dataclass
class Governed:
    server: PostgresServer
    admin: Warehouse
    loader: Warehouse
    transformer: Warehouse
    passwords: dict[str, str]
    roles_env: dict[str, str]

    def connect(self, kind: str):
        conn = self.server.connect(user=ROLES[kind], password=self.passwords[kind], dbname=DATABASE)
        conn.autocommit = True
        return conn

    def roles(self, **overrides: str):
        return run_command(
            [sys.executable, "-m", "governance", "roles"],
            {**self.admin.env, **self.roles_env, **overrides},
        )


def _as(wh: Warehouse, user: str, password: str, extra: dict[str, str]) -> Warehouse:
    as_user = dataclasses.replace(
        wh, connection_env={**wh.connection_env, "PGUSER": user, "PGPASSWORD": password}
    )
    as_user.env.update(extra)
    return as_user


@pytest.fixture(scope="module")
def governed(postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory) -> Governed:
    admin = postgres_warehouse(tmp_path_factory.mktemp("governed"), postgres_server, DATABASE)
    passwords = {kind: secrets.token_urlsafe(12) for kind in ROLES}
    roles_env = {
        "LOADER_ROLE": ROLES["loader"],
        "TRANSFORMER_ROLE": ROLES["transformer"],
        "BI_READER_ROLE": ROLES["bi_reader"],
        "LOADER_PASSWORD": passwords["loader"],
        "TRANSFORMER_PASSWORD": passwords["transformer"],
        "BI_READER_PASSWORD": passwords["bi_reader"],
    }
    # dbt reads BI_READER_ROLE for its grants; nobody else needs the role passwords
    names = {k: v for k, v in roles_env.items() if k.endswith("_ROLE")}
    admin.env.update(names)
    g = Governed(
        server=postgres_server,
        admin=admin,
        loader=_as(admin, ROLES["loader"], passwords["loader"], names),
        transformer=_as(admin, ROLES["transformer"], passwords["transformer"], names),
        passwords=passwords,
        roles_env=roles_env,
    )
    g.roles()
    g.admin.generate()
    g.loader.ingest()
    g.transformer.build()
    return g


@contextmanager
def cursor(conn) -> Iterator:
    with closing(conn), conn.cursor() as cur:
        yield cur


def _denied(cur, sql: str) -> bool:
    try:
        cur.execute(sql)
    except errors.InsufficientPrivilege:
        return True
    return False


def test_roles_are_idempotent_and_follow_the_environment(governed: Governed) -> None:
    second = governed.roles()  # safe to run again on a built warehouse
    assert f"role {ROLES['bi_reader']} (bi_reader): LOGIN" in second.stdout
    # without its password variable a role cannot log in; with it, it can again
    unset = {**governed.roles_env}
    del unset["BI_READER_PASSWORD"]
    result = run_command(
        [sys.executable, "-m", "governance", "roles"], {**governed.admin.env, **unset}
    )
    assert f"role {ROLES['bi_reader']} (bi_reader): NOLOGIN" in result.stdout
    with pytest.raises(psycopg2.OperationalError):
        governed.connect("bi_reader")
    governed.roles()
    governed.connect("bi_reader").close()

    with cursor(governed.server.connect(dbname=DATABASE)) as cur:
        cur.execute(
            "select rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolpassword"
            " from pg_authid where rolname = any(%s)",
            (list(ROLES.values()),),
        )
        rows = cur.fetchall()
    assert len(rows) == 3
    for name, can_login, superuser, createdb, createrole, password in rows:
        assert can_login and not (superuser or createdb or createrole), name
        assert password.startswith("SCRAM-SHA-256$"), name  # a verifier, never the password


def test_roles_never_demote_an_administrator(governed: Governed) -> None:
    result = run_command(
        [sys.executable, "-m", "governance", "roles"],
        {**governed.admin.env, **governed.roles_env, "LOADER_ROLE": "postgres"},
        check=False,
    )
    assert result.returncode == 1
    assert "postgres is a superuser or the role running this command" in result.stderr
    with cursor(governed.server.connect(dbname=DATABASE)) as cur:
        cur.execute("select rolsuper from pg_roles where rolname = 'postgres'")
        assert cur.fetchone() == (True,)


def test_each_role_owns_its_layer(governed: Governed) -> None:
    with cursor(governed.server.connect(dbname=DATABASE)) as cur:
        cur.execute(
            "select distinct c.relnamespace::regnamespace::text, pg_get_userbyid(c.relowner)"
            " from pg_class as c where c.relkind in ('r', 'v', 'm', 'p')"
            " and c.relnamespace::regnamespace::text = any(%s)",
            ([*RAW, "staging", "intermediate", "snapshots", "marts"],),
        )
        owners = cur.fetchall()
    dbt_schemas = ("staging", "intermediate", "snapshots", "marts")
    expected = {**dict.fromkeys(RAW, ROLES["loader"])}
    expected.update(dict.fromkeys(dbt_schemas, ROLES["transformer"]))
    assert {schema for schema, _ in owners} == set(expected)
    assert [(s, o) for s, o in owners if expected[s] != o] == []


def test_bi_reader_reads_the_marts_and_nothing_else(governed: Governed) -> None:
    with cursor(governed.connect("bi_reader")) as cur:
        cur.execute("select tablename from pg_tables where schemaname = 'marts' order by 1")
        marts = [r[0] for r in cur.fetchall()]
        assert {"dim_customers", "fct_orders", "fct_order_items"} <= set(marts)
        for mart in marts:
            cur.execute(f'select count(*) from marts."{mart}"')  # noqa: S608
        cur.execute("select count(*) from marts.fct_orders")
        assert cur.fetchone()[0] > 0
        cur.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema = any(%s)",
            (list(NOT_FOR_BI),),
        )
        others = cur.fetchall()
    assert others == [], "bi_reader must not even see other schemas' tables"
    with cursor(governed.server.connect(dbname=DATABASE)) as cur:
        cur.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema = any(%s)",
            (list(NOT_FOR_BI),),
        )
        hidden = [r[0] for r in cur.fetchall()]
    assert "raw_shop.customers" in hidden and "staging.stg_shop__customers" in hidden
    with cursor(governed.connect("bi_reader")) as cur:
        for relation in hidden:
            schema, name = relation.split(".")
            assert _denied(cur, f'select 1 from "{schema}"."{name}" limit 1'), relation  # noqa: S608
        assert _denied(cur, "create table marts.bi_scratch (x int)")


def test_new_mart_tables_stay_readable(governed: Governed) -> None:
    """Default privileges: a table the transformer creates later is readable by bi_reader."""
    with cursor(governed.connect("transformer")) as cur:
        cur.execute("create table marts.gov_new_mart as select 1 as x")
    try:
        with cursor(governed.connect("bi_reader")) as cur:
            cur.execute("select x from marts.gov_new_mart")
            assert cur.fetchone() == (1,)
    finally:
        with cursor(governed.connect("transformer")) as cur:
            cur.execute("drop table marts.gov_new_mart")


def test_dbt_grants_and_indexes_are_applied(governed: Governed) -> None:
    with cursor(governed.server.connect(dbname=DATABASE)) as cur:
        cur.execute(
            "select table_name from information_schema.role_table_grants"
            " where grantee = %s and table_schema = 'marts' and privilege_type = 'SELECT'"
            " and grantor = %s",
            (ROLES["bi_reader"], ROLES["transformer"]),
        )
        granted = {r[0] for r in cur.fetchall()}
        cur.execute("select indexdef from pg_indexes where schemaname = 'marts'")
        indexes = [r[0] for r in cur.fetchall()]
    assert {"dim_customers", "fct_orders", "fct_order_items", "fct_payments"} <= granted
    assert any("UNIQUE INDEX" in d and "fct_orders" in d and "(order_id)" in d for d in indexes)
    assert any("fct_orders" in d and "(order_date)" in d for d in indexes)
    assert any("fct_order_items" in d and "(product_key)" in d for d in indexes)


def test_a_bi_role_that_does_not_exist_stops_the_run_before_it_starts(
    governed: Governed,
) -> None:
    """dbt's stock grants fail on a missing grantee: the runner says so in one line first."""
    run = run_command(
        [sys.executable, "-m", "elt", "run", "--target", "postgres", "--days", "0"],
        {**governed.admin.env, "BI_READER_ROLE": "gov_no_such_reader"},
        check=False,
    )
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-3000:]
    assert "BI_READER_ROLE=gov_no_such_reader: no such role on this server" in run.stdout
    assert "Ingesting" not in run.stdout and "dbt build" not in run.stdout, run.stdout


def test_loader_cannot_touch_the_models(governed: Governed) -> None:
    with cursor(governed.connect("loader")) as cur:
        assert _denied(cur, "create table marts.loader_scratch (x int)")
        assert _denied(cur, "delete from marts.fct_orders")
        assert _denied(cur, "select 1 from marts.fct_orders limit 1")
        assert _denied(cur, "create table staging.loader_scratch (x int)")
        assert _denied(cur, "create schema loader_own")
        assert _denied(cur, "select 1 from governance.erasure_log limit 1")
        cur.execute("select count(*) from governance.erasure_suppressions")


def test_transformer_reads_raw_but_cannot_change_it(governed: Governed) -> None:
    with cursor(governed.connect("transformer")) as cur:
        cur.execute("select count(*) from raw_shop.customers")
        assert cur.fetchone()[0] > 0
        assert _denied(cur, "delete from raw_shop.customers")
        assert _denied(cur, "create table raw_shop.transformer_scratch (x int)")
        assert _denied(cur, "select 1 from governance.erasure_suppressions limit 1")


def _make_run(env: dict[str, str], sim_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "elt", "run", "--target", "postgres", "--preset", "tiny"],
        cwd=REPO_ROOT,
        env={**os.environ, **env, "SIM_DIR": str(sim_dir)},
        capture_output=True,
        text=True,
    )


def test_wrong_credentials_stop_the_run_in_one_line(
    postgres_server: PostgresServer, tmp_path: Path
) -> None:
    wrong = "not-the-password-" + secrets.token_hex(4)
    env = {**postgres_server.env, "PGPASSWORD": wrong}
    result = _make_run(env, tmp_path / "sim")
    assert result.returncode == 1
    errors_ = [line for line in result.stdout.splitlines() if line.startswith("ERROR:")]
    assert len(errors_) == 1
    assert errors_[0].startswith(
        f"ERROR: cannot connect to Postgres postgres@127.0.0.1:{postgres_server.port}/warehouse"
    )
    assert "password authentication failed" in errors_[0]
    assert wrong not in result.stdout + result.stderr
    assert not (tmp_path / "sim").exists(), "nothing runs before the connection check"

    roles = run_command([sys.executable, "-m", "governance", "roles"], env, check=False)
    assert roles.returncode == 1
    assert "password authentication failed" in roles.stderr and wrong not in roles.stderr


def test_erasure_on_postgres(governed: Governed) -> None:
    """Erase as the administrator (dbt rebuilds as the transformer), then a new day ingested
    by the loader (who reads the suppression list) does not bring the person back."""
    wh = governed.admin
    before = dump(wh)
    customer_id = pick_person(wh, before)
    who = person(wh, customer_id, before)
    assert traces(before, who)

    result = run_command(
        [
            sys.executable,
            "-m",
            "governance",
            "erase",
            "--customer-id",
            str(customer_id),
            "--requested-by",
            "privacy-team",
            "--target",
            "postgres",
        ],
        wh.env,
    )
    assert f"as {ROLES['transformer']}" in result.stdout
    after = dump(wh)
    assert traces(after, who) == []
    assert changes_for_others(before, after, who) == []
    (log,) = wh.query("select requested_by, subject_token, status from governance.erasure_log")
    assert log == ("privacy-team", pii.customer_token(customer_id), "completed")
    with cursor(governed.server.connect(dbname=DATABASE)) as cur:
        cur.execute(
            "select distinct tableowner from pg_tables where schemaname in ('marts', 'staging')"
        )
        assert cur.fetchall() == [(ROLES["transformer"],)], "rebuilt as the transformer"

    simulator.advance(wh.sim_dir, days=1)
    governed.loader.ingest("--full-refresh")
    assert traces(dump(wh), who) == []
