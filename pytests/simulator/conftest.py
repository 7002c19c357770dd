"""Shared fixtures of the simulator tests: small real worlds on disk and real servers."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import simulator
from simulator import server, store

SEED = 42
ADVANCE_DAYS = 3
TOKEN = "dev-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def rows(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def table_snapshot(directory: Path, db: str, table: str) -> dict:
    """{primary key: row} of a table (rows as column->value dicts)."""
    conn = sqlite3.connect(directory / db)
    conn.row_factory = sqlite3.Row
    try:
        out = {}
        for r in conn.execute(f"SELECT * FROM {table}"):  # noqa: S608 - test helper, constant names
            d = dict(r)
            key = tuple(d[k] for k in r.keys()[:2]) if table == "ad_spend" else r[0]
            out[key] = d
        return out
    finally:
        conn.close()


def digest(directory: Path) -> dict[str, str]:
    """A hash of every table of every store, rows ordered by all columns."""
    out = {}
    for db in (store.SHOP_DB, store.API_DB, store.INTERNAL_DB):
        conn = sqlite3.connect(directory / db)
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in sorted(tables):
            h = hashlib.sha256()
            n_cols = len(conn.execute(f"SELECT * FROM {t} LIMIT 0").description)  # noqa: S608
            order = ", ".join(str(i) for i in range(1, n_cols + 1))
            for r in conn.execute(f"SELECT * FROM {t} ORDER BY {order}"):  # noqa: S608
                h.update(repr(r).encode())
            out[f"{db}:{t}"] = h.hexdigest()
        conn.close()
    return out


def fetch_all(url: str, params: dict | None = None, headers: dict | None = None) -> list[dict]:
    """Follow `next` links to the end; returns all records."""
    out: list[dict] = []
    nxt: str | None = url
    with httpx.Client(headers=headers or AUTH, timeout=30) as client:
        first = True
        while nxt:
            r = client.get(nxt, params=params if first else None)
            first = False
            r.raise_for_status()
            body = r.json()
            out += body["data"]
            nxt = body["next"]
    return out


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly generated tiny world (do not modify: copy it with `world_copy`)."""
    return simulator.generate("tiny", SEED, tmp_path_factory.mktemp("generated"))


@pytest.fixture(scope="session")
def before_advance(generated: Path) -> dict[str, dict]:
    """Snapshots of the generated world's tables, taken before any advance."""
    return {
        **{t: table_snapshot(generated, store.SHOP_DB, t) for t in store.SHOP_TABLES},
        "campaigns": table_snapshot(generated, store.API_DB, "campaigns"),
        "ad_spend": table_snapshot(generated, store.API_DB, "ad_spend"),
    }


@pytest.fixture(scope="session")
def world(generated: Path, before_advance: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny world advanced by ADVANCE_DAYS days (read-only for tests)."""
    d = tmp_path_factory.mktemp("world") / "w"
    shutil.copytree(generated, d)
    simulator.advance(d, ADVANCE_DAYS)
    return d


@pytest.fixture
def world_copy(generated: Path, tmp_path: Path) -> Path:
    """A private copy of the generated world that a test may change."""
    d = tmp_path / "w"
    shutil.copytree(generated, d)
    return d


@pytest.fixture(scope="session")
def api(world: Path) -> Iterator[str]:
    """Base URL of a real server over `world`, without faults."""
    with server.running(world) as url:
        yield url
