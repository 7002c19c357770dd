"""Simulated worlds (generated once per preset and seed, then copied) and warehouses to fill.

Everything lives under the work dir (default `benchmarks/work/`, git-ignored): the repo's own
`.sim/`, `warehouse.duckdb` and `target/` are never touched.
"""

from __future__ import annotations

import secrets
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import simulator
from benchmarks.measure import REPO_ROOT, Sample, measured, run
from elt import steps
from simulator import server

DBT = str(Path(sys.executable).with_name("dbt"))
SEEDS = {"tiny": 42, "demo": 42, "bench": 1}  # the seeds the simulator README documents
WORLD_FILES = ("shop.sqlite", "api.sqlite", "internal.sqlite", "state.json")


def world(cache: Path, preset: str, log: list[str]) -> Path:
    """A pristine generated world for the preset, generated on first use and kept in `cache`."""
    seed = SEEDS.get(preset, 42)
    directory = cache / f"{preset}-{seed}"
    if not (directory / "state.json").exists():
        started = time.perf_counter()
        simulator.generate(preset, seed, directory)
        log.append(f"generated {preset} (seed {seed}) in {time.perf_counter() - started:.0f}s")
    return directory


def copy_world(source: Path, destination: Path) -> Path:
    """A private, mutable copy of a world (advance writes to it)."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in WORLD_FILES:
        shutil.copy2(source / name, destination / name)
    return destination


@dataclass
class Warehouse:
    """One warehouse (DuckDB file or Postgres database) with its dbt target dir and dlt state."""

    root: Path
    sim_dir: Path
    target: str = "duckdb"
    connection_env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.target_path = self.root / "dbt-target"
        self.log = self.root / "commands.log"
        if self.target == "duckdb" and "DUCKDB_PATH" not in self.connection_env:
            self.connection_env["DUCKDB_PATH"] = str(self.root / "db" / "warehouse.duckdb")

    @property
    def duckdb_path(self) -> Path:
        return Path(self.connection_env["DUCKDB_PATH"])

    @property
    def env(self) -> dict[str, str]:
        return {
            **self.connection_env,
            "DBT_TARGET": self.target,
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "DBT_TARGET_PATH": str(self.target_path),
            "DBT_LOG_PATH": str(self.root / "dbt-logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "INGEST_PIPELINES_DIR": str(self.root / "pipelines"),
            "SIM_DIR": str(self.sim_dir),
        }

    def ingest(self, *sources: str, full_refresh: bool = False) -> Sample:
        """`python -m ingestion run` for the given sources (all when none), measured."""
        args = [sys.executable, "-m", "ingestion", "run", "--target", self.target]
        args += ["--shop-db-url", f"sqlite:///{self.sim_dir / 'shop.sqlite'}"]
        if sources:
            args += ["--source", *sources]
        if full_refresh:
            args.append("--full-refresh")
        if sources and set(sources) <= {"shop"}:
            return run(args, self.env, self.log)  # no API server needed
        token = secrets.token_urlsafe(16)
        # the API server is part of what is measured (its CPU and memory are the source's)
        with measured() as total, server.running(self.sim_dir, token=token) as api_url:
            run(
                [*args, "--api-url", api_url],
                {**self.env, "SOURCES__API_TOKEN": token},
                self.log,
            )
        return total

    def dbt(self, *args: str) -> Sample:
        return run([DBT, *args, "--target", self.target], self.env, self.log)

    def build(self, *args: str) -> Sample:
        """`dbt build` with the microbatch models' event-time window read from the data, as
        the production build passes it (elt/steps.py, build_window_args)."""
        window = steps.build_window_args(args, self.target, self.connection_env)
        return self.dbt("build", *args, *window)
