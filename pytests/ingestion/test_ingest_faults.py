"""API faults: retries honour Retry-After, 5xx and timeouts retry, a persistent outage fails
clearly without moving cursors, malformed records are quarantined, schema drift is reported."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import dlt
import pytest

import simulator
from ingestion import IngestionError
from simulator.faults import Faults


def events_match_api(oracle, url: str) -> None:
    raw = oracle.query("SELECT event_id FROM raw_web.events")
    assert sorted(e for (e,) in raw) == sorted(
        {e["event_id"] for e in oracle.api_records(url, "events")}
    )


def test_rate_limit_is_retried_after_the_retry_after_delay(ingest, api_server, oracle, monkeypatch):
    # backoff alone would wait ~0.01 s; every 2nd request gets 429 with Retry-After: 1
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.01")
    with api_server(Faults(frozenset({"rate_limit"}), every=2, retry_after=1)) as url:
        started = time.monotonic()
        report = ingest(url, sources=("web",))
        elapsed = time.monotonic() - started
        events_match_api(oracle, url)
    assert report.succeeded
    pages = -(-report.rows_loaded["raw_web.events"] // 1000)
    # requests 2, 4, ... were refused: at least one wait of 1 s per 2 pages
    assert elapsed >= pages // 2


def test_intermittent_server_errors_are_retried(ingest, api_server, oracle):
    with api_server(Faults(frozenset({"server_error"}), every=2, retry_after=0)) as url:
        report = ingest(url, sources=("web", "marketing"))
        events_match_api(oracle, url)
        assert oracle.query("SELECT count(*) FROM raw_marketing.ad_spend")[0][0] == len(
            oracle.api_records(url, "ad_spend")
        )
    assert report.succeeded


def test_slow_responses_time_out_and_are_retried(ingest, api_server, oracle, monkeypatch):
    monkeypatch.setenv("RUNTIME__REQUEST_TIMEOUT", "1")
    # every 2nd request takes 3 s: the client gives up after 1 s and asks again, so the run
    # only succeeds because timed-out requests are retried
    with api_server(Faults(frozenset({"slow"}), every=2, slow_seconds=3)) as url:
        report = ingest(url, sources=("web",))
        events_match_api(oracle, url)
    assert report.succeeded
    assert report.rows_loaded["raw_web.events"] > 1000  # more than one page: a slow one was hit

    # a source that is always too slow fails on the timeout
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "2")
    always_slow = Faults(frozenset({"slow"}), every=1, slow_seconds=3)
    with api_server(always_slow) as url, pytest.raises(IngestionError, match="Timeout"):
        ingest(url, sources=("marketing",))


def _cursors(warehouse, name: str) -> dict:
    pipelines = os.environ["INGEST_PIPELINES_DIR"]
    (working_dir,) = [p for p in os.listdir(pipelines) if p.startswith("duckdb-")]
    state = dlt.attach(name, pipelines_dir=os.path.join(pipelines, working_dir)).state
    return state["sources"][name]["resources"]


def test_outage_fails_clearly_and_keeps_cursors(world, warehouse, ingest, api_server, oracle):
    shop_db_url = f"sqlite:///{world / 'shop.sqlite'}"
    with api_server() as url:
        ingest(url, sources=("web", "marketing"))
    cursors = {name: _cursors(warehouse, name) for name in ("web", "marketing")}
    simulator.advance(world, days=1)

    with api_server(Faults(frozenset({"outage"}), retry_after=0)) as url:
        cli = subprocess.run(
            [sys.executable, "-m", "ingestion", "run", "--source", "web", "marketing",
             "--shop-db-url", shop_db_url, "--api-url", url],
            capture_output=True, text=True,
            env={**os.environ, "RUNTIME__REQUEST_MAX_ATTEMPTS": "2"},
        )  # fmt: skip
    assert cli.returncode == 1
    errors = [line for line in cli.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "web:" in errors[0] and "marketing:" in errors[0] and "503" in errors[0]
    assert {name: _cursors(warehouse, name) for name in cursors} == cursors
    failed = oracle.query(
        "SELECT status, error FROM raw_web._ingestion_runs WHERE status = 'failed'"
    )
    assert len(failed) == 1 and "503" in failed[0][1]

    with api_server() as url:
        report = ingest(url, sources=("web", "marketing"))
        assert report.rows_loaded["raw_web.events"] > 0
        events_match_api(oracle, url)


def test_malformed_records_are_quarantined_and_the_rest_loaded(world, ingest, api_server, oracle):
    with api_server() as url:
        ingest(url, sources=("shop",))
    # a new shop row gets quantity = 'one'; every API page's first record a wrong-type field
    simulator.advance(world, days=1, malformed=True)
    # and updates write values that are no timestamps into DATETIME columns, the cursor too
    with sqlite3.connect(world / "shop.sqlite") as conn:
        conn.execute(
            "UPDATE payments SET created_at = 'yesterday', updated_at = ("
            " SELECT max(updated_at) FROM payments) WHERE payment_id = 1"
        )
        conn.execute("UPDATE customers SET updated_at = 'n/a' WHERE customer_id = 1")
        conn.execute("UPDATE customers SET updated_at = 5 WHERE customer_id = 2")
    with api_server(Faults(frozenset({"malformed"}), every=1)) as url:
        report = ingest(url)
    assert report.succeeded
    quarantined = {
        (dataset, table): (reason, json.loads(record))
        for dataset in ("raw_shop", "raw_web", "raw_marketing")
        for table, reason, record in oracle.query(
            f"SELECT source_table, reason, record FROM {dataset}._quarantine"  # noqa: S608
        )
    }
    reasons = {key: reason for key, (reason, _) in quarantined.items()}
    assert "quantity: expected integer, got text 'one'" in reasons["raw_shop", "order_items"]
    assert "daily_budget: expected decimal" in reasons["raw_marketing", "campaigns"]
    assert "spend: expected decimal" in reasons["raw_marketing", "ad_spend"]
    assert reasons["raw_shop", "payments"] == "created_at: expected timestamp, got text 'yesterday'"
    assert {
        reason
        for (reason,) in oracle.query(
            "SELECT reason FROM raw_shop._quarantine WHERE source_table = 'customers'"
        )
    } == {
        "updated_at: expected timestamp, got text 'n/a'",
        "updated_at: expected timestamp, got integer 5",
    }
    # raw keeps the last well-formed version of those rows
    assert oracle.query(
        "SELECT count(*) FROM raw_shop.payments WHERE payment_id = 1 AND created_at IS NOT NULL"
    ) == [(1,)]
    assert oracle.query(
        "SELECT count(*) FROM raw_shop.customers WHERE customer_id IN (1, 2)"
        " AND updated_at IS NOT NULL"
    ) == [(2,)]
    events_reason = oracle.query("SELECT reason FROM raw_web._quarantine")
    assert any("occurred_at: expected timestamp" in r or "customer_id: expected bigint" in r
               for (r,) in events_reason)  # fmt: skip
    # the bad shop row is not in raw, every other row is
    bad_item = quarantined["raw_shop", "order_items"][1]["order_item_id"]
    assert oracle.query(
        "SELECT count(*) FROM raw_shop.order_items WHERE order_item_id = ?", bad_item
    ) == [(0,)]
    (source_items,) = oracle.shop_query("SELECT count(*) FROM order_items")[0]
    assert oracle.query("SELECT count(*) FROM raw_shop.order_items") == [(source_items - 1,)]
    # every event is either loaded or quarantined, none dropped silently
    with api_server() as url:
        api_ids = {e["event_id"] for e in oracle.api_records(url, "events")}
    raw_ids = {e for (e,) in oracle.query("SELECT event_id FROM raw_web.events")}
    bad_ids = {
        json.loads(r)["event_id"] for (r,) in oracle.query("SELECT record FROM raw_web._quarantine")
    }
    assert raw_ids | bad_ids == api_ids
    assert report.rows_quarantined["raw_web.events"] == len(events_reason)
    assert report.rows_quarantined["raw_shop.order_items"] == 1
    assert report.rows_quarantined["raw_shop.payments"] == 1
    assert report.rows_quarantined["raw_shop.customers"] == 2

    # seen again by the next run (still in the shop DB): stored once, not counted again
    with api_server() as url:
        again = ingest(url, sources=("shop",))
    assert again.rows_quarantined == {}
    assert oracle.query("SELECT count(*) FROM raw_shop._quarantine") == [(4,)]


def test_schema_drift_adds_columns_and_is_reported(world, ingest, api_server, oracle):
    with api_server() as url:
        ingest(url)
    simulator.advance(world, days=1, drift=True)
    with api_server("drift") as url:
        report = ingest(url)
    assert report.schema_changes["raw_shop"]["new_columns"] == {"customers": ["loyalty_tier"]}
    assert report.schema_changes["raw_web"]["new_columns"] == {"events": ["consent_status"]}
    assert report.schema_changes["raw_marketing"]["new_columns"] == {
        "campaigns": ["objective"],
        "ad_spend": ["conversions"],
    }
    # the new shop column was backfilled without touching updated_at: the table is re-read
    assert oracle.raw_shop_rows("customers") == oracle.shop_rows("customers")
    # every event this run inserted has the new field (repeat deliveries keep the first one)
    (new_events, without) = oracle.query(
        "SELECT count(*), count(*) FILTER (WHERE consent_status IS NULL) FROM raw_web.events"
        " WHERE _dlt_load_id = ?",
        report.load_ids["web"][0],
    )[0]
    assert new_events > 0 and without == 0
    logged = oracle.query(
        "SELECT schema_changes FROM raw_shop._ingestion_runs ORDER BY started_at DESC LIMIT 1"
    )
    assert json.loads(logged[0][0])["new_columns"] == {"customers": ["loyalty_tier"]}
