"""What the figures were measured on: machine, load and library versions."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from typing import Any

import psutil

PACKAGES = ("dlt", "dbt-core", "dbt-duckdb", "dbt-postgres", "duckdb", "pyarrow", "sqlalchemy")


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {name: _version(name) for name in PACKAGES},
    }
