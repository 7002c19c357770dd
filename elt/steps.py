"""The steps of one ELT cycle, each a subprocess so its output streams as it happens."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import psycopg2

REPO_ROOT = Path(__file__).resolve().parent.parent
# The DuckDB warehouse when DUCKDB_PATH is unset (profiles.yml, target duckdb)
DEFAULT_DUCKDB = str(REPO_ROOT / "warehouse.duckdb")


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
    """`dbt build` as the daily production run executes it (see production_build_args), with
    the microbatch models' event-time window read from the warehouse (event_time_window_args).
    Call it after ingestion: the window comes from the data just loaded."""
    return dbt("build", *production_build_args(*args), *build_window_args(args))


# The microbatch models (day batches; docs/incremental.md, "Clickstream and ad spend") and their
# event-time column, and the raw tables whose event times bound the window (add a model and
# its raw table here when it becomes microbatch). dbt's default
# window ends at the wall clock; the simulated world's clock is not it, and a real warehouse
# whose loads stopped for a while must catch up, so the window comes from the data.
MICROBATCH_TABLES = {"marts.fct_ad_spend": "spend_date"}
RAW_EVENT_TIMES = {"raw_marketing.ad_spend": '"date"'}
# Days re-built before the newest day already built: ad spend restates the last 3 days.
MICROBATCH_LOOKBACK_DAYS = 3

Query = Callable[[str], Sequence[tuple]]


def _utc_date(value: object) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _dates(query: Query, table: str, column: str) -> tuple[date | None, date | None]:
    """(earliest, newest) UTC date of `column` in `table`, (None, None) if empty or missing."""
    schema, name = table.split(".")
    exists = query(
        "select count(*) from information_schema.tables"  # noqa: S608 (fixed names)
        f" where table_schema = '{schema}' and table_name = '{name}'"
    )[0][0]
    if not exists:
        return None, None
    low, high = query(f"select min({column}), max({column}) from {table}")[0]  # noqa: S608
    return _utc_date(low), _utc_date(high)


def event_time_window(query: Query, full_refresh: bool = False) -> tuple[date, date] | None:
    """[start, end) of the days the microbatch models rebuild, from the warehouse's data:
      * end: the day after the newest event time in raw (RAW_EVENT_TIMES);
      * start: MICROBATCH_LOOKBACK_DAYS before the oldest "newest day" of the microbatch
        tables (like dbt's lookback, but from the data's clock, so missed builds catch up);
        the earliest event time in raw when one of them is missing or empty, or on a
        --full-refresh (the whole history).
    None when raw holds no events yet (then dbt's defaults apply)."""
    raw = [_dates(query, table, column) for table, column in RAW_EVENT_TIMES.items()]
    newest = [high for _, high in raw if high is not None]
    if not newest:
        return None
    earliest = min(low for low, _ in raw if low is not None)
    built = [_dates(query, table, column)[1] for table, column in MICROBATCH_TABLES.items()]
    if full_refresh or None in built:
        start = earliest
    else:
        start = max(earliest, min(built) - timedelta(days=MICROBATCH_LOOKBACK_DAYS))
    return start, max(newest) + timedelta(days=1)


def event_time_window_args(query: Query, full_refresh: bool = False) -> list[str]:
    """`--event-time-start/--event-time-end` for event_time_window, or [] without one."""
    window = event_time_window(query, full_refresh)
    if window is None:
        return []
    start, end = window
    return ["--event-time-start", start.isoformat(), "--event-time-end", end.isoformat()]


def build_window_args(
    args: Sequence[str], target: str | None = None, env: Mapping[str, str] | None = None
) -> list[str]:
    """event_time_window_args for a `dbt build` with `args` on the warehouse of `target`
    (default: its --target, else $DBT_TARGET), connection variables from `env` (default: the
    process environment); [] when `args` bring their own window or no DuckDB file exists yet."""
    if "--event-time-start" in args:
        return []
    env = os.environ if env is None else env
    if target is None and "--target" in args:
        target = args[list(args).index("--target") + 1]
    target = target or env.get("DBT_TARGET", "duckdb")
    if target != "postgres" and not Path(env.get("DUCKDB_PATH", DEFAULT_DUCKDB)).exists():
        return []
    return event_time_window_args(warehouse_query(target, env), "--full-refresh" in args)


def warehouse_query(target: str | None = None, env: Mapping[str, str] | None = None) -> Query:
    """A read-only query function on the warehouse of `target` (default: $DBT_TARGET), from
    the variables the dbt profile reads (DUCKDB_PATH, PG*), taken from `env` (default: the
    process environment)."""
    env = os.environ if env is None else env
    target = target or env.get("DBT_TARGET", "duckdb")

    def query(sql: str) -> Sequence[tuple]:
        if target == "postgres":
            params = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER",
                      "password": "PGPASSWORD", "dbname": "PGDATABASE"}  # fmt: skip
            dsn = {key: env[name] for key, name in params.items() if env.get(name)}
            with closing(psycopg2.connect(connect_timeout=10, **dsn)) as con, con.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        with duckdb.connect(env.get("DUCKDB_PATH", DEFAULT_DUCKDB), read_only=True) as con:
            return con.execute(sql).fetchall()

    return query


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
