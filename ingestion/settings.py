"""Environment and config names used by ingestion, resolved in one place.

Imported before dlt (see `ingestion/__init__.py`) so dlt reads the repo's `.dlt/` folder whatever
the current directory is.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

TARGETS = ("duckdb", "postgres")
SOURCES = ("shop", "web", "marketing")
DATASETS = {"shop": "raw_shop", "web": "raw_web", "marketing": "raw_marketing"}


class ConfigError(ValueError):
    """A setting is missing or invalid."""


def point_dlt_at_project() -> None:
    """dlt looks for `.dlt/config.toml` in DLT_PROJECT_DIR, else in the current directory."""
    os.environ.setdefault("DLT_PROJECT_DIR", str(PROJECT_DIR))


def resolve_target(target: str | None) -> str:
    """`--target` wins, then INGEST_TARGET, then DBT_TARGET (the dbt profile's switch)."""
    chosen = target or os.environ.get("INGEST_TARGET") or os.environ.get("DBT_TARGET") or "duckdb"
    if chosen not in TARGETS:
        raise ConfigError(f"unknown target {chosen!r}; choose one of: {', '.join(TARGETS)}")
    return chosen


def duckdb_path() -> Path:
    """DUCKDB_PATH (default `warehouse.duckdb` in the current directory), as the dbt profile."""
    return Path(os.environ.get("DUCKDB_PATH", "warehouse.duckdb")).resolve()


def postgres_params() -> dict[str, str | int]:
    """The libpq variables, with the dbt profile's defaults."""
    return {
        "host": os.environ.get("PGHOST", "localhost"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "username": os.environ.get("PGUSER", "postgres"),
        "password": os.environ.get("PGPASSWORD", ""),
        "database": os.environ.get("PGDATABASE", "warehouse"),
    }


def destination_identity(target: str) -> str:
    """A readable name of the warehouse a run writes to (no password)."""
    if target == "duckdb":
        return f"duckdb:{duckdb_path()}"
    pg = postgres_params()
    return f"postgres:{pg['username']}@{pg['host']}:{pg['port']}/{pg['database']}"


def pipelines_dir(target: str) -> Path:
    """dlt working dirs (state, pending load packages) for one warehouse.

    INGEST_PIPELINES_DIR (default `.dlt/.var/pipelines` in the repo) holds one subfolder per
    warehouse, so cursors kept for one DuckDB file or Postgres database never apply to another.
    """
    base = os.environ.get("INGEST_PIPELINES_DIR") or PROJECT_DIR / ".dlt" / ".var" / "pipelines"
    identity = destination_identity(target)
    digest = hashlib.sha1(identity.encode()).hexdigest()[:10]
    return Path(base).resolve() / f"{target}-{digest}"
