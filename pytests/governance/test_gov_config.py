"""Governance configuration: role names and passwords from the environment, and the dbt
grants/indexes configs that apply on Postgres only (DuckDB has no roles and needs no indexes)."""

from __future__ import annotations

import pytest

from governance import config
from pytests.support.warehouse import Warehouse


def test_role_names_and_passwords_come_from_the_environment() -> None:
    defaults = config.roles({})
    assert {k: r.name for k, r in defaults.items()} == {
        "loader": "loader",
        "transformer": "transformer",
        "bi_reader": "bi_reader",
    }
    assert not any(r.can_login for r in defaults.values())  # no password: NOLOGIN
    custom = config.roles({"BI_READER_ROLE": "analysts", "BI_READER_PASSWORD": "x" * 12})
    assert custom["bi_reader"].name == "analysts" and custom["bi_reader"].can_login
    with pytest.raises(config.GovernanceError, match="not a valid role name"):
        config.roles({"LOADER_ROLE": 'loader"; drop table x; --'})
    with pytest.raises(config.GovernanceError, match="distinct names"):
        config.roles({"LOADER_ROLE": "etl", "TRANSFORMER_ROLE": "etl"})


def test_grants_and_indexes_are_no_ops_on_duckdb(duckdb_history: Warehouse) -> None:
    """The same dbt_project.yml builds DuckDB without indexes and without dbt-duckdb's
    "Grants for relations are not supported" warning (the configs are empty there)."""
    assert duckdb_history.scalar("select count(*) from duckdb_indexes()") == 0
    log = (duckdb_history.root / "dbt-logs" / "dbt.log").read_text(errors="replace")
    assert "model.ecommerce_warehouse.fct_orders" in log
    assert "not supported by DuckDB" not in log


def test_raw_datasets_match_ingestion() -> None:
    from ingestion import settings

    assert tuple(settings.DATASETS[s] for s in settings.SOURCES) == config.RAW_DATASETS
