"""Incremental loads: exactly the changes, merged; hard deletes marked; soft deletes carried;
typed raw columns; reruns idempotent; full refresh re-reads without dropping anything.

One world goes through all of it, as a warehouse would day by day (each run costs seconds)."""

from __future__ import annotations

import json

import simulator

SHOP_TABLES = ("customers", "categories", "products", "orders", "order_items", "payments")


def assert_raw_matches_sources(oracle, api_url: str) -> None:
    for table in SHOP_TABLES:
        assert oracle.raw_shop_rows(table) == oracle.shop_rows(table), table
    events = oracle.api_records(api_url, "events")
    raw_events = oracle.query("SELECT event_id FROM raw_web.events")
    assert sorted(e for (e,) in raw_events) == sorted({e["event_id"] for e in events})
    campaigns = oracle.api_records(api_url, "campaigns")
    raw_campaigns = oracle.query("SELECT campaign_id, updated_at FROM raw_marketing.campaigns")
    assert {(c, u.isoformat()) for c, u in raw_campaigns} == {
        (c["campaign_id"], c["updated_at"].replace("Z", "+00:00")) for c in campaigns
    }
    spend = oracle.api_records(api_url, "ad_spend")
    raw_spend = oracle.query("SELECT date, campaign_id, spend FROM raw_marketing.ad_spend")
    assert {(d.isoformat(), c, float(s)) for d, c, s in raw_spend} == {
        (s["date"], s["campaign_id"], s["spend"]) for s in spend
    }


def assert_typed_raw_columns(oracle, shop_load_ids: list[str]) -> None:
    types = dict(
        oracle.query(
            "SELECT table_schema || '.' || table_name || '.' || column_name, data_type"
            " FROM information_schema.columns WHERE table_schema LIKE 'raw\\_%' ESCAPE '\\'"
        )
    )
    for column in (
        "raw_shop.orders.ordered_at",
        "raw_shop.orders.updated_at",
        "raw_shop.customers.deleted_at",
        "raw_shop.orders._hard_deleted_at",
        "raw_web.events.occurred_at",
        "raw_marketing.ad_spend.updated_at",
    ):
        assert types[column] == "TIMESTAMP WITH TIME ZONE", column
    assert types["raw_shop.orders.total_amount"] == "DECIMAL(12,2)"
    assert types["raw_shop.products.is_active"] == "BOOLEAN"
    assert types["raw_web.events.customer_id"] == "BIGINT"
    for table in ("raw_shop.orders", "raw_web.events", "raw_marketing.campaigns"):
        assert types[f"{table}._loaded_at"] == "TIMESTAMP WITH TIME ZONE"
        assert types[f"{table}._dlt_load_id"] == "VARCHAR"
    for dataset in ("raw_shop", "raw_web", "raw_marketing"):
        assert f"{dataset}._quarantine.reason" in types
        assert f"{dataset}._ingestion_runs.schema_changes" in types
    (load_ids,) = oracle.query("SELECT list(DISTINCT _dlt_load_id) FROM raw_shop.orders")[0]
    assert load_ids == shop_load_ids


def test_incremental_runs_load_exactly_the_changes(world, api_server, ingest, oracle):
    with api_server() as url:
        first = ingest(url)
        assert first.succeeded
        assert (
            first.rows_loaded["raw_shop.orders"]
            == oracle.shop_query("SELECT count(*) FROM orders")[0][0]
        )
        assert_raw_matches_sources(oracle, url)
        assert_typed_raw_columns(oracle, first.load_ids["shop"])

        high_water = {
            t: oracle.shop_query(f"SELECT max(updated_at) FROM {t}")[0][0]  # noqa: S608
            for t in SHOP_TABLES
        }
        simulator.advance(world, days=2)
        second = ingest(url)
        assert second.succeeded
        # exactly the rows inserted or updated since the first run, no more
        for table, since in high_water.items():
            (changed,) = oracle.shop_query(
                f"SELECT count(*) FROM {table} WHERE updated_at > ?",  # noqa: S608
                since,
            )[0]
            assert second.rows_loaded.get(f"raw_shop.{table}", 0) == changed, table
        assert second.rows_loaded["raw_shop.orders"] > 0
        # merged: every source row present with its latest values, nothing doubled
        assert_raw_matches_sources(oracle, url)
        for table, key in (("orders", "order_id"), ("customers", "customer_id")):
            (dupes,) = oracle.query(
                f"SELECT count(*) - count(DISTINCT {key}) FROM raw_shop.{table}"  # noqa: S608
            )[0]
            assert dupes == 0

        # hard deletes: products gone from the source stay in raw, marked
        source_products = {p for (p,) in oracle.shop_query("SELECT product_id FROM products")}
        raw_products = dict(
            oracle.query("SELECT product_id, _hard_deleted_at FROM raw_shop.products")
        )
        gone = set(raw_products) - source_products
        assert gone, "the simulator hard-deletes never-sold products"
        assert all(raw_products[p] is not None for p in gone)
        assert all(raw_products[p] is None for p in source_products)
        assert second.rows_hard_deleted["raw_shop.products"] == len(gone)

        # soft deletes arrive as the source's own deleted_at
        soft = oracle.shop_query("SELECT count(*) FROM customers WHERE deleted_at IS NOT NULL")
        raw_soft = oracle.query(
            "SELECT count(*) FROM raw_shop.customers WHERE deleted_at IS NOT NULL"
        )
        assert soft[0][0] > 0
        assert raw_soft == soft

        # a rerun on the same day changes nothing
        before = oracle.snapshot()
        third = ingest(url)
        assert third.rows_loaded == {}
        assert oracle.snapshot() == before

        # full refresh: everything re-read and merged, hard-deleted rows kept and marked
        refreshed = ingest(url, sources=("shop", "marketing"), full_refresh=True)
        (orders,) = oracle.shop_query("SELECT count(*) FROM orders")[0]
        assert refreshed.rows_loaded["raw_shop.orders"] == orders
        spend = oracle.api_records(url, "ad_spend")
        assert refreshed.rows_loaded["raw_marketing.ad_spend"] == len(spend)
        assert_raw_matches_sources(oracle, url)
        assert oracle.query(
            "SELECT count(*) FROM raw_shop.products WHERE _hard_deleted_at IS NOT NULL"
        ) == [(len(gone),)]
        # cursors are saved again: the next run is incremental
        assert ingest(url, sources=("shop", "marketing")).rows_loaded == {}

    runs = oracle.query(
        "SELECT status, rows_loaded, rows_hard_deleted FROM raw_shop._ingestion_runs"
        " ORDER BY started_at"
    )
    assert [status for status, _, _ in runs] == ["succeeded"] * 5
    assert json.loads(runs[1][1])["orders"] == second.rows_loaded["raw_shop.orders"]
    assert json.loads(runs[1][2]) == {"products": len(gone)}
