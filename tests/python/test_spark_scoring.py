"""Scoring on Spark (issue 15, docs/spark.md "Scoring on Spark"): the dbt Python models' tables
written by powerlens.scoring.spark_entry from the SQL models' tables and the DuckDB build's saved
churn model equal the DuckDB build's, and the scoring ran in several partitions."""
from __future__ import annotations

import pytest

from conftest import bin_path, dbt_env, run_command


CUSTOMERS = 200
SCORING_TABLES = ("py_churn_model_metrics", "py_churn_model_summary",
                  "py_churn_feature_importance", "py_churn_current_features", "py_churn_scores",
                  "py_churn_high_risk_profile", "py_customer_value", "py_value_high_value_profile")
PARTITIONS = 4


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("spark_scoring")
    raw = root / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", str(CUSTOMERS), "--start",
                 "2024-01", "--months", "24", "--seed", "7", "--out", str(raw), "--quiet"])
    env = dbt_env(root)
    run_command([bin_path("dbt"), "build", "--select", "+path:models/python",
                 "--indirect-selection", "cautious", "--vars", f"{{raw_dir: '{raw}'}}"], env=env)
    database = root / "powerlens.duckdb"
    # the artefact the build trained, next to its DuckDB file (artefact.model_dir_for)
    return {"database": database, "model_dir": root / "churn_model", "root": root}


@pytest.fixture(scope="module")
def spark(duckdb_build):
    from powerlens.spark.session import local_session

    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("POWERLENS_SPARK_HOME", str(duckdb_build["root"] / "spark"))
    session = local_session()
    yield session
    session.stop()
    monkeypatch.undo()


@pytest.fixture(scope="module")
def scored(duckdb_build, spark):
    from powerlens.scoring.spark_entry import (CHURN_INPUT_TABLES, VALUE_INPUT_TABLE,
                                               score_warehouse)
    from powerlens.spark.duckdb_tables import copy_to_spark

    inputs = [name.split(".")[1] for name in [*CHURN_INPUT_TABLES.values(), VALUE_INPUT_TABLE]]
    copy_to_spark(duckdb_build["database"], ["reference", "staging", "intermediate"], inputs,
                  spark=spark)
    return score_warehouse(spark, duckdb_build["model_dir"], partitions=PARTITIONS)


@pytest.mark.parametrize("table", SCORING_TABLES)
def test_spark_table_equals_the_duckdb_build(duckdb_build, spark, scored, table):
    from powerlens.spark.compare import compare_table

    assert f"scoring.{table}" in scored
    difference = compare_table(duckdb_build["database"], spark, "scoring", table)
    assert difference.duckdb_rows > 0
    assert difference.equal, difference.describe()


def test_training_snapshots_are_empty_with_the_same_columns(duckdb_build, spark, scored):
    import duckdb

    with duckdb.connect(str(duckdb_build["database"]), read_only=True) as con:
        columns = [c[0] for c in con.execute(
            "select * from scoring.py_churn_snapshot_features limit 0").description]
    table = spark.table("scoring.py_churn_snapshot_features")
    assert table.columns == columns and table.count() == 0


def test_scoring_ran_in_several_partitions(spark, scored):
    from pyspark.sql import functions as F

    from powerlens.scoring.spark_entry import _input_rows

    # the customers' input rows spread over the partitions the features were computed in, so
    # the equality above holds across partitions (the type medians, value ranks and profile
    # counts are whole-base figures)
    per_partition = (_input_rows(spark, PARTITIONS).where("source = 'customers'")
                     .groupBy(F.spark_partition_id()).count().collect())
    assert len(per_partition) >= 3
    assert sum(row["count"] for row in per_partition) == CUSTOMERS
