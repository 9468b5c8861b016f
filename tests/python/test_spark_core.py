"""The intermediate models and the core marts on Spark equal the DuckDB build (issue 15,
docs/spark.md, "Intermediate and core models on Spark").

A small sample is built on DuckDB; its seeds and staging tables are copied into a Spark
warehouse, and dbt builds only models/intermediate and models/marts/core with their data tests
there (staging is ported and compared on its own). Every table must then hold the same rows as
DuckDB's: money to the cent, ratios to 1e-9 (powerlens.spark.compare). One SparkSession for the
module: the copy, dbt (in this process, as `powerlens run --target spark` runs it) and the
comparison share it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO_ROOT, bin_path, dbt_env, run_command

pytest.importorskip("pyspark")

CUSTOMERS = 100
START = "2024-01"
MONTHS = 12
AS_OF = "2025-01-31"
MODELS = REPO_ROOT / "models"
INTERMEDIATE = sorted(path.stem for path in (MODELS / "intermediate").glob("*/*.sql"))
CORE_MARTS = sorted(path.stem for path in (MODELS / "marts" / "core").glob("*.sql"))


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("spark_core")
    raw = root / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", str(CUSTOMERS), "--start",
                 START, "--months", str(MONTHS), "--seed", "7", "--out", str(raw), "--quiet"])
    dbt_vars = json.dumps({"raw_dir": str(raw), "as_of_date": AS_OF})
    duck_env = dbt_env(root / "duckdb")
    run_command([bin_path("dbt"), "build", "--exclude-resource-type", "unit_test",
                 "--vars", dbt_vars], env=duck_env)
    duckdb_file = Path(duck_env["POWERLENS_DB"])

    from dbt.cli.main import dbtRunner

    from powerlens.pipeline.spark_run import _spark_environment
    from powerlens.spark.duckdb_tables import copy_to_spark
    from powerlens.spark.session import local_session

    spark_home, run_dir = root / "spark", root / "spark_run"
    with _spark_environment(spark_home, run_dir, AS_OF):
        spark = local_session(spark_home)
        try:
            copy_to_spark(duckdb_file, ["reference", "staging"], spark=spark)
            # cautious: the data tests that also read a chapter mart stay out
            result = dbtRunner().invoke(
                ["--quiet", "build", "--target", "spark", "--select", "intermediate", "marts.core",
                 "--exclude", "path:models/python", "--exclude-resource-type", "unit_test",
                 "--indirect-selection", "cautious", "--vars", dbt_vars],
                project_dir=str(REPO_ROOT), profiles_dir=str(REPO_ROOT))
            run_results = json.loads((run_dir / "target" / "run_results.json").read_text())
            yield {"duckdb": duckdb_file, "spark": spark, "success": result.success,
                   "results": run_results["results"]}
        finally:
            spark.stop()


def test_every_model_and_data_test_builds_on_spark(builds):
    failed = [f"{result['unique_id']}: {result['status']}: {(result.get('message') or '')[:300]}"
              for result in builds["results"]
              if result["status"] not in ("success", "pass")]
    assert not failed, "\n".join(failed)
    assert builds["success"]
    built = {result["unique_id"].split(".")[-1] for result in builds["results"]
             if result["unique_id"].startswith("model.")}
    assert built == set(INTERMEDIATE + CORE_MARTS)
    assert any(result["unique_id"].startswith("test.") for result in builds["results"])


@pytest.mark.parametrize("schema, table", [("intermediate", name) for name in INTERMEDIATE]
                         + [("marts", name) for name in CORE_MARTS])
def test_table_equals_duckdb(builds, schema, table):
    from powerlens.spark.compare import compare_table

    difference = compare_table(builds["duckdb"], builds["spark"], schema, table)
    assert difference.duckdb_rows > 0, f"{table} is empty on DuckDB: the comparison would prove nothing"
    assert difference.equal, difference.describe()
