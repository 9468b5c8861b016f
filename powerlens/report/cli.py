"""`powerlens report`: the six-chapter report as HTML and PowerPoint from the published warehouse."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb

from powerlens.pipeline.publish import analyst_file
from powerlens.report import html_page, pptx_deck
from powerlens.report.outline import build_report
from powerlens.report.sections import ReportMonthError, last_complete_month

USAGE_ERROR = 2


def output_names(lang: str) -> tuple[str, str]:
    """report.html / report.pptx in Chinese (the default), report.en.html / report.en.pptx in English."""
    stem = "report" if lang == "zh" else f"report.{lang}"
    return f"{stem}.html", f"{stem}.pptx"


def warehouse_file(path: Path) -> Path:
    """A warehouse folder means its published analysts' file; a file is read as it is."""
    return analyst_file(path) if path.is_dir() else path


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM month: {text}") from error


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="render the six-chapter report (HTML and PowerPoint) from the warehouse",
        description="Render the Electric Power Customer Behaviour Analysis Report from the marts: "
                    "report.html (self-contained, opens offline) and report.pptx (one slide per "
                    "section, native charts); with --lang en report.en.html and report.en.pptx. "
                    "docs/report.md.")
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse"),
                        help="warehouse folder (reads current/powerlens.duckdb) or a DuckDB file "
                             "(default: warehouse)")
    parser.add_argument("--month", type=_month,
                        help="report month YYYY-MM (default: the last complete month of the data)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default zh)")
    parser.add_argument("--out", type=Path, default=Path("warehouse/report"),
                        help="output folder (default: warehouse/report)")
    parser.set_defaults(func=run)


def write_report(database: Path, out: Path, lang: str, month: dt.date | None = None) -> tuple[Path, Path]:
    with duckdb.connect(str(database), read_only=True) as con:
        report = build_report(con, month or last_complete_month(con), lang)
    out.mkdir(parents=True, exist_ok=True)
    html_name, pptx_name = output_names(lang)
    html_path, pptx_path = out / html_name, out / pptx_name
    html_path.write_text(html_page.render(report), encoding="utf-8")
    pptx_deck.render(report, pptx_path)
    return html_path, pptx_path


def run(args) -> int:
    database = warehouse_file(args.warehouse)
    if not database.is_file():
        print(f"report: no warehouse file at {database} (build and publish first: powerlens run)",
              file=sys.stderr)
        return USAGE_ERROR
    try:
        html_path, pptx_path = write_report(database, args.out, args.lang, args.month)
    except ReportMonthError as error:
        print(f"report: {error}", file=sys.stderr)
        return USAGE_ERROR
    except duckdb.CatalogException as error:
        # a warehouse built by an older version lacks a mart a section reads
        print(f"report: {database} lacks a table the report reads; rebuild it with this version "
              f"(powerlens run). {str(error).splitlines()[0]}", file=sys.stderr)
        return USAGE_ERROR
    print(f"report written: {html_path} and {pptx_path}")
    return 0
