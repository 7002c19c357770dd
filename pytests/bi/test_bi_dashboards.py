"""The dashboards in a real browser: `streamlit run bi/app.py` over the shared DuckDB warehouse,
driven by the system's headless Chromium.

Every page loads without a Streamlit exception, a console error or a failed request, draws its
charts, and shows headline numbers equal to the same question asked of the marts in SQL and to
the business truth (the simulator's ground truth, the shop database, the run log, dbt's
run_results.json). Screenshots go to docs/screenshots/ (shown in docs/bi-tools.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml
from playwright.sync_api import Page

from bi.navigation import DASHBOARDS
from pytests.support.bi_browser import (
    REPO_ROOT,
    BrowserLog,
    StreamlitApp,
    bi_env,
    integer,
    metric,
    money,
    screenshot,
    streamlit_app,
    wait_for_streamlit,
)
from pytests.support.warehouse import Warehouse
from simulator import truth

# Minutes: real warehouse (session fixture), a real server and browser. `make test` runs it;
# `make test-fast` (pull requests, no Chromium there) leaves it out.
pytestmark = pytest.mark.slow

EXPOSURES = REPO_ROOT / "models" / "marts" / "_exposures.yml"


def fx_rates() -> dict[str, Decimal]:
    with (REPO_ROOT / "seeds" / "fx_rates.csv").open() as f:
        return {row["currency_code"]: Decimal(row["rate_to_usd"]) for row in csv.DictReader(f)}


def assert_healthy(page: Page, log: BrowserLog, allow_deep_link_probes: bool = False) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.all_inner_texts()
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.all_inner_texts()
    assert log.problems(allow_deep_link_probes) == []


def assert_charts_drawn(page: Page, minimum: int) -> None:
    """At least `minimum` Vega-Lite charts, each drawn (a non-empty canvas or svg)."""
    charts = page.locator(".vega-embed")
    assert charts.count() >= minimum, f"{charts.count()} charts, expected >= {minimum}"
    for index in range(charts.count()):
        drawn = charts.nth(index).locator("canvas, svg").first
        box = drawn.bounding_box()
        assert box and box["width"] > 50 and box["height"] > 50, f"chart {index} not drawn"


def open_dashboard(page: Page, app: StreamlitApp, title: str) -> None:
    """Home page first, then the sidebar link, as a reader does."""
    page.goto(app.url + "/")
    wait_for_streamlit(page)
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).click()
    page.wait_for_selector(f'h1:has-text("{title}")')
    wait_for_streamlit(page)


def test_exposure_urls_open_their_dashboard(
    dashboards: StreamlitApp, page: Page, browser_log: BrowserLog
) -> None:
    """The URLs in the dbt exposures, opened directly (the first visit of a fresh server)."""
    exposures = yaml.safe_load(EXPOSURES.read_text())["exposures"]
    by_path = {d.url_path: d for d in DASHBOARDS}
    assert sorted(e["url"].rsplit("/", 1)[1] for e in exposures) == sorted(by_path)
    for exposure in exposures:
        path = exposure["url"].removeprefix("http://127.0.0.1:8501/")
        page.goto(f"{dashboards.url}/{path}")
        page.wait_for_selector(f'h1:has-text("{by_path[path].title}")', timeout=60_000)
        wait_for_streamlit(page)
        assert exposure["label"] == by_path[path].title
        nav = page.locator('[data-testid="stSidebarNav"]')
        assert "Dashboards" in nav.inner_text()  # st.navigation's menu, not the pages/ fallback
        assert_healthy(page, browser_log, allow_deep_link_probes=True)


def test_home_lists_every_dashboard(
    dashboards: StreamlitApp, page: Page, browser_log: BrowserLog
) -> None:
    page.goto(dashboards.url + "/")
    wait_for_streamlit(page)
    links = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').all_inner_texts()
    assert [text.split("\n")[-1] for text in links] == [d.title for d in DASHBOARDS]
    assert_healthy(page, browser_log)
    screenshot(page, "home")


def test_sales_overview(
    dashboards: StreamlitApp, page: Page, browser_log: BrowserLog, duckdb_history: Warehouse
) -> None:
    open_dashboard(page, dashboards, "Sales overview")
    assert_healthy(page, browser_log)
    assert_charts_drawn(page, minimum=6)
    screenshot(page, "sales")

    revenue, orders, aov = (
        money(metric(page, "Revenue")),
        integer(metric(page, "Orders")),
        money(metric(page, "Average order value")),
    )
    # the same question asked of the mart
    mart_revenue, mart_orders, mart_units = duckdb_history.query(
        "select sum(net_revenue_usd), sum(orders), sum(units)"
        " from marts.daily_sales where grain = 'overall'"
    )[0]
    assert revenue == float(mart_revenue)
    assert orders == mart_orders
    assert aov == round(float(mart_revenue) / mart_orders, 2)
    assert integer(metric(page, "Units sold")) == mart_units
    # the business truth: the revenue rule applied by the simulator, converted at the seed's
    # rates (per-order rounding to the cent explains at most half a cent per order)
    rates = fx_rates()
    days = truth.revenue_per_day(duckdb_history.sim_dir)
    assert orders == sum(day["orders"] for day in days)
    expected = sum(day["revenue"] * rates[day["currency"]] for day in days)
    assert abs(Decimal(str(revenue)) - expected) <= Decimal("0.005") * orders
    assert revenue == float(
        duckdb_history.scalar("select sum(net_revenue_usd) from marts.fct_orders")
    )


def test_customers(
    dashboards: StreamlitApp, page: Page, browser_log: BrowserLog, duckdb_history: Warehouse
) -> None:
    open_dashboard(page, dashboards, "Customers")
    assert_healthy(page, browser_log)
    assert_charts_drawn(page, minimum=4)  # retention heatmap, segments, LTV, RFM grid
    screenshot(page, "customers")

    purchasers = integer(metric(page, "Customers with a purchase"))
    ltv = money(metric(page, "Average lifetime value"))
    repeat = metric(page, "Repeat purchase rate")
    mart_purchasers, mart_repeat, mart_revenue = duckdb_history.query(
        "select count(*) filter (where orders > 0), count(*) filter (where orders > 1),"
        " sum(net_revenue_usd) from marts.customer_lifetime_value"
    )[0]
    assert purchasers == mart_purchasers
    assert ltv == round(float(mart_revenue) / mart_purchasers, 2)
    assert repeat == f"{mart_repeat / mart_purchasers * 100:.1f}%"
    # business truth: customers with an order now paid/shipped/delivered, straight from the
    # shop database; lifetime value adds up to all revenue
    with sqlite3.connect(duckdb_history.sim_dir / "shop.sqlite") as shop:
        (buyers, repeat_buyers) = shop.execute(
            "select count(*), sum(case when n > 1 then 1 else 0 end) from ("
            "  select customer_id, count(*) as n from orders"
            "  where status in ('paid', 'shipped', 'delivered') group by customer_id)"
        ).fetchone()
    assert purchasers == buyers
    assert repeat == f"{repeat_buyers / buyers * 100:.1f}%"
    revenue = duckdb_history.scalar("select sum(net_revenue_usd) from marts.fct_orders")
    assert mart_revenue == revenue


def test_conversion_funnel(
    dashboards: StreamlitApp, page: Page, browser_log: BrowserLog, duckdb_history: Warehouse
) -> None:
    open_dashboard(page, dashboards, "Conversion funnel")
    assert_healthy(page, browser_log)
    assert_charts_drawn(page, minimum=2)
    screenshot(page, "funnel")

    sessions = integer(metric(page, "Sessions"))
    purchases = integer(metric(page, "Purchase sessions"))
    assert metric(page, "Conversion rate") == f"{purchases / sessions * 100:.2f}%"
    assert (sessions, purchases) == duckdb_history.query(
        "select sum(sessions), sum(purchase_sessions) from marts.conversion_funnel"
    )[0]
    assert (sessions, purchases) == duckdb_history.query(
        "select count(*), count(*) filter (where reached_purchase) from marts.fct_sessions"
    )[0]
    # business truth: a purchase session holds at least one order_completed event, every
    # session at least one event
    events = truth.events_per_type(duckdb_history.sim_dir)
    assert 0 < purchases <= events["order_completed"]
    assert purchases < sessions <= sum(events.values())


def test_marketing_roas(
    dashboards: StreamlitApp, page: Page, browser_log: BrowserLog, duckdb_history: Warehouse
) -> None:
    open_dashboard(page, dashboards, "Marketing ROAS")
    assert_healthy(page, browser_log)
    assert_charts_drawn(page, minimum=2)
    screenshot(page, "marketing")

    spend = money(metric(page, "Ad spend"))
    revenue = money(metric(page, "Attributed revenue"))
    mart_spend, mart_revenue, rows = duckdb_history.query(
        "select sum(spend_amount_usd), sum(attributed_revenue_usd), count(*)"
        " from marts.marketing_roas"
    )[0]
    assert spend == float(mart_spend)
    assert revenue == float(mart_revenue)
    assert metric(page, "ROAS") == f"{revenue / spend:.2f}x"
    # business truth: the ad platform's current (restated) spend, at the seed's rates
    rates = fx_rates()
    campaigns = truth.ad_spend_per_campaign(duckdb_history.sim_dir)
    expected = sum(c["spend"] * rates[c["currency"]] for c in campaigns.values())
    assert abs(Decimal(str(spend)) - expected) <= Decimal("0.005") * rows
    # attributed revenue is part of all revenue
    all_revenue = duckdb_history.scalar("select sum(net_revenue_usd) from marts.fct_orders")
    assert 0 < revenue <= float(all_revenue)


def test_data_health(
    dashboards: StreamlitApp, page: Page, browser_log: BrowserLog, duckdb_history: Warehouse
) -> None:
    open_dashboard(page, dashboards, "Data health")
    assert_healthy(page, browser_log)
    assert_charts_drawn(page, minimum=1)
    screenshot(page, "health")

    last_load = duckdb_history.scalar(
        "select max(finished_at) from ("
        " select finished_at, status from raw_shop._ingestion_runs union all"
        " select finished_at, status from raw_web._ingestion_runs union all"
        " select finished_at, status from raw_marketing._ingestion_runs"
        ") as runs where status = 'succeeded'"
    )
    assert metric(page, "Last successful load (UTC)") == last_load.astimezone(dt.UTC).strftime(
        "%Y-%m-%d %H:%M"
    )
    # dbt's own record of the last build of this warehouse
    results = json.loads((duckdb_history.target_path / "run_results.json").read_text())
    assert results["args"]["which"] == "build"
    tests = [r for r in results["results"] if r["unique_id"].split(".")[0] in ("test", "unit_test")]
    passed = sum(1 for r in tests if r["status"] == "pass")
    assert metric(page, "dbt tests passed") == f"{passed:,} / {len(tests):,}"
    generated = dt.datetime.fromisoformat(results["metadata"]["generated_at"])
    assert metric(page, "Last dbt build (UTC)") == generated.strftime("%Y-%m-%d %H:%M")
    # just built: nothing is past its freshness rule
    assert metric(page, "Stale source tables") == "0"
    assert "Every model, snapshot, seed and test of the last build passed." in page.inner_text(
        '[data-testid="stMain"]'
    )


def test_an_open_dashboard_never_blocks_a_write(
    duckdb_clone: Warehouse, page: Page, browser_log: BrowserLog, tmp_path: Path
) -> None:
    """A reader keeps the page open while writers (a SQL session, then `dbt run`) write the
    DuckDB file: the writers are never blocked; while one holds the lock the page shows its
    last data with a warning, and fresh data once the write is over."""
    env = bi_env(duckdb_clone, BI_LOCK_WAIT="0.5")
    with streamlit_app(env, tmp_path / "streamlit.log") as app:
        open_dashboard(page, app, "Sales overview")
        before = money(metric(page, "Revenue"))
        refresh = page.get_by_role("button", name="Refresh data")

        # a writer takes the file while the page is open: it gets the lock at once
        path = duckdb_clone.connection_env["DUCKDB_PATH"]
        writer = duckdb.connect(path)
        try:
            writer.execute(
                "update marts.daily_sales set net_revenue_usd = net_revenue_usd + 1000"
                " where grain = 'overall'"
                " and order_date = (select max(order_date) from marts.daily_sales)"
            )
            refresh.click()  # the reader asks again while the writer holds the lock
            page.wait_for_selector("text=Showing the last data read")
            wait_for_streamlit(page)
            assert money(metric(page, "Revenue")) == before
            assert page.locator('[data-testid="stException"]').count() == 0
        finally:
            writer.close()

        refresh.click()
        page.wait_for_function(
            "() => !document.body.innerText.includes('Showing the last data read')"
        )
        wait_for_streamlit(page)
        assert money(metric(page, "Revenue")) == before + 1000

        # dbt rebuilds the mart while the dashboard stays open (it needs the write lock too)
        duckdb_clone.dbt("run", "--select", "daily_sales")
        refresh.click()
        wait_for_streamlit(page)
        assert money(metric(page, "Revenue")) == before
        assert_healthy(page, browser_log)
