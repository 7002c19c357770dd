"""The same world, ingested and built the same way on DuckDB and on Postgres, gives the same
marts, row for row (surrogate keys and PII hashes included)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from simulator.state import State

from .conftest import LOAD_TIME_COLUMNS, table_rows

pytestmark = pytest.mark.postgres

MARTS = (
    "marts.fct_orders",
    "marts.fct_order_items",
    "marts.fct_payments",
    "marts.fct_ad_spend",
    "marts.dim_customers",
    "marts.dim_products",
    "marts.dim_campaigns",
    "marts.dim_date",
    "staging.stg_shop__customers",
)


def _normalise(rows: list[tuple], wall_clock_after: dt.datetime) -> list[tuple]:
    """Engine-neutral values: UTC datetimes, normalised decimals; instants after the simulated
    clock (snapshot times of hard deletes, taken from the wall clock) are blanked."""

    def value(v):
        if isinstance(v, dt.datetime):
            v = v.astimezone(dt.UTC)
            return None if v > wall_clock_after else v
        if isinstance(v, Decimal):
            return v.normalize()
        return v

    return sorted((tuple(value(v) for v in row) for row in rows), key=repr)


def test_duckdb_and_postgres_build_identical_marts(duckdb_history, postgres_history) -> None:
    today = State.load(duckdb_history.sim_dir).today
    assert today == State.load(postgres_history.sim_dir).today
    simulated_now = dt.datetime.combine(today, dt.time(), dt.UTC)
    for table in MARTS:
        columns, duck = table_rows(duckdb_history, table, LOAD_TIME_COLUMNS | {"_loaded_at"})
        pg_columns, pg = table_rows(postgres_history, table, LOAD_TIME_COLUMNS | {"_loaded_at"})
        assert columns == pg_columns, table
        assert _normalise(duck, simulated_now) == _normalise(pg, simulated_now), table
