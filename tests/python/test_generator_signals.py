"""Planted behaviour: churn signals that are there but noisy, and interval loads that agree with
the daily readings. Runs on the session sample (1,000 customers x 24 months from 2024-01)."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict

from test_generator import connect, scalar


@pytest.fixture(scope="module")
def con(sample_raw_dir):
    con = connect(sample_raw_dir)
    # month index 0..23 from 2024-01, and each customer's closing month (null while active)
    con.execute("""
        create table customer_months as
        select c.customer_id, c.customer_type, c.customer_type <> 'residential' as is_business,
               c.payment_mode,
               case when c.close_date is not null then date_diff('month', date '2024-01-01', c.close_date::date) end as close_month,
               c.open_date::date < date '2024-01-01' as opened_before
        from customers c""")
    con.execute("""
        create table monthly_kwh as
        select customer_id, date_diff('month', date '2024-01-01', (billing_month || '-01')::date) as month,
               kwh_total::double as kwh
        from bills""")
    return con


def test_closers_kwh_falls_before_closing_more_than_stayers(con):
    # log ratio of the 3 months before the closing month to the 6 months before those, compared with
    # stayers over the same months (so the seasons cancel)
    drop = con.execute("""
        with windows as (
            select m.customer_id, cm.close_month as ref_month, true as closer
            from customer_months cm join (select distinct customer_id from monthly_kwh) m using (customer_id)
            where cm.close_month between 9 and 23 and cm.opened_before
            union all
            select cm.customer_id, r.ref_month, false
            from customer_months cm cross join range(9, 24) r(ref_month)
            where cm.close_month is null and cm.opened_before),
        ratios as (
            select w.closer, w.ref_month, w.customer_id,
                   ln(avg(k.kwh) filter (where k.month between w.ref_month - 3 and w.ref_month - 1) + 1)
                   - ln(avg(k.kwh) filter (where k.month between w.ref_month - 9 and w.ref_month - 4) + 1) as log_ratio
            from windows w join monthly_kwh k using (customer_id) group by all)
        select avg(log_ratio) filter (where closer), avg(log_ratio) filter (where not closer),
               avg((log_ratio < -0.25)::int) filter (where closer), avg((log_ratio < -0.25)::int) filter (where not closer)
        from ratios""").fetchone()
    closers_mean, stayers_mean, closers_sharp_drop, stayers_sharp_drop = drop
    print('kwh log-ratio closers/stayers, sharp-drop share closers/stayers:', drop)
    assert closers_mean < stayers_mean - 0.08, drop
    # noisy, not a rule: many closers do not drop sharply and some stayers do
    assert 0.2 < closers_sharp_drop < 0.8, drop
    assert 0.01 < stayers_sharp_drop < closers_sharp_drop / 2, drop


def test_complaints_and_late_payments_are_more_frequent_before_closing(con):
    complaints = con.execute("""
        with tickets as (
            select t.customer_id, date_diff('month', date '2024-01-01', t.created_at::date) as month
            from service_tickets t where t.ticket_type = 'complaint')
        select
          (select count(*) from tickets t join customer_months cm using (customer_id)
             where t.month between cm.close_month - 6 and cm.close_month)
            / (select sum(least(cm.close_month, 6) + 1) from customer_months cm where cm.close_month is not null),
          (select count(*) from tickets t join customer_months cm using (customer_id) where cm.close_month is null)
            / (select count(*) * 24 from customer_months where close_month is null)""").fetchone()
    print('complaints per customer-month, closers before closing / stayers:', complaints)
    assert complaints[0] > 2 * complaints[1], complaints

    late = con.execute("""
        with last_paid as (
            select bill_id, max(paid_at::timestamp) as paid_at from payments where payment_type = 'bill' group by 1),
        settled as (
            select b.customer_id, date_diff('month', date '2024-01-01', (b.billing_month || '-01')::date) as month,
                   coalesce(p.paid_at, timestamp '2100-01-01') > b.due_date::date + 1 as late_or_unpaid
            from bills b join customer_months cm using (customer_id)
            left join last_paid p using (bill_id)
            where cm.payment_mode = 'postpaid' and b.total_amount::decimal(18,2) > 0 and b.billing_month < '2025-12')
        select avg(s.late_or_unpaid::int) filter (where s.month between cm.close_month - 6 and cm.close_month),
               avg(s.late_or_unpaid::int) filter (where cm.close_month is null)
        from settled s join customer_months cm using (customer_id)""").fetchone()
    print('late or unpaid bill share, closers before closing / stayers:', late)
    assert late[0] > 1.5 * late[1], late


def test_business_closers_ask_for_capacity_reduction_more_often(con):
    asked = dict(con.execute("""
        select cm.close_month is not null,
               avg((exists (select 1 from service_tickets t where t.customer_id = cm.customer_id
                            and t.category = 'connection' and t.description like '%减容%'))::int)
        from customer_months cm where cm.is_business group by 1""").fetchall())
    print('business customers asking for capacity reduction, closers / stayers:', asked)
    assert asked[True] > 3 * asked[False] and asked[False] > 0, asked


def test_churn_is_learnable_but_far_from_certain(con):
    """Snapshot 2025-07-01, features from the half year before, label: closes within the next 6 months.

    The kWh trend compares April-June with the same months a year before: irrigation farms and
    heating or cooling loads fall by half or more from one season to the next, and a trend over
    consecutive months would take them for leavers. A plain logistic regression (cross-validated)
    should beat chance clearly but stay far from 1.0, as on real utility data (REFERENCE.md: AUC
    around 0.7).
    """
    frame = con.execute("""
        with base as (
            select cm.customer_id, cm.is_business, cm.customer_type = 'general_commercial' as commercial,
                   coalesce(cm.close_month between 18 and 23, false) as churned
            from customer_months cm join customers c using (customer_id)
            where c.open_date::date < date '2024-04-01' and coalesce(cm.close_month, 99) >= 18),
        usage as (
            select customer_id,
                   ln(avg(kwh) filter (where month between 15 and 17) + 1) - ln(avg(kwh) filter (where month between 3 and 5) + 1) as kwh_trend
            from monthly_kwh group by 1),
        tickets as (
            select customer_id, count(*) filter (where ticket_type = 'complaint') as complaints,
                   count(*) filter (where description like '%减容%') as reductions,
                   avg(satisfaction::int) as satisfaction
            from service_tickets where created_at >= '2025-01-01' and created_at < '2025-07-01' group by 1),
        paying as (
            select b.customer_id, count(*) filter (where p.first_paid is null or p.first_paid > b.due_date::date + 1) as late_bills
            from bills b left join (select bill_id, min(paid_at::timestamp) as first_paid from payments
                                    where payment_type = 'bill' and paid_at < '2025-07-01' group by 1) p using (bill_id)
            join customers c using (customer_id)
            where c.payment_mode = 'postpaid' and b.billing_month between '2024-12' and '2025-05'
              and b.total_amount::decimal(18,2) > 0
            group by 1)
        select b.churned::int as churned, b.is_business::int, b.commercial::int, coalesce(u.kwh_trend, 0) as kwh_trend,
               coalesce(t.complaints, 0) as complaints, coalesce(t.reductions, 0) as reductions,
               coalesce(t.satisfaction, 4) as satisfaction, coalesce(p.late_bills, 0) as late_bills
        from base b left join usage u using (customer_id) left join tickets t using (customer_id)
        left join paying p using (customer_id)
        order by b.customer_id""").df()  # a fixed row order keeps the cross-validation folds reproducible
    assert frame["churned"].sum() >= 20, "too few closers in the window for the check"
    features = frame.drop(columns="churned").to_numpy(dtype=float)
    scores = cross_val_predict(LogisticRegression(max_iter=1000), features, frame["churned"], cv=5,
                               method="predict_proba")[:, 1]
    auc = roc_auc_score(frame["churned"], scores)
    print(f"churn AUC {auc:.3f} on {len(frame)} customers, {frame['churned'].sum()} closers")
    assert 0.62 < auc < 0.95, auc


# --- interval readings ------------------------------------------------------------------------

def test_interval_readings_agree_with_daily_readings(con):
    checks = con.execute("""
        with days as (
            select customer_id, interval_start::date as reading_date, count(*) as intervals,
                   sum(kw::decimal(18,2)) * 0.25 as kwh_from_intervals, max(kw::decimal(18,2)) as max_kw
            from interval_readings group by all)
        select count(*),
               count(*) filter (where d.intervals <> 96),
               max(abs(d.kwh_from_intervals - (r.kwh_sharp::decimal(18,2) + r.kwh_peak::decimal(18,2)
                                               + r.kwh_flat::decimal(18,2) + r.kwh_valley::decimal(18,2)))),
               count(*) filter (where d.max_kw <> r.max_demand_kw::decimal(18,2)),
               count(*) filter (where r.customer_id is null)
        from days d left join meter_readings r using (customer_id, reading_date)""").fetchone()
    days, incomplete_days, worst_kwh_gap, demand_mismatch, orphans = checks
    assert days > 0 and incomplete_days == 0 and orphans == 0
    assert worst_kwh_gap <= 0.25, worst_kwh_gap  # rounding of 96 values to 0.01 kW
    assert demand_mismatch == 0


def test_interval_readings_cover_interval_metered_customers_in_the_last_three_months(con):
    types = {row[0] for row in con.execute("""
        select distinct c.customer_type from interval_readings i join customers c using (customer_id)""").fetchall()}
    assert types == {"large_industrial", "ev_charging"}
    assert scalar(con, "select min(interval_start)::date from interval_readings") >= np.datetime64("2025-10-01")
    # shaped by the TOU hours: EV chargers draw most at night
    by_hour = dict(con.execute("""
        select hour(i.interval_start::timestamp) in (0, 1, 2, 3, 4, 5, 6, 23), avg(kw::double)
        from interval_readings i join customers c using (customer_id) where c.customer_type = 'ev_charging' group by 1""").fetchall())
    assert by_hour[True] > 1.5 * by_hour[False]


def test_power_factors_fall_on_both_sides_of_each_standard(con):
    sides = con.execute("""
        select avg((b.power_factor::double < 0.9)::int), avg((b.power_factor::double > 0.9)::int)
        from bills b join customers c using (customer_id)
        where c.customer_type in ('large_industrial', 'general_commercial', 'ev_charging')
          and c.voltage_kv::double >= 10 and c.contract_capacity_kva::int >= 160""").fetchone()
    assert sides[0] > 0.1 and sides[1] > 0.2, sides
