"""Chapter 3 (credit) marts on the session's built warehouse (1,000 customers x 24 months).

The expected figures are recomputed here from the staged bills and payments with pandas, an
implementation independent of the SQL, or follow from the definitions in docs/ch3_credit.md.
"""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest

CHAPTER_3_MARTS = [
    "fct_bill_settlement", "fct_bill_month_end_balances", "fct_payments", "mart_ch3_arrears_monthly",
    "mart_ch3_arrears_drivers", "mart_ch3_payment_channel_monthly", "mart_ch3_payment_timing",
    "mart_ch3_prepaid_vs_postpaid", "mart_ch3_credit_grade_monthly", "mart_ch3_credit_grade_distribution",
    "mart_ch3_credit_grade_validation",
]


@pytest.fixture(scope="module")
def warehouse(built_warehouse):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    yield con
    con.close()


def frame(con, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


@pytest.mark.parametrize("mart", CHAPTER_3_MARTS)
def test_every_chapter_3_mart_has_rows(warehouse, mart):
    rows = warehouse.execute(f"select count(*) from marts.{mart}").fetchone()[0]
    assert rows > 0, f"{mart} is empty"


def test_every_staged_bill_has_one_settlement_row(warehouse):
    staged, settled, distinct = warehouse.execute(
        "select (select count(*) from staging.stg_cis__bills), count(*), count(distinct bill_id) "
        "from marts.fct_bill_settlement").fetchone()
    assert staged == settled == distinct


def test_bill_referenced_payments_settle_their_bill_up_to_its_amount(warehouse):
    """Customers who only pay by naming bills: each bill's paid amount is min(sum paid, amount due)."""
    payments = frame(warehouse, """
        select customer_id, bill_id, amount from staging.stg_cis__payments
        where payment_type in ('bill', 'prepaid_topup') and amount > 0""")
    bills = frame(warehouse, "select bill_id, customer_id, total_amount from staging.stg_cis__bills")
    settled = frame(warehouse, "select bill_id, amount_paid from marts.fct_bill_settlement")
    # customers with any balance money (unreferenced or over-paying) are the FIFO test's business
    known = payments.merge(bills[["bill_id", "customer_id"]], on=["bill_id", "customer_id"], how="left", indicator=True)
    balance_customers = set(known.loc[known["_merge"] == "left_only", "customer_id"])
    paid = payments.dropna(subset=["bill_id"]).groupby("bill_id")["amount"].sum()
    bills = bills.assign(paid_by_reference=bills["bill_id"].map(paid).fillna(0))
    overpaying = set(bills.loc[bills["paid_by_reference"] > bills["total_amount"].clip(lower=0), "customer_id"])
    checked = bills[~bills["customer_id"].isin(balance_customers | overpaying)]
    expected = checked.assign(expected=[min(p, max(t, 0)) for p, t in zip(checked["paid_by_reference"],
                                                                         checked["total_amount"])])
    compared = expected.merge(settled, on="bill_id")
    assert len(compared) > 1000
    mismatched = compared[(compared["expected"] - compared["amount_paid"]).abs() > 0.005]
    assert mismatched.empty, mismatched.head()


def test_prepaid_balance_settles_bills_until_top_ups_run_out(warehouse):
    """FIFO: a customer paying only by top-ups has min(total topped up, total billed) applied to bills."""
    per_customer = frame(warehouse, """
        with topups as (
            select customer_id, sum(amount) as topped_up, count(bill_id) as named_bills
            from staging.stg_cis__payments
            where payment_type in ('bill', 'prepaid_topup') and amount > 0
            group by customer_id
        ),
        billed as (
            select customer_id, sum(greatest(total_amount, 0)) as billed from staging.stg_cis__bills group by customer_id
        ),
        applied as (
            select customer_id, sum(amount_paid) as applied from marts.fct_bill_settlement group by customer_id
        )
        select topups.customer_id, topped_up, billed, applied
        from topups join billed using (customer_id) join applied using (customer_id)
        where named_bills = 0""")
    assert len(per_customer) > 50, "the sample should have prepaid customers"
    expected = per_customer[["topped_up", "billed"]].min(axis=1)
    assert ((expected - per_customer["applied"]).abs() < 0.005).all()


def test_customers_in_arrears_match_an_independent_count(warehouse):
    """At each month end, postpaid customers with a past-due bill not fully covered by the payments
    naming it (customers without balance money), recomputed from staged rows."""
    bills = frame(warehouse, """
        select b.bill_id, b.customer_id, b.due_date, greatest(b.total_amount, 0) as amount_due
        from staging.stg_cis__bills b join staging.stg_cis__customers c using (customer_id)
        where c.payment_mode = 'postpaid'
          and b.customer_id not in (select customer_id from staging.stg_cis__payments
                                    where payment_type in ('bill', 'prepaid_topup') and bill_id is null)""")
    payments = frame(warehouse, """
        select bill_id, cast(paid_at as date) as paid_date, amount from staging.stg_cis__payments
        where payment_type = 'bill' and amount > 0""")
    month_ends = [d.date() if hasattr(d, "date") else d for d in
                  frame(warehouse, "select month_end from intermediate.int_credit__month_ends")["month_end"]]
    mart = frame(warehouse, """
        select month_end, customer_id from intermediate.int_credit__customer_month_ends
        where is_in_arrears and payment_mode = 'postpaid'""")
    bill_customers = set(bills["customer_id"])
    for month_end in month_ends[3::6]:
        ts = pd.Timestamp(month_end)
        paid = payments[pd.to_datetime(payments["paid_date"]) <= ts].groupby("bill_id")["amount"].sum()
        due = bills[pd.to_datetime(bills["due_date"]) < ts]
        open_bills = due[due["amount_due"] - due["bill_id"].map(paid).fillna(0) > 0.005]
        expected = set(open_bills["customer_id"])
        got = set(mart.loc[pd.to_datetime(mart["month_end"]) == ts, "customer_id"]) & bill_customers
        assert got == expected, f"{month_end}: {len(got ^ expected)} customers differ"


def test_ageing_buckets_add_up_to_the_arrears_amount(warehouse):
    differences = warehouse.execute("""
        select count(*) from marts.mart_ch3_arrears_monthly
        where abs(arrears_amount - (arrears_amount_1_30 + arrears_amount_31_60 + arrears_amount_61_90
                                    + arrears_amount_over_90)) > 0.005
           or active_customers_in_arrears > active_customers
           or arrears_share not between 0 and 1""").fetchone()[0]
    assert differences == 0


def test_every_active_customer_is_graded_every_month(warehouse):
    active, graded = warehouse.execute("""
        select (select count(*) from intermediate.int_credit__customer_month_ends where is_active),
               (select count(*) from marts.mart_ch3_credit_grade_monthly)""").fetchone()
    assert active == graded


def test_next_three_month_arrears_rate_falls_with_every_better_grade(warehouse):
    rates = frame(warehouse, """
        select credit_grade, graded_customer_months, next_window_arrears_rate
        from marts.mart_ch3_credit_grade_validation order by credit_grade_rank""")
    assert list(rates["credit_grade"]) == ["A", "B", "C", "D"]
    assert (rates["graded_customer_months"] >= 100).all(), rates
    assert rates["next_window_arrears_rate"].is_monotonic_increasing and rates["next_window_arrears_rate"].is_unique, rates


def test_three_consecutive_months_in_arrears_always_grade_d(warehouse):
    wrong = warehouse.execute("""
        select count(*) from marts.mart_ch3_credit_grade_monthly
        where consecutive_months_in_arrears >= 3 and credit_grade <> 'D'""").fetchone()[0]
    forced = warehouse.execute("""
        select count(*) from marts.mart_ch3_credit_grade_monthly where is_forced_lowest_grade""").fetchone()[0]
    assert wrong == 0 and forced > 0


def test_payment_channel_shares_are_shares(warehouse):
    per_month = frame(warehouse, """
        select paid_month, customer_type, sum(share_of_payments) as total_share,
               min(online_share_of_payments) as low, max(online_share_of_payments) as high
        from marts.mart_ch3_payment_channel_monthly group by 1, 2""")
    assert ((per_month["total_share"] - 1).abs() < 1e-9).all()
    assert (per_month["low"] == per_month["high"]).all() and per_month["low"].between(0, 1).all()


def test_prepaid_customers_fall_into_arrears_less_often_than_postpaid(warehouse):
    rates = frame(warehouse, """
        select payment_mode, sum(bills_entered_arrears) / sum(bills_observed) as rate
        from marts.mart_ch3_prepaid_vs_postpaid where customer_type = 'residential' group by 1""")
    rate = dict(zip(rates["payment_mode"], rates["rate"]))
    assert rate["prepaid"] < rate["postpaid"]
