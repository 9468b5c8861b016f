"""The example analyst queries (docs/examples/analyst_queries.sql) run on a published warehouse and
answer what they say, checked against the marts and facts by other routes."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT
from test_pipeline import published_sample

QUERIES_FILE = REPO_ROOT / "docs" / "examples" / "analyst_queries.sql"


def example_queries() -> dict[str, str]:
    text = QUERIES_FILE.read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\n", text, flags=re.MULTILINE)
    return {name: body.strip().rstrip(";") for name, body in zip(parts[1::2], parts[2::2])}


@pytest.fixture(scope="module")
def answers(tmp_path_factory, sample_raw_dir) -> dict:
    warehouse = published_sample(tmp_path_factory, sample_raw_dir)
    # the analysts' file (masked, no restricted schema): the queries must work there
    con = duckdb.connect(str(warehouse / "current" / "powerlens.duckdb"), read_only=True)
    results = {}
    for name, sql in example_queries().items():
        cursor = con.execute(sql)
        columns = [column[0] for column in cursor.description]
        results[name] = [dict(zip(columns, row)) for row in cursor.fetchall()]
    yield {"results": results, "con": con}
    con.close()


def test_the_file_holds_one_query_per_chapter():
    assert list(example_queries()) == [
        "customers_by_type_and_area", "kwh_by_type_last_12_months_against_the_year_before",
        "arrears_by_ageing_at_the_latest_month_end", "complaint_categories_that_make_80_percent",
        "retention_calls_worth_making_first", "offers_in_yuan"]


def test_every_query_answers(answers):
    for name, rows in answers["results"].items():
        assert rows, f"{name} returned no rows"


def test_active_customers_add_up_to_chapter_1s_count(answers):
    rows = answers["results"]["customers_by_type_and_area"]
    chapter_1 = answers["con"].execute(
        "select active_customers from marts.mart_ch1_customer_counts_monthly where breakdown = 'all' "
        "order by report_month desc limit 1").fetchone()[0]
    assert sum(row["active_customers"] for row in rows) == chapter_1


def test_kwh_of_the_last_12_months_adds_up_to_the_monthly_facts(answers):
    rows = answers["results"]["kwh_by_type_last_12_months_against_the_year_before"]
    con = answers["con"]
    months = [month for (month,) in con.execute(
        "select distinct usage_month from marts.fct_monthly_usage order by 1 desc limit 12").fetchall()]
    total = con.execute("select sum(kwh_total) from marts.fct_monthly_usage where usage_month >= ?",
                        [months[-1]]).fetchone()[0]
    assert sum(row["kwh_last_12m"] for row in rows) == total
    for row in rows:
        if row["kwh_year_before"]:
            expected = round(float(row["kwh_last_12m"]) / float(row["kwh_year_before"]) - 1, 4)
            assert float(row["growth"]) == pytest.approx(expected, abs=1e-4)


def test_the_ageing_buckets_add_up_to_the_arrears(answers):
    (row,) = answers["results"]["arrears_by_ageing_at_the_latest_month_end"]
    buckets = sum(row[f"arrears_{name}_days"] for name in ("1_30", "31_60", "61_90", "over_90"))
    assert buckets == row["arrears_amount"]
    assert row["arrears_amount"] > 0


def test_the_vital_few_complaint_categories_reach_80_percent(answers):
    rows = answers["results"]["complaint_categories_that_make_80_percent"]
    shares = [float(row["share_of_complaints"]) for row in rows]
    assert shares == sorted(shares, reverse=True)
    # every category but the last is below 80% cumulatively; together they reach it
    assert all(float(row["cumulative_share"]) < 0.8 for row in rows[:-1])
    assert float(rows[-1]["cumulative_share"]) >= 0.8 or len(rows) == answers["con"].execute(
        "select count(*) from marts.mart_ch4_complaint_pareto").fetchone()[0]


def test_retention_calls_come_in_priority_order(answers):
    rows = answers["results"]["retention_calls_worth_making_first"]
    assert 0 < len(rows) <= 20
    values = [row["net_value_to_utility_yuan"] for row in rows]
    assert values == sorted(values, reverse=True)


def test_offers_add_up_to_the_offers_mart(answers):
    rows = answers["results"]["offers_in_yuan"]
    total = answers["con"].execute("select sum(yuan_per_year) from marts.mart_ch6_offers").fetchone()[0]
    assert sum(row["yuan_per_year"] for row in rows) == total
