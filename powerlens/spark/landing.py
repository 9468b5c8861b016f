"""Land the raw export files as Spark tables `raw.<table>`, for staging on Spark.

Staging reports a rejected row by its file and its 1-based data row within the file, and Spark
SQL has no row numbers for CSV. So the raw files are read here by DuckDB, with the very reader
staging uses on DuckDB (var `raw_file_reader` in dbt_project.yml: the same globs, the same fixed
CSV dialect that fails a malformed line, CSV as text, Parquet with its own types, files unioned
by column name), numbered as the DuckDB staging numbers them, and written as one Spark table per
raw table of the contract:

    <the contract's columns, in file order>, _source_file, _source_row, _field_count

`_source_file` is the file name as DuckDB's reader gives it ('<raw_dir>/<file>', raw_dir as
passed, not resolved), `_source_row` the 1-based data row within that file (a CSV record, not a
line; a Parquet file's row), `_field_count` the preflight's mark of a row with the wrong number
of fields (NULL when the file has no such column). A contract column missing from every file is
NULL text; a table without files lands empty. Staging on Spark reads these tables
(macros/staging/staging_engine.sql), so both engines stage the same rows under the same numbers.

DuckDB writes each table to one Parquet file in a scratch folder, which Spark then reads and saves
into its warehouse: nothing passes through the Python driver row by row. docs/spark.md, "Raw files
on Spark".
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import duckdb
import yaml

from powerlens.contract import load_contract

REPO_ROOT = Path(__file__).resolve().parents[2]
RAW_SCHEMA = "raw"
FIELD_COUNT_COLUMN = "_field_count"


def raw_file_reader(raw_dir: str | Path, table: str, project_file: Path | None = None) -> str:
    """The DuckDB reader of one raw table, from dbt_project.yml's var `raw_file_reader`."""
    project = yaml.safe_load((project_file or REPO_ROOT / "dbt_project.yml").read_text(encoding="utf-8"))
    template = project["vars"]["raw_file_reader"]
    # dbt-duckdb fills these two placeholders; the reader holds no others
    return template.replace("{raw_dir}", str(raw_dir)).replace("{name}", table)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def landing_sql(con: duckdb.DuckDBPyConnection, reader: str, columns: tuple[str, ...]) -> str:
    """A select over one table's raw files: the contract's columns with their file and row."""
    found = {row[0]: row[1] for row in con.execute(f"describe select * from {reader}").fetchall()}
    selected = [f"{_quoted(name)}" if name in found else f"cast(null as varchar) as {_quoted(name)}"
                for name in columns]
    field_count = (f"nullif(cast({FIELD_COUNT_COLUMN} as varchar), '')" if FIELD_COUNT_COLUMN in found
                   else "cast(null as varchar)")
    # read_csv's ordinality runs across the glob in file order; a file's rows start after the
    # previous files' (as in staging_typed_rows_sql). Parquet numbers its rows from 0.
    has_ordinality = "ordinality" in found
    has_parquet_row = "file_row_number" in found
    csv_row = ("cast(ordinality as bigint) - min(cast(ordinality as bigint)) over (partition by filename) + 1"
               if has_ordinality else "null")
    parquet_row = "cast(file_row_number as bigint) + 1" if has_parquet_row else "null"
    if not found or "filename" not in found:
        return (f"select {', '.join(f'cast(null as varchar) as {_quoted(name)}' for name in columns)}, "
                "cast(null as varchar) as _source_file, cast(null as bigint) as _source_row, "
                f"cast(null as varchar) as {FIELD_COUNT_COLUMN} where false")
    return (f"select {', '.join(selected)}, cast(filename as varchar) as _source_file, "
            f"cast(coalesce({parquet_row}, {csv_row}) as bigint) as _source_row, "
            f"{field_count} as {FIELD_COUNT_COLUMN} from {reader}")


def land_raw_files(raw_dir: str | Path, spark, schema: str = RAW_SCHEMA) -> dict[str, int]:
    """Writes every raw table of the contract as the Spark table `<schema>.<table>`; returns the
    rows landed per table. `raw_dir` must be given as dbt's var raw_dir will be (the file names
    staging reports start with it)."""
    tables = load_contract()
    spark.sql(f"create schema if not exists {schema}")
    landed: dict[str, int] = {}
    scratch = Path(tempfile.mkdtemp(prefix="powerlens_landing_"))
    try:
        con = duckdb.connect()
        try:
            for name, table in tables.items():
                if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                    raise ValueError(f"raw table name {name!r} is not a plain identifier")
                target = scratch / f"{name}.parquet"
                sql = landing_sql(con, raw_file_reader(raw_dir, name), table.column_names)
                con.execute(f"copy ({sql}) to '{target}' (format parquet)")
                frame = spark.read.parquet(str(target))
                frame.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{name}")
                landed[name] = spark.table(f"{schema}.{name}").count()
        finally:
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return landed
