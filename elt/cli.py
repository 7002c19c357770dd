"""`python -m elt run`: what `make run` does, with progress on the console."""

from __future__ import annotations

import argparse
import os
import secrets
import time
from pathlib import Path

from elt.steps import (
    REPO_ROOT,
    StepFailed,
    banner,
    check_postgres,
    dbt,
    dbt_production_build,
    python,
    run_step,
)
from simulator.server import running


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m elt",
        description="Simulate the sources, ingest them with dlt, build the warehouse with dbt.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run",
        help="full ELT: generate sources (first time), ingest, dbt build, then advance DAYS days",
        description=(
            "Generates the simulated shop (only if SIM_DIR holds no world yet), ingests it, runs "
            "`dbt build`, then advances the world one day at a time, ingesting and building after "
            "each day, and finally runs `dbt docs generate`."
        ),
    )
    run.add_argument(
        "--target",
        choices=("duckdb", "postgres"),
        default=os.environ.get("DBT_TARGET", "duckdb"),
        help="warehouse engine (default: $DBT_TARGET or duckdb)",
    )
    run.add_argument("--preset", default="demo", help="simulator scale preset (default: demo)")
    run.add_argument("--seed", type=int, default=42, help="simulator seed (default: 42)")
    run.add_argument(
        "--days", type=_non_negative, default=3, help="days to advance after the first load"
    )
    run.add_argument(
        "--sim-dir",
        type=Path,
        default=Path(os.environ.get("SIM_DIR", REPO_ROOT / ".sim")),
        help="where the simulated source systems live (default: $SIM_DIR or .sim)",
    )
    return parser


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


def _cycle(label: str, target: str, sim_dir: Path) -> None:
    """Ingest everything new from the sources, then build and test the warehouse."""
    # The simulated APIs get a fresh token per run, handed to ingestion the way a real secret
    # would be (environment), so no credential is ever written down.
    token = secrets.token_urlsafe(24)
    with running(sim_dir, token=token) as api_url:
        run_step(
            f"Ingesting with dlt into {target} ({label})",
            python(
                "-m",
                "ingestion",
                "run",
                "--target",
                target,
                "--shop-db-url",
                f"sqlite:///{(sim_dir / 'shop.sqlite').resolve()}",
                "--api-url",
                api_url,
            ),
            env={"SOURCES__API_TOKEN": token},
        )
    run_step(
        f"dbt build on {target} ({label}; unit tests run in CI, not in production)",
        dbt_production_build("--target", target),
    )


def _summary(target: str) -> None:
    banner("Done")
    if target == "duckdb":
        print(f"    Warehouse (DuckDB): {os.environ.get('DUCKDB_PATH', 'warehouse.duckdb')}")
    else:
        print(f"    Warehouse (Postgres): {os.environ['PGHOST']}/{os.environ['PGDATABASE']}")
    target_path = Path(os.environ.get("DBT_TARGET_PATH", REPO_ROOT / "target"))
    log_path = Path(os.environ.get("DBT_LOG_PATH", REPO_ROOT / "logs"))
    print(f"    Docs site:          {target_path / 'index.html'}")
    print(f"    dbt logs:           {log_path / 'dbt.log'}")
    print("    Browse lineage:     make docs   (dbt docs serve on http://127.0.0.1:8080)")
    print("    Query the marts:    schema `marts` (dim_customers, fct_orders, ...)")


def run(args: argparse.Namespace) -> None:
    started = time.monotonic()
    os.environ["DBT_TARGET"] = args.target
    if args.target == "postgres":
        check_postgres()
    sim_dir: Path = args.sim_dir
    if (sim_dir / "state.json").exists():
        banner(f"Reusing the simulated world in {sim_dir} (delete it to start over)")
    else:
        run_step(
            f"Generating the simulated shop ({args.preset}, seed {args.seed}) in {sim_dir}",
            python(
                "-m",
                "simulator",
                "generate",
                "--preset",
                args.preset,
                "--seed",
                str(args.seed),
                "--dir",
                str(sim_dir),
            ),
        )
    _cycle("sources as they are now", args.target, sim_dir)
    for day in range(1, args.days + 1):
        run_step(
            f"Advancing the simulated world by one day ({day}/{args.days})",
            python("-m", "simulator", "advance", "--days", "1", "--dir", str(sim_dir)),
        )
        _cycle(f"day {day}/{args.days}", args.target, sim_dir)
    # --no-compile keeps the last build's run_results.json (the BI data-health page reads it).
    run_step(
        "dbt docs generate",
        dbt("docs", "generate", "--no-compile", "--target", args.target),
    )
    _summary(args.target)
    print(f"    Total time:         {time.monotonic() - started:.0f}s")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        run(args)
    except StepFailed as exc:
        print(f"\nERROR: {exc}", flush=True)
        return 1
    return 0
