"""`powerlens run`: the pipeline command (see powerlens.pipeline.run)."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import traceback
from pathlib import Path

from powerlens.quality.suites import GateSettings


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="preflight, build, validate and publish the warehouse",
        description="Check the raw files, build staging into a new DuckDB file, run the quality "
                    "gate, build the marts and Python models, then publish: swap the new file in "
                    "and refresh the Parquet export. Nothing is published unless every "
                    "error-severity check passes.")
    parser.add_argument("--raw", type=Path, default=Path("data/raw"),
                        help="folder of raw export files (default: data/raw)")
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse"),
                        help="folder of the published warehouse (default: warehouse)")
    parser.add_argument("--encoding", action="append", metavar="[TABLE=]ENCODING",
                        help="declared encoding of CSV files that are not UTF-8, for all tables "
                             "(gbk) or one table (customers=gbk); repeatable")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="the date the data is as of (YYYY-MM-DD): later dates are rejected "
                             "as future dates and freshness is measured from it (default: today)")
    parser.add_argument("--max-rejected-share", type=float, default=None,
                        help="error when more than this share of a table's raw rows is rejected "
                             f"(default {GateSettings().rejected_share_error})")
    parser.add_argument("--exclude-scoring", action="store_true",
                        help="build the SQL warehouse only: leave out the Python churn and value "
                             "scoring models and the marts that read them (benchmarks, a quick "
                             "rebuild after a staging fix)")
    parser.add_argument("--full-refresh", action="store_true",
                        help="rebuild everything from the raw files; by default a run continues "
                             "the published build when only raw files changed, staging only "
                             "the new or changed files (docs/incremental.md)")
    parser.add_argument("--target", choices=("duckdb", "spark"), default="duckdb",
                        help="the engine: duckdb (default; one file, monthly runs continue the "
                             "published build) or spark (local Apache Spark through dbt-spark, "
                             "full builds; needs `scripts/setup.sh --spark`, docs/spark.md)")
    parser.add_argument("--keep-runs", type=int, default=5,
                        help="run folders (logs, data docs) to keep (default 5)")
    parser.add_argument("--debug", action="store_true",
                        help="show a traceback on an unexpected internal error")
    parser.set_defaults(func=run_command)

    retry = subparsers.add_parser(
        "publish", help="publish the build a run kept when the warehouse was busy (exit 6)",
        description="A run whose publish found the published file locked by a read-write "
                    "connection stops with exit 6 and keeps its build. Once that reader has "
                    "gone, this publishes the kept build, if no other run has published since.")
    retry.add_argument("--warehouse", type=Path, default=Path("warehouse"),
                       help="folder of the published warehouse (default: warehouse)")
    retry.set_defaults(func=publish_command)


def publish_command(args: argparse.Namespace) -> int:
    from powerlens.pipeline.run import RunFailed, retry_publish
    from powerlens.pipeline.scrub import scrub

    try:
        outcome = retry_publish(args.warehouse, say=lambda line: print(line, flush=True))
    except RunFailed as failure:
        print(f"powerlens publish: {failure}", file=sys.stderr)
        return failure.exit_code
    except Exception as exc:  # an internal fault: one clear line
        print(f"powerlens publish: internal error: {type(exc).__name__}: {scrub(str(exc))}",
              file=sys.stderr)
        return 1
    print(f"powerlens publish: published run {outcome.run_id} as {args.warehouse / 'current'}")
    return 0


def run_command(args: argparse.Namespace) -> int:
    # imported here so `powerlens --help` does not load dbt, DuckDB and Great Expectations
    from powerlens.pipeline.run import RunOptions, run_pipeline
    from powerlens.pipeline.scrub import scrub
    from powerlens.quality.preflight import parse_encodings

    try:
        encodings = parse_encodings(args.encoding)
    except ValueError as exc:
        print(f"powerlens run: {exc}", file=sys.stderr)
        return 2
    settings = GateSettings()
    if args.max_rejected_share is not None:
        settings = GateSettings(rejected_share_error=args.max_rejected_share)
    options = RunOptions(raw_dir=args.raw, warehouse_dir=args.warehouse, encodings=encodings,
                         as_of=args.as_of, settings=settings, keep_runs=args.keep_runs,
                         exclude_scoring=args.exclude_scoring,
                         full_refresh=args.full_refresh)
    runner = run_pipeline
    if args.target == "spark":
        from powerlens.pipeline.spark_run import run_on_spark
        runner = run_on_spark
    try:
        outcome = runner(options, say=lambda line: print(line, flush=True))
    except Exception as exc:  # an internal fault: one clear line, the traceback only on request
        if args.debug:
            traceback.print_exc()
        print(f"powerlens run: internal error: {type(exc).__name__}: {scrub(str(exc))} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return 1
    for warning in outcome.warnings:
        print(f"warning: {warning}")
    if outcome.exit_code:
        print(f"powerlens run {outcome.run_id} FAILED: {outcome.message}\n"
              f"  run folder: {outcome.run_dir}", file=sys.stderr)
    else:
        readers = ("Spark session on current/spark, docs/spark.md" if args.target == "spark"
                   else "analysts: current/powerlens.duckdb, BI tools: current/parquet/")
        print(f"powerlens run {outcome.run_id}: published {args.warehouse / 'current'} "
              f"({readers}; {len(outcome.warnings)} warning(s))")
    return outcome.exit_code
