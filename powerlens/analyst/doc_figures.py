"""`powerlens doc-figures`: the figures the docs quote, re-run against a warehouse.

A figure in a doc is a fenced ```sql block followed by the Markdown table it produced. `--check`
(the default) runs every query read-only and compares its result with the table cell by cell
(numbers by value, so `1,640.90` equals 1640.9; an empty cell is NULL); `--update` rewrites the
tables from the warehouse. tests/python/test_doc_figures.py checks the docs against the test
suite's sample, so a figure that a fresh build does not reproduce fails CI.
"""
from __future__ import annotations

import argparse
import datetime as dt
import decimal
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS = REPO_ROOT / "docs"
MISMATCH = 1
NUMBER_TOLERANCE = 1e-9


@dataclass
class Figure:
    document: Path
    sql: str
    sql_line: int  # 1-based line of the ```sql fence
    table_start: int  # 0-based index of the table's header line
    table_end: int  # 0-based index one past the table's last line
    header: list[str]
    rows: list[list[str]]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def figures_in(document: Path) -> list[Figure]:
    """Every ```sql block of the document that a table follows (blank lines between allowed)."""
    lines = document.read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        if lines[index].strip() != "```sql":
            index += 1
            continue
        fence = index
        index += 1
        sql_lines = []
        while index < len(lines) and lines[index].strip() != "```":
            sql_lines.append(lines[index])
            index += 1
        index += 1
        while index < len(lines) and not lines[index].strip():
            index += 1
        table_start = index
        while index < len(lines) and lines[index].lstrip().startswith("|"):
            index += 1
        table = lines[table_start:index]
        if len(table) >= 2:
            found.append(Figure(document, "\n".join(sql_lines), fence + 1, table_start, index,
                                _cells(table[0]), [_cells(line) for line in table[2:]]))
    return found


def _parsed_cell(cell: str):
    if cell == "":
        return None
    if cell in ("True", "False"):
        return cell == "True"
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return cell


def _same(cell: str, value) -> bool:
    expected = _parsed_cell(cell)
    if cell == "" and value == "":
        return True
    if value is None or expected is None:
        return value is None and expected is None
    if isinstance(value, bool) or isinstance(expected, bool):
        return value == expected
    if isinstance(value, (int, float, decimal.Decimal)) and isinstance(expected, float):
        return abs(float(value) - expected) <= NUMBER_TOLERANCE * max(1.0, abs(expected))
    return format_value(value) == cell


def format_value(value) -> str:
    """How --update writes a value: NULL empty, whole numbers without a decimal point, the rest as
    the query rounded them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, decimal.Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).replace("|", "\\|")


def differences(figure: Figure, con: duckdb.DuckDBPyConnection) -> list[str]:
    """What differs between the figure's table and its query's result, one line per difference."""
    where = f"{figure.document.name}:{figure.sql_line}"
    try:
        cursor = con.execute(figure.sql)
    except duckdb.Error as error:
        return [f"{where}: the query fails: {error}"]
    columns = [column[0] for column in cursor.description]
    result = cursor.fetchall()
    if columns != figure.header:
        return [f"{where}: columns {figure.header} in the doc, {columns} from the query"]
    found = []
    if len(result) != len(figure.rows):
        found.append(f"{where}: {len(figure.rows)} rows in the doc, {len(result)} from the query")
    for number, (row, cells) in enumerate(zip(result, figure.rows), start=1):
        for column, value, cell in zip(columns, row, cells):
            if not _same(cell, value):
                found.append(f"{where}: row {number}, {column}: {cell!r} in the doc, "
                             f"{format_value(value)!r} from the warehouse")
    return found


def rendered_table(figure: Figure, con: duckdb.DuckDBPyConnection) -> list[str]:
    cursor = con.execute(figure.sql)
    columns = [column[0] for column in cursor.description]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(format_value(value) for value in row) + " |"
              for row in cursor.fetchall()]
    return lines


def update(document: Path, con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite the document's figure tables from the warehouse; returns how many changed."""
    lines = document.read_text(encoding="utf-8").splitlines()
    changed = 0
    for figure in reversed(figures_in(document)):  # from the end: earlier indexes stay valid
        new = rendered_table(figure, con)
        if lines[figure.table_start:figure.table_end] != new:
            lines[figure.table_start:figure.table_end] = new
            changed += 1
    document.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


def documents(paths: list[str] | None) -> list[Path]:
    if paths:
        return [Path(path) for path in paths]
    return [path for path in sorted(DOCS.glob("*.md")) if figures_in(path)]


def run(args: argparse.Namespace) -> int:
    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        if args.update:
            for document in documents(args.docs):
                print(f"{document}: {update(document, con)} tables rewritten")
            return 0
        checked, found = 0, []
        for document in documents(args.docs):
            for figure in figures_in(document):
                checked += 1
                found += differences(figure, con)
    for line in found:
        print(line, file=sys.stderr)
    print(f"{checked} figures checked, {len(found)} differences")
    return MISMATCH if found else 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "doc-figures", help="check (or rewrite) the docs' figure tables against a warehouse",
        description="Run the ```sql block above every figure table in docs/ against a warehouse "
                    "file (read-only) and report cells that differ; --update rewrites the tables.")
    parser.add_argument("--warehouse", type=Path, required=True,
                        help="DuckDB file built from the docs' sample (see each doc's figures section)")
    parser.add_argument("--update", action="store_true", help="rewrite the tables from the warehouse")
    parser.add_argument("docs", nargs="*", help="Markdown files (default: every doc with figures)")
    parser.set_defaults(func=run)
