"""Slim CI, reproducible locally on DuckDB or Postgres (`make prod-artifacts`, `make ci-slim`).

    python -m elt.slim_ci prod-artifacts   # production: simulate, ingest, dbt build, docs
    python -m elt.slim_ci ci-slim          # build state:modified+ deferring to production
    ... --engine postgres                  # the same on the Postgres server of PG*

`prod-artifacts` builds production from scratch into its own DuckDB file (`PROD_DUCKDB_PATH`,
default `prod-artifacts/prod.duckdb`, dbt target `prod`, catalog `prod`) and saves what pull
requests need in `prod-artifacts/`: the production `manifest.json` (the state CI compares and
defers to), `run_results.json`, `project_vars.json` (the project vars production was built with)
and the docs site (`docs/`).

`ci-slim` builds only what the working tree changed, `state:modified+`, plus the nodes that use a
project var whose value changed (dbt does not see var changes), into a fresh CI database
(`CI_DUCKDB_PATH`, dbt target `ci`) with `--defer --favor-state --state prod-artifacts`: every
unselected parent resolves to its production relation, which the `ci` target reads from the
production file attached read-only under the catalog name `prod`. Raw data is read from that same
catalog (`DBT_RAW_DATABASE=prod`, used by the sources' `database:`).

On Postgres (`--engine postgres`) production is the database `PGDATABASE` (dbt target
`postgres`, the schema names promised to users), and CI builds in that same database, since
Postgres cannot query across databases, under prefixed schemas (target `ci_postgres`:
`<DBT_SCHEMA_PREFIX>_marts`, e.g. `pr_123_marts`; macros/generate_schema_name.sql), which it
drops before each run unless `--keep-ci-database`. Production's schemas are only read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from elt.steps import (
    REPO_ROOT,
    StepFailed,
    banner,
    dbt,
    event_time_window_args,
    postgres_grants_env,
    python,
    run_step,
    warehouse_query,
)

# The catalog production is built under and CI attaches it as (profiles.yml: `prod`, `ci`).
PROD_CATALOG = "prod"
# engine -> (production dbt target, CI dbt target), profiles.yml
TARGETS = {"duckdb": ("prod", "ci"), "postgres": ("postgres", "ci_postgres")}
SCHEMA_PREFIX = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
RELATION_TYPES = ("model", "seed", "snapshot")
VARS_FILE = "project_vars.json"
STATE_FILES = ("manifest.json", "run_results.json", VARS_FILE)
DOCS_FILES = ("index.html", "static_index.html", "manifest.json", "catalog.json")


# --- helpers shared by both commands ------------------------------------------------------------
def _project_dir(args: argparse.Namespace) -> Path:
    return Path(args.project_dir or os.environ.get("DBT_PROJECT_DIR") or REPO_ROOT).resolve()


def _dbt(args: argparse.Namespace, *command: str) -> list[str]:
    project = _project_dir(args)
    profiles = Path(os.environ.get("DBT_PROFILES_DIR") or project).resolve()
    return dbt(*command, "--project-dir", str(project), "--profiles-dir", str(profiles))


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def _duckdb_files(path: Path) -> tuple[Path, Path]:
    return path, path.with_name(path.name + ".wal")


def project_vars(project_dir: Path) -> dict[str, Any]:
    """The `vars:` of dbt_project.yml, flattened: global vars, then this project's scoped vars."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text()) or {}
    raw = config.get("vars") or {}
    flat = {key: value for key, value in raw.items() if key != config.get("name")}
    scoped = raw.get(config.get("name"))
    if isinstance(scoped, dict):
        flat.update(scoped)
    return flat


def changed_vars(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(key for key in old.keys() | new.keys() if old.get(key) != new.get(key))


def _uses_var(code: str, names: Iterable[str]) -> bool:
    return any(
        re.search(r"""\bvar\(\s*['"]""" + re.escape(name) + r"""['"]""", code) for name in names
    )


def var_users(manifest: dict[str, Any], names: list[str]) -> list[str]:
    """Names of the nodes whose code, or any macro they call (recursively), reads one of the vars.

    dbt's state:modified compares code and configs, not the values of the vars the code reads
    (docs: "state comparison caveats"), so CI adds these nodes (and their children) itself.
    """
    if not names:
        return []
    project = manifest.get("metadata", {}).get("project_name")
    readers = {
        uid
        for uid, macro in manifest.get("macros", {}).items()
        if _uses_var(macro.get("macro_sql", ""), names)
    }
    direct = {
        node["name"]
        for node in manifest.get("nodes", {}).values()
        if node.get("package_name") == project and _uses_var(node.get("raw_code") or "", names)
    }
    return sorted(direct.union(_macro_callers(manifest, readers)))


def _macro_callers(manifest: dict[str, Any], called: set[str]) -> set[str]:
    """Names of the project's nodes that call one of the macros, directly or through others."""
    macros = manifest.get("macros", {})
    memo: dict[str, bool] = {}

    def reaches(uid: str, seen: frozenset[str] = frozenset()) -> bool:
        if uid not in memo:
            deps = (macros.get(uid) or {}).get("depends_on", {}).get("macros", [])
            memo[uid] = uid in called or any(
                reaches(dep, seen | {uid}) for dep in deps if dep not in seen
            )
        return memo[uid]

    project = manifest.get("metadata", {}).get("project_name")
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    return {
        node["name"]
        for node in nodes.values()
        if node.get("package_name") == project
        and any(reaches(m) for m in node.get("depends_on", {}).get("macros", []))
    }


def load_state(state: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    manifest_path = state / "manifest.json"
    if not manifest_path.exists():
        raise StepFailed(
            f"no production manifest in {state}: run `make prod-artifacts` (or download the "
            "`prod-artifacts` artifact of the last main build) first"
        )
    manifest = json.loads(manifest_path.read_text())
    vars_path = state / VARS_FILE
    saved_vars = json.loads(vars_path.read_text()) if vars_path.exists() else None
    return manifest, saved_vars


def _prod_database(manifest: dict[str, Any], engine: str) -> str:
    """The database production's relations live in, which CI must be able to read."""
    databases = {
        node["database"]
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in RELATION_TYPES
    }
    if engine == "postgres":
        expected = os.environ.get("PGDATABASE", "")
        if databases != {expected}:
            raise StepFailed(
                f"the production manifest's relations live in {sorted(databases)}, but "
                f"PGDATABASE is {expected!r}: slim CI on Postgres builds inside the production "
                "database (under prefixed schemas), so point PGDATABASE at it"
            )
        return expected
    if databases != {PROD_CATALOG}:
        raise StepFailed(
            f"the production manifest's relations live in {sorted(databases)}, not in the "
            f"`{PROD_CATALOG}` catalog the `ci` target attaches: rebuild it with "
            "`make prod-artifacts` (dbt target `prod`)"
        )
    return PROD_CATALOG


def ci_schemas(manifest: dict[str, Any], prefix: str) -> list[str]:
    """The schemas a CI build with this prefix writes: the prefix itself (models without a
    custom schema) and `<prefix>_<schema>` for each schema production's dbt nodes use."""
    if not SCHEMA_PREFIX.match(prefix):
        raise StepFailed(
            f"DBT_SCHEMA_PREFIX must be a lower-case identifier such as pr_123, got {prefix!r}"
        )
    nodes = manifest.get("nodes", {}).values()
    built = {n["schema"] for n in nodes if n.get("resource_type") in RELATION_TYPES}
    schemas = sorted({prefix} | {f"{prefix}_{name}" for name in built})
    sources = {source["schema"] for source in manifest.get("sources", {}).values()}
    if clash := (built | sources | {"public"}).intersection(schemas):
        raise StepFailed(f"DBT_SCHEMA_PREFIX={prefix} would write into production's {clash}")
    return schemas


def _drop_postgres_schemas(schemas: list[str]) -> None:
    import psycopg2  # the Postgres engine only (dbt-postgres's driver)
    from psycopg2 import sql

    with psycopg2.connect("", connect_timeout=10) as conn, conn.cursor() as cur:  # libpq's PG*
        for schema in schemas:
            cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(schema)))
    conn.close()


# --- prod-artifacts -------------------------------------------------------------------------------
def prod_artifacts(args: argparse.Namespace) -> None:
    started = time.monotonic()
    out: Path = args.out.resolve()
    work: Path = args.work_dir.resolve()
    target = TARGETS[args.engine][0]
    prod_db = Path(os.environ.get("PROD_DUCKDB_PATH") or out / "prod.duckdb").resolve()
    if args.engine == "postgres":
        where = f"the Postgres database {os.environ.get('PGDATABASE', '(PGDATABASE unset)')}"
    elif prod_db.stem != PROD_CATALOG:
        raise StepFailed(
            f"PROD_DUCKDB_PATH must be a file named {PROD_CATALOG}.duckdb (its catalog name is "
            f"what CI attaches and defers to), got {prod_db}"
        )
    else:
        where = f"{prod_db} (catalog `{PROD_CATALOG}`)"
    banner(f"Production build into {where}")
    _remove(work, *(out / name for name in (*STATE_FILES, "docs")))
    if args.engine == "duckdb":
        _remove(*_duckdb_files(prod_db))
        prod_db.parent.mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    target_path = work / "dbt-target"
    env = {
        "SIM_DIR": str(work / "sim"),
        "INGEST_PIPELINES_DIR": str(work / "pipelines"),
        "DBT_TARGET": target,
        "DBT_TARGET_PATH": str(target_path),
        "DBT_LOG_PATH": str(work / "dbt-logs"),
    }
    if args.engine == "duckdb":
        env |= {"DUCKDB_PATH": str(prod_db), "PROD_DUCKDB_PATH": str(prod_db)}
    else:
        env |= postgres_grants_env()  # production: the BI role reads the marts
    os.environ.update(env)  # the steps run with os.environ
    run_step(
        f"Generating the simulated shop ({args.preset}, seed {args.seed})",
        python(
            "-m", "simulator", "generate", "--preset", args.preset, "--seed", str(args.seed),
            "--dir", str(work / "sim"),
        ),
    )  # fmt: skip
    _ingest(work / "sim", args.engine)
    # a first build: the microbatch models' window is the whole history (elt/steps.py)
    window = event_time_window_args(warehouse_query(target), full_refresh=True)
    run_step(f"dbt build (target {target})", _dbt(args, "build", "--target", target, *window))
    for name in ("manifest.json", "run_results.json"):
        shutil.copy2(target_path / name, out / name)
    (out / VARS_FILE).write_text(
        json.dumps(project_vars(_project_dir(args)), indent=2, sort_keys=True, default=str) + "\n"
    )
    run_step(
        f"dbt docs generate (target {target})",
        _dbt(args, "docs", "generate", "--static", "--target", target),
    )
    (out / "docs").mkdir()
    for name in DOCS_FILES:
        if (target_path / name).exists():
            shutil.copy2(target_path / name, out / "docs" / name)
    banner("Production artifacts")
    print(f"    Warehouse:  {where}")
    print(f"    State:      {out}/manifest.json, run_results.json, {VARS_FILE}")
    print(f"    Docs site:  {out}/docs/index.html (self-contained: docs/static_index.html)")
    print(f"    Total time: {time.monotonic() - started:.0f}s")


def _ingest(sim_dir: Path, engine: str) -> None:
    from simulator.server import running  # the simulated APIs (imports uvicorn; only needed here)

    token = secrets.token_urlsafe(24)
    with running(sim_dir, token=token) as api_url:
        run_step(
            f"Ingesting with dlt into production ({engine})",
            python(
                "-m", "ingestion", "run", "--target", engine,
                "--shop-db-url", f"sqlite:///{(sim_dir / 'shop.sqlite').resolve()}",
                "--api-url", api_url,
            ),
            env={"SOURCES__API_TOKEN": token},
        )  # fmt: skip


# --- ci-slim --------------------------------------------------------------------------------------
def selection(args: argparse.Namespace, manifest: dict[str, Any], saved_vars: Any) -> list[str]:
    """state:modified+, plus the nodes (and children) that read a changed var, which dbt's
    state comparison does not see (it compares code and configs, not var values)."""
    extra: set[str] = set()
    if saved_vars is None:
        print(f"    (no {VARS_FILE} in the state: var changes are not detected)")
    else:
        changed = changed_vars(saved_vars, project_vars(_project_dir(args)))
        users = var_users(manifest, changed)
        if changed:
            print(f"    vars changed since production: {', '.join(changed)}")
            print(f"    nodes reading them: {', '.join(users) or 'none'}")
        extra.update(users)
    return ["state:modified+", *(f"{name}+" for name in sorted(extra))]


def ci_slim(args: argparse.Namespace) -> None:
    started = time.monotonic()
    state: Path = args.state.resolve()
    work: Path = args.work_dir.resolve()
    target = TARGETS[args.engine][1]
    manifest, saved_vars = load_state(state)
    raw_database = _prod_database(manifest, args.engine)
    prefix = os.environ.get("DBT_SCHEMA_PREFIX") or "ci"
    schemas = ci_schemas(manifest, prefix)
    env = {
        "DBT_SCHEMA_PREFIX": prefix,
        "DBT_TARGET": target,
        "DBT_TARGET_PATH": os.environ.get("DBT_TARGET_PATH") or str(work),
        "DBT_LOG_PATH": os.environ.get("DBT_LOG_PATH") or str(work / "logs"),
    }
    prod_db = Path(os.environ.get("PROD_DUCKDB_PATH") or state / "prod.duckdb").resolve()
    ci_db = Path(os.environ.get("CI_DUCKDB_PATH") or work / "ci.duckdb").resolve()
    if args.engine == "duckdb":
        if ci_db.stem == PROD_CATALOG:
            raise StepFailed(f"CI_DUCKDB_PATH must not be named {PROD_CATALOG}.duckdb: {ci_db}")
        if not args.list and not prod_db.exists():
            raise StepFailed(
                f"no production warehouse at {prod_db}: run `make prod-artifacts` first"
            )
        env |= {
            "PROD_DUCKDB_PATH": str(prod_db),
            "CI_DUCKDB_PATH": str(ci_db),
            "DBT_RAW_DATABASE": raw_database,
        }
    banner(f"Slim CI against the production state in {state}")
    select = selection(args, manifest, saved_vars)
    os.environ.update(env)
    common = ["--target", target, "--select", *select, "--state", str(state)]
    if args.list:
        run_step(
            "dbt ls: what the slim build would build",
            _dbt(args, "ls", *common, "--resource-type", "all", "--output", "json",
                 "--output-keys", "unique_id"),
        )  # fmt: skip
        return
    if args.engine == "postgres":
        into = f"schemas {prefix}_* of {raw_database}"
        if not args.keep_ci_database:
            _drop_postgres_schemas(schemas)
    else:
        into = ci_db.name
        if not args.keep_ci_database:
            _remove(*_duckdb_files(ci_db))
        ci_db.parent.mkdir(parents=True, exist_ok=True)
    # a microbatch model built here is new in the CI database: its whole history, from the
    # production raw tables (elt/steps.py)
    prod_env = {**os.environ, "DUCKDB_PATH": str(prod_db)} if args.engine == "duckdb" else None
    window = event_time_window_args(warehouse_query(TARGETS[args.engine][0], prod_env), True)
    run_step(
        f"dbt build {' '.join(select)} into {into}, deferring to production",
        _dbt(args, "build", *common, "--defer", "--favor-state", *window),
    )
    _summary(Path(os.environ["DBT_TARGET_PATH"]) / "run_results.json")
    if args.engine == "postgres":
        print(f"    CI schemas:  {', '.join(schemas)} in {raw_database}")
    else:
        print(f"    CI database: {ci_db} (attach {prod_db} AS {PROD_CATALOG} to query its views)")
    print(f"    Total time:  {time.monotonic() - started:.0f}s")


def _summary(run_results: Path) -> None:
    results = json.loads(run_results.read_text())["results"] if run_results.exists() else []
    banner(f"Slim build: {len(results)} node(s) built or tested")
    if not results:
        print("    Nothing changed since production: nothing to build.")
    by_type: dict[str, int] = {}
    for result in results:
        kind = result["unique_id"].split(".")[0]
        by_type[kind] = by_type.get(kind, 0) + 1
    for kind, count in sorted(by_type.items()):
        print(f"    {kind:10s} {count}")


# --- command line ---------------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m elt.slim_ci", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--project-dir", help="dbt project (default: $DBT_PROJECT_DIR or the repo root)"
    )
    parser.add_argument(
        "--engine", choices=sorted(TARGETS), default="duckdb",
        help="duckdb (default: files under prod-artifacts/ and target/ci-slim/) or postgres "
        "(the database of PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)
    prod = sub.add_parser("prod-artifacts", help="production build and its artifacts")
    prod.add_argument("--out", type=Path, default=REPO_ROOT / "prod-artifacts")
    prod.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / "target" / "prod-build",
        help="simulated sources, dlt state, dbt target and logs of the build (recreated)",
    )  # fmt: skip
    prod.add_argument("--preset", default="demo", help="simulator preset (default: demo)")
    prod.add_argument("--seed", type=int, default=42)
    slim = sub.add_parser("ci-slim", help="build state:modified+ deferring to production")
    slim.add_argument(
        "--state", type=Path, default=REPO_ROOT / "prod-artifacts",
        help="production state: manifest.json, project_vars.json (default prod-artifacts/)",
    )  # fmt: skip
    slim.add_argument(
        "--work-dir", type=Path, default=REPO_ROOT / "target" / "ci-slim",
        help="CI database, dbt target and logs (default target/ci-slim)",
    )  # fmt: skip
    slim.add_argument(
        "--keep-ci-database", action="store_true",
        help="reuse the CI database (Postgres: the CI schemas) of the previous run (default: "
        "start from empty)",
    )  # fmt: skip
    slim.add_argument("--list", action="store_true", help="only list what would be built")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        prod_artifacts(args) if args.command == "prod-artifacts" else ci_slim(args)
    except StepFailed as exc:
        print(f"\nERROR: {exc}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
