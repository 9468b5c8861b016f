"""Monthly raw layout: one file per table and month, as a utility's monthly exports arrive.

`powerlens generate` writes one file per table. A utility's systems export month by month
instead, and `powerlens run` processes only the files that are new or changed since the last
published build (docs/incremental.md). ``split_by_month`` rewrites a raw folder into that
layout:

    <out>/customers.<ext>                     the customer master: one snapshot file
    <out>/programme_enrollments.<ext>         a snapshot file too
    <out>/<table>/<YYYY-MM>.<ext>             the rows of the month of MONTH_COLUMNS[table]
    <out>/<table>/undated.<ext>               rows whose month cannot be read (staging rejects them)

With ``through`` (YYYY-MM) it writes the export as it stood at the end of that month: monthly
files up to it, customers opened by then (a later closure not yet known), enrolments made by
then. Month files are the same bytes whatever ``through`` is, so a folder split through one
month and then given the next month's files is what a utility's export folder looks like a
month later. Values are copied as they are (CSV as text), including the bad ones the generator
plants.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb

# the column whose month places a row in a monthly file
MONTH_COLUMNS: dict[str, str] = {
    "meter_readings": "reading_date",
    "interval_readings": "interval_start",
    "bills": "billing_month",
    "payments": "paid_at",
    "service_tickets": "created_at",
    "surveys": "survey_date",
}
SNAPSHOT_TABLES = ("customers", "programme_enrollments")
UNDATED = "undated"


def _month_of(column: str) -> str:
    """The YYYY-MM of a date, month or timestamp value written as text (or typed), else NULL."""
    text = f"trim(cast({column} as varchar))"
    return (f"strftime(try_cast(left({text}, 7) || '-01' as date), '%Y-%m')")


def _reader(path: Path) -> str:
    quoted = str(path).replace("'", "''")
    if path.suffix == ".parquet":
        return f"read_parquet('{quoted}')"
    return (f"read_csv('{quoted}', header=true, skip=0, delim=',', quote='\"', all_varchar=true)")


def _copy_options(suffix: str) -> str:
    return "format parquet, compression zstd" if suffix == ".parquet" else "format csv, header true"


def _table_file(raw_dir: Path, table: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        if (raw_dir / f"{table}{suffix}").exists():
            return raw_dir / f"{table}{suffix}"
    return None


def split_by_month(raw_dir: Path, out_dir: Path, through: str | None = None) -> list[Path]:
    """Write ``raw_dir`` (one file per table) into ``out_dir`` in the monthly layout."""
    if through is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", through):
        raise ValueError(f"through must be YYYY-MM, got {through!r}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with duckdb.connect() as con:
        for table, month_column in MONTH_COLUMNS.items():
            source = _table_file(raw_dir, table)
            if source is None:
                continue
            written += _split_table(con, source, out_dir / table, month_column, through)
        for table in SNAPSHOT_TABLES:
            source = _table_file(raw_dir, table)
            if source is None:
                continue
            target = out_dir / source.name
            if through is None:
                shutil.copyfile(source, target)
            else:
                _snapshot_through(con, source, target, table, through)
            written.append(target)
    return written


def _split_table(con, source: Path, table_dir: Path, month_column: str,
                 through: str | None) -> list[Path]:
    table_dir.mkdir(parents=True, exist_ok=True)
    suffix = source.suffix
    month = _month_of(month_column)
    months = [value for (value,) in con.execute(
        f"select distinct coalesce({month}, '{UNDATED}') from {_reader(source)} order by 1").fetchall()]
    written = []
    for value in months:
        if through is not None and value != UNDATED and value > through:
            continue
        condition = f"{month} is null" if value == UNDATED else f"{month} = '{value}'"
        target = table_dir / f"{value}{suffix}"
        con.execute(f"copy (select * from {_reader(source)} where {condition}) "
                    f"to '{str(target).replace(chr(39), chr(39) * 2)}' ({_copy_options(suffix)})")
        written.append(target)
    return written


def _snapshot_through(con, source: Path, target: Path, table: str, through: str) -> None:
    """The snapshot as it stood at the end of ``through``: rows that began by then; a closure
    after it not yet known."""
    began = {"customers": "open_date", "programme_enrollments": "enrolled_date"}[table]
    began_month = _month_of(began)
    columns = [name for (name,) in con.execute(
        f"select column_name from (describe select * from {_reader(source)})").fetchall()]
    if table == "customers":
        close_month = _month_of("close_date")
        later_closure = f"coalesce({close_month} > '{through}', false)"
        projection = ", ".join(
            f"case when {later_closure} then null else {name} end as {name}"
            if name in ("close_date", "close_reason") else name for name in columns)
    else:
        projection = ", ".join(columns)
    con.execute(f"copy (select {projection} from {_reader(source)} "
                f"where coalesce({began_month} <= '{through}', true)) "
                f"to '{str(target).replace(chr(39), chr(39) * 2)}' ({_copy_options(source.suffix)})")
