"""`python -m ingestion run ...`: exit 0 on success, 1 when a source failed, 2 on bad usage."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ingestion import settings
from ingestion.report import IngestionError
from ingestion.runner import run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingestion",
        description="Load the shop database and the events/marketing APIs into the raw datasets"
        " (raw_shop, raw_web, raw_marketing) of DuckDB or Postgres with dlt.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run_cmd = commands.add_parser(
        "run",
        help="run an incremental load (or a full refresh)",
        description="Extract what changed since the last run, load it, mark hard deletes, and"
        " print loaded / quarantined rows per table. Settings come from .dlt/config.toml,"
        " secrets from .dlt/secrets.toml or the environment (see ingestion/README.md).",
    )
    run_cmd.add_argument(
        "--target",
        choices=settings.TARGETS,
        help="warehouse to load (default: $INGEST_TARGET, else $DBT_TARGET, else duckdb);"
        " duckdb writes $DUCKDB_PATH, postgres connects with the PG* variables",
    )
    run_cmd.add_argument(
        "--source",
        dest="sources",
        action="extend",
        nargs="+",
        choices=settings.SOURCES,
        help="source system(s) to load (default: all three)",
    )
    run_cmd.add_argument(
        "--full-refresh",
        action="store_true",
        help="ignore saved cursors: re-read everything and merge it into raw (rows are never"
        " dropped)",
    )
    run_cmd.add_argument(
        "--shop-db-url", help="SQLAlchemy URL of the shop database (default: sources.shop_db_url)"
    )
    run_cmd.add_argument("--api-url", help="base URL of the APIs (default: sources.api_base_url)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        report = run(
            target=args.target,
            sources=tuple(args.sources or settings.SOURCES),
            full_refresh=args.full_refresh,
            shop_db_url=args.shop_db_url,
            api_url=args.api_url,
        )
    except settings.ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except IngestionError as exc:
        print(exc.report.summary())
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0
