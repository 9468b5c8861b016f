"""The warehouse built on local Apache Spark equals the DuckDB warehouse (issue 15, docs/spark.md).

One raw folder, with a few bad rows planted, goes through `powerlens run` on DuckDB and
`powerlens run --target spark`; every staging table (staged and rejected rows, the audit), every
intermediate model and every mart of the Spark release must hold the same rows as the DuckDB
build: money to the cent, ratios to 1e-9 (powerlens.spark.compare). The scoring tables are
the Spark scoring step's (powerlens.scoring.spark_entry, per partition with the DuckDB run's
saved churn model) and must equal the dbt Python models' tables of the DuckDB run.
"""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import bin_path, run_command

CUSTOMERS = 200
START = "2024-01"
MONTHS = 24
AS_OF = "2026-01-31"
COMPARED_SCHEMAS = ("staging", "intermediate", "marts", "scoring")
# the training snapshot: the DuckDB run trained the churn model and kept the rows it trained on;
# Spark only scores with the saved model, and leaves the table empty with the same columns
TRAINING_ONLY_TABLES = ("py_churn_snapshot_features",)
SCORING_PARTITIONS = 4


def plant_bad_rows(raw: Path) -> dict[str, str]:
    """A bad number, a duplicate key and a reading of an unknown customer: rows the rejected-rows
    contract must report the same way on both engines."""
    planted = {}
    readings = raw / "meter_readings.csv"
    with readings.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    rows[3][header.index("kwh_peak")] = "12,5x"
    planted["bad_number"] = rows[3][header.index("customer_id")]
    rows.append(list(rows[5]))
    orphan = list(rows[7])
    orphan[header.index("customer_id")] = "C09999999"
    rows.append(orphan)
    with readings.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return planted


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("spark_vs_duckdb")
    raw = root / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", str(CUSTOMERS), "--start",
                 START, "--months", str(MONTHS), "--seed", "7", "--out", str(raw), "--quiet"])
    plant_bad_rows(raw)
    for target in ("duckdb", "spark"):
        if target == "spark":
            # Spark scores with a saved model and never trains: the DuckDB run's, copied over
            # as a utility copies the model folder to its cluster (docs/spark.md)
            shutil.copytree(root / "duckdb" / "churn_model", root / "spark" / "churn_model")
        run_command([bin_path("powerlens"), "run", "--target", target, "--raw", str(raw),
                     "--warehouse", str(root / target), "--as-of", AS_OF])
    return {"duckdb": root / "duckdb" / "current" / "restricted" / "powerlens.duckdb",
            "spark_home": root / "spark" / "current" / "spark", "root": root}


@pytest.fixture(scope="module")
def spark(builds):
    from powerlens.spark.session import local_session

    session = local_session(builds["spark_home"])
    yield session
    session.stop()


def duckdb_tables(database: Path) -> list[tuple[str, str]]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema "
            f"in {COMPARED_SCHEMAS} order by all").fetchall()


def test_the_spark_run_published_a_release(builds):
    assert builds["spark_home"].is_dir()
    assert (builds["root"] / "spark" / "current" / "run.json").exists()


def test_every_table_of_every_layer_is_on_spark(builds, spark):
    missing = [f"{schema}.{table}" for schema, table in duckdb_tables(builds["duckdb"])
               if not spark.catalog.tableExists(f"{schema}.{table}")]
    assert missing == []


def test_every_table_equals_the_duckdb_build(builds, spark):
    from powerlens.spark.compare import compare_table

    tables = duckdb_tables(builds["duckdb"])
    assert len([1 for schema, _ in tables if schema == "marts"]) > 40
    # each run names its raw files through its own warehouse's runs/current link
    raw_folders = {str(builds["root"] / target / "runs" / "current" / "raw"): "<raw>"
                   for target in ("duckdb", "spark")}
    differences = [compare_table(builds["duckdb"], spark, schema, table,
                                 replacements=raw_folders)
                   for schema, table in tables if table not in TRAINING_ONLY_TABLES]
    assert [difference.describe() for difference in differences if not difference.equal] == []
    scored = [d for d in differences if d.table.startswith("scoring.py_")]
    assert len(scored) >= 8 and all(d.duckdb_rows > 0 for d in scored)


def test_the_training_snapshot_is_empty_with_the_same_columns(builds, spark):
    with duckdb.connect(str(builds["duckdb"]), read_only=True) as con:
        for table in TRAINING_ONLY_TABLES:
            columns = [c[0] for c in con.execute(f"select * from scoring.{table} limit 0").description]
            on_spark = spark.table(f"scoring.{table}")
            assert on_spark.columns == columns and on_spark.count() == 0


def test_scoring_spreads_the_customers_over_partitions(spark):
    """Scoring runs per partition (mapInPandas); the equality above holds across partitions
    because the type medians, value ranks and profile counts are whole-base figures."""
    from pyspark.sql import functions as F

    from powerlens.scoring.spark_entry import _input_rows

    per_partition = (_input_rows(spark, SCORING_PARTITIONS).where("source = 'customers'")
                     .groupBy(F.spark_partition_id()).count().collect())
    assert len(per_partition) >= 3
    assert sum(row["count"] for row in per_partition) == CUSTOMERS


def test_the_planted_bad_rows_are_rejected_alike(builds, spark):
    rejected = spark.sql(
        "select rule, count(*) as rows_rejected from staging.stg_audit__rejected_rows "
        "where source_table = 'meter_readings' group by rule").collect()
    rules = {row["rule"]: row["rows_rejected"] for row in rejected}
    assert any("bad_number" in rule for rule in rules), rules
    assert any("duplicate_key" in rule for rule in rules), rules
    assert any("orphan_customer" in rule for rule in rules), rules
