"""Churn features on tiny hand-made inputs; every expected number is worked out in the comments."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from powerlens.scoring.features import (FEATURES, FORBIDDEN_FEATURES, MODEL_NUMERIC_FEATURES,
                                        ChurnInputs,
                                        build_snapshot_features, build_training_frame,
                                        churn_label, snapshot_dates)
from powerlens.scoring.synthetic import synthetic_inputs

SNAPSHOT = pd.Timestamp("2024-07-01")


def hand_made_inputs() -> ChurnInputs:
    customers = pd.DataFrame([
        # c1: open 18 months, postpaid; c2: new prepaid account that closes in August
        ("c1", "general_commercial", "r1", "urban", "postpaid", 10.0, 0.4, False, "2023-01-15", None),
        ("c2", "residential", "r2", "rural", "prepaid", 8.0, 0.22, True, "2024-05-10", "2024-08-15"),
        # c3 closed before the snapshot, c4 opens on it: neither is active
        ("c3", "residential", "r1", "urban", "postpaid", 8.0, 0.22, False, "2020-01-01", "2024-06-20"),
        ("c4", "residential", "r1", "urban", "postpaid", 8.0, 0.22, False, "2024-07-01", None),
    ], columns=["customer_id", "customer_type", "region_code", "urban_rural", "payment_mode",
                "contract_capacity_kva", "voltage_kv", "has_pv", "open_date", "close_date"])
    usage = pd.DataFrame([
        ("c1", "2024-01-01", 400.0, 8.0), ("c1", "2024-04-01", 100.0, 5.0),
        ("c1", "2024-05-01", 200.0, 6.0), ("c1", "2024-06-01", 300.0, 4.0),
        ("c1", "2024-07-01", 9999.0, 99.0),  # the snapshot month itself: not yet over
        ("c2", "2024-05-01", 50.0, 1.0), ("c2", "2024-06-01", 0.0, 0.0),
    ], columns=["customer_id", "usage_month", "kwh", "max_demand_kw"])
    bills = pd.DataFrame([
        ("b0", "c1", "2023-06-01", "2023-07-03", "2023-07-13", 500.0, 300.0),
        ("b1", "c1", "2024-04-01", "2024-05-03", "2024-05-13", 100.0, 60.0),
        ("b2", "c1", "2024-05-01", "2024-06-03", "2024-06-13", 200.0, 120.0),
        ("b3", "c1", "2024-06-01", "2024-07-03", "2024-07-13", 300.0, 999.0),  # issued after
        ("b4", "c2", "2024-05-01", "2024-06-03", "2024-06-18", 50.0, 40.0),
    ], columns=["bill_id", "customer_id", "billing_month", "issue_date", "due_date", "kwh_total",
                "total_amount"])
    payments = pd.DataFrame([
        ("p0", "c1", "b0", "2023-07-20 09:00", 300.0, "bill"),          # 7 days late
        ("p1", "c1", "b1", "2024-05-13 18:00", 60.0, "bill"),           # on the due date
        ("p2", "c1", "b2", "2024-06-10 10:00", 50.0, "bill"),           # part paid in time
        ("p3", "c1", "b2", "2024-07-05 10:00", 70.0, "bill"),           # the rest, after
        ("p4", "c1", None, "2024-06-20 10:00", 5.0, "late_fee"),
        ("p5", "c1", None, "2024-07-02 10:00", 5.0, "late_fee"),        # after
        ("p6", "c2", None, "2024-05-12 10:00", 30.0, "prepaid_topup"),
        ("p7", "c2", None, "2024-07-10 10:00", 100.0, "prepaid_topup"),  # after
    ], columns=["payment_id", "customer_id", "bill_id", "paid_at", "amount", "payment_type"])
    tickets = pd.DataFrame([
        ("t1", "c1", "complaint", "billing", "2024-06-01 09:00", "2024-06-05 09:00", 1.0),
        # created before, resolved after the snapshot: unresolved, its rating unknown then
        ("t2", "c1", "complaint", "billing", "2024-06-25 09:00", "2024-07-03 09:00", 5.0),
        ("t3", "c1", "fault_repair", "outage", "2023-08-01 09:00", "2023-08-01 12:00", 4.0),
        ("t4", "c1", "complaint", "billing", "2024-07-02 09:00", None, None),  # after
    ], columns=["ticket_id", "customer_id", "ticket_type", "category", "created_at",
                "resolved_at", "satisfaction"])
    surveys = pd.DataFrame([
        ("s1", "c1", "2024-03-01", 6.0, 5.0),
        ("s2", "c1", "2024-07-15", 9.0, 9.0),  # after
    ], columns=["survey_id", "customer_id", "survey_date", "overall", "billing"])
    programmes = pd.DataFrame([
        ("c1", "energy_audit", "2024-02-01"), ("c1", "pv_install", "2024-08-01"),
    ], columns=["customer_id", "programme", "enrolled_date"])
    # region r2 is missing from the competition seed (a region the utility has not assessed)
    competition = pd.DataFrame([("r1", 0.9), ("r3", 0.1)],
                               columns=["region_code", "competition_index"])
    return ChurnInputs(customers, usage, bills, payments, tickets, surveys, programmes,
                       competition)


@pytest.fixture
def features() -> pd.DataFrame:
    return build_snapshot_features(hand_made_inputs().normalised(), SNAPSHOT)


def test_only_customers_active_at_the_snapshot(features):
    assert list(features.index) == ["c1", "c2"]


def test_usage_levels_trend_and_volatility(features):
    c1 = features.loc["c1"]
    assert c1["kwh_avg_3m"] == pytest.approx((100 + 200 + 300) / 3)
    # 12 open months, 8 without readings count as 0
    assert c1["kwh_avg_12m"] == pytest.approx(1000 / 12)
    assert c1["kwh_trend_3m_vs_12m"] == pytest.approx(200 / (1000 / 12))
    mean = 1000 / 12
    variance = (400**2 + 100**2 + 200**2 + 300**2) / 12 - mean**2
    assert c1["kwh_volatility_12m"] == pytest.approx(math.sqrt(variance) / mean)
    assert c1["max_demand_3m_kw"] == 6.0
    assert c1["demand_trend_3m_vs_12m"] == pytest.approx(6 / 8)
    assert c1["demand_utilisation_3m"] == pytest.approx(6 / 10)
    # c2 has been open 2 months (May, June), one of them without use
    c2 = features.loc["c2"]
    assert c2["kwh_avg_3m"] == pytest.approx(25.0)
    assert c2["zero_usage_months_3m"] == 1


def test_bill_levels_and_burden(features):
    c1 = features.loc["c1"]
    assert c1["bill_avg_3m"] == pytest.approx((60 + 120) / 2)
    assert c1["bill_amount_12m"] == pytest.approx(300 + 60 + 120)
    assert c1["bill_trend_3m_vs_12m"] == pytest.approx(90 / 160)
    assert c1["yuan_per_kwh_12m"] == pytest.approx(480 / 800)
    assert c1["annual_revenue_yuan"] == pytest.approx(480.0)


def test_late_payments_and_arrears(features):
    c1 = features.loc["c1"]
    # b0 paid 7 days late, b2 only part paid by its due date; b1 paid on the due date is on time
    assert c1["late_payments_12m"] == 2
    # b2's 70 yuan arrived after the snapshot, so 70 is owed at the snapshot, due since 2024-06-13
    assert c1["arrears_amount"] == pytest.approx(70.0)
    assert c1["oldest_arrears_days"] == 18
    assert c1["late_fees_12m"] == 1
    # prepaid c2: 40 yuan billed against 30 yuan topped up before the snapshot
    c2 = features.loc["c2"]
    assert c2["arrears_amount"] == pytest.approx(10.0)
    assert c2["late_payments_12m"] == 0


def test_complaints_and_their_outcome(features):
    c1 = features.loc["c1"]
    assert c1["tickets_12m"] == 3
    assert c1["outage_tickets_12m"] == 1
    assert c1["complaints_3m"] == 2
    assert c1["unresolved_complaints"] == 1
    assert c1["dissatisfied_complaints_12m"] == 1
    # t2's rating of 5 came after the snapshot: only t1 (1) and t3 (4) are known
    assert c1["ticket_satisfaction_12m"] == pytest.approx(2.5)


def test_survey_programmes_and_static(features):
    c1 = features.loc["c1"]
    assert c1["latest_survey_overall"] == 6.0
    assert c1["latest_survey_billing"] == 5.0
    assert c1["programmes_enrolled"] == 1
    assert c1["tenure_months"] == pytest.approx(533 / 30.4375)
    assert features.loc["c2", "has_pv"] == 1.0
    assert math.isnan(features.loc["c2", "latest_survey_overall"])


def test_competition_index_is_the_customers_regions(features):
    # c1 is in r1 (0.9); c2's region r2 has no row in the seed: empty, not 0 (0 would read as
    # "no competition"), so the models impute it and see its missing indicator
    assert features.loc["c1", "competition_index"] == pytest.approx(0.9)
    assert math.isnan(features.loc["c2", "competition_index"])
    assert "competition_index" in MODEL_NUMERIC_FEATURES


def test_without_a_competition_table_the_feature_is_empty_for_everyone():
    inputs = hand_made_inputs()
    inputs.region_competition = None
    features = build_snapshot_features(inputs.normalised(), SNAPSHOT)
    assert list(features.index) == ["c1", "c2"]
    assert features["competition_index"].isna().all()


def test_label_is_closing_within_the_window():
    customers = hand_made_inputs().normalised().customers
    assert churn_label(customers, SNAPSHOT, 3).to_dict() == {"c1": False, "c2": True}
    # c2 closes on 2024-08-15, outside a one-month window
    assert churn_label(customers, SNAPSHOT, 1).to_dict() == {"c1": False, "c2": False}


def test_close_date_and_reason_are_never_features(features):
    assert not FORBIDDEN_FEATURES & set(features.columns)
    assert not FORBIDDEN_FEATURES & set(FEATURES)


def _before(inputs: ChurnInputs, cutoff: pd.Timestamp) -> ChurnInputs:
    """Inputs as they stood on ``cutoff``: later rows deleted, later closings not yet known."""
    dated = {"monthly_usage": "usage_month", "bills": "issue_date", "payments": "paid_at",
             "tickets": "created_at", "surveys": "survey_date", "programmes": "enrolled_date"}
    frames = {name: getattr(inputs, name).loc[getattr(inputs, name)[column] < cutoff]
              for name, column in dated.items()}
    tickets = frames["tickets"].copy()
    tickets.loc[tickets["resolved_at"] >= cutoff, ["resolved_at", "satisfaction"]] = [pd.NaT, None]
    customers = inputs.customers.copy()
    customers.loc[customers["close_date"] >= cutoff, "close_date"] = pd.NaT
    customers["close_reason"] = None
    frames["tickets"] = tickets
    # the competition seed is reference data without dates: it stands as it is
    return ChurnInputs(customers=customers, **frames,
                       region_competition=inputs.region_competition)


@pytest.mark.parametrize("inputs", [hand_made_inputs(), synthetic_inputs(300, 24, seed=5)],
                         ids=["hand_made", "synthetic"])
def test_features_do_not_change_when_later_rows_are_deleted(inputs):
    inputs = inputs.normalised()
    for snapshot in [SNAPSHOT, pd.Timestamp("2025-03-01")]:
        full = build_snapshot_features(inputs, snapshot)
        truncated = build_snapshot_features(_before(inputs, snapshot), snapshot)
        pd.testing.assert_frame_equal(full, truncated)


def test_training_frame_labels_only_observed_windows():
    inputs = synthetic_inputs(100, 24, seed=3)
    snapshots = snapshot_dates("2024-01-01", "2026-01-01", 6)
    assert snapshots[0] == pd.Timestamp("2024-07-01") and snapshots[-1] == pd.Timestamp("2026-01-01")
    frame = build_training_frame(inputs, snapshots, "2026-01-01", 3)
    labelled = frame.groupby("snapshot_date")["churned"].apply(lambda s: s.notna().all())
    # a 3-month window after 2025-10-01 ends on 2026-01-01, the last one fully observed
    assert labelled[pd.Timestamp("2025-10-01")] and not labelled[pd.Timestamp("2025-11-01")]
    assert frame.loc[frame["snapshot_date"] > pd.Timestamp("2025-10-01"), "churned"].isna().all()
