"""Compare a table of the Spark build with the same table of the DuckDB build.

Equal means the same rows, as a multiset: money and other decimals to the cent (both sides
rounded to 2 places), other floating-point numbers to 1e-9 relative (both engines add doubles in
parallel, in no fixed order, so the last bits of a sum differ), dates, timestamps, text and
integers exactly. Row order is not compared: neither engine promises one without `order by`.
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb

RELATIVE_TOLERANCE_DIGITS = 9


@dataclass
class TableDifference:
    table: str
    duckdb_rows: int
    spark_rows: int
    only_in_duckdb: list[tuple]
    only_in_spark: list[tuple]
    column_mismatch: tuple[list[str], list[str]] | None = None

    @property
    def equal(self) -> bool:
        return (self.column_mismatch is None and not self.only_in_duckdb
                and not self.only_in_spark)

    def describe(self, examples: int = 3) -> str:
        if self.column_mismatch:
            return f"{self.table}: columns differ: duckdb {self.column_mismatch[0]} / spark {self.column_mismatch[1]}"
        return (f"{self.table}: {self.duckdb_rows} rows in DuckDB, {self.spark_rows} in Spark; "
                f"{len(self.only_in_duckdb)} only in DuckDB, e.g. {self.only_in_duckdb[:examples]}; "
                f"{len(self.only_in_spark)} only in Spark, e.g. {self.only_in_spark[:examples]}")


def comparable(value):
    """One value in the form both engines agree on."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value == 0 or math.isinf(value):
            return value
        digits = RELATIVE_TOLERANCE_DIGITS - int(math.ceil(math.log10(abs(value))))
        return round(value, digits)
    if isinstance(value, decimal.Decimal):
        return value.quantize(decimal.Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return tuple(comparable(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, comparable(item)) for key, item in value.items()))
    return value


def compare_table(duckdb_file: Path, spark, schema: str, table: str,
                  ignore_columns: tuple[str, ...] = ()) -> TableDifference:
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        result = con.execute(f'select * from "{schema}"."{table}"')
        duck_columns = [column[0] for column in result.description]
        duck_rows = result.fetchall()
    spark_frame = spark.table(f"`{schema}`.`{table}`")
    spark_columns = spark_frame.columns
    if [c for c in duck_columns if c not in ignore_columns] != \
            [c for c in spark_columns if c not in ignore_columns]:
        return TableDifference(f"{schema}.{table}", len(duck_rows), -1, [], [],
                               (duck_columns, spark_columns))
    keep_duck = [i for i, c in enumerate(duck_columns) if c not in ignore_columns]
    keep_spark = [i for i, c in enumerate(spark_columns) if c not in ignore_columns]
    duck = Counter(tuple(comparable(row[i]) for i in keep_duck) for row in duck_rows)
    spark_rows = spark_frame.collect()
    spark_counter = Counter(tuple(comparable(row[i]) for i in keep_spark) for row in spark_rows)
    return TableDifference(f"{schema}.{table}", len(duck_rows), len(spark_rows),
                           sorted((duck - spark_counter).elements(), key=repr),
                           sorted((spark_counter - duck).elements(), key=repr))
