"""Incremental facts: after days of incremental builds, late-arriving changes and one more
day, `dbt build --full-refresh` rebuilds exactly the same marts."""

from __future__ import annotations

from .conftest import LOAD_TIME_COLUMNS, table_rows

MARTS = (
    "marts.fct_orders",
    "marts.fct_order_items",
    "marts.fct_payments",
    "marts.fct_ad_spend",
    "marts.dim_customers",
    "marts.dim_products",
    "marts.dim_campaigns",
    "marts.dim_date",
    "marts.daily_sales",
    "marts.fct_sessions",
    "marts.conversion_funnel",
    "intermediate.int_web_events_sessionized",
    "intermediate.int_web_sessions_aggregated",
)


def _marts(wh, exclude=frozenset()) -> dict[str, list[tuple]]:
    return {table: table_rows(wh, table, set(exclude))[1] for table in MARTS}


def _late_change(wh) -> int:
    """A status change that arrives late: ingestion writes it now (new _loaded_at) but the
    source row's updated_at is older than the incremental lookback window."""
    import duckdb

    with duckdb.connect(wh.connection_env["DUCKDB_PATH"]) as con:
        (order_id,) = con.execute(
            "select min(order_id) from raw_shop.orders where status = 'delivered'"
        ).fetchone()
        con.execute(
            "update raw_shop.orders set status = 'returned', _loaded_at = now() where order_id = ?",
            [order_id],
        )
    return order_id


def test_incremental_build_picks_up_late_data_and_equals_full_refresh(duckdb_clone) -> None:
    wh = duckdb_clone
    max_updated = wh.scalar("select max(last_updated_at) from marts.fct_orders")

    order_id = _late_change(wh)
    ordered_at = wh.scalar(
        "select ordered_at from marts.fct_orders where order_id = ?", (order_id,)
    )
    assert (max_updated - ordered_at).days > 3, "the late row must be outside the lookback"
    wh.build()
    assert wh.query(
        "select order_status, net_revenue from marts.fct_orders where order_id = ?", (order_id,)
    ) == [("returned", 0)]
    assert (
        wh.scalar(
            "select sum(net_revenue) from marts.fct_order_items where order_id = ?", (order_id,)
        )
        == 0
    )

    wh.advance(1)
    wh.cycle()
    incremental = _marts(wh)

    wh.build("--full-refresh", "--exclude", "resource_type:snapshot")
    full = _marts(wh)
    for table in MARTS:
        assert incremental[table] == full[table], table


def test_an_incremental_run_reads_only_recent_orders(duckdb_clone) -> None:
    """Nothing changed since the last build: the incremental facts re-read only the last
    load and the lookback window, not the whole history."""
    wh = duckdb_clone
    total = wh.scalar("select count(*) from marts.fct_order_items")
    wh.dbt("compile", "--select", "fct_order_items")
    compiled = next(wh.target_path.rglob("compiled/**/fct_order_items.sql")).read_text()
    assert "last_loaded_at" in compiled
    reread = wh.scalar(f"select count(*) from ({compiled}) as incremental_rows")  # noqa: S608
    assert 0 < reread < total


def test_full_refresh_columns_exclude_only_load_times() -> None:
    # the facts carry the ingestion time of their sources (drives the lookback); it is the
    # only column that legitimately differs between two warehouses built from the same data
    assert {"last_loaded_at"} == LOAD_TIME_COLUMNS
