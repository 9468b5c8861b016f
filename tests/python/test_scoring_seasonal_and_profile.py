"""Seasonal features, the profile's churner minimum and the bootstrap budget, worked by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from powerlens.scoring import artefact, churn
from powerlens.scoring.features import (MODEL_NUMERIC_FEATURES, SEASON_BLIND_FEATURES,
                                        ChurnInputs, build_snapshot_features)
from powerlens.scoring.profile import churn_high_risk_profile
from powerlens.scoring.profile_dimensions import observed_churners
from powerlens.scoring.training import bootstrap_repeats_for

SNAPSHOT = pd.Timestamp("2024-07-01")


def farms() -> ChurnInputs:
    """Three farms open since 2023-01, read every month 2023-01..2024-06 at 100 kWh (demand
    kWh / 10) except: f1 dips to 50 in April-June of both years (its season), f2 dips to 50 in
    April-June 2024 only (a real decline), f3 stays flat."""
    customers = pd.DataFrame({
        "customer_id": ["f1", "f2", "f3"], "customer_type": "agricultural",
        "region_code": "r1", "urban_rural": "rural", "payment_mode": "postpaid",
        "contract_capacity_kva": 50.0, "voltage_kv": 10.0, "has_pv": False,
        "open_date": "2023-01-01", "close_date": None})
    months = pd.date_range("2023-01-01", "2024-06-01", freq="MS")
    rows = []
    for customer in ("f1", "f2", "f3"):
        for month in months:
            dip = month.month in (4, 5, 6) and (
                customer == "f1" or (customer == "f2" and month.year == 2024))
            kwh = 50.0 if dip else 100.0
            rows.append((customer, month, kwh, kwh / 10))
    usage = pd.DataFrame(rows, columns=["customer_id", "usage_month", "kwh", "max_demand_kw"])
    empty = {
        "bills": ["bill_id", "customer_id", "billing_month", "issue_date", "due_date",
                  "kwh_total", "total_amount"],
        "payments": ["payment_id", "customer_id", "bill_id", "paid_at", "amount", "payment_type"],
        "tickets": ["ticket_id", "customer_id", "ticket_type", "category", "created_at",
                    "resolved_at", "satisfaction"],
        "surveys": ["survey_id", "customer_id", "survey_date", "overall", "billing"],
        "programmes": ["customer_id", "programme", "enrolled_date"],
    }
    frames = {name: pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
              for name, columns in empty.items()}
    return ChurnInputs(customers, usage, **frames)


def test_seasonal_features_by_hand():
    f = build_snapshot_features(farms(), SNAPSHOT)
    # last 12 months (2023-07..2024-06) of f1 and f2: 9 x 100 + 3 x 50 = 1,050 -> mean 87.5;
    # last 3 months mean 50 -> raw trend 50 / 87.5 = 0.5714 for both, 1.0 for flat f3
    assert f.loc["f1", "kwh_trend_3m_vs_12m"] == pytest.approx(50 / 87.5)
    assert f.loc["f2", "kwh_trend_3m_vs_12m"] == pytest.approx(50 / 87.5)
    # the farms' median trend is 0.5714: f1 and f2 dip like the type, f3 is 1.75x it
    assert f.loc["f1", "kwh_trend_vs_type"] == pytest.approx(1.0)
    assert f.loc["f3", "kwh_trend_vs_type"] == pytest.approx(1 / (50 / 87.5))
    # against the same months a year earlier only f2 fell: 50 / 50 = 1 for f1, 50 / 100 for f2
    assert f.loc["f1", "kwh_yoy_3m"] == pytest.approx(1.0)
    assert f.loc["f2", "kwh_yoy_3m"] == pytest.approx(0.5)
    # demand the same way: 5 kW against 5 (f1) or 10 (f2) a year earlier
    assert f.loc["f1", "demand_yoy_3m"] == pytest.approx(1.0)
    assert f.loc["f2", "demand_yoy_3m"] == pytest.approx(0.5)
    # demand trend 5 / 10 = 0.5 for f1, f2; 1 for f3; type median 0.5 -> 1, 1, 2
    assert f.loc["f3", "demand_trend_vs_type"] == pytest.approx(2.0)
    assert f.loc["f1", "demand_trend_vs_type"] == pytest.approx(1.0)
    # CV of f1's 12 months: variance (9 x 12.5^2 + 3 x 37.5^2) / 12 = 468.75 -> sd 21.65 /
    # 87.5 = 0.2474; the farms' median CV is that of f1 and f2 -> 1; flat f3 -> 0
    assert f.loc["f1", "kwh_volatility_12m"] == pytest.approx(468.75 ** 0.5 / 87.5)
    assert f.loc["f1", "kwh_volatility_vs_type"] == pytest.approx(1.0)
    assert f.loc["f3", "kwh_volatility_vs_type"] == pytest.approx(0.0)


def test_models_see_the_seasonally_adjusted_forms_only():
    assert not set(SEASON_BLIND_FEATURES) & set(MODEL_NUMERIC_FEATURES)
    assert {"kwh_trend_vs_type", "kwh_yoy_3m", "demand_yoy_3m"} <= set(MODEL_NUMERIC_FEATURES)
    assert churn.TrainingSettings().fingerprint()["numeric_features"] == MODEL_NUMERIC_FEATURES


def _profile_inputs():
    # 10 scored customers: 4 farms (2 high), 6 households (1 high)
    ids = [f"c{i}" for i in range(10)]
    types = ["agricultural"] * 4 + ["residential"] * 6
    tiers = ["high", "high", "low", "low", "high", "low", "low", "low", "low", "medium"]
    scores = pd.DataFrame({"customer_id": ids, "risk_tier": tiers})
    features = pd.DataFrame({"customer_id": ids, "customer_type": types, "region_code": "r1",
                             "urban_rural": "rural", "payment_mode": "postpaid",
                             "tenure_months": 40.0, "complaints_12m": 0.0,
                             "late_payments_12m": 0.0})
    return scores, features


def test_over_representation_needs_enough_observed_churners():
    scores, features = _profile_inputs()
    churners = pd.DataFrame({"dimension": ["customer_type", "customer_type"],
                             "category": ["agricultural", "residential"],
                             "observed_churners": [2, 7]})
    profile = churn_high_risk_profile(scores, features, churners, min_churners=5)
    by_type = profile.loc[profile["dimension"] == "customer_type"].set_index("category")
    # farms: 2 of the 3 high (share 2/3) against 4 of 10 (0.4): 1.67, but only 2 churners seen
    assert by_type.loc["agricultural", "group_customers"] == 2
    assert pd.isna(by_type.loc["agricultural", "over_representation"])
    assert by_type.loc["agricultural", "observed_churners"] == 2
    # households: (1/3) / (6/10) = 0.556 with 7 churners seen: reported
    assert by_type.loc["residential", "over_representation"] == pytest.approx((1 / 3) / 0.6)
    # a category no churner was ever seen in counts 0 and is held back too
    region = profile.loc[profile["dimension"] == "region_code"].iloc[0]
    assert region["observed_churners"] == 0 and pd.isna(region["over_representation"])
    # with the minimum at 2 the farms are reported: (2/3) / 0.4
    lenient = churn_high_risk_profile(scores, features, churners, min_churners=2)
    farms_row = lenient.loc[lenient["category"] == "agricultural"].iloc[0]
    assert farms_row["over_representation"] == pytest.approx((2 / 3) / 0.4)


def test_observed_churners_count_each_churner_once_at_its_last_row():
    rows = pd.DataFrame({
        "customer_id": ["a", "a", "b", "c"],
        "snapshot_date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-02-01", "2025-02-01"]),
        "churned": pd.array([True, True, True, False], dtype="boolean"),
        "customer_type": ["residential", "residential", "agricultural", "agricultural"],
        "region_code": "r1", "urban_rural": "urban", "payment_mode": "postpaid",
        # a's tenure crosses 12 months between its two churned rows: counted in 1_to_3y
        "tenure_months": [11.5, 12.5, 50.0, 50.0], "complaints_12m": 0.0,
        "late_payments_12m": [0.0, 3.0, 1.0, 0.0]})
    counts = observed_churners(rows).set_index(["dimension", "category"])["observed_churners"]
    assert counts[("customer_type", "residential")] == 1
    assert counts[("customer_type", "agricultural")] == 1  # c stayed
    assert counts[("tenure_band", "1_to_3y")] == 1 and ("tenure_band", "under_1y") not in counts
    assert counts[("late_payments_12m_band", "three_or_more")] == 1
    assert counts[("region_code", "r1")] == 2


def test_bootstrap_replicates_shrink_with_rows_by_hand():
    # 1,720 rows x 200 = 344,000 draws, within 5,000,000: all 200
    assert bootstrap_repeats_for(1_720, 200, 5_000_000) == 200
    # 40,000 rows: 5,000,000 / 40,000 = 125 replicates
    assert bootstrap_repeats_for(40_000, 200, 5_000_000) == 125
    # 100,000 rows: 50; 300,000 rows (3 pooled months): 16 by budget, floored at 50
    assert bootstrap_repeats_for(100_000, 200, 5_000_000) == 50
    assert bootstrap_repeats_for(300_000, 200, 5_000_000) == 50
    # never more than asked, no budget = as asked
    assert bootstrap_repeats_for(300_000, 20, 5_000_000) == 20
    assert bootstrap_repeats_for(300_000, 200, None) == 200


def test_a_retrain_without_the_training_snapshots_stops_with_a_reason(tmp_path):
    def train(frame, settings):  # pragma: no cover - must not be reached
        raise AssertionError("trained on an empty frame")

    with pytest.raises(RuntimeError, match="py_churn_snapshot_features is empty"):
        artefact.train_or_load(tmp_path, lambda: None, churn.TrainingSettings(), False, 35,
                               train, frame_rows=lambda: 0)


def test_search_fits_candidates_on_a_sample_and_the_winner_on_all_rows():
    from powerlens.scoring.features import CATEGORICAL_FEATURES
    from powerlens.scoring.training import fit_calibrated

    rng = np.random.default_rng(0)
    n = 3_000
    rows = pd.DataFrame({c: rng.normal(size=n) for c in MODEL_NUMERIC_FEATURES})
    for c in CATEGORICAL_FEATURES:
        rows[c] = "x"
    rows["customer_id"] = [f"c{i}" for i in range(n)]
    labels = (rng.random(n) < 1 / (1 + np.exp(3 - 1.5 * rows["late_payments_12m"]))).astype(int)
    model, info = fit_calibrated("logistic_regression", rows, labels, MODEL_NUMERIC_FEATURES,
                                 CATEGORICAL_FEATURES, 1, 10_000, search_rows=800)
    # 75% of 3,000 customers fit (2,250); the two candidates saw about 800 of them
    assert info["fit_rows"] == pytest.approx(2_250, abs=5)
    assert all(600 < c["search_rows"] < 1_000 for c in info["candidates"])
    assert len(info["candidates"]) == 2
    assert model.predict_proba(rows)[:, 1].std() > 0
