"""The semantic layer answers the report's measures as the marts do: `mf query` (MetricFlow, on the
published warehouse attached read-only by the profile's `analyst` target) against SQL on the
marts it is defined over (models/semantic/_semantic__models.yml, docs/semantic_layer.md)."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, bin_path, run_command
from test_pipeline import published_sample

# the project's files a parse reads; the copy gets its own target/ for the semantic manifest
PROJECT_ENTRIES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


@pytest.fixture(scope="module")
def semantic_project(tmp_path_factory, sample_raw_dir):
    warehouse = published_sample(tmp_path_factory, sample_raw_dir)
    project = tmp_path_factory.mktemp("semantic_project")
    for entry in PROJECT_ENTRIES:
        os.symlink(REPO_ROOT / entry, project / entry)
    env = {"POWERLENS_WAREHOUSE": str(warehouse), "DBT_TARGET": "analyst"}
    run_command([bin_path("dbt"), "parse", "--target", "analyst"], env=env, cwd=project)
    return {"project": project, "env": env, "warehouse": warehouse}


def mf_query(semantic_project, metrics: list[str], group_by: list[str]) -> list[dict]:
    output = semantic_project["project"] / f"{'_'.join(metrics)}.csv"
    run_command([bin_path("mf"), "query", "--metrics", ",".join(metrics), "--group-by",
                 ",".join(group_by), "--csv", str(output), "--quiet"],
                env=semantic_project["env"], cwd=semantic_project["project"])
    with output.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def marts(semantic_project, sql: str) -> list[tuple]:
    database = semantic_project["warehouse"] / "current" / "powerlens.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


def month_key(value: str) -> str:
    return value[:7]


def test_kwh_by_month_and_customer_type(semantic_project):
    answered = {(month_key(row["metric_time__month"]), row["customer_month__customer_type"]):
                float(row["kwh"])
                for row in mf_query(semantic_project, ["kwh"],
                                    ["metric_time__month", "customer_month__customer_type"])}
    expected = {(f"{month:%Y-%m}", customer_type): float(kwh) for month, customer_type, kwh in marts(
        semantic_project, "select usage_month, customer_type, sum(kwh_total) "
                          "from marts.fct_monthly_usage group by all")}
    assert len(expected) > 50
    assert answered.keys() == expected.keys()
    for key, kwh in expected.items():
        assert answered[key] == pytest.approx(kwh, rel=1e-9), key


def test_billed_revenue_and_price_per_kwh_by_month(semantic_project):
    answered = {month_key(row["metric_time__month"]): row for row in mf_query(
        semantic_project, ["billed_revenue", "yuan_per_kwh"], ["metric_time__month"])}
    expected = marts(semantic_project, "select billing_month, sum(total_amount), "
                                       "sum(total_amount) / sum(kwh_total) from marts.fct_bills "
                                       "group by 1")
    assert len(expected) >= 24
    for month, revenue, price in expected:
        row = answered[f"{month:%Y-%m}"]
        assert float(row["billed_revenue"]) == pytest.approx(float(revenue), rel=1e-9)
        assert float(row["yuan_per_kwh"]) == pytest.approx(float(price), rel=1e-9)


def test_arrears_rate_by_month_is_chapter_3s(semantic_project):
    answered = {month_key(row["metric_time__month"]): float(row["arrears_rate"]) for row in mf_query(
        semantic_project, ["arrears_rate"], ["metric_time__month"])}
    expected = marts(semantic_project, """
        select month_end, sum(active_customers_in_arrears) / sum(active_customers)
        from marts.mart_ch3_arrears_monthly group by 1""")
    assert any(rate > 0 for _, rate in expected)
    for month_end, rate in expected:
        assert answered[f"{month_end:%Y-%m}"] == pytest.approx(float(rate), rel=1e-9)


def test_complaints_by_month_are_chapter_4s(semantic_project):
    answered = {month_key(row["metric_time__month"]): int(float(row["complaints"] or 0))
                for row in mf_query(semantic_project, ["complaints"], ["metric_time__month"])}
    expected = dict((f"{month:%Y-%m}", count) for month, count in marts(
        semantic_project, "select created_month, count(*) filter (where ticket_type = 'complaint') "
                          "from marts.fct_service_tickets group by 1"))
    assert sum(expected.values()) > 0
    assert answered == expected


def test_accounts_opened_and_closed_by_year(semantic_project):
    answered = {row["metric_time__year"][:4]: row for row in mf_query(
        semantic_project, ["new_customers", "closed_customers"], ["metric_time__year"])}
    opened = dict(marts(semantic_project, "select cast(year(open_date) as varchar), count(*) "
                                          "from marts.dim_customers group by 1"))
    closed = dict(marts(semantic_project, "select cast(year(close_date) as varchar), count(*) "
                                          "from marts.dim_customers where close_date is not null "
                                          "group by 1"))
    assert sum(closed.values()) > 0
    for year, count in opened.items():
        assert int(float(answered[year]["new_customers"])) == count, year
    for year, count in closed.items():
        assert int(float(answered[year]["closed_customers"])) == count, year


def test_observed_churn_rate_by_month_and_customer_type_is_chapter_1s(semantic_project):
    """Customers on the books at a month end equal chapter 1's active customers, and the observed
    churn rate is the month's closures over the month before's count, per customer type."""
    answered = {(month_key(row["metric_time__month"]), row["customer__customer_type"]): row
                for row in mf_query(semantic_project, ["customers_on_books", "observed_churn_rate"],
                                    ["metric_time__month", "customer__customer_type"])}
    chapter_1 = {(f"{month:%Y-%m}", customer_type): (active, closed)
                 for month, customer_type, active, closed in marts(semantic_project, """
        select report_month, breakdown_value, active_customers, closed_customers
        from marts.mart_ch1_customer_counts_monthly where breakdown = 'customer_type'""")}
    months = sorted({month for month, _ in chapter_1})
    assert len(months) >= 24
    rates_checked = 0
    for (month, customer_type), (active, closed) in chapter_1.items():
        row = answered[(month, customer_type)]
        assert int(float(row["customers_on_books"])) == active, (month, customer_type)
        position = months.index(month)
        before = chapter_1.get((months[position - 1], customer_type)) if position else None
        if before and before[0]:
            assert float(row["observed_churn_rate"]) == pytest.approx(closed / before[0],
                                                                      rel=1e-9, abs=1e-12)
            rates_checked += closed > 0
    assert rates_checked >= 10


def test_churn_and_value_by_the_customers_type(semantic_project):
    """Metrics of the churn and value marts sliced by an attribute of the customer (a join
    MetricFlow makes through the `customer` entity)."""
    answered = {row["customer__customer_type"]: row for row in mf_query(
        semantic_project, ["predicted_churn_rate", "average_value_score"],
        ["customer__customer_type"])}
    churn = marts(semantic_project, """
        select customers.customer_type, avg(scores.churn_probability)
        from marts.mart_ch5_churn_scores as scores
        inner join marts.dim_customers as customers on scores.customer_id = customers.customer_id
        where scores.churn_probability is not null group by 1""")
    value = dict(marts(semantic_project, """
        select customers.customer_type, avg(values.value_score)
        from marts.mart_ch6_customer_value as values
        inner join marts.dim_customers as customers on values.customer_id = customers.customer_id
        group by 1"""))
    assert len(churn) >= 4
    for customer_type, rate in churn:
        row = answered[customer_type]
        assert float(row["predicted_churn_rate"]) == pytest.approx(float(rate), rel=1e-9)
        assert float(row["average_value_score"]) == pytest.approx(float(value[customer_type]),
                                                                  rel=1e-9)


def test_service_commitments_and_satisfaction_by_year(semantic_project):
    answered = {row["metric_time__year"][:4]: row for row in mf_query(
        semantic_project, ["response_commitment_rate", "average_satisfaction"],
        ["metric_time__year"])}
    expected = marts(semantic_project, """
        select cast(year(created_month) as varchar),
            avg(case when response_commitment_met then 1.0 else 0.0 end)
                filter (where response_commitment_met is not null),
            avg(satisfaction)
        from marts.fct_service_tickets group by 1""")
    for year, met_rate, satisfaction in expected:
        assert float(answered[year]["response_commitment_rate"]) == pytest.approx(float(met_rate), rel=1e-9)
        assert float(answered[year]["average_satisfaction"]) == pytest.approx(float(satisfaction), rel=1e-9)


def test_late_fees_and_complaints_per_1000_customers_by_month(semantic_project):
    answered = {month_key(row["metric_time__month"]): row for row in mf_query(
        semantic_project, ["late_fees", "complaints_per_1000_customers"], ["metric_time__month"])}
    late_fees = dict((f"{month:%Y-%m}", float(total)) for month, total in marts(
        semantic_project, "select paid_month, coalesce(sum(amount) filter (where payment_type = 'late_fee'), 0) "
                          "from marts.fct_payments group by 1"))
    assert sum(late_fees.values()) > 0
    for month, total in late_fees.items():
        assert float(answered[month]["late_fees"] or 0) == pytest.approx(total, rel=1e-9), month
    rates = marts(semantic_project, """
        with complaints as (
            select created_month as month, count(*) filter (where ticket_type = 'complaint') as n
            from marts.fct_service_tickets group by 1),
        customers as (
            select usage_month as month, count(distinct customer_id) as n
            from marts.fct_monthly_usage group by 1)
        select customers.month, complaints.n * 1000.0 / customers.n
        from customers inner join complaints on customers.month = complaints.month""")
    assert len(rates) >= 20
    for month, rate in rates:
        assert float(answered[f"{month:%Y-%m}"]["complaints_per_1000_customers"]) == pytest.approx(
            float(rate), rel=1e-9), month
