"""Fixtures for the ingestion tests.

Everything is real: a `tiny` simulator world in a temp dir, the simulator's HTTP server (with
faults where a test asks), a DuckDB warehouse file and dlt working dirs in the same temp dir.
Oracles read the sources directly: the shop SQLite file and the APIs.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

import simulator
from ingestion import RunReport, run
from simulator import server
from simulator.faults import Faults

TOKEN = "test-token"
API_PATHS = {
    "events": "/api/v1/events",
    "campaigns": "/api/v1/campaigns",
    "ad_spend": "/api/v1/ad_spend",
}


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A freshly generated `tiny` world (30 days of history)."""
    return simulator.generate("tiny", seed=7, directory=tmp_path / "sim")


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The DuckDB file ingestion writes, with dlt state and settings isolated in tmp_path."""
    path = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("DUCKDB_PATH", str(path))
    monkeypatch.setenv("INGEST_PIPELINES_DIR", str(tmp_path / "pipelines"))
    monkeypatch.setenv("SOURCES__API_TOKEN", TOKEN)
    monkeypatch.delenv("DBT_TARGET", raising=False)
    monkeypatch.delenv("INGEST_TARGET", raising=False)
    # fast backoff keeps fault tests short; a Retry-After header still sets the wait
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.1")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "10")
    # several pages per endpoint even in a tiny world, so paging and per-request faults are hit
    monkeypatch.setenv("SOURCES__API_PAGE_SIZE", "1000")
    return path


@pytest.fixture
def api_server(world: Path) -> Callable[..., AbstractContextManager[str]]:
    """`with api_server(faults) as url:` runs the simulator's real server over `world`."""

    @contextmanager
    def running(faults: Faults | str | None = None) -> Iterator[str]:
        with server.running(world, port=0, faults=faults, token=TOKEN) as url:
            yield url

    return running


@pytest.fixture
def ingest(world: Path, warehouse: Path) -> Callable[..., RunReport]:
    """`ingest(api_url, **run_kwargs)`: `ingestion.run` against `world`, into `warehouse`."""

    def ingest_(api_url: str, **kwargs: Any) -> RunReport:
        kwargs.setdefault("shop_db_url", f"sqlite:///{world / 'shop.sqlite'}")
        return run(api_url=api_url, **kwargs)

    return ingest_


def _canonical(value: Any, declared: str) -> str | None:
    """Source and raw values in one text form, by the column's declared source type."""
    if value is None:
        return None
    if declared.startswith("DATETIME"):
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return str(value)
    if declared.startswith("NUMERIC"):
        return f"{float(value):.2f}"
    if declared.startswith("BOOLEAN"):
        return str(int(value))
    return str(value)


class Oracle:
    """Reads the sources (shop SQLite file, APIs) and the raw warehouse for comparisons."""

    def __init__(self, world: Path, warehouse: Path) -> None:
        self.world = world
        self.warehouse = warehouse

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse)) as conn:
            return conn.execute(sql, params).fetchall()

    def shop_columns(self, table: str) -> list[tuple[str, str]]:
        with sqlite3.connect(self.world / "shop.sqlite") as conn:
            return [(row[1], row[2]) for row in conn.execute(f"PRAGMA table_info({table})")]

    def shop_query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.world / "shop.sqlite") as conn:
            return conn.execute(sql, params).fetchall()

    def shop_select(self, table: str) -> str:
        """SELECT of a shop table's source columns, in source order, from raw_shop."""
        names = ", ".join(name for name, _ in self.shop_columns(table))
        return f"SELECT {names} FROM raw_shop.{table} WHERE _hard_deleted_at IS NULL"  # noqa: S608

    def canonical(self, table: str, rows: list[tuple[Any, ...]]) -> set[tuple[str | None, ...]]:
        """Rows of a shop table's columns in one text form, whatever engine they come from."""
        columns = self.shop_columns(table)
        return {
            tuple(_canonical(v, t) for v, (_, t) in zip(row, columns, strict=True)) for row in rows
        }

    def shop_rows(self, table: str) -> set[tuple[str | None, ...]]:
        """Every row of a shop table, canonical."""
        names = ", ".join(name for name, _ in self.shop_columns(table))
        return self.canonical(table, self.shop_query(f"SELECT {names} FROM {table}"))  # noqa: S608

    def raw_shop_rows(self, table: str) -> set[tuple[str | None, ...]]:
        """The raw rows not marked hard-deleted, canonical, in the source's column order."""
        return self.canonical(table, self.query(self.shop_select(table)))

    @staticmethod
    def api_records(base_url: str, endpoint: str) -> list[dict[str, Any]]:
        """All records of an endpoint, retrying the server's injected errors."""
        records: list[dict[str, Any]] = []
        url: str | None = f"{base_url}{API_PATHS[endpoint]}?limit=5000"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        while url:
            for _ in range(20):
                response = httpx.get(url, headers=headers, timeout=30)
                if response.status_code == 200:
                    break
                time.sleep(0.2)
            response.raise_for_status()
            body = response.json()
            records.extend(body["data"])
            url = body["next"]
        return records

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Sorted contents of every raw table (dlt's bookkeeping and the run log left out)."""
        tables = self.query(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_schema IN ('raw_shop', 'raw_web', 'raw_marketing')"
            " AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' AND table_name <> '_ingestion_runs'"
        )
        return {
            f"{schema}.{table}": sorted(
                self.query(f'SELECT * FROM "{schema}"."{table}"'),  # noqa: S608
                key=repr,
            )
            for schema, table in tables
        }


@pytest.fixture
def oracle(world: Path, warehouse: Path) -> Oracle:
    return Oracle(world, warehouse)
