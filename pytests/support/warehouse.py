"""An end-to-end warehouse for tests: a simulated world, dlt ingestion and dbt, all for real.

Every path (simulator state, dlt working dirs, DuckDB file, dbt target and logs) lives under one
temp dir, so tests never touch the developer's `.sim/`, `warehouse.duckdb` or `target/`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Collection
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import psycopg2

import simulator
from elt import steps
from simulator import server

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).with_name("dbt"))
# dbt commands that write run_results.json with one result per node they ran
RUN_RESULTS_COMMANDS = {"build", "test", "run", "snapshot", "seed"}


class CommandFailed(AssertionError):
    """A subprocess failed; the message carries its output so pytest shows why."""


def run_command(args: list[str], env: dict[str, str], check: bool = True):
    result = subprocess.run(
        args, cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        raise CommandFailed(
            f"{' '.join(args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout[-8000:]}\n--- stderr ---\n{result.stderr[-8000:]}"
        )
    return result


@dataclass
class Warehouse:
    """One warehouse (DuckDB file or Postgres database) fed by one simulated world."""

    target: str
    root: Path
    connection_env: dict[str, str]
    preset: str = "tiny"
    seed: int = 7
    # unique_ids of dbt nodes allowed to end in `warn` in every command (see `dbt`)
    expected_warnings: frozenset[str] = frozenset()
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.sim_dir = self.root / "sim"
        self.target_path = self.root / "dbt-target"
        self.env = {
            **self.connection_env,
            "DBT_TARGET": self.target,
            "DBT_PROFILES_DIR": str(REPO_ROOT),
            "DBT_TARGET_PATH": str(self.target_path),
            "DBT_LOG_PATH": str(self.root / "dbt-logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "INGEST_PIPELINES_DIR": str(self.root / "pipelines"),
            "SIM_DIR": str(self.sim_dir),
            # dbt grants SELECT on the marts to BI_READER_ROLE when set (dbt_project.yml): none
            # unless a test sets it, whatever the developer's shell exports
            "BI_READER_ROLE": "",
        }

    # --- the ELT steps ---------------------------------------------------------------------
    def generate(self) -> None:
        simulator.generate(self.preset, seed=self.seed, directory=self.sim_dir)

    def advance(self, days: int = 1) -> None:
        simulator.advance(self.sim_dir, days=days)

    def ingest(self, *extra: str, faults: str | None = None, check: bool = True):
        token = secrets.token_urlsafe(16)
        with server.running(self.sim_dir, faults=faults, token=token) as api_url:
            return run_command(
                [
                    sys.executable,
                    "-m",
                    "ingestion",
                    "run",
                    "--target",
                    self.target,
                    "--shop-db-url",
                    f"sqlite:///{self.sim_dir / 'shop.sqlite'}",
                    "--api-url",
                    api_url,
                    *extra,
                ],
                {**self.env, "SOURCES__API_TOKEN": token},
                check=check,
            )

    def dbt(self, *args: str, check: bool = True, expect_warnings: Collection[str] = ()):
        """Run dbt. A command that writes run_results.json (build, test, run, snapshot, seed)
        raises CommandFailed when a node ends in `warn` and its unique_id is neither in
        `expect_warnings` nor in `self.expected_warnings`: warnings must be loud in the suite.
        (Also with check=False: that lets a command fail, not warn unnoticed.)"""
        results = self.target_path / "run_results.json"
        before = results.stat().st_mtime_ns if results.exists() else None
        result = run_command([DBT, *args, "--target", self.target], self.env, check=check)
        command = next((a for a in args if not a.startswith("-")), None)
        if (
            command in RUN_RESULTS_COMMANDS
            and results.exists()
            and results.stat().st_mtime_ns != before
        ):
            allowed = {*self.expected_warnings, *expect_warnings}
            warned = sorted(
                r["unique_id"]
                for r in json.loads(results.read_text())["results"]
                if r["status"] == "warn" and r["unique_id"] not in allowed
            )
            if warned:
                raise CommandFailed(
                    f"dbt {' '.join(args)} warned on nodes not expected to warn: {warned}\n"
                    f"--- stdout ---\n{result.stdout[-8000:]}"
                )
        return result

    def build(self, *args: str, expect_warnings: Collection[str] = ()):
        """`dbt build` with the microbatch models' event-time window read from the data, as
        the production build passes it (elt/steps.py, build_window_args), unless `args`
        bring their own."""
        window = steps.build_window_args(args, self.target, self.connection_env)
        return self.dbt("build", *args, *window, expect_warnings=expect_warnings)

    def cycle(self) -> None:
        """Ingest what is new, then `dbt build`."""
        self.ingest()
        self.build()

    # --- reading the warehouse --------------------------------------------------------------
    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple]:
        if self.target == "duckdb":
            with duckdb.connect(self.connection_env["DUCKDB_PATH"], read_only=True) as con:
                return con.execute(sql, list(params)).fetchall()
        with (
            closing(psycopg2.connect(**_libpq(self.connection_env))) as con,
            con.cursor() as cur,
        ):
            cur.execute(sql, params or None)
            return cur.fetchall()

    def execute(self, sql: str) -> None:
        """Run one statement that changes the warehouse (tests planting data), committed."""
        if self.target == "duckdb":
            with duckdb.connect(self.connection_env["DUCKDB_PATH"]) as con:
                con.execute(sql)
            return
        with closing(psycopg2.connect(**_libpq(self.connection_env))) as con:
            with con.cursor() as cur:
                cur.execute(sql)
            con.commit()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self.query(sql, params)[0][0]

    def clone(self, root: Path, pg=None) -> Warehouse:
        """A copy of this warehouse with its world and dlt state, independent of this one: the
        DuckDB file is copied; a Postgres database is copied inside the server `pg` (a
        database created from it as template: nobody may be connected to it meanwhile)."""
        shutil.copytree(self.root, root, ignore=shutil.ignore_patterns("dbt-target", "dbt-logs"))
        if self.target == "duckdb":
            return duckdb_warehouse(root, preset=self.preset, seed=self.seed)
        database = f"clone_{secrets.token_hex(6)}"  # a fresh one per clone, never reused
        pg.create_database(database, template=self.connection_env["PGDATABASE"])
        return Warehouse(
            "postgres", root, {**pg.env, "PGDATABASE": database}, preset=self.preset, seed=self.seed
        )


def _libpq(env: dict[str, str]) -> dict[str, str]:
    return {
        "host": env["PGHOST"],
        "port": env["PGPORT"],
        "user": env["PGUSER"],
        "password": env["PGPASSWORD"],
        "dbname": env["PGDATABASE"],
    }


def duckdb_warehouse(root: Path, **kwargs: Any) -> Warehouse:
    root.mkdir(parents=True, exist_ok=True)
    return Warehouse("duckdb", root, {"DUCKDB_PATH": str(root / "warehouse.duckdb")}, **kwargs)


def postgres_warehouse(root: Path, pg, database: str, **kwargs: Any) -> Warehouse:
    """A warehouse in its own database on the suite's Postgres server `pg`."""
    root.mkdir(parents=True, exist_ok=True)
    pg.create_database(database)
    return Warehouse("postgres", root, {**pg.env, "PGDATABASE": database}, **kwargs)
