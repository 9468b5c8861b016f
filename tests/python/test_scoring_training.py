"""Fit-once training: sampling weights, pooled metric and bootstrap, artefact reuse, by hand."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from powerlens.scoring import artefact, churn
from powerlens.scoring.models import NotEnoughData
from powerlens.scoring.training import (bootstrap_intervals, class_sampling_rates,
                                        holdout_split, pooled_metrics, sample_rows,
                                        weighted_average_precision)


def test_sampling_rates_and_weights_by_hand():
    # 1,000 churned and 99,000 staying rows, at most 21,000 kept: every churner is kept
    # (1,000 <= 21,000 / 5), the stayers fill the other 20,000 -> rate 20,000 / 99,000
    rate_positive, rate_negative = class_sampling_rates(1_000, 99_000, 21_000)
    assert rate_positive == 1.0
    assert rate_negative == pytest.approx(20_000 / 99_000)
    # weight = 1 / rate = 4.95: the 20,000 kept stayers weigh as much as the 99,000
    assert 20_000 / rate_negative == pytest.approx(99_000)
    # 10,000 churners would take more than a fifth of 21,000: 4,200 of them are kept
    assert class_sampling_rates(10_000, 90_000, 21_000) == pytest.approx((0.42, 16_800 / 90_000))
    assert class_sampling_rates(10, 90, 1_000) == (1.0, 1.0)  # small data: nothing sampled


def test_sampled_weights_restore_the_class_mix():
    labels = np.r_[np.ones(1_000, dtype=int), np.zeros(99_000, dtype=int)]
    kept, weights = sample_rows(labels, 21_000, seed=3)
    assert len(kept) < 22_000
    assert weights[labels[kept] == 1].sum() == pytest.approx(1_000)
    # the kept stayers weigh about 99,000 (binomial sampling: within 2%)
    assert weights[labels[kept] == 0].sum() == pytest.approx(99_000, rel=0.02)


def test_pooled_pr_auc_by_hand():
    # month 1: scores 0.9 (churned), 0.5, 0.2; month 2: 0.8 (churned), 0.6, 0.1 (churned)
    labels = [1, 0, 0, 1, 0, 1]
    scores = [0.9, 0.5, 0.2, 0.8, 0.6, 0.1]
    # pooled ranking 0.9+ 0.8+ 0.6- 0.5- 0.2- 0.1+: precision at each churner 1/1, 2/2, 3/6,
    # recall steps of 1/3 -> AP = (1 + 1 + 0.5) / 3
    pooled = pooled_metrics(labels, scores, threshold=0.7)
    assert pooled["pr_auc"] == pytest.approx(2.5 / 3)
    # ROC-AUC: of 3 x 3 churner-stayer pairs, 0.1 is below all 3 stayers -> 6 / 9
    assert pooled["roc_auc"] == pytest.approx(6 / 9)
    # flagged at 0.7: 0.9 and 0.8, both churned -> precision 1, recall 2/3
    assert pooled["precision_at_threshold"] == 1.0
    assert pooled["recall_at_threshold"] == pytest.approx(2 / 3)
    # pooling is not the mean of the months: month 1 AP = 1, month 2 AP = (1 + 2/3) / 2
    assert pooled["pr_auc"] != pytest.approx((1 + (1 + 2 / 3) / 2) / 2)


def test_weighted_metrics_match_scikit_learn_with_unit_weights_and_ties():
    rng = np.random.default_rng(0)
    labels = (rng.random(500) < 0.1).astype(int)
    scores = np.round(rng.random(500) + 0.3 * labels, 2)  # rounded: many ties
    ours = pooled_metrics(labels, scores, 0.5)
    assert ours["pr_auc"] == pytest.approx(average_precision_score(labels, scores))
    assert ours["roc_auc"] == pytest.approx(roc_auc_score(labels, scores))
    # weight 2 on every row changes nothing
    assert weighted_average_precision(labels, scores, np.full(500, 2.0)) == pytest.approx(
        ours["pr_auc"])


def test_bootstrap_interval_contains_the_estimate_and_narrows_with_data():
    rng = np.random.default_rng(1)

    def width(n):
        labels = (rng.random(n) < 0.2).astype(int)
        scores = rng.random(n) + 0.5 * labels
        ci = bootstrap_intervals(labels, scores, np.arange(n), 0.5, repeats=200, seed=2)
        estimate = pooled_metrics(labels, scores, 0.5)["pr_auc"]
        assert ci["pr_auc_ci_low"] <= estimate <= ci["pr_auc_ci_high"]
        return ci["pr_auc_ci_high"] - ci["pr_auc_ci_low"]

    assert width(4_000) < width(250)


def test_holdout_keeps_customers_whole_and_both_outcomes_on_each_side():
    labels = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "e", "f", "g"])
    fit, out = holdout_split(labels, groups, seed=1)
    assert not set(groups[fit]) & set(groups[out])
    assert set(labels[fit]) == {0, 1} and set(labels[out]) == {0, 1}
    with pytest.raises(NotEnoughData, match="1 churned and 6 not churned customers"):
        holdout_split(np.array([1, 0, 0, 0, 0, 0, 0]), np.array(list("aabcdef")), seed=1)


def test_artefact_is_reused_until_asked_too_old_or_other_features(tmp_path):
    settings = churn.TrainingSettings()
    fingerprint = settings.fingerprint()
    now = datetime(2026, 1, 10, tzinfo=timezone.utc)
    metadata = {"settings": fingerprint, "has_model": True,
                "trained_at": (now - timedelta(days=10)).isoformat()}
    assert artefact.retrain_reason(metadata, fingerprint, False, 35, now) is None
    assert "asked" in artefact.retrain_reason(metadata, fingerprint, True, 35, now)
    assert "10 days old" in artefact.retrain_reason(metadata, fingerprint, False, 7, now)
    assert "no model artefact" in artefact.retrain_reason(None, fingerprint, False, 35, now)
    other = {**fingerprint, "numeric_features": fingerprint["numeric_features"][:-1]}
    assert "features" in artefact.retrain_reason(metadata, other, False, 35, now)
    assert "no usable model" in artefact.retrain_reason({**metadata, "has_model": False},
                                                        fingerprint, False, 35, now)


def test_train_or_load_trains_once_then_loads(tmp_path):
    calls = []

    def train(frame, settings):
        calls.append(1)
        summary = pd.DataFrame({"model_name": ["logistic_regression"], "is_chosen": [True]})
        return churn.ChurnTraining(metrics=pd.DataFrame(), summary=summary,
                                   importance=pd.DataFrame(), chosen="logistic_regression",
                                   model="a fitted model")

    settings = churn.TrainingSettings()
    first = artefact.train_or_load(tmp_path, lambda: None, settings, False, 35, train)
    second = artefact.train_or_load(tmp_path, lambda: None, settings, False, 35, train)
    assert len(calls) == 1 and first[2] == "no model artefact yet" and second[2] is None
    assert second[1]["version"] == first[1]["version"]
    assert second[0].model == "a fitted model"
    assert artefact.model_dir_for("", "/data/wh/powerlens.duckdb").as_posix() == "/data/wh/churn_model"


def test_drivers_and_importance_in_prepared_columns_equal_changing_the_feature():
    # the fast way (one preparation, a feature's prepared columns replaced) must give what
    # replacing the raw feature and preparing again gives, for every feature and model,
    # including missing values and a category the model never saw
    from powerlens.scoring.features import MODEL_FEATURES, build_training_frame, snapshot_dates
    from powerlens.scoring.synthetic import synthetic_inputs

    frame = build_training_frame(synthetic_inputs(600, 24, seed=4),
                                 snapshot_dates("2024-01-01", "2026-01-01", 6), "2026-01-01", 3)
    rows = churn.labelled(frame)
    current = frame.loc[frame["snapshot_date"] == frame["snapshot_date"].max()]
    current = current.reset_index(drop=True)
    current.loc[:4, "region_code"] = None
    current.loc[5:7, "region_code"] = "never_seen"
    current.loc[8:11, "kwh_yoy_3m"] = np.nan

    class RawFeatures:  # the same model, seen only through predict_proba (the raw way)
        def __init__(self, model):
            self.model = model

        def predict_proba(self, features):
            return self.model.predict_proba(features)

    baseline = churn.baseline_values(rows)
    for name in ("logistic_regression", "hist_gradient_boosting"):
        with churn.one_thread_pools():  # as in training: OpenMP threads crawl on a busy machine
            model, _ = churn._fit(name, rows, churn.TrainingSettings())
        fast = churn.driver_contributions(model, current, MODEL_FEATURES, baseline)
        raw = churn.driver_contributions(RawFeatures(model), current, MODEL_FEATURES, baseline)
        np.testing.assert_allclose(fast[0], raw[0], atol=1e-12)
        np.testing.assert_allclose(fast[1], raw[1], atol=1e-12)
        assert np.abs(fast[1]).max() > 0.001  # the comparison is not between two zeros
        positions = model.prepared_columns()
        assert sorted(positions) == sorted(MODEL_FEATURES)
        assert sorted(np.concatenate(list(positions.values()))) == list(
            range(model.prepared(current).shape[1]))
