"""No unmasked name, phone or address in anything published for BI users: every column of
every table in the published `marts` schema and every file of the Parquet export is compared
with the raw values. The restricted `staging` schema is where they may (and do) appear."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from powerlens.quality.raw_contract import PII_COLUMNS
from test_pipeline import published_sample


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    return published_sample(tmp_path_factory, sample_raw_dir)


@pytest.fixture(scope="module")
def checker(sample_raw_dir):
    """An in-memory DuckDB holding the raw PII values as table `pii(kind, value)`."""
    con = duckdb.connect()
    customers = str(sample_raw_dir / "customers*.csv")
    con.execute("create table pii as " + " union all ".join(
        f"select '{column}' as kind, trim({column}) as value "
        f"from read_csv('{customers}', all_varchar = true, header = true) "
        f"where trim({column}) <> ''" for column in PII_COLUMNS))
    yield con
    con.close()


def leaks(con, relation: str) -> list[str]:
    """Columns of ``relation`` holding a raw PII value, whole or inside a longer text."""
    columns = [name for name, data_type in con.execute(
        f"select column_name, column_type from (describe select * from {relation})").fetchall()
        if data_type == "VARCHAR"]
    found = []
    for column in columns:
        hits = con.execute(f"""
            with published_values as (select distinct "{column}" as value from {relation}
                                      where "{column}" is not null)
            select pii.kind, any_value(published_values.value)
            from published_values
            inner join pii on contains(published_values.value, pii.value)
            group by pii.kind
        """).fetchall()
        found += [f"{relation}.{column}: {kind} e.g. {example!r}" for kind, example in hits]
    return found


def test_the_sample_has_pii_to_find(checker):
    counts = dict(checker.execute("select kind, count(*) from pii group by 1").fetchall())
    assert set(counts) == set(PII_COLUMNS) and min(counts.values()) >= 100


def test_restricted_staging_schema_holds_the_unmasked_values(warehouse, checker):
    """The check can fail: run against staging it finds every kind of PII."""
    checker.execute(f"attach '{warehouse / 'powerlens.duckdb'}' as published (read_only)")
    try:
        found = leaks(checker, "published.staging.stg_cis__customers")
    finally:
        checker.execute("detach published")
    assert {line.split(":")[1].split()[0] for line in found} == set(PII_COLUMNS)


def test_no_published_mart_column_holds_pii(warehouse, checker):
    checker.execute(f"attach '{warehouse / 'powerlens.duckdb'}' as published (read_only)")
    try:
        tables = [name for (name,) in checker.execute(
            "select table_name from information_schema.tables where table_catalog = 'published'"
            " and table_schema = 'marts'").fetchall()]
        assert tables, "no published marts"
        found = [leak for table in tables for leak in leaks(checker, f"published.marts.{table}")]
    finally:
        checker.execute("detach published")
    assert found == []


def test_no_parquet_export_column_holds_pii(warehouse, checker):
    files = sorted((warehouse / "parquet" / "current").glob("**/*.parquet"))
    assert files, "no Parquet export"
    found = [leak for path in files
             for leak in leaks(checker, f"read_parquet('{path}')")]
    assert found == []
