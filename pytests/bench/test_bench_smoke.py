"""The benchmark code path on tiny data (`python -m benchmarks --quick`): every figure is there
and sane. No timing thresholds: speed targets are measured by `make bench`, never asserted."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from pytests.support.warehouse import REPO_ROOT

KEYS = (
    "ingest_db_rows_per_s",
    "ingest_db_vs_native",
    "ingest_api_rows_per_s",
    "dbt_build_s",
    "dbt_overhead",
    "incremental_vs_full",
    "incremental_models_vs_full",
    "snapshot_delta_vs_initial",
    "scale",
    "parse_full_s",
    "parse_partial_s",
)


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def test_quick_benchmark_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    report = tmp_path / "BENCHMARKS.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--quick",
            "--work-dir",
            str(tmp_path / "work"),
            "--out",
            str(out),
            "--report",
            str(report),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    data = json.loads(out.read_text())

    assert set(KEYS) <= set(data)
    for key in KEYS:
        if key != "scale":
            assert _positive(data[key]), (key, data[key])
    point = data["scale"]["duckdb"]["tiny"]
    assert point["order_items"] > 0
    assert _positive(point["wall_s"]) and _positive(point["peak_mib"])
    assert data["meta"]["machine"]["cores"] >= 1
    assert data["meta"]["machine"]["versions"]["duckdb"]
    assert len(data["meta"]["load_average"]["start"]) == 3
    # the replay ran every node dbt built, nothing was skipped
    replay = data["details"]["pipeline"]["replay"]
    assert replay["statements"] > 0 and replay["skipped"] == 0
    # the per-model table: the incremental fact and the snapshot of the quick subgraph
    per_model = data["details"]["pipeline"]["incremental"]["per_model"]
    assert {"fct_orders", "snap_customers"} <= set(per_model), sorted(per_model)
    assert per_model["fct_orders"]["kind"] == "delete+insert"
    assert "## Headline figures" in report.read_text()
    assert "## One more day, per model" in report.read_text()
    assert (tmp_path / "scale.png").stat().st_size > 0
