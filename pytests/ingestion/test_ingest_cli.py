"""The command line: help, usage errors and the target switch (runs are covered elsewhere)."""

from __future__ import annotations

import pytest

from ingestion import ConfigError, run
from ingestion.cli import main


def test_help_lists_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--target", "--source", "--full-refresh", "--shop-db-url", "--api-url"):
        assert option in out
    assert "{duckdb,postgres}" in out and "{shop,web,marketing}" in out


def test_usage_errors_exit_2(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--target", "oracle"])
    assert exit_.value.code == 2
    assert "invalid choice: 'oracle'" in capsys.readouterr().err

    monkeypatch.setenv("INGEST_TARGET", "oracle")
    assert main(["run"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: unknown target 'oracle'; choose one of: duckdb, postgres"
    )


def test_target_switch_order(monkeypatch):
    monkeypatch.setenv("DBT_TARGET", "oracle")
    with pytest.raises(ConfigError, match="unknown target 'oracle'"):
        run(sources=())
    monkeypatch.setenv("INGEST_TARGET", "duckdb")  # INGEST_TARGET wins over DBT_TARGET
    assert run(sources=()).target == "duckdb"
    with pytest.raises(ConfigError, match="unknown source"):
        run(target="duckdb", sources=("crm",))
