"""Fixtures of the BI tests: a real Streamlit server over the shared DuckDB warehouse and a real
headless Chromium (the system's, /usr/bin/chromium) driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from pytests.support.bi_browser import (
    CHROMIUM_ARGS,
    BrowserLog,
    StreamlitApp,
    bi_env,
    chromium_executable,
    streamlit_app,
)
from pytests.support.warehouse import Warehouse


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_executable()  # fails, with the reason, when Chromium is missing
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (own storage) and page, 1400 px wide like the screenshots."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def browser_log(page: Page) -> BrowserLog:
    return BrowserLog().attach(page)


@pytest.fixture(scope="module")
def dashboards(
    duckdb_history: Warehouse, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitApp]:
    """`streamlit run bi/app.py` over the shared warehouse, read-only."""
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    with streamlit_app(bi_env(duckdb_history), log) as app:
        yield app
