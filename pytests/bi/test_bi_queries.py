"""The dashboards' SQL, pages and dbt exposures agree (no browser, no warehouse)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bi import queries
from bi.navigation import DASHBOARDS, HOME

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPOSURES = REPO_ROOT / "models" / "marts" / "_exposures.yml"
RAW_RUN_LOG = re.compile(r"raw_(shop|web|marketing)\._ingestion_runs")
RAW_TABLES = {
    "raw_shop": {"customers", "categories", "products", "orders", "order_items", "payments"},
    "raw_web": {"events"},
    "raw_marketing": {"campaigns", "ad_spend"},
}
SOURCE_NAMES = {"raw_shop": "shop", "raw_web": "web", "raw_marketing": "marketing"}


def exposures() -> dict[str, dict]:
    loaded = yaml.safe_load(EXPOSURES.read_text())["exposures"]
    return {exposure["url"].rsplit("/", 1)[1]: exposure for exposure in loaded}


def test_every_dashboard_has_a_page_file_queries_and_an_exposure() -> None:
    assert HOME.path.is_file()
    assert [d.url_path for d in DASHBOARDS] == list(queries.PAGE_QUERIES)
    assert set(exposures()) == {d.url_path for d in DASHBOARDS}
    for dashboard in DASHBOARDS:
        assert dashboard.path.is_file(), dashboard.path
        exposure = exposures()[dashboard.url_path]
        assert exposure["type"] == "dashboard"
        assert exposure["label"] == dashboard.title
        assert exposure["url"] == f"http://127.0.0.1:8501/{dashboard.url_path}"
        assert exposure["owner"]["name"] and exposure["owner"]["email"]


def test_exposures_depend_on_exactly_what_each_page_reads() -> None:
    for url_path, page_queries in queries.PAGE_QUERIES.items():
        reads = set().union(*(query.relations for query in page_queries))
        expected = {f"ref('{r.split('.', 1)[1]}')" for r in reads if r.startswith("marts.")}
        expected |= {
            f"source('{SOURCE_NAMES[r.split('.')[0]]}', '{r.split('.')[1]}')"
            for r in reads
            if r.split(".")[0] in RAW_TABLES and not RAW_RUN_LOG.fullmatch(r)
        }
        assert set(exposures()[url_path]["depends_on"]) == expected, url_path


def test_every_statement_is_one_select() -> None:
    statements = [
        value
        for value in vars(queries).values()
        if isinstance(value, queries.Query)
        or (isinstance(value, dict) and all(isinstance(v, queries.Query) for v in value.values()))
    ]
    flat = [q for s in statements for q in (s.values() if isinstance(s, dict) else [s])]
    assert {q.name for page in queries.PAGE_QUERIES.values() for q in page} == {
        q.name for q in flat
    }, "every statement is used by a page"
    for query in flat:
        sql = query.sql.strip().lower()
        assert sql.startswith("select"), query.name
        assert ";" not in sql, query.name
        assert not re.search(
            r"\b(insert|update|delete|create|drop|alter|copy|attach|grant)\b", sql
        ), query.name


def test_business_pages_read_only_marts_and_health_only_the_run_log_besides() -> None:
    for url_path, page_queries in queries.PAGE_QUERIES.items():
        for query in page_queries:
            for relation in query.relations:
                schema, table = relation.split(".")
                if schema == "marts":
                    continue
                assert url_path == "health", f"{url_path} reads {relation}"
                assert RAW_RUN_LOG.fullmatch(relation) or table in RAW_TABLES[schema]
    # raw tables are read only for load times and counts, never their columns (PII stays there)
    for query in queries.RAW_FRESHNESS.values():
        selected = re.findall(r"select\s+(.*?)\s+from", query.sql, flags=re.S | re.I)
        for columns in selected:
            assert "max(_loaded_at)" in columns and "count(*)" in columns, columns


SCREENSHOT_CALL = re.compile(r"""\bscreenshot\(\s*page\s*,\s*["']([\w-]+)["']""")
IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def test_the_docs_show_every_screenshot_the_browser_tests_take() -> None:
    """The screenshots the browser tests write are all shown, and every one shown exists."""
    taken = {
        REPO_ROOT / "docs" / "screenshots" / f"{name}.png"
        for test_file in (REPO_ROOT / "pytests" / "bi").glob("test_*.py")
        for name in SCREENSHOT_CALL.findall(test_file.read_text())
    }
    assert len(taken) >= 7, f"expected the dashboards' and the lineage screenshots, found {taken}"
    pages = [REPO_ROOT / "README.md", *(REPO_ROOT / "docs").glob("*.md")]
    shown = {
        (page.parent / target).resolve()
        for page in pages
        for target in IMAGE_LINK.findall(page.read_text())
        if "screenshots/" in target
    }
    assert not taken - shown, f"screenshots no page shows: {sorted(map(str, taken - shown))}"
    assert not shown - taken, (
        f"pages show screenshots no test takes: {sorted(map(str, shown - taken))}"
    )
    missing = sorted(str(path) for path in shown if not path.is_file())
    assert not missing, f"screenshots shown but not committed (run pytests/bi): {missing}"


def test_missing_chromium_fails_the_browser_tests_with_a_clear_message(monkeypatch) -> None:
    from pytests.support import bi_browser

    monkeypatch.setattr(bi_browser, "CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(AssertionError, match=r"Chromium not found at /nonexistent/chromium"):
        bi_browser.chromium_executable()
