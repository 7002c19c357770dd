"""The dbt docs site in a real browser: `dbt docs generate` on a copy of the shared warehouse,
`dbt docs serve`, then the lineage graph of fct_orders and a dashboard exposure."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from pytests.support.bi_browser import BrowserLog, dbt_docs_server, screenshot
from pytests.support.warehouse import DBT, Warehouse

pytestmark = pytest.mark.slow

FCT_ORDERS = "model.ecommerce_warehouse.fct_orders"
SALES_EXPOSURE = "exposure.ecommerce_warehouse.sales_overview_dashboard"

# The graph is drawn on a canvas by cytoscape.js; its instance hangs off the container.
VISIBLE_NODES_JS = """
() => {
  const cy = document.querySelector('#cy')?._cyreg?.cy;
  if (!cy) return null;
  const box = document.querySelector('#cy').getBoundingClientRect();
  return cy.nodes().filter(n => n.visible()).map(n => {
    const p = n.renderedPosition();
    return {id: n.id(), label: n.data('label'),
            onScreen: p.x >= 0 && p.y >= 0 && p.x <= box.width && p.y <= box.height};
  });
}
"""
EDGES_JS = """
() => document.querySelector('#cy')._cyreg.cy.edges().filter(e => e.visible())
  .map(e => [e.source().id(), e.target().id()])
"""


@pytest.fixture(scope="module")
def docs_site(duckdb_history: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """Docs of a private copy (docs generate rewrites run_results.json and needs the file)."""
    root = tmp_path_factory.mktemp("docs")
    wh = duckdb_history.clone(root / "warehouse")
    wh.dbt("docs", "generate")
    manifest = json.loads((wh.target_path / "manifest.json").read_text())
    with dbt_docs_server(DBT, wh.env, root / "docs-serve.log") as url:
        yield url, manifest


def test_lineage_graph_of_fct_orders_shows_its_parents(
    docs_site: tuple[str, dict], page: Page, browser_log: BrowserLog
) -> None:
    url, manifest = docs_site
    parents = {p for p in manifest["parent_map"][FCT_ORDERS] if p.startswith("model.")}
    assert parents, "fct_orders has model parents"

    page.goto(f"{url}/#!/model/{FCT_ORDERS}")
    page.wait_for_selector("h1:has-text('fct_orders')", timeout=60_000)
    page.locator("a[title='View Lineage Graph']").click()
    page.wait_for_function(
        "() => document.querySelector('#cy')?._cyreg?.cy?.nodes().length > 0", timeout=30_000
    )
    page.locator("a[title='View Fullscreen']").locator("visible=true").click()
    page.mouse.move(700, 990)  # away from the button's tooltip
    page.wait_for_timeout(1500)  # layout animation
    nodes = {node["id"]: node for node in page.evaluate(VISIBLE_NODES_JS)}
    for parent in parents:
        assert parent in nodes, f"{parent} not in the lineage graph"
        assert nodes[parent]["onScreen"], f"{parent} drawn off screen"
        assert nodes[parent]["label"] == parent.rsplit(".", 1)[1]
    edges = {tuple(edge) for edge in page.evaluate(EDGES_JS)}
    assert {(parent, FCT_ORDERS) for parent in parents} <= edges
    # the page itself lists the same parents under "Depends On"
    depends_on = page.inner_text("body")
    for parent in parents:
        assert parent.rsplit(".", 1)[1] in depends_on
    assert browser_log.page_errors == []
    screenshot(page, "lineage_fct_orders")


def test_dashboard_exposure_is_documented(
    docs_site: tuple[str, dict], page: Page, browser_log: BrowserLog
) -> None:
    url, manifest = docs_site
    exposure = manifest["exposures"][SALES_EXPOSURE]
    page.goto(f"{url}/#!/exposure/{SALES_EXPOSURE}")
    link = page.locator("a", has_text="View this exposure")
    link.wait_for(timeout=60_000)
    assert link.get_attribute("href") == "http://127.0.0.1:8501/sales"
    text = page.inner_text("body")
    assert "analytics-engineering" in text  # the owner
    for node in exposure["depends_on"]["nodes"]:
        assert node.rsplit(".", 1)[1] in text
    assert browser_log.page_errors == []
