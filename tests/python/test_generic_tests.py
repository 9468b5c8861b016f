"""Our own generic dbt tests, run as dbt compiled them for the sample build, on hand-made rows.

The bucketed form of unique_combination_of_columns (64-value blocks collected as bits, then an
exact group-by of the suspicious blocks only) must return exactly what the plain group-by
returns: the duplicate combinations, nothing else. The rows below are chosen to break it if the
blocks were wrong: dates on both sides of the origin, in one block and across blocks, NULL keys.
"""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

PLAIN_DUPLICATES = """
select customer_id, reading_date, count(*) as occurrences
from readings group by customer_id, reading_date having count(*) > 1
"""


def compiled_test(built_warehouse: Path, model: str, marker: str) -> str:
    """The compiled SQL of the model's unique_combination_of_columns test whose SQL holds marker."""
    compiled = built_warehouse.parent / "target" / "compiled"
    for path in compiled.rglob("unique_combination_of_columns*.sql"):
        sql = path.read_text(encoding="utf-8")
        if f'"{model}"' in sql and marker in sql:
            return sql
    raise AssertionError(f"no compiled unique_combination_of_columns test on {model} with {marker!r}")


@pytest.fixture(scope="module")
def bucketed_unique_sql(built_warehouse) -> str:
    sql = compiled_test(built_warehouse, "stg_mdm__meter_readings", "bit_or")
    # the test checks the rows of the files the build staged (its `where` config): here, every row
    sql = re.sub(r'\(select \* from "[^"]+"\."staging"\."stg_mdm__meter_readings" where .*?\) dbt_subquery',
                 "readings", sql)
    return re.sub(r'"[^"]+"\."staging"\."stg_mdm__meter_readings"', "readings", sql)


def duplicates(sql: str, rows: list[tuple]) -> list[tuple]:
    with duckdb.connect() as con:
        con.execute("create table readings (customer_id varchar, reading_date date)")
        con.executemany("insert into readings values (?, ?)", rows)
        found = sorted(con.execute(sql).fetchall(), key=str)
        plain = sorted(con.execute(PLAIN_DUPLICATES).fetchall(), key=str)
    assert found == plain, "the bucketed test and a plain group-by disagree"
    return found


UNIQUE_ROWS = [
    ("C1", "2024-01-01"), ("C1", "2024-01-02"), ("C1", "2024-03-05"), ("C2", "2024-01-01"),
    ("C1", "1999-12-31"), ("C1", "2000-01-01"), ("C1", "1999-11-01"), ("C1", "2000-02-28"),
    (None, "2024-01-01"), ("C3", None),
]


def test_unique_rows_pass_the_bucketed_uniqueness_test(bucketed_unique_sql):
    assert duplicates(bucketed_unique_sql, UNIQUE_ROWS) == []


def test_the_bucketed_uniqueness_test_finds_every_duplicate(bucketed_unique_sql):
    planted = [("C1", "2024-01-02"), ("C1", "1999-12-31"), ("C2", "2024-01-01"),
               ("C2", "2024-01-01"), (None, "2024-01-01"), ("C3", None)]
    found = duplicates(bucketed_unique_sql, UNIQUE_ROWS + planted)
    assert {(row[0], str(row[1])) for row in found} == {
        ("C1", "2024-01-02"), ("C1", "1999-12-31"), ("C2", "2024-01-01"), (None, "2024-01-01"),
        ("C3", "None")}
    assert dict(((row[0], str(row[1])), row[2]) for row in found)[("C2", "2024-01-01")] == 3
