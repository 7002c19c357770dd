"""The steps of one ELT cycle, each a subprocess so its output streams as it happens."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2

REPO_ROOT = Path(__file__).resolve().parent.parent


class StepFailed(RuntimeError):
    """A step exited non-zero; its own output already explains why."""


def banner(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def run_step(title: str, args: list[str], env: dict[str, str] | None = None) -> float:
    """Run one command from the repo root, streaming its output; return seconds taken."""
    banner(title)
    started = time.monotonic()
    result = subprocess.run(args, cwd=REPO_ROOT, env={**os.environ, **(env or {})})
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        raise StepFailed(f"{title} failed (exit {result.returncode}) after {elapsed:.1f}s")
    print(f"    done in {elapsed:.1f}s", flush=True)
    return elapsed


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def dbt(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("dbt")), *args]


# The production (daily) build:
#  * everything but unit tests. Unit tests check SQL logic against fixed mock inputs, so their
#    result only changes when the code does: they run in development and CI (`make test`, slim
#    CI), not on every scheduled load (dbt docs, "Unit tests": run them in development and CI).
#  * the data tests of the models whose rows carry a load time check the rows loaded in the last
#    DATA_TEST_WINDOW_DAYS days: each has a `where` on var('data_test_loaded_since')
#    (docs/daily-build.md). Uniqueness, reconciliations and every --full-refresh still check
#    all rows, and so do CI and a plain `dbt build`/`dbt test`.
DATA_TEST_WINDOW_DAYS = 3
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")


def data_test_loaded_since(now: datetime | None = None) -> str:
    """The production test window's start: DATA_TEST_WINDOW_DAYS before `now`, on the hour
    (so the builds of one hour render the same SQL)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=DATA_TEST_WINDOW_DAYS)
    return start.isoformat()


def production_build_args(*args: str, now: datetime | None = None) -> list[str]:
    """PRODUCTION_BUILD_ARGS plus the test window, which a --full-refresh does without."""
    window = (
        []
        if "--full-refresh" in args
        else ["--vars", f"{{data_test_loaded_since: '{data_test_loaded_since(now)}'}}"]
    )
    return [*PRODUCTION_BUILD_ARGS, *window, *args]


def dbt_production_build(*args: str) -> list[str]:
    """`dbt build` as the daily production run executes it (see production_build_args)."""
    return dbt("build", *production_build_args(*args))


def check_postgres() -> None:
    """Fail early, in one clear line, when the Postgres given by the PG* variables is unusable."""
    missing = [name for name in ("PGHOST", "PGUSER", "PGDATABASE") if not os.environ.get(name)]
    if missing:
        raise StepFailed(
            "TARGET=postgres needs PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE; "
            f"not set: {', '.join(missing)}"
        )
    try:
        psycopg2.connect(connect_timeout=5).close()
    except psycopg2.OperationalError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown error"
        where = f"{os.environ['PGUSER']}@{os.environ['PGHOST']}:{os.environ.get('PGPORT', '5432')}"
        raise StepFailed(
            f"cannot connect to Postgres {where}/{os.environ['PGDATABASE']}: {reason}"
        ) from exc


def postgres_grants_env() -> dict[str, str]:
    """BI_READER_ROLE for a production dbt build on Postgres: the BI role gets SELECT on the
    marts through dbt's `grants` config when it exists (governance.roles.dbt_grants_env)."""
    from governance.config import GovernanceError
    from governance.roles import dbt_grants_env

    banner("Grants on the marts")
    try:
        return dbt_grants_env()
    except GovernanceError as exc:
        raise StepFailed(str(exc)) from exc
