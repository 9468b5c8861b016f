"""The bill audit (fct_bill_audit) against the generator's ground truth: on generated data it
must flag exactly the bills the generator corrupted, each with the component it corrupted,
and nothing else (docs/billing_rules.md: that is what keeps the generator and the tariff
engine honest)."""
from __future__ import annotations

import duckdb
import pytest


@pytest.fixture(scope="module")
def audit_and_truth(built_warehouse, sample_raw_dir):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    flagged = con.execute("""
        select bill_id, audit_status, differing_component
        from marts.fct_bill_audit
        where audit_status <> 'match'
    """).fetchall()
    truth = con.execute(f"""
        select bill_id, error_kind, component
        from read_csv('{sample_raw_dir / '_truth' / 'planted_bill_errors.csv'}', all_varchar = true)
    """).fetchall()
    audited_bills = con.execute("select count(*) from marts.fct_bill_audit").fetchone()[0]
    issued_bills = con.execute("select count(*) from marts.fct_bills").fetchone()[0]
    con.close()
    return flagged, truth, audited_bills, issued_bills


def test_generator_planted_errors_of_every_kind(audit_and_truth):
    _, truth, _, _ = audit_and_truth
    assert {kind for _, kind, _ in truth} == {"wrong_period_split", "wrong_pf_adjustment", "wrong_basic_charge"}


def test_audit_flags_exactly_the_planted_bills(audit_and_truth):
    flagged, truth, _, _ = audit_and_truth
    flagged_ids = {bill_id for bill_id, _, _ in flagged}
    planted_ids = {bill_id for bill_id, _, _ in truth}
    assert flagged_ids - planted_ids == set(), "audit flags bills the generator did not corrupt"
    assert planted_ids - flagged_ids == set(), "audit misses planted errors"


def test_audit_names_the_corrupted_component(audit_and_truth):
    flagged, truth, _, _ = audit_and_truth
    named = {bill_id: (status, component) for bill_id, status, component in flagged}
    for bill_id, kind, component in truth:
        assert named[bill_id] == ("mismatch", component), (bill_id, kind)


def test_every_issued_bill_is_audited_and_none_is_missing(audit_and_truth):
    flagged, _, audited_bills, issued_bills = audit_and_truth
    # no missing or unexpected bills: the audit has exactly one row per issued bill
    assert audited_bills == issued_bills
    assert all(status == "mismatch" for _, status, _ in flagged)


def test_late_fees_due_are_exactly_the_late_fees_charged(built_warehouse):
    # the generator charges the late fee of docs/billing_rules.md section 6 when a late bill is
    # settled; fct_bill_late_fees recomputes it independently from the bill payments
    con = duckdb.connect(str(built_warehouse), read_only=True)
    statuses = dict(con.execute("""
        select late_fee_status, count(*) from marts.fct_bill_late_fees group by all""").fetchall())
    cross_year = con.execute("""
        select count(*) from marts.fct_bill_late_fees
        where late_fee_status = 'charged' and customer_type <> 'residential'
          and year(last_paid_date) > year(due_date)""").fetchone()[0]
    minimum = con.execute("""
        select count(*) from marts.fct_bill_late_fees where late_fee_status = 'charged' and late_fee_due = 1""").fetchone()[0]
    bills = con.execute("select count(*) from marts.fct_bills").fetchone()[0]
    con.close()
    assert sum(statuses.values()) == bills
    assert statuses.get("charged", 0) >= 100
    assert statuses.get("not_charged", 0) == 0 and statuses.get("charged_differently", 0) == 0, statuses
    assert cross_year >= 1, "no non-residential bill paid late across a year end in the sample"
    assert minimum >= 1, "no late fee raised to the 1-yuan minimum in the sample"
