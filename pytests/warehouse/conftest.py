"""Helpers for the dbt warehouse tests (the shared warehouses come from pytests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from pytests.conftest import HISTORY_DAYS
from simulator.state import State

# The development default of the PII hash key (macros/hash_pii.sql); the shared warehouses are
# built without PII_HASH_KEY.
DEV_PII_HASH_KEY = "dev-only-pii-hash-key-do-not-use-in-production"

# Marts columns that depend on when ingestion or dbt ran (wall clock), not on the data.
LOAD_TIME_COLUMNS = {"last_loaded_at"}


def keyed_email_hash(email: str, key: str = DEV_PII_HASH_KEY) -> str:
    """Python twin of macro hash_pii applied to an e-mail (lower-cased, trimmed)."""
    value = email.strip().lower()
    inner = hashlib.sha256(f"{key}|{value}".encode()).hexdigest()
    return hashlib.sha256(f"{key}|{inner}".encode()).hexdigest()


def cycle_boundaries(wh) -> list[dt.datetime]:
    """The simulated instants at which the shared warehouse was ingested and built: the end of
    the generated history, then the end of each advanced day."""
    today = State.load(wh.sim_dir).today
    days = [today - dt.timedelta(days=HISTORY_DAYS - i) for i in range(HISTORY_DAYS + 1)]
    return [dt.datetime.combine(d, dt.time(), dt.UTC) for d in days]


def table_rows(wh, table: str, exclude: set[str] = frozenset()) -> tuple[list[str], list[tuple]]:
    """All rows of a relation (columns in ordinal order, minus `exclude`), sorted."""
    schema, name = table.split(".")
    columns = [
        c
        for (c,) in wh.query(
            "select column_name from information_schema.columns"
            " where table_schema = %s and table_name = %s order by ordinal_position"
            if wh.target == "postgres"
            else "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            (schema, name),
        )
        if c not in exclude
    ]
    rows = wh.query(f"select {', '.join(columns)} from {table}")  # noqa: S608 (test-only SQL)
    return columns, sorted(rows, key=repr)


@pytest.fixture(params=["duckdb", "postgres"])
def history(request):
    """The shared warehouse of each engine (read only)."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return request.getfixturevalue("postgres_history")
    return request.getfixturevalue("duckdb_history")
