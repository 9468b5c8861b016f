"""Compare a table of the Spark build with the same table of the DuckDB build.

Equal means the same rows, as a multiset: money and other decimals to the cent (both sides
rounded to 2 places), other floating-point numbers to 1e-9 relative (both engines add doubles in
parallel, in no fixed order, so the last bits of a sum differ), dates, timestamps, text and
integers exactly. Row order is not compared: neither engine promises one without `order by`.

Rows are matched on their exact part (every value but the doubles); rows with the same exact
part are paired in the order of their doubles and each pair of doubles compared with a relative
tolerance. (Rounding both sides to 9 significant digits instead is not a tolerance: two sums
1e-15 apart can round to different 9th digits.)
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
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


RELATIVE_TOLERANCE = 10.0 ** -RELATIVE_TOLERANCE_DIGITS
ABSOLUTE_TOLERANCE = 1e-12


def comparable(value):
    """One value in the form both engines agree on (a double is kept as it is: see pair_rows)."""
    if value is None:
        return None
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else value
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
                  ignore_columns: tuple[str, ...] = (),
                  replacements: dict[str, str] | None = None) -> TableDifference:
    """``replacements`` rewrite text on both sides first (e.g. two builds' raw folders)."""
    with duckdb.connect(str(duckdb_file), read_only=True) as con:
        result = con.execute(f'select * from "{schema}"."{table}"')
        duck_columns = [column[0] for column in result.description]
        duck_rows = result.fetchall()
    spark_frame = spark.table(f"`{schema}`.`{table}`")
    # a partitioned Spark table holds its partition columns last (an incremental model's
    # partitions, docs/spark.md "Monthly runs"): compared in DuckDB's order
    partition_columns = [column.name for column in spark.catalog.listColumns(f"{schema}.{table}")
                         if column.isPartition]
    if spark_frame.columns == ([c for c in duck_columns if c not in partition_columns]
                               + partition_columns):
        spark_frame = spark_frame.select(*[f"`{c}`" for c in duck_columns])
    spark_columns = spark_frame.columns
    if [c for c in duck_columns if c not in ignore_columns] != \
            [c for c in spark_columns if c not in ignore_columns]:
        return TableDifference(f"{schema}.{table}", len(duck_rows), -1, [], [],
                               (duck_columns, spark_columns))
    keep_duck = [i for i, c in enumerate(duck_columns) if c not in ignore_columns]
    keep_spark = [i for i, c in enumerate(spark_columns) if c not in ignore_columns]
    duck = [tuple(_replaced(comparable(row[i]), replacements) for i in keep_duck)
            for row in duck_rows]
    spark_rows = [tuple(_replaced(comparable(row[i]), replacements) for i in keep_spark)
                  for row in spark_frame.collect()]
    only_duck, only_spark = pair_rows(duck, spark_rows)
    return TableDifference(f"{schema}.{table}", len(duck), len(spark_rows), only_duck, only_spark)


def _replaced(value, replacements: dict[str, str] | None):
    if replacements and isinstance(value, str):
        for old, new in replacements.items():
            value = value.replace(old, new)
    return value


def _exact_part(row: tuple) -> tuple:
    return tuple("<double>" if isinstance(value, float) else value for value in row)


def _doubles(row: tuple) -> tuple:
    return tuple(value for value in row if isinstance(value, float))


def _close(left: tuple, right: tuple) -> bool:
    return len(left) == len(right) and all(
        (a == b) or (not math.isinf(a) and not math.isinf(b) and math.isclose(
            a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE))
        for a, b in zip(left, right))


def pair_rows(left: list[tuple], right: list[tuple]) -> tuple[list[tuple], list[tuple]]:
    """The rows of each side without a partner on the other: same exact part, doubles close."""
    groups: dict[tuple, tuple[list, list]] = {}
    for row in left:
        groups.setdefault(_exact_part(row), ([], []))[0].append(row)
    for row in right:
        groups.setdefault(_exact_part(row), ([], []))[1].append(row)
    only_left, only_right = [], []
    for left_rows, right_rows in groups.values():
        left_rows.sort(key=lambda row: repr(_doubles(row)))
        right_rows.sort(key=lambda row: repr(_doubles(row)))
        if len(left_rows) == len(right_rows) and all(
                _close(_doubles(a), _doubles(b)) for a, b in zip(sorted(left_rows, key=_doubles),
                                                             sorted(right_rows, key=_doubles))):
            continue
        unmatched = list(right_rows)
        for row in left_rows:
            partner = next((other for other in unmatched
                            if _close(_doubles(row), _doubles(other))), None)
            if partner is None:
                only_left.append(row)
            else:
                unmatched.remove(partner)
        only_right.extend(unmatched)
    return sorted(only_left, key=repr), sorted(only_right, key=repr)
