"""Monthly runs on Spark: a run that continues the published build starts from its tables.

Every Spark run builds into its own release folder (a Spark home: warehouse folder and Derby
metastore; powerlens.pipeline.spark_run), so the published release is never written to. A run
that continues it needs the tables the incremental models and the staging bookkeeping kept
(docs/spark.md, "Monthly runs"). At the end of every run ``record_carried_tables`` lists them in
``carried_tables.json`` (name, location, columns, partition columns); the next run
``carry_tables`` into its new home:

- each table's folder is hard-linked file by file into ``<new home>/carried/<schema>/<table>``
  (copied where a link cannot be made, e.g. across file systems). Spark never changes a Parquet
  file it wrote: an insert that replaces a partition deletes the partition's files (the new
  home's links) and writes new ones, so the published release keeps its files as they were;
- the table is declared in the new metastore over that folder with the recorded columns and
  partitioning, and its partitions are recovered from the folder.

The carried tables are external tables of the new home: a model rebuilt in full drops one (its
folder stays, unread, under carried/) and creates a managed table as usual.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

CARRIED_TABLES_FILE = "carried_tables.json"
CARRIED_DIR = "carried"
STATE_SCHEMA = "pipeline"
# the run's own record of changed raw files: never carried to the next run
NOT_CARRIED = {(STATE_SCHEMA, "raw_file_changes")}


@dataclass(frozen=True)
class CarriedTable:
    schema: str
    table: str
    location: str  # a local folder
    columns: list[tuple[str, str]]  # name, Spark SQL type, in the table's order
    partition_columns: list[str]

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"


def incremental_relations(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema, table) of every incremental model of dbt's manifest."""
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    return sorted((node["schema"], node.get("alias") or node["name"])
                  for node in manifest["nodes"].values()
                  if node["resource_type"] == "model"
                  and node["config"].get("materialized") == "incremental")


def _location(spark, name: str) -> str:
    rows = spark.sql(f"describe table extended {name}").collect()
    location = next(row["data_type"] for row in rows if row["col_name"] == "Location")
    parsed = urlparse(location)
    if parsed.scheme not in ("", "file"):
        raise ValueError(f"{name} is at {location}: only local tables can be carried")
    return url2pathname(parsed.path)


def describe_table(spark, schema: str, table: str) -> CarriedTable:
    name = f"{schema}.{table}"
    partition_columns = [column.name for column in spark.catalog.listColumns(f"{schema}.{table}")
                         if column.isPartition]
    columns = [(field.name, field.dataType.simpleString()) for field in spark.table(name).schema]
    return CarriedTable(schema, table, _location(spark, name), columns, partition_columns)


def record_carried_tables(spark, manifest_path: Path, spark_home: Path) -> list[CarriedTable]:
    """List the tables the next run continues from (the incremental models and the pipeline
    schema's bookkeeping) in ``<spark_home>/carried_tables.json``."""
    wanted = set(incremental_relations(manifest_path))
    if spark.catalog.databaseExists(STATE_SCHEMA):
        wanted |= {(STATE_SCHEMA, table.name) for table in spark.catalog.listTables(STATE_SCHEMA)}
    tables = [describe_table(spark, schema, table) for schema, table in sorted(wanted - NOT_CARRIED)
              if spark.catalog.tableExists(f"{schema}.{table}")]
    (spark_home / CARRIED_TABLES_FILE).write_text(
        json.dumps([asdict(table) for table in tables], indent=1), encoding="utf-8")
    return tables


def recorded_tables(spark_home: Path) -> list[CarriedTable] | None:
    """The tables a release recorded for the next run; None when it recorded none."""
    path = spark_home / CARRIED_TABLES_FILE
    if not path.exists():
        return None
    return [CarriedTable(item["schema"], item["table"], item["location"],
                         [tuple(column) for column in item["columns"]], item["partition_columns"])
            for item in json.loads(path.read_text(encoding="utf-8"))]


def _link_tree(source: Path, target: Path) -> None:
    def link_or_copy(source_file: str, target_file: str) -> None:
        try:
            os.link(source_file, target_file)
        except OSError:
            shutil.copy2(source_file, target_file)

    shutil.copytree(source, target, copy_function=link_or_copy)


def _quoted(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def carry_tables(spark, tables: list[CarriedTable], spark_home: Path) -> list[str]:
    """Declare the previous release's tables in this run's home over hard links to their files;
    returns the tables' names."""
    carried = []
    for table in tables:
        folder = spark_home / CARRIED_DIR / table.schema / table.table
        _link_tree(Path(table.location), folder)
        columns = ", ".join(f"{_quoted(name)} {data_type}" for name, data_type in table.columns)
        partitioning = (f" partitioned by ({', '.join(map(_quoted, table.partition_columns))})"
                        if table.partition_columns else "")
        location = str(folder).replace("\\", "\\\\").replace("'", "\\'")
        spark.sql(f"create schema if not exists {_quoted(table.schema)}")
        spark.sql(f"create table {_quoted(table.schema)}.{_quoted(table.table)} ({columns}) "
                  f"using parquet{partitioning} location '{location}'")
        if table.partition_columns:
            spark.sql(f"alter table {_quoted(table.schema)}.{_quoted(table.table)} "
                      "recover partitions")
        carried.append(table.name)
    return carried
