"""Staging on Spark equals staging on DuckDB, rejected rows included (issue 15, docs/spark.md).

One raw folder goes through both engines: the staging fixture with every planted bad row of
test_staging_rules (each rule kind, the accepted alternative formats, part files, rows with the
wrong number of fields, after the preflight's rewrite), some tables as CSV and some as Parquet
(typed where a file's column is clean, so both the text parsers and the typed Parquet path run).
DuckDB reads the files itself; Spark reads them as landed by powerlens.spark.landing. Every
staging table (base, staged, rejected, the audit) must hold the same rows on both, each rejected
row with the same file, row, key, rules, columns, details and raw record.

The Spark work is kept small for CI: one SparkSession for the module (dbt runs in this process
and reuses it, as `powerlens run --target spark` does), one build of a few dozen rows.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT
from test_staging_rules import AS_OF_DATE, build_staging, plant_raw_folder, preflighted


# tables whose files become Parquet; the others stay CSV
PARQUET_TABLES = ("bills", "meter_readings", "surveys")


def to_parquet(raw_dir: Path, tables: tuple[str, ...]) -> list[str]:
    """Rewrites the tables' CSV files as Parquet with the types DuckDB's sniffer gives them."""
    written = []
    with duckdb.connect() as con:
        for table in tables:
            for csv_file in sorted(raw_dir.glob(f"{table}*.csv")):
                parquet_file = csv_file.with_suffix(".parquet")
                con.execute(f"copy (select * from read_csv('{csv_file}', header=true)) to '{parquet_file}'")
                csv_file.unlink()
                written.append(parquet_file.name)
    return written


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """(DuckDB file, SparkSession) after both engines built staging from the same raw folder."""
    workdir = tmp_path_factory.mktemp("spark_staging")
    plant_raw_folder(workdir / "planted")
    raw_dir = preflighted(workdir / "planted", workdir / "raw")
    assert to_parquet(raw_dir, PARQUET_TABLES)
    duckdb_con = build_staging(workdir / "duckdb", raw_dir)
    duckdb_file = Path(duckdb_con.execute("select path from duckdb_databases() where not internal")
                       .fetchone()[0])
    duckdb_con.close()

    from dbt.cli.main import dbtRunner

    from powerlens.spark.landing import land_raw_files
    from powerlens.spark.session import local_session

    spark_dir = workdir / "spark"
    settings = {"POWERLENS_SPARK_HOME": str(spark_dir / "home"),
                "DBT_TARGET_PATH": str(spark_dir / "target"), "DBT_LOG_PATH": str(spark_dir / "logs")}
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    spark = local_session(spark_dir / "home")
    spark.sparkContext.setLogLevel("ERROR")
    try:
        land_raw_files(raw_dir, spark)
        result = dbtRunner().invoke(
            ["--quiet", "build", "--target", "spark", "--select", "+staging",
             "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test",
             "--vars", json.dumps({"raw_dir": str(raw_dir), "as_of_date": AS_OF_DATE})],
            project_dir=str(REPO_ROOT), profiles_dir=str(REPO_ROOT))
        assert result.success, f"dbt build on Spark failed; logs in {spark_dir / 'logs'}: {result.exception}"
        yield duckdb_file, spark
    finally:
        spark.stop()
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def staging_tables(duckdb_file: Path) -> list[str]:
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        return [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'staging' order by 1"
        ).fetchall()]


def test_every_staging_table_is_equal_on_both_engines(builds):
    from powerlens.spark.compare import compare_table

    duckdb_file, spark = builds
    tables = staging_tables(duckdb_file)
    kinds = {name.split("_")[0] for name in tables}
    assert {"base", "stg"} <= kinds and "stg_audit__rejected_rows" in tables
    differences = [compare_table(duckdb_file, spark, "staging", table) for table in tables]
    assert [difference.describe() for difference in differences if not difference.equal] == []


def test_rejected_rows_come_from_csv_and_parquet_files(builds):
    """The comparison above means something only if both kinds of file had rows rejected."""
    duckdb_file, spark = builds
    rejected = spark.sql("select source_file, source_row, rule, column_name "
                         "from staging.stg_audit__rejected_rows").collect()
    suffixes = {Path(row.source_file).suffix for row in rejected}
    assert suffixes == {".csv", ".parquet"}
    assert all(row.source_row >= 1 and row.rule and row.column_name for row in rejected)
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_audit__rejected_rows").fetchone()[0] == len(rejected)
