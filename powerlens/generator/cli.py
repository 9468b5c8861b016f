"""`powerlens generate`: write a synthetic utility's raw export (the raw data contract)."""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path


def _month(value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {value!r}")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "generate", help="generate synthetic raw data (customers, readings, bills, payments, service)",
        description="Generate a synthetic utility's raw export into DIR, one file per raw table.")
    parser.add_argument("--customers", type=int, required=True, help="number of accounts")
    parser.add_argument("--start", type=_month, required=True, help="first month, YYYY-MM")
    parser.add_argument("--months", type=int, required=True, help="number of months")
    parser.add_argument("--seed", type=int, default=0, help="random seed (same seed, same bytes)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--format", dest="file_format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--interval-months", type=int, default=3,
                        help="months (at the end) with 15-minute loads for interval-metered customers")
    parser.add_argument("--billing-error-rate", type=float, default=0.003,
                        help="share of bills with one planted billing error (truth in DIR/_truth/)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    parser.set_defaults(func=run)

    split = subparsers.add_parser(
        "split-months", help="rewrite a raw folder as one file per table and month",
        description="Rewrite a raw folder (one file per table) as a utility's monthly exports: "
                    "<table>/<YYYY-MM>.<ext> for the monthly tables, snapshot files for customers "
                    "and programme enrolments (docs/incremental.md).")
    split.add_argument("--raw", type=Path, required=True, help="folder written by generate")
    split.add_argument("--out", type=Path, required=True, help="output folder")
    split.add_argument("--through", type=_month, default=None,
                       help="the export as it stood at the end of this month (YYYY-MM)")
    split.set_defaults(func=run_split)


def run_split(args: argparse.Namespace) -> int:
    from powerlens.generator.layout import split_by_month

    written = split_by_month(args.raw, args.out, args.through)
    print(json.dumps({"out": str(args.out), "files": len(written)}))
    return 0


def run(args: argparse.Namespace) -> int:
    from powerlens.generator.core import GeneratorOptions, generate

    if args.customers <= 0 or args.months <= 0:
        print("generate: --customers and --months must be positive", file=sys.stderr)
        return 2
    rows = generate(GeneratorOptions(
        customers=args.customers, start=args.start, months=args.months, seed=args.seed, out=args.out,
        file_format=args.file_format, interval_months=args.interval_months,
        billing_error_rate=args.billing_error_rate, progress=not args.quiet))
    print(json.dumps({"out": str(args.out), "rows": rows}))
    return 0
