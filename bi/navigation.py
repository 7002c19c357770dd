"""The dashboard pages: file in bi/views/, title, URL path, icon (used by the router in
bi/app.py, the home page, and the tests; the dbt exposures link to the same URL paths)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent / "views"


@dataclass(frozen=True)
class Dashboard:
    file: str
    title: str
    url_path: str
    icon: str
    summary: str

    @property
    def path(self) -> Path:
        return PAGES_DIR / self.file


HOME = Dashboard("home.py", "Home", "", ":material/home:", "What each dashboard answers.")
DASHBOARDS: list[Dashboard] = [
    Dashboard(
        "sales.py",
        "Sales overview",
        "sales",
        ":material/payments:",
        "Revenue, orders and average order value over time, by sales channel and country.",
    ),
    Dashboard(
        "customers.py",
        "Customers",
        "customers",
        ":material/group:",
        "Cohort retention, customer lifetime value and RFM segments.",
    ),
    Dashboard(
        "funnel.py",
        "Conversion funnel",
        "funnel",
        ":material/filter_alt:",
        "From sessions to product views, carts, checkouts and orders.",
    ),
    Dashboard(
        "marketing.py",
        "Marketing ROAS",
        "marketing",
        ":material/campaign:",
        "Ad spend, attributed revenue and return on ad spend by campaign and channel.",
    ),
    Dashboard(
        "health.py",
        "Data health",
        "health",
        ":material/monitor_heart:",
        "Source freshness, ingestion runs, and the last dbt build and its tests.",
    ),
]
