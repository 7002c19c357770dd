"""The shop database mirrored into a real Postgres (schema `shop`) equals the SQLite file."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

import simulator
from pytests.simulator.conftest import rows
from pytests.support.postgres import PostgresServer
from simulator import store

DATABASE = "simulator_mirror"


def _norm(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, bool):
        return int(v)
    return v


def assert_mirrored(pg: PostgresServer, world: Path) -> None:
    conn = pg.connect(dbname=DATABASE)
    try:
        with conn.cursor() as cur:
            for table, pk in store.PRIMARY_KEYS.items():
                cur.execute(f"SELECT * FROM shop.{table} ORDER BY {pk}")  # noqa: S608 - constant names
                got = [tuple(_norm(v) for v in r) for r in cur.fetchall()]
                want = rows(world / store.SHOP_DB, f"SELECT * FROM {table} ORDER BY {pk}")  # noqa: S608
                assert got == want, table
    finally:
        conn.close()


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    postgres_server.create_database(DATABASE)
    s = postgres_server
    return f"postgresql+psycopg2://{s.user}:{s.password}@127.0.0.1:{s.port}/{DATABASE}"


def test_generate_and_advance_mirror_into_postgres(
    pg_url: str, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    world = simulator.generate("tiny", 42, tmp_path / "w", postgres_url=pg_url)
    assert_mirrored(postgres_server, world)
    simulator.advance(world, 2, drift=True)
    assert_mirrored(postgres_server, world)  # updates, inserts, hard deletes, the new column
    deleted = rows(
        world / store.INTERNAL_DB, "SELECT COUNT(*) FROM product_history WHERE deleted = 1"
    )[0][0]
    assert deleted > 0


def test_malformed_rows_are_sqlite_only(pg_url: str, generated: Path, tmp_path: Path) -> None:
    world = tmp_path / "w"
    shutil.copytree(generated, world)
    state = simulator.State.load(world)
    state.postgres_url = pg_url
    state.save(world)
    with pytest.raises(ValueError, match="SQLite-only"):
        simulator.advance(world, 1, malformed=True)
