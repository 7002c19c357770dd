"""Every custom data test can fail: each one passes on an untouched copy of the shared DuckDB
warehouse, then reports exactly the bad rows planted into a copy (written straight into the
mart, snapshot-fed dimension or raw table it reads, no model rebuilt). Error-severity tests
fail the `dbt test` run (exit code 1), warn-severity ones only warn (exit code 0).

Cost: three copies and five `dbt test` invocations in all (one copy only checks that an
unexpected warning fails Warehouse.dbt). The plants of one copy are independent: each changes a
column that only its own test, among those run together, reads.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pytests.support.warehouse import CommandFailed, Warehouse


@dataclass(frozen=True)
class Case:
    test: str  # dbt test name (`dbt ls --resource-type test --output name`)
    plant: tuple[str, ...]  # DuckDB statements that plant the bad rows
    failures: int  # rows the test returns once planted
    severity: str = "error"

    @property
    def expected_status(self) -> str:
        return "fail" if self.severity == "error" else "warn"


# Planted together into one copy (see the module docstring).
CASES = (
    # --- generic tests (tests/generic), one instance each -------------------------------------
    Case(
        "expression_is_true_fct_orders_net_revenue_case_when_is_revenue_then_subtotal_amount"
        "_discount_amount_else_0_end",
        (
            "update marts.fct_orders set subtotal_amount = subtotal_amount + 1"
            " where order_id = (select min(order_id) from marts.fct_orders where is_revenue)",
        ),
        1,
    ),
    Case(  # the same planted row, seen by the warn-severity instance on fct_orders
        "expression_is_true_fct_orders_total_amount_subtotal_amount_discount_amount"
        "_shipping_amount_tax_amount",
        (),
        1,
        "warn",
    ),
    Case(  # a closed version that now ends after its successor starts
        "scd2_no_overlap_dim_customers_customer_id",
        (
            "update marts.dim_customers set valid_to = valid_to + interval 1 day"
            " where customer_key = (select min(customer_key) from marts.dim_customers d"
            " where valid_to in (select valid_from from marts.dim_customers n"
            " where n.customer_id = d.customer_id))",
        ),
        1,
    ),
    Case(  # one day's second campaign relabelled as its first: a duplicated (date, campaign)
        "unique_combination_of_columns_fct_ad_spend_spend_date__campaign_id",
        (
            "update marts.fct_ad_spend s set campaign_id = d.first_campaign"
            " from (select spend_date, min(campaign_id) as first_campaign,"
            " max(campaign_id) as last_campaign from marts.fct_ad_spend group by spend_date"
            " having count(*) > 1 order by spend_date limit 1) d"
            " where s.spend_date = d.spend_date and s.campaign_id = d.last_campaign",
        ),
        1,
    ),
    Case(  # a volume spike on the last day (non-revenue rows: no other test counts them)
        "row_count_anomaly_fct_order_attribution_3__order_date",
        (
            "insert into marts.fct_order_attribution"
            " select a.* replace (false as is_revenue) from marts.fct_order_attribution a,"
            " range(200) where a.order_id = (select max(order_id)"
            " from marts.fct_order_attribution where order_date ="
            " (select max(order_date) from marts.fct_order_attribution))",
        ),
        1,
        "warn",
    ),
    # --- singular tests (tests/*.sql) ---------------------------------------------------------
    Case(  # a fact line on the unknown member although its customer is in the dimension
        "assert_facts_resolve_known_members",
        (
            "update marts.fct_order_items set customer_key = '-1' where order_item_id ="
            " (select max(order_item_id) from marts.fct_order_items where customer_key != '-1'"
            " and customer_id in (select customer_id from marts.dim_customers))",
        ),
        1,
        "warn",
    ),
    Case(
        "assert_fct_ad_spend_reconciles_with_staging",
        (
            "update marts.fct_ad_spend set clicks = clicks + 1"
            " where ad_spend_id = (select min(ad_spend_id) from marts.fct_ad_spend)",
        ),
        1,
    ),
    Case(
        "assert_fct_order_items_reconcile_with_orders",
        (
            "update marts.fct_orders set units = units + 1"
            " where order_id = (select max(order_id) from marts.fct_orders where line_count > 0)",
        ),
        1,
    ),
    Case(  # a line moved to a product staging never sold: both products disagree
        "assert_fct_order_items_units_match_staging",
        (
            "update marts.fct_order_items set product_id = 999999999 where order_item_id ="
            " (select min(order_item_id) from marts.fct_order_items where product_key != '-1')",
        ),
        2,
    ),
    Case(  # an order moved to another currency: its (date, currency) and the new one disagree
        "assert_fct_orders_revenue_reconciles_with_staging",
        (
            "update marts.fct_orders set currency_code = 'ZZZ'"
            " where order_id = (select max(order_id) from marts.fct_orders where is_revenue)",
        ),
        2,
    ),
    Case(
        "assert_fct_payments_reconcile_with_staging",
        (
            "update marts.fct_payments set amount = amount + 1"
            " where payment_id = (select min(payment_id) from marts.fct_payments)",
        ),
        1,
    ),
    Case(
        "assert_no_pii_beyond_staging",
        ("create table marts.planted_pii (email varchar)",),
        1,
    ),
    Case(  # a source header whose subtotal disagrees with its lines (non-revenue order)
        "assert_order_lines_match_header_subtotal",
        (
            "update raw_shop.orders set subtotal_amount = subtotal_amount + 1"
            " where order_id = (select min(order_id) from marts.fct_orders"
            " where order_status not in ('paid', 'shipped', 'delivered') and line_count > 0)",
        ),
        1,
        "warn",
    ),
    # --- singular tests of the analytics marts (tests/analytics/*.sql) ------------------------
    Case(
        "assert_cohort_retention_matches_customers",
        (
            "update marts.cohort_retention set active_customers = active_customers + 1"
            " where months_since_first_order = 0"
            " and cohort_month = (select min(cohort_month) from marts.cohort_retention)",
        ),
        1,
    ),
    Case(
        "assert_conversion_funnel_stages_never_increase",
        (
            "update marts.conversion_funnel set purchase_sessions = checkout_sessions + 1"
            " where (session_start_date, landing_channel) = (select (session_start_date,"
            " landing_channel) from marts.conversion_funnel order by all limit 1)",
        ),
        1,
    ),
    Case(
        "assert_customer_lifetime_value_matches_fct_orders",
        (
            "update marts.customer_lifetime_value set orders_placed = orders_placed + 1"
            " where customer_id = (select min(customer_id) from marts.customer_lifetime_value"
            " where orders_placed > 0)",
        ),
        1,
    ),
    Case(
        "assert_daily_sales_grains_add_up",
        (
            "update marts.daily_sales set units = units + 1 where grain = 'sales_channel'"
            " and (order_date, sales_channel) = (select (order_date, sales_channel)"
            " from marts.daily_sales where grain = 'sales_channel' order by all limit 1)",
        ),
        1,
    ),
    Case(
        "assert_daily_sales_sums_to_monthly_revenue",
        (
            "update marts.monthly_revenue_growth set orders = orders + 1"
            " where month_start_date = (select min(month_start_date)"
            " from marts.monthly_revenue_growth)",
        ),
        1,
    ),
    Case(  # the session and the event total disagree
        "assert_fct_sessions_account_for_every_event",
        (
            "update marts.fct_sessions set event_count = event_count + 1"
            " where session_id = (select min(session_id) from marts.fct_sessions)",
        ),
        2,
    ),
    Case(
        "assert_marketing_roas_reconciles_with_facts",
        (
            "update marts.marketing_roas set attributed_orders = attributed_orders + 1"
            " where (campaign_id, activity_date) = (select (campaign_id, activity_date)"
            " from marts.marketing_roas order by all limit 1)",
        ),
        1,
    ),
    Case(
        "assert_product_performance_matches_fct_order_items",
        (
            "update marts.product_performance set product_views = product_views + 1"
            " where (product_id, activity_date) = (select (product_id, activity_date)"
            " from marts.product_performance order by all limit 1)",
        ),
        1,
    ),
    Case(
        "assert_rfm_segments_are_configured",
        (
            "update marts.customer_lifetime_value set rfm_segment = 'planted'"
            " where customer_id = (select max(customer_id) from marts.customer_lifetime_value)",
        ),
        1,
    ),
)

# Its plant (an overall row of daily_sales) would also break the grains and monthly checks
# above, so it gets a copy of its own.
OWN_COPY_CASE = Case(
    "assert_daily_sales_overall_matches_fct_orders",
    (
        "update marts.daily_sales set orders = orders + 1 where grain = 'overall'"
        " and order_date = (select max(order_date) from marts.daily_sales)",
    ),
    1,
)

ALL_CASES = (*CASES, OWN_COPY_CASE)
WARN_TESTS = [c.test for c in CASES if c.severity == "warn"]
ERROR_TESTS = [c.test for c in CASES if c.severity == "error"]


@dataclass
class Run:
    returncode: int
    results: dict[str, dict[str, Any]]  # by test name


def _plant(wh: Warehouse, statements: tuple[str, ...]) -> None:
    with duckdb.connect(wh.connection_env["DUCKDB_PATH"]) as con:
        for statement in statements:
            con.execute(statement)


def _test(wh: Warehouse, tests: list[str], expect_warnings: Collection[str] = ()) -> Run:
    result = wh.dbt("test", "--select", *tests, check=False, expect_warnings=expect_warnings)
    run_results = json.loads((wh.target_path / "run_results.json").read_text())
    results = {
        r["unique_id"].split(".")[2]: r
        for r in run_results["results"]
        if r["unique_id"].startswith("test.")  # not the on-run-start hook
    }
    assert sorted(results) == sorted(tests), "each name selects exactly its test"
    return Run(result.returncode, results)


def _run_all(history: Warehouse, root: Path) -> dict[str, Run]:
    own = history.clone(root / "own")
    untouched = _test(own, [c.test for c in ALL_CASES])  # nothing planted yet
    _plant(own, OWN_COPY_CASE.plant)
    own_planted = _test(own, [OWN_COPY_CASE.test])

    shared = history.clone(root / "shared")
    for case in CASES:
        _plant(shared, case.plant)
    errors = _test(shared, ERROR_TESTS)
    # the warnings this module plants are expected (Warehouse.dbt fails on any other)
    warn_ids = {untouched.results[name]["unique_id"] for name in WARN_TESTS}
    warns = _test(shared, WARN_TESTS, expect_warnings=warn_ids)
    return {"untouched": untouched, "own": own_planted, "errors": errors, "warns": warns}


@pytest.fixture(scope="module")
def runs(duckdb_history: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return _run_all(duckdb_history, tmp_path_factory.mktemp("data-tests-fail"))


def _planted_run(runs: dict[str, Run], case: Case) -> Run:
    if case is OWN_COPY_CASE:
        return runs["own"]
    return runs["warns" if case.severity == "warn" else "errors"]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.test[:60])
def test_data_test_passes_untouched_and_reports_the_planted_rows(runs, case: Case) -> None:
    before = runs["untouched"].results[case.test]
    assert (before["status"], before["failures"]) == ("pass", 0), before["message"]
    after = _planted_run(runs, case).results[case.test]
    assert (after["status"], after["failures"]) == (case.expected_status, case.failures), after[
        "message"
    ]


def test_error_severity_failures_fail_the_run_warnings_do_not(runs) -> None:
    assert runs["untouched"].returncode == 0
    assert runs["own"].returncode == 1
    assert runs["errors"].returncode == 1
    assert runs["warns"].returncode == 0


def test_an_unexpected_warning_fails_the_suite(duckdb_history: Warehouse, tmp_path: Path) -> None:
    wh = duckdb_history.clone(tmp_path / "clone")
    case = next(c for c in CASES if c.test == "assert_order_lines_match_header_subtotal")
    _plant(wh, case.plant)
    with pytest.raises(CommandFailed, match=f"test.ecommerce_warehouse.{case.test}"):
        wh.dbt("test", "--select", case.test)
