"""Fixtures shared by every test folder.

The expensive ones are session-scoped: one real Postgres server, and one warehouse per engine
built from a `tiny` simulated world with a few advanced days (ingest + `dbt build` after each).
Tests that only read use those; tests that change a warehouse take a `clone` of the DuckDB one
or build their own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pytests.support.postgres import PostgresServer, start_postgres
from pytests.support.warehouse import Warehouse, duckdb_warehouse, postgres_warehouse

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

# Days advanced after the initial load of the shared warehouses.
HISTORY_DAYS = 2
# Fixtures parametrised by engine ("duckdb" / "postgres") that use that engine's shared warehouse.
ENGINE_FIXTURES = ("history", "warehouse_clone")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs two workers, `--dist loadgroup`), the tests sharing
    an expensive session fixture run on one worker, so each is built once: the Postgres server
    (and its warehouse), and the shared DuckDB warehouse."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        # fixtures parametrised by engine (`history`, `warehouse_clone`) pick theirs at run time
        engines = {
            value
            for name, value in getattr(getattr(item, "callspec", None), "params", {}).items()
            if name in ENGINE_FIXTURES
        }
        if "postgres_server" in fixtures or "postgres" in engines:
            item.add_marker(pytest.mark.xdist_group("postgres"))
        elif "duckdb_history" in fixtures or "duckdb" in engines:
            item.add_marker(pytest.mark.xdist_group("duckdb_history"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real, throwaway Postgres server for the whole test session."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


def _build_history(wh: Warehouse) -> Warehouse:
    wh.generate()
    wh.cycle()
    for _ in range(HISTORY_DAYS):
        wh.advance(1)
        wh.cycle()
    return wh


@pytest.fixture(scope="session")
def duckdb_history(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """DuckDB warehouse after the initial load and HISTORY_DAYS advanced days. Read only!"""
    return _build_history(duckdb_warehouse(tmp_path_factory.mktemp("duckdb-history")))


@pytest.fixture(scope="session")
def postgres_history(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Warehouse:
    """Postgres warehouse after the initial load and HISTORY_DAYS advanced days. Read only!"""
    root = tmp_path_factory.mktemp("postgres-history")
    return _build_history(postgres_warehouse(root, postgres_server, "history"))


@pytest.fixture
def duckdb_clone(duckdb_history: Warehouse, tmp_path: Path) -> Warehouse:
    """A private copy of the shared DuckDB warehouse (file, world, dlt state) to change freely."""
    return duckdb_history.clone(tmp_path / "clone")


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse_clone(request: pytest.FixtureRequest, tmp_path: Path) -> Warehouse:
    """A private copy of each engine's shared warehouse (database, world, dlt state)."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        server = request.getfixturevalue("postgres_server")
        return request.getfixturevalue("postgres_history").clone(tmp_path / "clone", server)
    return request.getfixturevalue("duckdb_history").clone(tmp_path / "clone")
