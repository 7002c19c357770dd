"""The dashboards on Postgres as a BI role that can read only `marts` (what `bi_reader` may do,
docs in governance/roles.py), run headless with Streamlit's AppTest: business pages work, and
data health degrades to the load times the marts carry instead of failing."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from contextlib import closing

import psycopg2
import psycopg2.errors
import pytest
from psycopg2 import sql
from streamlit.testing.v1 import AppTest

from pytests.support.bi_browser import REPO_ROOT
from pytests.support.postgres import PostgresServer
from pytests.support.warehouse import Warehouse

pytestmark = pytest.mark.postgres

APP = str(REPO_ROOT / "bi" / "app.py")


@pytest.fixture
def marts_reader(
    postgres_history: Warehouse, postgres_server: PostgresServer
) -> Iterator[dict[str, str]]:
    """libpq variables of a throwaway login role granted SELECT on marts and nothing else."""
    database = postgres_history.connection_env["PGDATABASE"]
    role = f"bi_reader_test_{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    admin = postgres_server.connect(dbname=database)
    admin.autocommit = True
    name = sql.Identifier(role)
    with admin.cursor() as cur:
        cur.execute(sql.SQL("create role {} login password %s").format(name), (password,))
        cur.execute(
            sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), name)
        )
        cur.execute(sql.SQL("grant usage on schema marts to {}").format(name))
        cur.execute(sql.SQL("grant select on all tables in schema marts to {}").format(name))
    try:
        yield {**postgres_history.connection_env, "PGUSER": role, "PGPASSWORD": password}
    finally:
        with admin.cursor() as cur:
            cur.execute(sql.SQL("drop owned by {}").format(name))
            cur.execute(sql.SQL("drop role {}").format(name))
        admin.close()


def run_page(page: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    app.switch_page(f"views/{page}.py").run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


@pytest.fixture
def as_marts_reader(
    marts_reader: dict[str, str], postgres_history: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> Warehouse:
    for key, value in marts_reader.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("BI_TARGET", "postgres")
    monkeypatch.setenv("DBT_TARGET_PATH", str(postgres_history.target_path))
    return postgres_history


def test_the_role_really_cannot_read_raw(marts_reader: dict[str, str]) -> None:
    with (
        closing(
            psycopg2.connect(
                host=marts_reader["PGHOST"],
                port=marts_reader["PGPORT"],
                user=marts_reader["PGUSER"],
                password=marts_reader["PGPASSWORD"],
                dbname=marts_reader["PGDATABASE"],
            )
        ) as con,
        con.cursor() as cur,
        pytest.raises(psycopg2.errors.InsufficientPrivilege),
    ):
        cur.execute("select count(*) from raw_shop._ingestion_runs")


def test_sales_page_reads_the_marts(as_marts_reader: Warehouse) -> None:
    shown = metrics(run_page("sales"))
    revenue, orders = as_marts_reader.query(
        "select sum(net_revenue_usd), sum(orders) from marts.daily_sales where grain = 'overall'"
    )[0]
    assert shown["Revenue"] == f"${revenue:,.2f}"
    assert shown["Orders"] == f"{orders:,}"


def test_data_health_falls_back_to_the_marts(as_marts_reader: Warehouse) -> None:
    app = run_page("health")
    infos = " ".join(info.value for info in app.info)
    assert "raw layer is not (fully) readable" in infos
    assert "No ingestion run log is readable" in infos
    shown = metrics(app)
    last_loaded = as_marts_reader.scalar(
        "select max(t) from (select max(last_loaded_at) as t from marts.fct_orders union all"
        " select max(last_loaded_at) from marts.fct_order_items union all"
        " select max(last_loaded_at) from marts.fct_payments union all"
        " select max(last_loaded_at) from marts.fct_sessions) as loads"
    )
    assert shown["Last successful load (UTC)"] == last_loaded.astimezone(dt.UTC).strftime(
        "%Y-%m-%d %H:%M"
    )
    assert shown["Stale source tables"] == "0"
    assert shown["dbt tests passed"] != "n/a"  # run_results.json of the Postgres build


def test_unreachable_postgres_is_one_clear_line(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in {**postgres_server.env, "PGPASSWORD": "wrong"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("BI_TARGET", "postgres")
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page("views/sales.py").run()
    assert not app.exception
    assert [e.value for e in app.error] and "cannot connect to Postgres" in app.error[0].value
