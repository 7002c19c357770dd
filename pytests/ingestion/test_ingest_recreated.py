"""A warehouse recreated under a kept dlt working dir is loaded from the beginning, always."""

from __future__ import annotations

import sys

import duckdb
import pytest

import simulator
from ingestion import state
from ingestion.report import IngestionError
from pytests.ingestion.test_ingest_incremental import SHOP_TABLES, assert_raw_matches_sources
from pytests.support.warehouse import run_command


def _drop_events_table(path) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute("DROP TABLE raw_web.events")


def _drop_web_schema(path) -> None:
    with duckdb.connect(str(path)) as conn:
        conn.execute("DROP SCHEMA raw_web CASCADE")


def _delete_file(path) -> None:
    path.unlink()
    path.with_name(path.name + ".wal").unlink(missing_ok=True)


@pytest.mark.parametrize(
    "lose", [_delete_file, _drop_web_schema, _drop_events_table], ids=lambda f: f.__name__[1:]
)
def test_a_lost_warehouse_is_reloaded_exactly(
    lose, ingest, api_server, oracle, world, warehouse
) -> None:
    with api_server() as url:
        assert ingest(url).succeeded
    simulator.advance(world, days=1)
    lose(warehouse)  # the pipelines dir with its cursors stays
    with api_server() as url:
        report = ingest(url)
        assert report.succeeded
        assert report.rows_loaded.get("raw_web.events"), report.rows_loaded
        assert_raw_matches_sources(oracle, url)


@pytest.mark.postgres
def test_a_recreated_postgres_warehouse_after_make_roles_is_reloaded_exactly(
    postgres_server, ingest, api_server, oracle, monkeypatch
) -> None:
    database = "recreated_warehouse"
    env = {**postgres_server.env, "PGDATABASE": database}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    postgres_server.create_database(database)
    with api_server() as url:
        assert ingest(url, target="postgres").succeeded

    admin = postgres_server.connect(dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    admin.close()
    postgres_server.create_database(database)
    # the documented first step on a new warehouse: it creates the empty raw schemas
    run_command([sys.executable, "-m", "governance", "roles"], env)

    with api_server() as url:
        report = ingest(url, target="postgres")
        assert report.succeeded
        conn = postgres_server.connect(dbname=database)
        with conn, conn.cursor() as cur:
            for table in SHOP_TABLES:
                cur.execute(oracle.shop_select(table))
                assert oracle.canonical(table, cur.fetchall()) == oracle.shop_rows(table), table
            cur.execute("SELECT count(DISTINCT event_id), count(*) FROM raw_web.events")
            distinct, total = cur.fetchone()
            cur.execute("SELECT count(*) FROM raw_marketing.campaigns")
            (campaigns,) = cur.fetchone()
        conn.close()
        events = {e["event_id"] for e in oracle.api_records(url, "events")}
        assert distinct == total == len(events)
        assert campaigns == len({c["campaign_id"] for c in oracle.api_records(url, "campaigns")})


def test_a_table_still_missing_after_the_load_fails_the_run(
    ingest, api_server, warehouse, monkeypatch
) -> None:
    with api_server() as url:
        assert ingest(url).succeeded
    _drop_events_table(warehouse)
    # without the reload (the first guard), nothing new arrives for `events`: the run must not
    # report success over a table the warehouse no longer has
    monkeypatch.setattr(state, "recreate_missing", lambda pipeline: [])
    with api_server() as url, pytest.raises(IngestionError) as failed:
        ingest(url, sources=("web",))
    (web,) = failed.value.report.pipelines
    assert not web.succeeded
    assert "tables missing from the warehouse" in web.error
