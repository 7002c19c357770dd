"""The Postgres switch: the same raw layer in Postgres, from a Postgres shop database too."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator

pytestmark = pytest.mark.postgres

SHOP_TABLES = ("customers", "categories", "products", "orders", "order_items", "payments")
# DuckDB and Postgres spell the same types differently
SAME_TYPE = {
    "VARCHAR": "character varying",
    "BIGINT": "bigint",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
}


@pytest.fixture
def shop_source_url(postgres_server) -> str:
    postgres_server.create_database("shop_source")
    return (
        f"postgresql+psycopg2://{postgres_server.user}:{postgres_server.password}"
        f"@127.0.0.1:{postgres_server.port}/shop_source"
    )


@pytest.fixture
def world(tmp_path: Path, shop_source_url: str) -> Path:
    """A `tiny` world whose shop database is mirrored into Postgres schema `shop`."""
    return simulator.generate(
        "tiny", seed=7, directory=tmp_path / "sim", postgres_url=shop_source_url
    )


def _pg_columns(conn) -> dict[str, str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT table_schema || '.' || table_name || '.' || column_name,"
            " CASE WHEN data_type = 'numeric' THEN 'numeric(' || numeric_precision || ','"
            " || numeric_scale || ')' ELSE data_type END"
            " FROM information_schema.columns WHERE table_schema LIKE 'raw\\_%'"
            " AND table_schema NOT LIKE '%\\_staging'"
        )
        return dict(cur.fetchall())


def _duckdb_columns(oracle) -> dict[str, str]:
    rows = oracle.query(
        "SELECT table_schema || '.' || table_name || '.' || column_name, data_type"
        " FROM information_schema.columns WHERE table_schema LIKE 'raw\\_%' ESCAPE '\\'"
        " AND table_schema NOT LIKE '%\\_staging' ESCAPE '\\'"
    )
    return {name: SAME_TYPE.get(t, t.lower().replace("decimal", "numeric")) for name, t in rows}


def test_postgres_target_and_postgres_shop(
    world, shop_source_url, postgres_server, api_server, ingest, oracle, monkeypatch
):
    postgres_server.create_database("ingest_warehouse")
    for key, value in {**postgres_server.env, "PGDATABASE": "ingest_warehouse"}.items():
        monkeypatch.setenv(key, value)
    warehouse = postgres_server.connect(dbname="ingest_warehouse")
    warehouse.autocommit = True

    def raw(table: str) -> set:
        with warehouse.cursor() as cur:
            cur.execute(oracle.shop_select(table))
            return oracle.canonical(table, cur.fetchall())

    with api_server() as url:
        first = ingest(url, target="postgres", shop_db_url=shop_source_url)
        duck = ingest(url, target="duckdb")  # same world into DuckDB: schemas must match
        assert first.succeeded and duck.succeeded
        assert _pg_columns(warehouse) == _duckdb_columns(oracle)

        simulator.advance(world, days=1)  # also applied to the Postgres shop
        second = ingest(url, target="postgres", shop_db_url=shop_source_url)
        assert second.rows_loaded["raw_shop.orders"] > 0
        for table in SHOP_TABLES:
            assert raw(table) == oracle.shop_rows(table), table
        with warehouse.cursor() as cur:
            cur.execute("SELECT count(DISTINCT event_id), count(*) FROM raw_web.events")
            distinct, total = cur.fetchone()
        assert distinct == total == len({e["event_id"] for e in oracle.api_records(url, "events")})
    assert second.rows_hard_deleted["raw_shop.products"] > 0
    with warehouse.cursor() as cur:
        cur.execute("SELECT status FROM raw_marketing._ingestion_runs")
        assert [s for (s,) in cur.fetchall()] == ["succeeded", "succeeded"]
    warehouse.close()
