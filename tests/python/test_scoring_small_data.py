"""The churn chain on a short history or a small region: every step still returns its table and
says why it could not do more, instead of raising (docs/ch5_churn.md, "Short or small data")."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import REPO_ROOT
from powerlens.scoring import churn
from powerlens.scoring.features import (CATEGORICAL_FEATURES, NUMERIC_FEATURES,
                                        build_training_frame, snapshot_dates)
from powerlens.scoring.models import NotEnoughData, calibration_splits
from powerlens.scoring.profile import churn_high_risk_profile
from powerlens.scoring.synthetic import synthetic_inputs

SEED = 5
WINDOW = 1  # one-month windows keep the hand-made timelines short
HIGH, MEDIUM = 0.05, 0.035
RANKING_METRICS = ["roc_auc", "pr_auc", "recall_at_threshold", "lift_top_decile"]


def hand_frame(labels_by_snapshot: dict[str, list[bool | None]]) -> pd.DataFrame:
    """A training frame: one row per label, churners with a clearly falling use.

    Every row is its own customer, so the counts of churned customers equal the churned rows.
    """
    rng = np.random.default_rng(SEED)
    rows = []
    for snapshot, labels in labels_by_snapshot.items():
        for position, churned in enumerate(labels):
            row = {name: float(rng.normal()) for name in NUMERIC_FEATURES}
            row["kwh_trend_3m_vs_12m"] = (0.2 if churned else 1.0) + 0.05 * float(rng.normal())
            row.update({"customer_type": "residential", "region_code": "R01",
                        "urban_rural": "urban", "payment_mode": "postpaid"})
            rows.append({"snapshot_date": pd.Timestamp(snapshot),
                         "customer_id": f"{snapshot[:7]}-{position:03d}", **row,
                         "annual_revenue_yuan": 1200.0,
                         "churned": pd.NA if churned is None else churned})
    frame = pd.DataFrame.from_records(rows)
    frame["churned"] = frame["churned"].astype("boolean")
    return frame


def outcomes(churned: int, total: int) -> list[bool]:
    return [True] * churned + [False] * (total - churned)


def unlabelled(total: int) -> list[None]:
    return [None] * total


@pytest.fixture(scope="module")
def six_month_frame() -> pd.DataFrame:
    """The shape of the reported failure: 6 months of data, 6 months of history required."""
    inputs = synthetic_inputs(60, 6, seed=SEED)
    return build_training_frame(inputs, snapshot_dates("2024-01-01", "2024-07-01", 6),
                                "2024-07-01", 3)


def test_six_months_has_only_the_unlabelled_current_snapshot(six_month_frame):
    assert six_month_frame["snapshot_date"].unique().tolist() == [pd.Timestamp("2024-07-01")]
    assert six_month_frame["churned"].isna().all()


def test_no_labelled_snapshot_gives_one_unevaluated_row_per_model(six_month_frame):
    metrics = churn.evaluate_out_of_time(six_month_frame, window_months=3, periods=3,
                                         threshold=HIGH, seed=SEED)
    assert metrics["model_name"].tolist() == ["logistic_regression", "random_forest",
                                              "hist_gradient_boosting"]
    assert (metrics["evaluation_status"] == "no_labelled_snapshot").all()
    assert metrics["evaluation_snapshot"].isna().all()
    assert metrics[list(churn.METRIC_COLUMNS)].isna().all().all()
    assert metrics["train_rows"].tolist() == [0, 0, 0]
    assert metrics["n_rows"].isna().all() and metrics["n_flagged"].isna().all()
    assert metrics["evaluation_note"].str.contains("3-month churn window").all()
    assert not metrics["is_chosen"].any()


def test_no_labelled_snapshot_gives_empty_typed_importance(six_month_frame):
    importance = churn.feature_importance(six_month_frame, window_months=3, seed=SEED)
    assert importance.empty
    assert list(importance.columns) == ["model_name", "evaluation_snapshot", "feature",
                                        "importance", "importance_std", "importance_rank"]
    assert importance["importance"].dtype == "float64"


def test_no_labelled_snapshot_marks_every_active_customer_unscored(six_month_frame):
    training = churn.train_churn_models(six_month_frame, churn.TrainingSettings(3, 3, HIGH, SEED))
    scores = churn.score_current_snapshot(six_month_frame, training, HIGH, MEDIUM)
    assert sorted(scores["customer_id"]) == sorted(six_month_frame["customer_id"])
    assert (scores["risk_tier"] == "unscored").all()
    for column in ["churn_probability", "revenue_at_risk_yuan", "model_name", "driver_1",
                   "retention_action"]:
        assert scores[column].isna().all(), column
    # the revenue is known without a model and stays
    assert scores["annual_revenue_yuan"].notna().all()
    profile = churn_high_risk_profile(scores, six_month_frame)
    assert profile.empty and "over_representation" in profile.columns


def test_too_few_churners_to_train_is_reported_with_its_counts():
    frame = hand_frame({"2024-01-01": outcomes(1, 20), "2024-02-01": outcomes(2, 20),
                        "2024-03-01": unlabelled(20)})
    metrics = churn.evaluate_out_of_time(frame, WINDOW, periods=3, threshold=HIGH, seed=SEED)
    # 2024-01 has no earlier snapshot to train on; 2024-02 trains on 2024-01 with 1 churner
    assert metrics["evaluation_snapshot"].dt.strftime("%Y-%m").tolist() == [
        "2024-01"] * 3 + ["2024-02"] * 3
    assert (metrics["evaluation_status"] == "too_little_training_data").all()
    assert metrics["train_rows"].tolist() == [0, 0, 0, 20, 20, 20]
    assert metrics["train_positive"].tolist() == [0, 0, 0, 1, 1, 1]
    assert metrics["n_rows"].tolist() == [20] * 6
    assert metrics["n_positive"].tolist() == [1, 1, 1, 2, 2, 2]
    assert metrics["positive_rate"].tolist() == pytest.approx([0.05] * 3 + [0.1] * 3)
    assert metrics[list(churn.METRIC_COLUMNS)].isna().all().all()
    assert metrics["n_flagged"].isna().all()
    assert metrics["evaluation_note"].iloc[3].startswith("training data too thin: 20 rows with 1 "
                                                         "churned and 19 not churned")
    assert not metrics["is_chosen"].any()
    assert churn.feature_importance(frame, WINDOW, SEED).empty
    scores = churn.score_current_snapshot(frame, churn.train_churn_models(
        frame, churn.TrainingSettings(WINDOW, 3, HIGH, SEED)), HIGH, MEDIUM)
    assert len(scores) == 20 and (scores["risk_tier"] == "unscored").all()


@pytest.fixture(scope="module")
def no_churn_at_last_snapshot() -> pd.DataFrame:
    return hand_frame({"2024-01-01": outcomes(4, 20), "2024-02-01": outcomes(4, 20),
                       "2024-03-01": outcomes(0, 20), "2024-04-01": unlabelled(20)})


def test_no_churner_at_the_evaluation_snapshot_leaves_ranking_metrics_empty(
        no_churn_at_last_snapshot):
    metrics = churn.evaluate_out_of_time(no_churn_at_last_snapshot, WINDOW, periods=1,
                                         threshold=HIGH, seed=SEED)
    assert (metrics["evaluation_status"] == "one_outcome_at_snapshot").all()
    assert metrics["train_rows"].tolist() == [40, 40, 40]
    assert metrics["train_positive"].tolist() == [8, 8, 8]
    assert metrics[RANKING_METRICS].isna().all().all()
    # a trained model still has a Brier score and a flagged count on the 20 stayers
    assert metrics["brier"].notna().all()
    assert metrics["n_flagged"].between(0, 20).all()
    assert metrics["evaluation_note"].str.startswith("none of the 20 customers").all()
    # nothing could judge the ranking, so nothing is chosen and nobody is scored
    assert not metrics["is_chosen"].any()
    assert churn.feature_importance(no_churn_at_last_snapshot, WINDOW, SEED).empty
    scores = churn.score_current_snapshot(
        no_churn_at_last_snapshot,
        churn.train_churn_models(no_churn_at_last_snapshot,
                                 churn.TrainingSettings(WINDOW, 1, HIGH, SEED)), HIGH, MEDIUM)
    assert (scores["risk_tier"] == "unscored").all()


def test_the_choice_uses_only_the_snapshots_that_were_evaluated(no_churn_at_last_snapshot):
    metrics = churn.evaluate_out_of_time(no_churn_at_last_snapshot, WINDOW, periods=2,
                                         threshold=HIGH, seed=SEED)
    by_snapshot = metrics.set_index(metrics["evaluation_snapshot"].dt.strftime("%Y-%m"))
    assert (by_snapshot.loc["2024-02", "evaluation_status"] == "evaluated").all()
    assert (by_snapshot.loc["2024-03", "evaluation_status"] == "one_outcome_at_snapshot").all()
    evaluated = by_snapshot.loc["2024-02"]
    best = evaluated.sort_values("pr_auc", ascending=False, kind="stable")["model_name"].iloc[0]
    assert set(metrics.loc[metrics["is_chosen"], "model_name"]) == {best}
    scores = churn.score_current_snapshot(
        no_churn_at_last_snapshot,
        churn.train_churn_models(no_churn_at_last_snapshot,
                                 churn.TrainingSettings(WINDOW, 2, HIGH, SEED)), HIGH, MEDIUM)
    assert (scores["model_name"] == best).all()
    assert scores["churn_probability"].between(0, 1).all()
    assert set(scores["risk_tier"]) <= {"high", "medium", "low"}


def test_choose_model_by_hand():
    def summary(pooled: dict[str, float]) -> pd.DataFrame:
        return pd.DataFrame([{"model_name": name, "pooled_pr_auc": value}
                             for name, value in pooled.items()])

    # the highest pooled PR-AUC wins; a model without one is never chosen
    assert churn.choose_model(summary({"logistic_regression": 0.3, "random_forest": np.nan,
                                       "hist_gradient_boosting": 0.25})) == "logistic_regression"
    # a tie goes to the simpler model (logistic regression, then the forest)
    assert churn.choose_model(summary({"hist_gradient_boosting": 0.4,
                                       "random_forest": 0.4})) == "random_forest"
    assert churn.choose_model(summary({"logistic_regression": np.nan})) is None


def test_calibration_needs_two_churned_customers_not_two_rows():
    # both churned rows belong to customer a: one fold would train without any churner
    labels = np.array([1, 1, 0, 0, 0, 0])
    groups = np.array(["a", "a", "b", "c", "d", "e"])
    with pytest.raises(NotEnoughData, match="1 churned and 4 not churned customers"):
        calibration_splits(labels, groups, SEED)


def test_calibration_splits_hold_both_outcomes_in_every_part():
    labels = np.array([1, 1, 1, 0, 0, 0, 0, 0, 0])
    groups = np.array(list("abcdefghi"))
    for train, held_out in calibration_splits(labels, groups, SEED):
        assert set(labels[train]) == {0, 1} and set(labels[held_out]) == {0, 1}


def test_a_history_shorter_than_the_minimum_still_has_the_current_snapshot():
    assert snapshot_dates("2024-01-01", "2024-04-01", 6) == [pd.Timestamp("2024-04-01")]
    assert snapshot_dates("2024-01-01", "2024-09-01", 6) == [pd.Timestamp("2024-07-01"),
                                                             pd.Timestamp("2024-08-01"),
                                                             pd.Timestamp("2024-09-01")]
    inputs = synthetic_inputs(30, 3, seed=SEED)
    frame = build_training_frame(inputs, snapshot_dates("2024-01-01", "2024-04-01", 6),
                                 "2024-04-01", 3)
    assert frame["snapshot_date"].unique().tolist() == [pd.Timestamp("2024-04-01")]
    assert len(frame) > 0 and frame["churned"].isna().all()


def test_the_command_line_does_not_import_scikit_learn_to_build_its_parser():
    code = ("import sys, powerlens.cli; powerlens.cli.build_parser(); "
            "print('sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=120, check=True)
    assert result.stdout.strip() == "False"
