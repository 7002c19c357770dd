"""`python -m benchmarks`: run the benchmarks, write latest.json, BENCHMARKS.md and a chart."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from benchmarks import machine, report, scale, suites
from benchmarks.measure import REPO_ROOT

RESULTS = REPO_ROOT / "benchmarks" / "results"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure ingestion throughput (against DuckDB natively), dbt overhead "
        "(against replaying its SQL), incremental and snapshot cost (against full builds), "
        "parse time and scaling. Figures are medians of --repeats runs.",
    )
    parser.add_argument("--preset", default="bench", help="simulator preset (default: bench)")
    parser.add_argument(
        "--pipeline-preset",
        default=None,
        help="preset of the full pipeline figures (API ingest, dbt build and overhead, "
        "incremental, snapshot); default: --preset",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure (default: 3)")
    parser.add_argument(
        "--heavy-repeats",
        type=int,
        default=1,
        help="runs of the expensive figures: the dlt shop load at the bench preset and each "
        "scaling point (default: 1; the full pipeline always runs once)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: tiny preset, 1 repeat, DuckDB only, dbt builds of a small subgraph "
        "(an incremental fact, a snapshot and its dimension) without data tests",
    )
    parser.add_argument(
        "--scale-presets",
        default="demo,demo-x10",
        help="smaller sizes for the DuckDB scaling figure, besides the pipeline preset "
        "(default: demo,demo-x10; <preset>-x<N> is N times the preset's volume)",
    )
    parser.add_argument(
        "--postgres-presets",
        default="tiny,demo,demo-x10",
        help="sizes measured on Postgres (default: tiny,demo,demo-x10; empty: none)",
    )
    parser.add_argument(
        "--growth-preset",
        default="demo",
        help="the smaller size daily_build_growth compares the pipeline preset's one-day build "
        "with (default: demo; empty: not measured)",
    )
    parser.add_argument(
        "--budget-minutes",
        type=float,
        default=30.0,
        help="time budget: the optional figures (scaling points, Postgres) that would start "
        "after it are skipped and noted (default: 30)",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="no Postgres figures")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=REPO_ROOT / "benchmarks" / "work",
        help="scratch space; generated worlds are cached in <work-dir>/cache",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="JSON results file (default: benchmarks/results/latest.json; with --quick "
        "<work-dir>/quick.json, so a smoke run never replaces the published figures)",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        default=None,
        help="measure nothing: rewrite the report and chart from this results file",
    )
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="markdown report (default: BENCHMARKS.md at the repo root; none with --quick)",
    )
    return parser


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _guarded(ctx: suites.Context, what: str, step: Any, *args: Any) -> Any:
    """A secondary figure: its failure is recorded in the notes instead of losing the run, and
    it is skipped when the time budget is spent."""
    if ctx.over_budget():
        ctx.note(f"{what}: skipped, time budget spent")
        return None
    try:
        return step(*args)
    except Exception as exc:
        ctx.note(f"{what} FAILED: {type(exc).__name__}: {str(exc)[-500:]}")
        return None


def collect(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    ctx = suites.Context(args.work_dir, args.preset, args.repeats, quick=args.quick)
    ctx.deadline = time.monotonic() + args.budget_minutes * 60
    pipeline_preset = args.pipeline_preset or args.preset
    loads = {"start": machine.load_average()}
    ctx.note(
        f"presets: shop database {args.preset}, pipeline {pipeline_preset}; "
        f"{args.repeats} repeat(s); load average at start {loads['start']}"
    )
    main = suites.pipeline(ctx, pipeline_preset)
    loads["after_pipeline"] = machine.load_average()
    small_day = (
        _guarded(ctx, f"day build {args.growth_preset}", suites.day_build, ctx, args.growth_preset)
        if args.growth_preset and args.growth_preset != pipeline_preset and not args.quick
        else None
    )
    shop_sample = main.pop("ingest_shop_sample")
    db = suites.ingest_db(
        ctx,
        first=shop_sample if pipeline_preset == args.preset else None,
        # a dlt load of the small presets is cheap: repeat it like the other figures
        dlt_repeats=args.repeats if args.preset in ("tiny", "demo") else args.heavy_repeats,
    )
    loads["after_ingest_db"] = machine.load_average()
    parse = _guarded(ctx, "parse", suites.parse, ctx) or {
        "full": {"wall_s": float("nan")},
        "partial": {"wall_s": float("nan")},
    }
    loads["after_parse"] = machine.load_average()

    duckdb_points: dict[str, Any] = {}
    for preset in _csv(args.scale_presets):
        if preset != pipeline_preset:
            duckdb_points[preset] = _guarded(
                ctx,
                f"scale duckdb {preset}",
                scale.measure,
                ctx,
                preset,
                "duckdb",
                {},
                args.heavy_repeats,
            )
    duckdb_points[pipeline_preset] = {
        **main["scale_point"],
        "runs": 1,
        "order_items": scale.order_items(ctx, pipeline_preset),
    }
    duckdb_points = {k: v for k, v in duckdb_points.items() if v}
    postgres_presets = [] if args.skip_postgres else _csv(args.postgres_presets)
    postgres_points = (
        _guarded(
            ctx, "scale postgres", scale.postgres_points, ctx, postgres_presets, args.heavy_repeats
        )
        if postgres_presets
        else {}
    ) or {}
    loads["end"] = machine.load_average()

    return {
        "ingest_db_rows_per_s": db["rows_per_s"],
        "ingest_db_vs_native": db["vs_native"],
        "ingest_api_rows_per_s": main["ingest_api"]["rows_per_s"],
        "dbt_build_s": main["build"]["wall_s"],
        "dbt_overhead": main["dbt_overhead"],
        "incremental_vs_full": main["incremental"]["ratio"],
        "incremental_models_vs_full": main["incremental"]["models_and_snapshots_ratio"],
        "daily_build_growth": (
            round(main["incremental"]["build"]["wall_s"] / small_day["wall_s"], 3)
            if small_day
            else float("nan")
        ),
        "snapshot_delta_vs_initial": main["snapshot"]["ratio"],
        "scale": {
            "duckdb": duckdb_points,
            "postgres": postgres_points,
            "growth": {
                "duckdb": scale.growth(duckdb_points),
                "postgres": scale.growth(postgres_points),
            },
        },
        "parse_full_s": parse["full"]["wall_s"],
        "parse_partial_s": parse["partial"]["wall_s"],
        "meta": {
            "preset": args.preset,
            "pipeline_preset": pipeline_preset,
            "repeats": args.repeats,
            "heavy_repeats": args.heavy_repeats,
            "quick": args.quick,
            "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.perf_counter() - started, 1),
            "load_average": loads,
            "machine": machine.describe(),
            "notes": ctx.log,
        },
        "details": {
            "ingest_db": db,
            "pipeline": main,
            "parse": parse,
            "day_build": {"preset": args.growth_preset, **(small_day or {})},
        },
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.quick:
        args.preset, args.repeats, args.skip_postgres = "tiny", 1, True
        args.scale_presets = ""
    if args.out is None:
        args.out = args.work_dir / "quick.json" if args.quick else RESULTS / "latest.json"
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text())
        args.out = args.from_json
    else:
        results = collect(args)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"wrote {args.out}")
    report_path = args.report or (None if args.quick else REPO_ROOT / "BENCHMARKS.md")
    if report_path is not None:
        chart = report.chart(results, args.out.parent / "scale.png")
        report_path.write_text(report.markdown(results, chart, report_path.parent))
        print(f"wrote {report_path} and {chart}")
    return 0
