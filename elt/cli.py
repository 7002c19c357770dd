"""`python -m elt run`: what `make run` does, with progress on the console."""

from __future__ import annotations

import argparse
import os
import secrets
import time
from pathlib import Path

from elt.console import Summary, run_logged
from elt.steps import (
    REPO_ROOT,
    StepFailed,
    banner,
    check_postgres,
    dbt,
    dbt_production_build,
    postgres_grants_env,
    python,
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
    run.add_argument(
        "--verbose",
        action="store_true",
        default=os.environ.get("VERBOSE", "") not in ("", "0"),
        help="stream the full dlt and dbt output (default: $VERBOSE; it always goes to logs/)",
    )
    return parser


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be >= 0")
    return value


class Run:
    """The steps of one `elt run`, their logs under logs/ and what the summary needs."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.log_dir = Path(os.environ.get("DBT_LOG_PATH", REPO_ROOT / "logs"))
        self.target_path = Path(os.environ.get("DBT_TARGET_PATH", REPO_ROOT / "target"))
        self.summary = Summary()

    def step(
        self, title: str, args: list[str], log: str, env: dict[str, str] | None = None
    ) -> list[str]:
        lines, seconds = run_logged(
            title, args, REPO_ROOT, self.log_dir / log, env or {}, self.args.verbose
        )
        self.summary.steps.append((title, seconds))
        return lines

    def cycle(self, label: str) -> None:
        """Ingest everything new from the sources, then build and test the warehouse."""
        target, sim_dir = self.args.target, self.args.sim_dir
        # The simulated APIs get a fresh token per run, handed to ingestion the way a real
        # secret would be (environment), so no credential is ever written down.
        token = secrets.token_urlsafe(24)
        with running(sim_dir, token=token) as api_url:
            lines = self.step(
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
                "dlt.log",
                env={"SOURCES__API_TOKEN": token},
            )
        for line in lines:
            self.summary.add_ingestion(line)
        self.step(
            f"dbt build on {target} ({label}; unit tests run in CI, not in production)",
            dbt_production_build("--target", target),
            "dbt-console.log",
        )
        self.summary.add_build(label, self.target_path / "run_results.json")

    def report(self, elapsed: float) -> None:
        banner("Summary")
        s = self.summary
        width = max([len("table"), *(len(t) for t in s.rows)])
        print(f"    {'table':<{width}}  {'loaded':>9}  {'quarantined':>11}  {'hard_deleted':>12}")
        for table, row in sorted(s.rows.items()):
            print(
                f"    {table:<{width}}  {row['loaded']:>9}  {row['quarantined']:>11}"
                f"  {row['hard_deleted']:>12}"
            )
        for build in s.builds:
            print(f"    {build}")
        print(f"    warnings: {len(s.warnings)}")
        for warning in s.warnings:
            print(f"      WARN {warning}")
        for title, seconds in s.steps:
            print(f"    {seconds:6.1f}s  {title}")
        if self.args.target == "duckdb":
            print(f"    Warehouse (DuckDB): {os.environ.get('DUCKDB_PATH', 'warehouse.duckdb')}")
        else:
            print(f"    Warehouse (Postgres): {os.environ['PGHOST']}/{os.environ['PGDATABASE']}")
        print(f"    Docs site:          {self.target_path / 'index.html'}")
        print(f"    Full logs:          {self.log_dir} (dlt.log, dbt-console.log, dbt.log)")
        print("    Browse lineage:     make docs   (dbt docs serve on http://127.0.0.1:8080)")
        print("    Query the marts:    schema `marts` (dim_customers, fct_orders, ...)")
        print(f"    Total time:         {elapsed:.0f}s")


def run(args: argparse.Namespace) -> None:
    started = time.monotonic()
    os.environ["DBT_TARGET"] = args.target
    if args.target == "postgres":
        check_postgres()
        os.environ.update(postgres_grants_env())  # dbt's steps run with os.environ
    elt = Run(args)
    sim_dir: Path = args.sim_dir
    if (sim_dir / "state.json").exists():
        banner(f"Reusing the simulated world in {sim_dir} (delete it to start over)")
    else:
        elt.step(
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
            "simulator.log",
        )
    elt.cycle("sources as they are now")
    for day in range(1, args.days + 1):
        elt.step(
            f"Advancing the simulated world by one day ({day}/{args.days})",
            python("-m", "simulator", "advance", "--days", "1", "--dir", str(sim_dir)),
            "simulator.log",
        )
        elt.cycle(f"day {day}/{args.days}")
    # --no-compile keeps the last build's run_results.json (the BI data-health page reads it).
    elt.step(
        "dbt docs generate",
        dbt("docs", "generate", "--no-compile", "--target", args.target),
        "dbt-console.log",
    )
    elt.report(time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        run(args)
    except StepFailed as exc:
        print(f"\nERROR: {exc}", flush=True)
        return 1
    return 0
