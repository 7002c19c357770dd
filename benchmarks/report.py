"""BENCHMARKS.md and the scaling chart from a results dict."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ANALYSIS = Path(__file__).with_name("analysis.md")
# The figures before the fixes described in analysis.md, kept for the "before" column.
BEFORE = Path(__file__).parent / "results" / "before.json"
TARGETS = {
    "ingest_db_vs_native": ("<= 5", lambda v: v <= 5),
    "dbt_overhead": ("<= 1.3", lambda v: v <= 1.3),
    "incremental_vs_full": ("<= 0.30", lambda v: v <= 0.30),
    "incremental_models_vs_full": ("<= 0.10", lambda v: v <= 0.10),
    "daily_build_growth": ("<= 2.0", lambda v: v <= 2.0),
    "snapshot_delta_vs_initial": ("<= 0.10", lambda v: v <= 0.10),
}


def chart(results: dict[str, Any], path: Path) -> Path:
    """Ingest + build wall time and peak memory against order lines, per engine (log-log)."""
    fig, (time_ax, mem_ax) = plt.subplots(1, 2, figsize=(10, 4))
    for engine, points in results["scale"].items():
        if engine == "growth" or not points:
            continue
        ordered = sorted(points.values(), key=lambda p: p["order_items"])
        xs = [p["order_items"] for p in ordered]
        time_ax.plot(xs, [p["wall_s"] for p in ordered], "o-", label=engine)
        mem_ax.plot(xs, [p["peak_mib"] for p in ordered], "o-", label=engine)
    for ax, label in ((time_ax, "ingest + dbt build, wall s"), (mem_ax, "peak memory, MiB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("order lines")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(f"Scaling (load average {results['meta']['load_average']['start'][0]})")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _before() -> dict[str, Any] | None:
    return json.loads(BEFORE.read_text()) if BEFORE.exists() else None


def headline(results: dict[str, Any]) -> list[str]:
    before = _before()
    rows = ["| figure | value | before the fixes | target | met |", "|---|---|---|---|---|"]
    for key in (
        "ingest_db_rows_per_s",
        "ingest_db_vs_native",
        "ingest_api_rows_per_s",
        "dbt_build_s",
        "dbt_overhead",
        "incremental_vs_full",
        "incremental_models_vs_full",
        "daily_build_growth",
        "snapshot_delta_vs_initial",
        "parse_full_s",
        "parse_partial_s",
    ):
        if key not in results:  # a figure newer than these results
            continue
        value = results[key]
        target, ok = TARGETS.get(key, ("", None))
        met = "" if ok is None else ("yes" if ok(value) else "**no**")
        old = _fmt(before[key]) if before and key in before else ""
        rows.append(f"| `{key}` | {_fmt(value)} | {old} | {target} | {met} |")
    if before:
        meta = before["meta"]
        rows += [
            "",
            f"Before the fixes: `make bench` of {meta['measured_at']} (shop database at "
            f"`{meta['preset']}`, pipeline at `{meta['pipeline_preset']}`, load average "
            f"{meta['load_average']['start'][0]}), kept in `benchmarks/results/before.json`.",
        ]
    return rows


def per_model_table(results: dict[str, Any]) -> list[str]:
    """One more day against the full refresh (snapshots: their first build), per node."""
    nodes = results.get("details", {}).get("pipeline", {}).get("incremental", {}).get("per_model")
    if not nodes:
        return []
    # rows written where the adapter reports them (dbt-duckdb does not)
    with_rows = any(n["day_rows"] is not None for n in nodes.values())
    head = "| node | strategy | day s | full s |" + (" day rows | full rows |" if with_rows else "")
    rows = [head, "|---" * (head.count("|") - 1) + "|"]
    for name, n in sorted(nodes.items(), key=lambda kv: -kv[1]["full_s"]):
        row = f"| `{name}` | {n['kind']} | {n['day_s']:.2f} | {n['full_s']:.2f} |"
        if with_rows:
            row += f" {_fmt(n['day_rows'] or 0)} | {_fmt(n['full_rows'] or 0)} |"
        rows.append(row)
    return rows


def scale_table(results: dict[str, Any]) -> list[str]:
    rows = [
        "| engine | preset | order lines | runs | ingest s | build s | total s | CPU s"
        " | peak MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for engine in ("duckdb", "postgres"):
        points = results["scale"].get(engine) or {}
        for preset, p in sorted(points.items(), key=lambda kv: kv[1]["order_items"]):
            rows.append(
                f"| {engine} | {preset} | {p['order_items']:,} | {p['runs']} | "
                f"{p['ingest_s']:.1f} | {p['build_s']:.1f} | {p['wall_s']:.1f} | "
                f"{p['cpu_s']:.1f} | {p['peak_mib']:,.0f} |"
            )
    return rows


def markdown(results: dict[str, Any], chart_path: Path, base: Path) -> str:
    meta = results["meta"]
    m = meta["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    chart_rel = os.path.relpath(chart_path, base)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`python -m benchmarks`); raw figures in",
        "`benchmarks/results/latest.json`. Ratios are lower-is-better.",
        "",
        f"- measured {meta['measured_at']}, preset `{meta['preset']}`, "
        f"{meta['repeats']} repeat(s) per figure where affordable, run took "
        f"{meta['duration_s'] / 60:.1f} min",
        f"- machine: {m['cores']} cores, {m['memory_gib']} GiB, {m['platform']}, "
        f"Python {m['python']}",
        f"- versions: {versions}",
        "- load average (1/5/15 min) during the run: "
        + "; ".join(f"{when} {'/'.join(map(str, v))}" for when, v in meta["load_average"].items()),
        f"- presets: shop database figures `{meta['preset']}`, pipeline figures "
        f"`{meta.get('pipeline_preset', meta['preset'])}`",
        "",
        "## Headline figures",
        "",
        *headline(results),
        "",
        "## One more day, per model",
        "",
        *per_model_table(results),
        "",
        "## Scaling",
        "",
        *scale_table(results),
        "",
        f"![scaling]({chart_rel})",
        "",
        "Growth: wall time per order line relative to the smallest size (1.0 = linear, below 1 ="
        " fixed costs still dominate):",
        "",
        *(
            f"- {engine} {name}: {g['size_x']}x the data took {g['time_x']}x the time"
            f" (per-line cost {g['time_per_item_vs_base']}x)"
            for engine, points in results["scale"]["growth"].items()
            for name, g in points.items()
        ),
        "",
        "## Notes from the run",
        "",
        *(f"- {note}" for note in meta["notes"]),
        "",
    ]
    if ANALYSIS.exists():  # the hand-written findings: profiles, causes, before/after
        lines += [ANALYSIS.read_text().rstrip(), ""]
    return "\n".join(lines)
