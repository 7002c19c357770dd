"""Wall time and peak memory of a first ingest + `dbt build` at several sizes, on both engines."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.measure import Sample, median
from benchmarks.suites import Context
from benchmarks.workspace import Warehouse, copy_world, world


def _point(samples: list[tuple[Sample, Sample]], order_items: int) -> dict[str, Any]:
    return {
        "order_items": order_items,
        "runs": len(samples),
        "wall_s": round(median([i.wall_s + b.wall_s for i, b in samples]), 3),
        "cpu_s": round(median([i.cpu_s + b.cpu_s for i, b in samples]), 3),
        "peak_mib": round(max(max(i.peak_mib, b.peak_mib) for i, b in samples), 1),
        "ingest_s": round(median([i.wall_s for i, _ in samples]), 3),
        "build_s": round(median([b.wall_s for _, b in samples]), 3),
    }


def order_items(ctx: Context, preset: str) -> int:
    from benchmarks.native import source_rows

    return source_rows(world(ctx.cache, preset, ctx.log) / "shop.sqlite")["order_items"]


def measure(
    ctx: Context, preset: str, target: str, conn: dict[str, str], repeats: int = 1
) -> dict[str, Any]:
    samples = []
    for i in range(repeats):
        root = ctx.fresh(f"scale-{target}-{preset}-{i}")
        sim = copy_world(world(ctx.cache, preset, ctx.log), root / "sim")
        wh = Warehouse(root / "wh", sim, target, dict(conn))
        # one command per source, as the main pipeline measures it (comparable points)
        ingest = wh.ingest("shop") + wh.ingest("web") + wh.ingest("marketing")
        build = wh.build(*ctx.build_args())
        samples.append((ingest, build))
        ctx.note(
            f"scale {target} {preset} {i + 1}: ingest {ingest.wall_s:.1f}s"
            f" build {build.wall_s:.1f}s peak {max(ingest.peak_mib, build.peak_mib):.0f}MiB"
        )
        shutil.rmtree(root, ignore_errors=True)
    return _point(samples, order_items(ctx, preset))


@contextmanager
def postgres() -> Iterator[Any]:
    """A throwaway Postgres server (the test suite's), stopped afterwards."""
    from pytests.support.postgres import start_postgres

    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


def postgres_points(ctx: Context, presets: list[str], heavy_repeats: int) -> dict[str, Any]:
    points: dict[str, Any] = {}
    with postgres() as server:
        for preset in presets:
            database = f"bench_{preset}"
            runs = []
            if ctx.over_budget():
                ctx.note(f"scale postgres {preset}: skipped, time budget spent")
                continue
            for i in range(heavy_repeats):
                name = f"{database}_{i}"
                server.create_database(name)
                conn = {**server.env, "PGDATABASE": name}
                runs.append(measure(ctx, preset, "postgres", conn))
            points[preset] = {
                **runs[0],
                "runs": len(runs),
                "wall_s": round(median([r["wall_s"] for r in runs]), 3),
                "cpu_s": round(median([r["cpu_s"] for r in runs]), 3),
                "peak_mib": max(r["peak_mib"] for r in runs),
                "ingest_s": round(median([r["ingest_s"] for r in runs]), 3),
                "build_s": round(median([r["build_s"] for r in runs]), 3),
            }
    return points


def growth(points: dict[str, Any]) -> dict[str, Any]:
    """Time per order item relative to the smallest size (1.0 = linear)."""
    ordered = sorted(points.items(), key=lambda kv: kv[1]["order_items"])
    if len(ordered) < 2:
        return {}
    base_name, base = ordered[0]
    per_item = base["wall_s"] / base["order_items"]
    out = {}
    for name, point in ordered[1:]:
        size = point["order_items"] / base["order_items"]
        out[f"{name}_vs_{base_name}"] = {
            "size_x": round(size, 1),
            "time_x": round(point["wall_s"] / base["wall_s"], 2),
            "time_per_item_vs_base": round(point["wall_s"] / point["order_items"] / per_item, 3),
        }
    return out
