"""Real processes for the BI browser tests: `streamlit run bi/app.py`, `dbt docs serve`, and a
headless Chromium driven by Playwright (the system's Chromium; no browser is ever downloaded).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import ConsoleMessage, Page

from pytests.support.warehouse import Warehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("BI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def bi_env(wh: Warehouse, **extra: str) -> dict[str, str]:
    """The environment `make bi` would give the app for this warehouse."""
    return {
        "BI_TARGET": "duckdb",
        "DUCKDB_PATH": wh.connection_env["DUCKDB_PATH"],
        "DBT_TARGET_PATH": str(wh.target_path),
        **extra,
    }


def chromium_executable() -> str:
    """The Chromium the tests drive; a clear failure (never a skip) when it is missing."""
    found = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).is_file() else None)
    if not found or not os.access(found, os.X_OK):
        raise AssertionError(
            f"Chromium not found at {CHROMIUM}: the BI browser tests need it. Install it "
            "(`make system-deps` installs it on Debian/Ubuntu) or point "
            "BI_TEST_CHROMIUM at a Chromium binary. Playwright's own browsers are not used."
        )
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"{process.args} exited {process.returncode}:\n{log.read_text()[-4000:]}"
            )
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {timeout:.0f}s:\n{log.read_text()[-4000:]}")


@contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    with log.open("w") as out:
        process = subprocess.Popen(
            args, cwd=REPO_ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class StreamlitApp:
    url: str
    log: Path
    process: subprocess.Popen

    def server_log(self) -> str:
        return self.log.read_text()


@contextmanager
def streamlit_app(env: dict[str, str], log: Path) -> Iterator[StreamlitApp]:
    """`streamlit run bi/app.py` on a free 127.0.0.1 port, as `make bi` runs it."""
    port = free_port()
    args = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "bi/app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--client.toolbarMode",
        "viewer",
    ]
    with _process(args, env, log) as process:
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/_stcore/health", process, log, timeout=90)
        yield StreamlitApp(url, log, process)


@contextmanager
def dbt_docs_server(dbt: str, env: dict[str, str], log: Path) -> Iterator[str]:
    """`dbt docs serve` of the target path in env (DBT_TARGET_PATH) on a free port."""
    port = free_port()
    args = [dbt, "docs", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-browser"]
    with _process(args, env, log) as process:
        url = f"http://127.0.0.1:{port}"
        _wait_http(f"{url}/index.html", process, log, timeout=90)
        yield url


# --- driving a Streamlit page ---------------------------------------------------------------
# Streamlit 1.67, issue streamlit/streamlit#7074: opening a page's URL directly first probes
# <page>/_stcore/health and <page>/_stcore/host-config (404) before the real endpoints. Only
# tolerated where a test opens a deep link on purpose.
DEEP_LINK_PROBE = re.compile(r"/[\w-]+/_stcore/(health|host-config)$")


@dataclass
class BrowserLog:
    """Console errors, uncaught page errors and failed HTTP requests seen by a page."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> BrowserLog:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on(
            "requestfailed",
            lambda request: self.failed_requests.append(f"{request.url} {request.failure}"),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and self.failed_requests.append(f"{response.url} HTTP {response.status}")
            ),
        )
        return self

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            location = message.location.get("url", "") if message.location else ""
            self.console_errors.append(f"{message.text} ({location})")

    def problems(self, allow_deep_link_probes: bool = False) -> list[str]:
        failed = [
            entry
            for entry in self.failed_requests
            if not (allow_deep_link_probes and DEEP_LINK_PROBE.search(entry.split(" ")[0]))
        ]
        console = [
            entry
            for entry in self.console_errors
            if not (allow_deep_link_probes and DEEP_LINK_PROBE.search(entry.rstrip(")")))
        ]
        return [*self.page_errors, *console, *failed]

    def clear(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.failed_requests.clear()


def wait_for_streamlit(page: Page, timeout_ms: int = 60_000) -> None:
    """Until the script run is over (the app root's `data-test-script-state` is notRunning, as
    in Streamlit's own e2e tests) and the page, charts included, stopped changing for a second
    (Vega-Lite draws after the run)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    quiet_since = None
    previous = None
    while time.monotonic() < deadline:
        snapshot = page.evaluate(
            """() => [
                document.querySelector('[data-testid="stApp"]')
                    ?.getAttribute('data-test-script-state'),
                document.querySelectorAll('[data-testid]').length,
                document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length,
            ].join(':')"""
        )
        if snapshot.startswith("notRunning:") and snapshot == previous:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 1.0:
                return
        else:
            quiet_since = None
        previous = snapshot
        page.wait_for_timeout(200)
    raise AssertionError(f"Streamlit page {page.url} did not finish running")


def metric(page: Page, label: str) -> str:
    """The value of the st.metric whose label is `label`."""
    box = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator(
            '[data-testid="stMetricLabel"]', has_text=re.compile(f"^{re.escape(label)}$")
        )
    )
    assert box.count() == 1, f"expected one metric {label!r}, found {box.count()}"
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def money(text: str) -> float:
    """'$12,345.67' -> 12345.67"""
    assert re.fullmatch(r"\$-?[\d,]+\.\d\d", text), f"not a money value: {text!r}"
    return float(text.replace("$", "").replace(",", ""))


def integer(text: str) -> int:
    assert re.fullmatch(r"[\d,]+", text), f"not an integer: {text!r}"
    return int(text.replace(",", ""))


def screenshot(page: Page, name: str) -> Path:
    """The whole page: Streamlit scrolls inside its main container, so the viewport is grown to
    the content's height for the shot (charts re-fit), then restored."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size or {"width": 1400, "height": 1000}
    content = page.evaluate(
        """() => Math.max(document.body.scrollHeight, ...Array.from(
            document.querySelectorAll('[data-testid="stMain"], [data-testid="stMain"] *'),
            (el) => (el.scrollHeight > el.clientHeight + 1 ? el.scrollHeight : 0)))"""
    )
    height = min(max(int(content) + 40, viewport["height"]), 8000)
    page.set_viewport_size({"width": viewport["width"], "height": height})
    try:
        page.wait_for_timeout(800)  # charts re-fit to their new container
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(viewport)
    return path
