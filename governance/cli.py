"""`python -m governance {roles,erase}`: exit 0 on success, 1 on failure, 2 on bad usage."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from governance.config import GovernanceError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m governance",
        description="Warehouse governance: Postgres roles and grants, erasure requests.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "roles",
        help="create/update the loader, transformer and bi_reader roles on Postgres (idempotent)",
        description=(
            "Connects as an administrator with the PG* variables. Role names from LOADER_ROLE, "
            "TRANSFORMER_ROLE, BI_READER_ROLE (defaults loader, transformer, bi_reader); "
            "passwords from LOADER_PASSWORD, TRANSFORMER_PASSWORD, BI_READER_PASSWORD (a role "
            "without one is NOLOGIN). Safe to run again at any time."
        ),
    )
    erase = commands.add_parser(
        "erase",
        help="erase one customer from raw, snapshots and every model; audit-logged",
        description=(
            "Deletes the customer from raw (orders are kept, detached), snapshots and dbt's "
            "schemas, adds them to the suppression list that ingestion applies, records the "
            "request in governance.erasure_log, then rebuilds with dbt build --full-refresh. "
            "DuckDB: DUCKDB_PATH; Postgres: PG* variables of an administrator."
        ),
    )
    erase.add_argument("--customer-id", type=int, required=True, help="the customer's id")
    erase.add_argument(
        "--requested-by",
        help="who asked for the erasure (ticket or person; default: the OS user)",
    )
    erase.add_argument(
        "--target",
        choices=("duckdb", "postgres"),
        default=os.environ.get("DBT_TARGET", "duckdb")
        if os.environ.get("DBT_TARGET") in ("duckdb", "postgres")
        else "duckdb",
        help="warehouse engine (default: $DBT_TARGET or duckdb)",
    )
    erase.add_argument(
        "--no-rebuild",
        action="store_true",
        help="skip `dbt build --full-refresh` (run it yourself before the marts are read)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "roles":
            from governance.roles import setup_roles

            setup_roles()
        else:
            from governance.erasure import erase

            erase(
                args.customer_id,
                requested_by=args.requested_by,
                target=args.target,
                run_rebuild=not args.no_rebuild,
            )
    except GovernanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        # database errors (e.g. the admin lacks a privilege): one line, not a traceback
        if type(exc).__module__.split(".")[0] not in ("psycopg2", "duckdb", "_duckdb"):
            raise
        lines = str(exc).strip().splitlines()
        print(f"error: {type(exc).__name__}: {lines[0] if lines else ''}", file=sys.stderr)
        return 1
    return 0
