"""Command line: `python -m simulator {generate,advance,serve,truth} ...`."""

from __future__ import annotations

import argparse
import json
import sys

from . import truth
from .evolve import advance
from .faults import KINDS, Faults
from .generate import generate, stderr_progress
from .presets import PRESETS, get_preset
from .server import DEFAULT_PORT, serve
from .state import NotGeneratedError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _preset_name(text: str) -> str:
    try:
        return get_preset(text).name
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return int(text)


def _port(text: str) -> int:
    value = _non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"port out of range: {value}")
    return value


def _faults(text: str) -> str:
    try:
        Faults.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="A deterministic simulated online retailer: "
        "shop database + events/marketing APIs.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    dir_help = "world directory (default: $SIM_DIR, else .sim under the current directory)"

    g = sub.add_parser(
        "generate", help="create a new world with its history (replaces an existing one)"
    )
    g.add_argument(
        "--preset",
        required=True,
        type=_preset_name,
        help=f"scale preset: {', '.join(PRESETS)}, or <preset>-x<N> for N times its volume",
    )
    g.add_argument(
        "--seed", required=True, type=_non_negative_int, help="random seed (non-negative integer)"
    )
    g.add_argument("--dir", help=dir_help)
    g.add_argument(
        "--postgres-url",
        help="also mirror the shop database into schema `shop` of this Postgres "
        "(postgresql+psycopg2://user:pw@host/db or a libpq URL/DSN)",
    )

    a = sub.add_parser("advance", help="simulate more days")
    a.add_argument("--days", type=_positive_int, default=1, help="number of days (default 1)")
    a.add_argument(
        "--malformed",
        action="store_true",
        help="write one shop row with a wrong-type field (SQLite only)",
    )
    a.add_argument(
        "--drift",
        action="store_true",
        help="add a new column customers.loyalty_tier to the shop database",
    )
    a.add_argument("--dir", help=dir_help)

    s = sub.add_parser("serve", help="serve the events and marketing APIs over HTTP")
    s.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})"
    )
    s.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    s.add_argument(
        "--faults",
        type=_faults,
        default=None,
        help=f"comma list of faults to switch on: {','.join(KINDS)} "
        "(default: $SIM_FAULTS, else none)",
    )
    s.add_argument(
        "--fault-every", type=_positive_int, help="faults hit every Nth API request (default 5)"
    )
    s.add_argument("--slow-seconds", type=float, help="delay of a slow response (default 2)")
    s.add_argument(
        "--retry-after", type=_non_negative_int, help="Retry-After seconds of 429/503 (default 1)"
    )
    s.add_argument("--dir", help=dir_help)

    t = sub.add_parser("truth", help="print ground-truth figures as JSON")
    t.add_argument("figure", choices=sorted(truth.FIGURES), help="which figure")
    t.add_argument("--dir", help=dir_help)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            generate(
                args.preset,
                args.seed,
                args.dir,
                postgres_url=args.postgres_url,
                progress=stderr_progress,
            )
        elif args.command == "advance":
            st = advance(
                args.dir,
                args.days,
                malformed=args.malformed,
                drift=args.drift,
                progress=stderr_progress,
            )
            print(f"simulated through {st.current_date} (exclusive)", file=sys.stderr)
        elif args.command == "serve":
            env = Faults.from_env()
            faults = Faults.parse(
                env.spec() if args.faults is None else args.faults,
                every=args.fault_every or env.every,
                slow_seconds=env.slow_seconds if args.slow_seconds is None else args.slow_seconds,
                retry_after=env.retry_after if args.retry_after is None else args.retry_after,
            )
            serve(args.dir, args.host, args.port, faults)
        else:
            json.dump(truth.FIGURES[args.figure](args.dir), sys.stdout, indent=1, default=str)
            print()
    except (NotGeneratedError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
