"""Copy tables of a DuckDB build into the Spark warehouse under the same schema and name.

For porting and checking one layer at a time: with the DuckDB build's staging (or intermediate)
tables in Spark, `dbt build --target spark --select <layer>` builds that layer alone, its refs
resolving to the copied tables. Types travel through Parquet (DECIMAL, DATE, TIMESTAMP, BOOLEAN
keep theirs).

    python -m powerlens.spark.duckdb_tables --duckdb build.duckdb --schemas reference staging
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

import duckdb

from powerlens.spark.session import local_session


def duckdb_tables(duckdb_file: Path, schemas: list[str], tables: list[str] | None = None
                  ) -> list[tuple[str, str]]:
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        rows = con.execute(
            "select schema_name, table_name from duckdb_tables() where schema_name in "
            "(select unnest(?::varchar[])) union all select schema_name, view_name from "
            "duckdb_views() where not internal and schema_name in (select unnest(?::varchar[])) "
            "order by all", [schemas, schemas]).fetchall()
    return [(schema, table) for schema, table in rows if not tables or table in tables]


def copy_to_spark(duckdb_file: Path, schemas: list[str], tables: list[str] | None = None,
                  spark=None) -> list[str]:
    """Write each table (or view) as a Spark table `<schema>.<table>`, replacing it; returns
    the names written."""
    spark = spark or local_session()
    written = []
    scratch = Path(tempfile.mkdtemp(prefix="powerlens_spark_copy_"))
    try:
        with duckdb.connect(str(duckdb_file), read_only=True) as con:
            for schema, table in duckdb_tables(duckdb_file, schemas, tables):
                path = scratch / f"{schema}.{table}.parquet"
                con.execute(f'copy "{schema}"."{table}" to \'{path}\' (format parquet)')
                spark.sql(f"create database if not exists `{schema}`")
                spark.read.parquet(str(path)).write.mode("overwrite").saveAsTable(
                    f"`{schema}`.`{table}`")
                written.append(f"{schema}.{table}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", type=Path, required=True)
    parser.add_argument("--schemas", nargs="+", required=True)
    parser.add_argument("--tables", nargs="*")
    args = parser.parse_args(argv)
    for name in copy_to_spark(args.duckdb, args.schemas, args.tables):
        print(name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
