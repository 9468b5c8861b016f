"""Chapter 2 marts against figures worked out independently from the raw files and the seeds
(plain SQL over the CSVs in an in-memory DuckDB, not the dbt models): kWh by period, TOU
shares, load character and the typical curve, bill composition and burden, the year-on-year
decomposition, saving potential and programme participation."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def con(built_warehouse, sample_raw_dir):
    """The built warehouse, with the raw files attached as views raw_<table> (shared with the
    chapter 1 tests)."""
    connection = duckdb.connect(str(built_warehouse), read_only=True)
    for table in ("meter_readings", "interval_readings", "bills", "programme_enrollments", "service_tickets"):
        connection.execute(f"create temp view raw_{table} as "
                           f"select * from read_csv('{sample_raw_dir}/{table}*.csv', header = true)")
    # customers staging rejected (with their rows) cannot reach a mart; the reconciliation of
    # rejected rows is staging's own test, so the raw side here keeps the accepted customers
    connection.execute(f"create temp view raw_customers as "
                       f"select * from read_csv('{sample_raw_dir}/customers*.csv', header = true, all_varchar = true) "
                       f"where customer_id in (select customer_id from staging.stg_cis__customers)")
    connection.execute("""create temp view report_months as
        select distinct cast(date_trunc('month', reading_date) as date) as month_start,
               cast(last_day(reading_date) as date) as month_end
        from raw_meter_readings""")
    connection.execute(f"create temp view seed_tariffs as select * from read_csv('{REPO_ROOT}/seeds/tariffs.csv')")
    yield connection
    connection.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def test_yearly_kwh_per_type_matches_raw_readings(con):
    mart = dict(((year, customer_type), kwh) for year, customer_type, kwh in rows(con, """
        select year(period_start), customer_type, sum(kwh_total)
        from marts.mart_ch2_kwh_by_period where period_grain = 'year' group by all"""))
    raw = rows(con, """
        select year(r.reading_date), c.customer_type,
               sum(r.kwh_sharp + r.kwh_peak + r.kwh_flat + r.kwh_valley)
        from raw_meter_readings as r inner join raw_customers as c using (customer_id)
        group by all""")
    assert len(raw) >= 10  # 2 years x 5 types
    for year, customer_type, kwh in raw:
        assert float(mart[(year, customer_type)]) == pytest.approx(kwh, abs=0.05), (year, customer_type)


def test_quarters_add_up_to_their_months_and_shares_to_one(con):
    mismatched = rows(con, """
        with months as (
            select cast(date_trunc('quarter', period_start) as date) as quarter_start, customer_type, region_code,
                   sum(kwh_total) as kwh
            from marts.mart_ch2_kwh_by_period where period_grain = 'month' group by all),
        quarters as (
            select period_start as quarter_start, customer_type, region_code, kwh_total as kwh
            from marts.mart_ch2_kwh_by_period where period_grain = 'quarter')
        select * from months full outer join quarters using (quarter_start, customer_type, region_code)
        where months.kwh is distinct from quarters.kwh""")
    assert mismatched == []
    bad_shares = rows(con, """
        select * from marts.mart_ch2_kwh_by_period
        where kwh_total > 0 and abs(sharp_share + peak_share + flat_share + valley_share - 1) > 1e-9""")
    assert bad_shares == []


def test_load_character_uses_interval_data_where_it_exists(con):
    sources = dict(rows(con, "select load_source, count(*) from marts.mart_ch2_load_character group by 1"))
    assert sources.get("interval_15min", 0) > 0 and sources.get("daily_max_demand", 0) > 0
    # a month whose readings contradict each other (maximum below mean) is flagged; every
    # other month must have its loads in order and its ratios in range
    out_of_bounds = rows(con, """
        select customer_id, usage_month from marts.mart_ch2_load_character
        where max_load_below_mean_load is distinct from (mean_load_kw > max_load_kw)
           or not max_load_below_mean_load and not (min_load_kw <= mean_load_kw + 1e-9 and mean_load_kw <= max_load_kw + 1e-9
                   and load_factor > 0 and load_factor <= 1 + 1e-9
                   and peak_valley_difference_rate between 0 and 1)""")
    assert out_of_bounds == []
    # interval-based figures straight from the raw 15-minute loads
    differences = rows(con, """
        with raw_months as (
            select customer_id, cast(date_trunc('month', interval_start) as date) as usage_month,
                   max(kw) as max_kw, min(kw) as min_kw, avg(kw) as mean_kw
            from raw_interval_readings group by all)
        select raw_months.customer_id, raw_months.usage_month
        from raw_months inner join marts.mart_ch2_load_character as mart using (customer_id, usage_month)
        where mart.load_source <> 'interval_15min'
           or abs(mart.max_load_kw - raw_months.max_kw) > 1e-9
           or abs(mart.load_factor - raw_months.mean_kw / raw_months.max_kw) > 1e-9
           or abs(mart.peak_valley_difference_rate - (raw_months.max_kw - raw_months.min_kw) / raw_months.max_kw) > 1e-9""")
    assert differences == []


def test_typical_load_curve_matches_raw_intervals(con):
    differences = rows(con, """
        with customer_points as (
            select customer_id, hour(interval_start) * 4 + minute(interval_start) // 15 + 1 as point, avg(kw) as kw
            from raw_interval_readings group by all),
        type_points as (
            select c.customer_type, point, avg(kw) as kw
            from customer_points inner join raw_customers as c using (customer_id) group by all)
        select type_points.customer_type, type_points.point
        from type_points full outer join marts.mart_ch2_typical_load_curve as mart
            on mart.customer_type = type_points.customer_type and mart.quarter_hour_of_day = type_points.point
        where mart.mean_load_kw is null or type_points.kw is null or abs(mart.mean_load_kw - type_points.kw) > 1e-9""")
    assert differences == []
    points = rows(con, "select customer_type, count(*), max(load_share_of_daily_peak) from marts.mart_ch2_typical_load_curve group by 1")
    assert points and all(count == 96 and top == pytest.approx(1.0) for _, count, top in points)


def test_bill_composition_matches_raw_bills(con):
    differences = rows(con, """
        with raw_totals as (
            select cast(billing_month || '-01' as date) as billing_month, c.customer_type,
                   count(*) as bills, sum(b.basic_charge) as basic, sum(b.energy_charge) as energy,
                   sum(b.pf_adjustment) as pf, sum(b.surcharge) as surcharge, sum(b.total_amount) as total,
                   sum(b.kwh_total) as kwh
            from raw_bills as b inner join raw_customers as c using (customer_id) group by all)
        select raw_totals.billing_month, raw_totals.customer_type
        from raw_totals full outer join marts.mart_ch2_bill_composition as mart using (billing_month, customer_type)
        where mart.bills is distinct from raw_totals.bills
           or abs(mart.basic_charge - raw_totals.basic) > 0.005 or abs(mart.energy_charge - raw_totals.energy) > 0.005
           or abs(mart.pf_adjustment - raw_totals.pf) > 0.005 or abs(mart.surcharge - raw_totals.surcharge) > 0.005
           or abs(mart.total_amount - raw_totals.total) > 0.005
           or abs(mart.yuan_per_kwh - raw_totals.total / raw_totals.kwh) > 1e-9""")
    assert differences == []
    shares = rows(con, """select count(*) from marts.mart_ch2_bill_composition
        where abs(basic_charge_share + energy_charge_share + pf_adjustment_share + surcharge_share - 1) > 1e-9
           or on_peak_energy_cost_share not between 0 and 1""")
    assert shares == [(0,)]


def test_year_on_year_effects_match_the_formula(con):
    # that the effects add up is the dbt test assert_bill_trend_effects_add_up; here each effect
    # of the whole base is worked out from the raw bills, with customer types as segments
    segments = rows(con, """
        select cast(b.billing_month || '-01' as date) as month, c.customer_type,
               sum(b.kwh_total) as kwh, sum(b.total_amount) as amount
        from raw_bills as b inner join raw_customers as c using (customer_id) group by all""")
    by_month: dict = {}
    for month, customer_type, kwh, amount in segments:
        by_month.setdefault(month, {})[customer_type] = (float(kwh), float(amount))
    mart = {month: (volume, mix, price) for month, volume, mix, price in rows(con, """
        select billing_month, volume_effect, mix_effect, price_effect
        from marts.mart_ch2_bill_trend_yoy where region_scope = 'all'""")}
    checked = 0
    for month, this_year in by_month.items():
        last_year = by_month.get(month.replace(year=month.year - 1))
        if last_year is None or set(this_year) != set(last_year):
            continue
        q1, q0 = sum(k for k, _ in this_year.values()), sum(k for k, _ in last_year.values())
        b0 = sum(a for _, a in last_year.values())
        p0 = {t: a / k for t, (k, a) in last_year.items()}
        p1 = {t: a / k for t, (k, a) in this_year.items()}
        volume = (q1 - q0) * b0 / q0
        mix = q1 * sum((this_year[t][0] / q1 - last_year[t][0] / q0) * p0[t] for t in this_year)
        price = q1 * sum(this_year[t][0] / q1 * (p1[t] - p0[t]) for t in this_year)
        assert mart[month] == pytest.approx((volume, mix, price), abs=0.01), month
        checked += 1
    assert checked >= 12


def test_peak_shift_saving_matches_raw_readings_and_tariff(con):
    expected = dict(rows(con, """
        with window_readings as (
            select * from raw_meter_readings
            where reading_date > (select max(reading_date) from raw_meter_readings) - interval 12 month),
        customer_saving as (
            select r.customer_id,
                   0.10 * sum(r.kwh_sharp * (t.price_sharp - t.price_valley) + r.kwh_peak * (t.price_peak - t.price_valley))
                   * 12 / count(distinct date_trunc('month', r.reading_date)) as saving
            from window_readings as r
            inner join raw_customers as c using (customer_id)
            inner join seed_tariffs as t on t.tariff_code = c.tariff_code
            group by all)
        select customer_id, round(saving, 2) from customer_saving where round(saving, 2) > 0"""))
    mart = dict(rows(con, """select customer_id, saving_yuan_per_year from marts.mart_ch2_saving_potential
                             where suggestion = 'peak_to_valley_shift'"""))
    assert expected and set(mart) == set(expected)
    for customer_id, saving in expected.items():
        assert float(mart[customer_id]) == pytest.approx(saving, abs=0.011), customer_id


def test_saving_suggestions_fit_the_customer(con):
    assert rows(con, """select customer_id, suggestion, count(*) from marts.mart_ch2_saving_potential
                        group by all having count(*) > 1""") == []
    misfits = rows(con, """
        select s.customer_id, s.suggestion
        from marts.mart_ch2_saving_potential as s inner join marts.dim_customers as d using (customer_id)
        where s.saving_yuan_per_year <= 0
           or (s.suggestion = 'pf_correction' and d.pf_standard is null)
           or (s.suggestion = 'basic_charge_basis_switch' and d.basic_charge_basis not in ('capacity', 'demand'))""")
    assert misfits == []
    suggestions = {s for (s,) in rows(con, "select distinct suggestion from marts.mart_ch2_saving_potential")}
    assert suggestions == {"pf_correction", "peak_to_valley_shift", "basic_charge_basis_switch"}


def test_programme_participation_matches_raw_enrolments(con):
    differences = rows(con, """
        with raw_counts as (
            select c.customer_type, e.programme, count(distinct e.customer_id) as enrolled
            from raw_programme_enrollments as e inner join raw_customers as c using (customer_id) group by all)
        select raw_counts.customer_type, raw_counts.programme
        from raw_counts left join marts.mart_ch2_programme_participation as mart using (customer_type, programme)
        where mart.enrolled_customers is distinct from raw_counts.enrolled""")
    assert differences == []
    assert rows(con, """select count(*) from marts.mart_ch2_programme_participation
                        where enrolled_customers > customers""") == [(0,)]


def test_policy_response_compares_enrolled_with_similar_customers(con):
    responses = rows(con, """select programme, customer_type, enrolled_customers_measured, kwh_change_rate,
                                    comparison_kwh_change_rate, net_kwh_change_rate
                             from marts.mart_ch2_policy_response""")
    assert responses
    for programme, customer_type, measured, change, comparison, net in responses:
        assert measured >= 1
        if change is not None and comparison is not None:
            # the net effect is the mean of per-customer differences, which equals the difference of the means
            assert net == pytest.approx(change - comparison, abs=1e-9), (programme, customer_type)
