"""The report's finding logic and wording on inputs small enough to know the answer by hand."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from powerlens.report import formatting as fmt
from powerlens.report.content import Chart, Series
from powerlens.report.findings import grew_most, largest_effect, separation
from powerlens.report.labels import Labels
from powerlens.report.sections import Context, ch1_customer_types, shift_months


def test_grew_most_is_the_highest_rate_not_the_largest_count():
    # residential adds 50 customers on 1,000 (+5%); agricultural adds 6 on 12 (+50%)
    assert grew_most({"residential": 1050, "agricultural": 18, "ev": 9},
                     {"residential": 1000, "agricultural": 12, "ev": 10}) == ("agricultural", 0.5)


def test_grew_most_leaves_out_a_type_without_a_base():
    assert grew_most({"new_type": 5, "residential": 99}, {"new_type": 0, "residential": 100}) \
        == ("residential", pytest.approx(-0.01))
    assert grew_most({"a": 5}, {"a": None}) is None


def test_separation_says_whether_every_grade_step_raises_the_rate():
    assert separation([0.04, 0.05, 0.15, 0.60]) == (True, pytest.approx(15.0))
    assert separation([0.04, 0.03, 0.15, 0.60])[0] is False


def test_largest_effect_counts_a_fall_as_much_as_a_rise():
    assert largest_effect({"volume": 100.0, "price": -250.0, "mix": 10.0}) == ("price", -250.0)


def test_numbers_are_written_for_a_reader():
    assert fmt.integer(1234567.4) == "1,234,567"
    assert fmt.percent(0.2371) == "23.7%"
    assert fmt.signed_percent(-0.012) == "-1.2%"
    assert fmt.yuan(1234.4, "zh") == "1,234 元"
    assert fmt.yuan(-14092, "en") == "-¥14,092"
    assert fmt.signed_yuan(-120042, "en") == "-¥120,042"
    assert fmt.percent(None) == fmt.integer(float("nan")) == "–"


def test_a_chart_refuses_a_series_that_does_not_fit_its_categories():
    with pytest.raises(ValueError):
        Chart("bar", ["a", "b"], [Series("s", [1.0])], "kWh")
    with pytest.raises(ValueError):
        Chart("pie", ["a"], [Series("s", [1.0])], "kWh")


def test_shift_months_crosses_years():
    assert shift_months(dt.date(2025, 12, 1), -11) == dt.date(2025, 1, 1)
    assert shift_months(dt.date(2025, 1, 1), -1) == dt.date(2024, 12, 1)


@pytest.fixture
def tiny_warehouse():
    """A warehouse of three customer types whose year-on-year growth is known by hand."""
    con = duckdb.connect()
    con.execute("create schema marts; create schema reference")
    con.execute("""create table reference.code_labels as select * from (values
        ('customer_type', 'residential', '居民生活', 'Residential'),
        ('customer_type', 'agricultural', '农业生产', 'Agricultural'),
        ('customer_type', 'ev_charging', '电动汽车充换电', 'EV charging'))
        as t(code_set, code, label_zh, label_en)""")
    con.execute("create table reference.regions (region_code varchar, region_name_zh varchar, "
                "region_name_en varchar)")
    con.execute("""create table marts.mart_ch1_customer_counts_monthly as select * from (values
        (date '2025-12-01', 'customer_type', 'residential', 1050, 1000, 0.05),
        (date '2025-12-01', 'customer_type', 'agricultural', 18, 12, 0.5),
        (date '2025-12-01', 'customer_type', 'ev_charging', 9, 10, -0.1))
        as t(report_month, breakdown, breakdown_value, active_customers, active_customers_last_year,
             active_customers_yoy_growth)""")
    yield con
    con.close()


@pytest.mark.parametrize("lang, largest, fastest", [
    ("en", "Residential is the largest group with 1,050 customers (97.5%).",
     "Agricultural grew most over the year (+50.0%)."),
    ("zh", "居民生活客户最多，1,050 户，占 97.5%。", "同比增长最快的是农业生产（+50.0%）。"),
])
def test_the_customer_type_finding_names_the_type_that_grew_most(tiny_warehouse, lang, largest, fastest):
    # 1,050 of 1,077 customers = 97.5%; agricultural 18 / 12 - 1 = +50%, residential only +5%
    section = ch1_customer_types(Context(tiny_warehouse, dt.date(2025, 12, 1), lang,
                                         Labels(tiny_warehouse, lang)))
    assert section.findings == [largest, fastest]
    assert section.chart.series[0].values == [1050.0, 18.0, 9.0]
