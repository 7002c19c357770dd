"""dbt's own record of its last command (`run_results.json`) and source freshness rules
(`manifest.json`), read from the dbt target path (`DBT_TARGET_PATH`, default `target/`)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

# Commands whose run_results.json holds build/test outcomes (others, e.g. `docs generate` or
# `compile`, overwrite the file with compilation results only).
BUILD_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot"})
# Node statuses in run_results.json that mean "did not pass" ("no-op": exposures, "success" and
# "pass": fine).
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
WARNING_STATUSES = frozenset({"warn", "skipped"})
DEFAULT_FRESHNESS_HOURS = (36.0, 72.0)  # warn, error: the sources' YAML defaults
_PERIOD_HOURS = {"minute": 1 / 60, "hour": 1.0, "day": 24.0}


@dataclass(frozen=True)
class RunResults:
    path: Path
    command: str
    invocation: str
    started_at: pd.Timestamp | None
    generated_at: pd.Timestamp | None
    elapsed_seconds: float
    results: pd.DataFrame = field(repr=False)

    @property
    def is_build(self) -> bool:
        return self.command in BUILD_COMMANDS

    def counts(self) -> pd.DataFrame:
        """Node counts by resource type (model, test, ...) and status."""
        if self.results.empty:
            return pd.DataFrame()
        table = pd.crosstab(self.results["resource_type"], self.results["status"])
        return table.rename_axis(index="resource type", columns="status")

    def tests(self) -> Counter[str]:
        """Data tests and unit tests by status (pass, fail, warn, error, skipped)."""
        tests = self.results[self.results["resource_type"].isin(["test", "unit_test"])]
        return Counter(tests["status"])

    def failed(self) -> pd.DataFrame:
        """Nodes that errored or failed (a failed test, a model that did not build)."""
        return self._with_status(FAILED_STATUSES)

    def warned(self) -> pd.DataFrame:
        """Tests that warned (severity warn) and nodes skipped after an upstream failure."""
        return self._with_status(WARNING_STATUSES)

    def _with_status(self, statuses: frozenset[str]) -> pd.DataFrame:
        rows = self.results[self.results["status"].isin(statuses)]
        return rows[["unique_id", "status", "failures", "message"]]


def read_run_results(target_path: Path) -> RunResults | None:
    path = target_path / "run_results.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    metadata = data.get("metadata", {})
    args = data.get("args", {})
    rows = [
        {
            "unique_id": result["unique_id"],
            "resource_type": result["unique_id"].split(".", 1)[0],
            "name": result["unique_id"].rsplit(".", 1)[-1],
            "status": str(result.get("status")),
            "failures": result.get("failures"),
            "message": result.get("message"),
            "execution_time": result.get("execution_time"),
        }
        for result in data.get("results", [])
    ]
    return RunResults(
        path=path,
        command=str(args.get("which", "?")),
        invocation=str(args.get("invocation_command", "")),
        started_at=_stamp(metadata.get("invocation_started_at")),
        generated_at=_stamp(metadata.get("generated_at")),
        elapsed_seconds=float(data.get("elapsed_time", 0.0)),
        results=pd.DataFrame(
            rows,
            columns=[
                "unique_id",
                "resource_type",
                "name",
                "status",
                "failures",
                "message",
                "execution_time",
            ],
        ),
    )


def source_freshness_rules(target_path: Path) -> dict[tuple[str, str], tuple[float, float]]:
    """(source, table) -> (warn_after, error_after) in hours, from the manifest's sources.

    Tables whose freshness is switched off map to (inf, inf). Empty without a manifest.
    """
    path = target_path / "manifest.json"
    if not path.is_file():
        return {}
    rules: dict[tuple[str, str], tuple[float, float]] = {}
    for source in json.loads(path.read_text()).get("sources", {}).values():
        freshness = source.get("freshness") or source.get("config", {}).get("freshness")
        key = (source["source_name"], source["name"])
        if not freshness:
            rules[key] = (float("inf"), float("inf"))
            continue
        rules[key] = (_hours(freshness.get("warn_after")), _hours(freshness.get("error_after")))
    return rules


def _hours(threshold: dict[str, Any] | None) -> float:
    if not threshold or threshold.get("count") is None or threshold.get("period") is None:
        return float("inf")
    return float(threshold["count"]) * _PERIOD_HOURS[threshold["period"]]


def _stamp(value: str | None) -> pd.Timestamp | None:
    return pd.Timestamp(value) if value else None
