"""The measurements. Each returns plain data for `latest.json`; ratios are lower-is-better."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

import simulator
from benchmarks import native, replay
from benchmarks.measure import Sample, median, summary
from benchmarks.workspace import Warehouse, copy_world, world
from elt import steps as elt_steps

# Every build is measured as production runs it (`python -m elt run`, elt/steps.py): no unit
# tests (they belong to development and CI) and the data tests of load-time-stamped models
# windowed to the recent loads. `--quick` (the test suite's smoke run): the same code paths on a
# small subgraph that still has an incremental fact and a snapshot with its dimension.
QUICK_BUILD_ARGS = (
    "--select",
    "+fct_orders",
    "+dim_customers",
    "--exclude-resource-type",
    "test",
    "unit_test",
)


@dataclass
class Context:
    work: Path
    preset: str
    repeats: int
    quick: bool = False  # the smoke run's subgraph (QUICK_BUILD_ARGS), else production builds
    log: list[str] = field(default_factory=list)
    deadline: float = float("inf")  # time.monotonic() after which optional figures are skipped

    def build_args(self, *extra: str) -> list[str]:
        """The `dbt build` arguments of a measured build (plus `extra`, e.g. --full-refresh)."""
        if self.quick:
            return [*QUICK_BUILD_ARGS, *extra]
        return elt_steps.production_build_args(*extra)

    def over_budget(self) -> bool:
        return time.monotonic() > self.deadline

    @property
    def cache(self) -> Path:
        return self.work / "cache"

    def fresh(self, name: str) -> Path:
        path = self.work / "runs" / name
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def note(self, text: str) -> None:
        print(f"[bench] {text}", flush=True)
        self.log.append(text)


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator > 0 else float("nan")


def _node_seconds(target_path: Path, resource_type: str) -> float:
    results = json.loads((target_path / "run_results.json").read_text())["results"]
    return sum(
        r["execution_time"] for r in results if r["unique_id"].startswith(resource_type + ".")
    )


def node_breakdown(target_path: Path, keep_as: Path | None = None) -> dict[str, float]:
    """Execution seconds of the last dbt command's nodes, by kind (tests, views, tables,
    incremental models, snapshots, seeds); `keep_as` keeps a copy of its run_results.json."""
    results_path = target_path / "run_results.json"
    if keep_as is not None:
        shutil.copy2(results_path, keep_as)
    manifest = json.loads((target_path / "manifest.json").read_text())["nodes"]
    out: dict[str, float] = {}
    for result in json.loads(results_path.read_text())["results"]:
        node = manifest.get(result["unique_id"], {})
        kind = result["unique_id"].split(".")[0]
        if kind == "model":
            kind = f"model_{node.get('config', {}).get('materialized', '?')}"
        out[kind] = round(out.get(kind, 0.0) + result["execution_time"], 3)
    return out


def per_model(
    day: Path, full: Path, first: Path, manifest_path: Path, others: int = 8
) -> dict[str, dict[str, Any]]:
    """Seconds and rows written (adapter rows_affected) per node, one more day against the full
    refresh (snapshots: against their first build), for the incremental models, the snapshots
    and the `others` slowest other models of the full refresh."""
    nodes = json.loads(manifest_path.read_text())["nodes"]

    def results(path: Path) -> dict[str, dict[str, Any]]:
        return {r["unique_id"]: r for r in json.loads(path.read_text())["results"]}

    day_r, full_r, first_r = results(day), results(full), results(first)
    for uid, result in first_r.items():
        if uid.startswith("snapshot."):
            full_r[uid] = result

    def kind(uid: str) -> str:
        if uid.startswith("snapshot."):
            return "snapshot"
        config = nodes.get(uid, {}).get("config", {})
        if config.get("materialized") == "incremental":
            return config.get("incremental_strategy") or "delete+insert"
        return config.get("materialized", "?")

    models = [uid for uid in full_r if uid.startswith(("model.", "snapshot."))]
    chosen = [uid for uid in models if kind(uid) not in ("table", "view")]
    rest = sorted(
        (uid for uid in models if uid not in chosen),
        key=lambda uid: -full_r[uid]["execution_time"],
    )
    out = {}
    for uid in [*chosen, *rest[:others]]:
        d, f = day_r.get(uid, {}), full_r[uid]
        out[uid.split(".")[-1]] = {
            "kind": kind(uid),
            "day_s": round(d.get("execution_time", 0.0), 3),
            "full_s": round(f["execution_time"], 3),
            "day_rows": (d.get("adapter_response") or {}).get("rows_affected"),
            "full_rows": (f.get("adapter_response") or {}).get("rows_affected"),
        }
    return out


def day_build(ctx: Context, preset: str) -> dict[str, Any]:
    """The production build of one more simulated day at `preset` (after its first build):
    what the daily run costs at that size (daily_build_growth compares two presets)."""
    root = ctx.fresh(f"day-{preset}")
    wh = Warehouse(root / "wh", copy_world(world(ctx.cache, preset, ctx.log), root / "sim"))
    wh.ingest()
    wh.build(*ctx.build_args())
    simulator.advance(wh.sim_dir, days=1)
    wh.ingest()
    day = wh.build(*ctx.build_args())
    ctx.note(f"day build at {preset}: {day.wall_s:.1f}s")
    shutil.rmtree(root, ignore_errors=True)
    return summary([day])


# --- shop database: dlt against DuckDB copying the same tables natively ---------------------
def ingest_db(ctx: Context, first: Sample | None = None, dlt_repeats: int = 0) -> dict[str, Any]:
    """`first`: a dlt shop load already measured (the main pipeline's), counted as one run."""
    source = world(ctx.cache, ctx.preset, ctx.log)
    rows = sum(native.source_rows(source / "shop.sqlite").values())
    dlt_runs = [first] if first is not None else []
    for i in range(len(dlt_runs), dlt_repeats or ctx.repeats):
        wh = Warehouse(ctx.fresh(f"ingest-db-{i}"), source)
        dlt_runs.append(wh.ingest("shop"))
        ctx.note(f"dlt shop load {i + 1}: {dlt_runs[-1].wall_s:.1f}s")
        shutil.rmtree(wh.root, ignore_errors=True)
    native_runs = []
    for i in range(ctx.repeats):
        target = ctx.fresh(f"native-{i}") / "native.duckdb"
        native_runs.append(native.copy(source / "shop.sqlite", target))
        ctx.note(f"native copy {i + 1}: {native_runs[-1].wall_s:.1f}s")
        shutil.rmtree(target.parent, ignore_errors=True)
    dlt_s = median([s.wall_s for s in dlt_runs])
    native_s = median([s.wall_s for s in native_runs])
    return {
        "rows": rows,
        "dlt": summary(dlt_runs),
        "native": {**summary(native_runs), "method": native.method()},
        "rows_per_s": round(rows / dlt_s, 1),
        "native_rows_per_s": round(rows / native_s, 1),
        "vs_native": _ratio(dlt_s, native_s),
        "vs_native_cpu": _ratio(
            median([s.cpu_s for s in dlt_runs]), median([s.cpu_s for s in native_runs])
        ),
    }


def _count(path: Path, table: str) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


# --- the main pipeline: ingest, build, replay, one more day, full refresh ---------------------
def pipeline(ctx: Context, preset: str) -> dict[str, Any]:
    source = world(ctx.cache, preset, ctx.log)
    root = ctx.fresh("main")
    sim = copy_world(source, root / "sim")
    wh = Warehouse(root / "wh", sim)
    out: dict[str, Any] = {}

    shop = wh.ingest("shop")
    ctx.note(f"ingest shop: {shop.wall_s:.1f}s")
    web = wh.ingest("web")
    events = _count(wh.duckdb_path, "raw_web.events")
    ctx.note(f"ingest web ({events} events): {web.wall_s:.1f}s")
    marketing = wh.ingest("marketing")
    ingest = shop + web + marketing
    out["ingest_shop_sample"] = shop
    out["ingest_api"] = {
        "events": events,
        **summary([web]),
        "rows_per_s": round(events / web.wall_s, 1),
    }
    out["ingest_total"] = summary([ingest])

    raw_copy = root / "raw" / wh.duckdb_path.name
    raw_copy.parent.mkdir(parents=True)
    shutil.copy2(wh.duckdb_path, raw_copy)

    build = wh.build(*ctx.build_args())
    ctx.note(f"dbt build: {build.wall_s:.1f}s")
    out["build"] = summary([build])
    out["scale_point"] = {
        "wall_s": round(ingest.wall_s + build.wall_s, 3),
        "cpu_s": round(ingest.cpu_s + build.cpu_s, 3),
        "peak_mib": round(max(ingest.peak_mib, build.peak_mib), 1),
        "ingest_s": round(ingest.wall_s, 3),
        "build_s": round(build.wall_s, 3),
    }
    snapshot_initial = _node_seconds(wh.target_path, "snapshot")
    out["build"]["node_seconds"] = node_breakdown(wh.target_path, root / "run_results-first.json")

    replayed = replay.replay(wh.target_path, raw_copy, wh.duckdb_path)
    ctx.note(f"replay: {replayed.wall_s:.1f}s ({replayed.extra})")
    shutil.rmtree(raw_copy.parent, ignore_errors=True)
    out["replay"] = {**summary([replayed]), **replayed.extra}
    out["dbt_overhead"] = _ratio(build.wall_s, replayed.wall_s)

    # one more day (~1 % new data): incremental ingest + build, then a full refresh
    before = _count(wh.duckdb_path, "raw_shop.order_items")
    simulator.advance(sim, days=1)
    day_ingest = wh.ingest()
    after = _count(wh.duckdb_path, "raw_shop.order_items")
    incremental = wh.build(*ctx.build_args())
    snapshot_delta = _node_seconds(wh.target_path, "snapshot")
    incremental_nodes = node_breakdown(wh.target_path, root / "run_results-incremental.json")
    full = wh.build(*ctx.build_args("--full-refresh"))
    full_nodes = node_breakdown(wh.target_path, root / "run_results-full-refresh.json")
    ctx.note(f"incremental build {incremental.wall_s:.1f}s, full refresh {full.wall_s:.1f}s")
    out["incremental"] = {
        "new_order_items_share": round((after - before) / before, 4) if before else None,
        "ingest": summary([day_ingest]),
        "build": summary([incremental]),
        "full_refresh": summary([full]),
        "ratio": _ratio(incremental.wall_s, full.wall_s),
        "node_seconds": {"incremental": incremental_nodes, "full_refresh": full_nodes},
        # the incremental models alone: what their incremental predicates save
        "incremental_models_ratio": _ratio(
            incremental_nodes.get("model_incremental", 0.0),
            full_nodes.get("model_incremental", 0.0),
        ),
        # ... and with the snapshots (a full refresh does not rebuild a snapshot: its full
        # cost is the first build's)
        "models_and_snapshots_ratio": _ratio(
            incremental_nodes.get("model_incremental", 0.0) + snapshot_delta,
            full_nodes.get("model_incremental", 0.0) + snapshot_initial,
        ),
        "per_model": per_model(
            root / "run_results-incremental.json",
            root / "run_results-full-refresh.json",
            root / "run_results-first.json",
            wh.target_path / "manifest.json",
        ),
    }
    out["snapshot"] = {
        "initial_s": round(snapshot_initial, 3),
        "delta_s": round(snapshot_delta, 3),
        "ratio": _ratio(snapshot_delta, snapshot_initial),
    }
    out["warehouse_mib"] = round(wh.duckdb_path.stat().st_size / 2**20, 1)
    return out


# --- dbt parse with and without partial parsing ---------------------------------------------
def parse(ctx: Context) -> dict[str, Any]:
    root = ctx.fresh("parse")
    wh = Warehouse(root, root / "sim")
    full, partial = [], []
    wh.dbt("parse")  # writes partial_parse.msgpack (a parse without partial parsing does not)
    for _ in range(ctx.repeats):
        full.append(wh.dbt("parse", "--no-partial-parse"))
        partial.append(wh.dbt("parse"))
    return {"full": summary(full), "partial": summary(partial)}
