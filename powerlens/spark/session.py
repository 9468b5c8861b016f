"""A local SparkSession configured as profiles.yml's `spark` target configures dbt-spark's.

dbt-spark's `session` method starts Spark inside the dbt process; a tool that reads or prepares
the same warehouse (loading tables, comparing marts, scoring) must use the same warehouse folder
and metastore, which live under POWERLENS_SPARK_HOME. Derby, the local metastore, admits one
process at a time: open a session only while dbt is not running on the same home.
"""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = "spark_home"


def spark_home() -> Path:
    return Path(os.environ.get("POWERLENS_SPARK_HOME", DEFAULT_HOME)).resolve()


def session_settings(home: Path | None = None) -> dict[str, str]:
    """The settings of profiles.yml's spark target (keep the two in step)."""
    home = home or spark_home()
    return {
        "spark.master": os.environ.get("POWERLENS_SPARK_MASTER", "local[2]"),
        "spark.sql.warehouse.dir": f"{home}/warehouse",
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={home}/metastore_db;create=true",
        "spark.driver.memory": os.environ.get("POWERLENS_SPARK_DRIVER_MEMORY", "4g"),
        "spark.sql.shuffle.partitions": os.environ.get("POWERLENS_SPARK_SHUFFLE_PARTITIONS", "4"),
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.hive.metastorePartitionPruningFallbackOnException": "true",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
    }


def local_session(home: Path | None = None):
    """The SparkSession over POWERLENS_SPARK_HOME (or ``home``), with Hive support as dbt-spark
    starts it, so tables dbt built are visible by name."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.enableHiveSupport().appName("powerlens")
    for key, value in session_settings(home).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
