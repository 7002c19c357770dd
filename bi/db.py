"""Connections and query execution for the dashboards: DuckDB read-only, or Postgres.

Every query opens its own short-lived connection and closes it before returning:

* DuckDB: `duckdb.connect(path, read_only=True)`. A DuckDB file admits one read-write process
  *or* any number of read-only ones, and a read-only connection left open would stop the next
  `dbt build` from taking its write lock. Closing after each query means a dashboard never
  blocks a build; while a build holds the write lock, reads fail with a lock error, which is
  retried briefly and then reported as `WarehouseBusy` (pages then show the last good result).
* Postgres: libpq's PG* variables (in production the `bi_reader` role, which can read only the
  `marts` schema); every session is read-only (`default_transaction_read_only`).

Nothing here imports Streamlit, so the query layer is usable (and testable) without a browser.
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

REPO_ROOT = Path(__file__).resolve().parent.parent

# Placeholders in bi/queries.py are psycopg2's `%(name)s`; DuckDB takes `$name`.
_PARAM = re.compile(r"%\((\w+)\)s")


class WarehouseError(RuntimeError):
    """The warehouse cannot answer; the message says why in one line, for the page."""


class WarehouseUnavailable(WarehouseError):
    """No warehouse to read (missing DuckDB file, Postgres unreachable, bad credentials)."""


class WarehouseBusy(WarehouseError):
    """DuckDB: a writer (`dbt build`, ingestion) holds the file's lock right now."""


class RelationUnavailable(WarehouseError):
    """A table is missing or not readable by this role (e.g. raw schemas for `bi_reader`)."""


@dataclass(frozen=True)
class Settings:
    target: str
    duckdb_path: Path
    dbt_target_path: Path
    cache_ttl_seconds: int
    lock_wait_seconds: float

    @property
    def description(self) -> str:
        if self.target == "duckdb":
            return f"DuckDB {self.duckdb_path} (read-only)"
        user = os.environ.get("PGUSER", "?")
        host = os.environ.get("PGHOST", "localhost")
        port = os.environ.get("PGPORT", "5432")
        return f"Postgres {user}@{host}:{port}/{os.environ.get('PGDATABASE', '?')}"


def settings() -> Settings:
    """The configuration, from the environment (see docs/bi-tools.md)."""
    target = os.environ.get("BI_TARGET", "duckdb").strip().lower()
    if target not in ("duckdb", "postgres"):
        raise WarehouseUnavailable(f"BI_TARGET must be duckdb or postgres, not {target!r}")
    return Settings(
        target=target,
        duckdb_path=_repo_path(os.environ.get("DUCKDB_PATH", "warehouse.duckdb")),
        dbt_target_path=_repo_path(os.environ.get("DBT_TARGET_PATH", "target")),
        cache_ttl_seconds=cache_ttl_seconds(),
        lock_wait_seconds=float(os.environ.get("BI_LOCK_WAIT", "2")),
    )


def cache_ttl_seconds() -> int:
    """How long query results are reused (`BI_CACHE_TTL`, seconds; "Refresh data" clears)."""
    return int(os.environ.get("BI_CACHE_TTL", "300"))


def _repo_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def run_query(sql: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Run one `select` on the configured warehouse and return all rows."""
    config = settings()
    if config.target == "duckdb":
        return _duckdb_query(config, sql, params or {})
    return _postgres_query(sql, params or {})


# --- DuckDB -----------------------------------------------------------------------------------
def _duckdb_query(config: Settings, sql: str, params: Mapping[str, Any]) -> pd.DataFrame:
    import duckdb

    path = config.duckdb_path
    if not path.exists():
        raise WarehouseUnavailable(
            f"no DuckDB warehouse at {path} (set DUCKDB_PATH, or run `make run` first)"
        )
    deadline = time.monotonic() + config.lock_wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=True)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise WarehouseUnavailable(f"cannot open {path}: {_first_line(exc)}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path.name} is being written (a dbt build or an ingestion holds its "
                    "lock); try again in a moment"
                ) from exc
            time.sleep(0.2)
    with closing(con):
        con.execute("set TimeZone = 'UTC'")
        try:
            with warnings.catch_warnings():
                # duckdb 1.5's pandas conversion trips a pandas 3 deprecation warning
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                return con.execute(_PARAM.sub(r"$\1", sql), dict(params)).df()
        except duckdb.CatalogException as exc:
            raise RelationUnavailable(_first_line(exc)) from exc


# --- Postgres ---------------------------------------------------------------------------------
def _postgres_query(sql: str, params: Mapping[str, Any]) -> pd.DataFrame:
    import psycopg2
    import psycopg2.errors

    try:
        con = psycopg2.connect(
            connect_timeout=10,
            options="-c default_transaction_read_only=on -c TimeZone=UTC "
            "-c statement_timeout=60000",
            application_name="ecommerce-warehouse-bi",
        )
    except psycopg2.OperationalError as exc:
        raise WarehouseUnavailable(f"cannot connect to Postgres: {_first_line(exc)}") from exc
    with closing(con), con.cursor() as cur:
        try:
            cur.execute(sql, dict(params))
        except (
            psycopg2.errors.InsufficientPrivilege,
            psycopg2.errors.UndefinedTable,
            psycopg2.errors.InvalidSchemaName,
        ) as exc:
            raise RelationUnavailable(_first_line(exc)) from exc
        columns = [column.name for column in cur.description]
        frame = pd.DataFrame(cur.fetchall(), columns=columns)
    return _numeric(frame)


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """psycopg2 returns numeric as Decimal; charts and metrics want floats."""
    for column in frame.columns:
        if frame[column].dtype == object and frame[column].map(_is_decimal).any():
            frame[column] = pd.to_numeric(frame[column])
    return frame


def _is_decimal(value: object) -> bool:
    from decimal import Decimal

    return isinstance(value, Decimal)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
