"""churn-eval's bounded work on large tables, exercised on a small table with the bounds turned
down: tuning and fitting on stratified samples, calibration on held-out rows, forest trees on
bounded bootstrap samples, and fits in parallel processes giving the same answer as one by one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from powerlens.scoring import crossval, tabular_models
from powerlens.scoring.tabular import PreparedTable
from powerlens.scoring.tabular_models import fit_tuned_model, stratified_sample


def signal_table(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Churn rises with late payments and in region s; about 14% churn."""
    rng = np.random.default_rng(seed)
    late = rng.poisson(1.0, rows)
    region = rng.choice(["n", "s", "e"], rows)
    log_odds = -2.6 + 0.8 * late + 0.8 * (region == "s")
    churned = (rng.random(rows) < 1 / (1 + np.exp(-log_odds))).astype(int)
    return pd.DataFrame({"late": late.astype(float), "noise": rng.normal(size=rows),
                         "region": region.astype(object)}), churned


@pytest.fixture
def small_bounds(monkeypatch):
    for name, value in (("LARGE_TRAINING_ROWS", 500), ("FIT_ROWS", 800),
                        ("TUNING_FIT_ROWS", 300), ("TUNING_JUDGE_ROWS", 300),
                        ("CALIBRATION_ROWS", 400), ("ROWS_PER_TREE", 200)):
        monkeypatch.setattr(tabular_models, name, value)
    monkeypatch.setattr(crossval, "PARALLEL_FROM_ROWS", 500)


def test_stratified_sample_keeps_the_churn_rate_and_the_size():
    labels = np.array([1] * 100 + [0] * 900)
    picked = stratified_sample(np.arange(1000), labels, 200, seed=3)
    # 10% churners: 20 of the 200
    assert len(picked) == 200 and labels[picked].sum() == 20
    assert len(set(picked)) == 200
    assert stratified_sample(np.arange(1000), labels, 5000, seed=3).tolist() == list(range(1000))


def test_a_large_fold_is_fitted_once_on_a_sample_and_calibrated_on_held_out_rows(small_bounds):
    features, labels = signal_table(3000, 1)
    test_features, test_labels = signal_table(2000, 2)
    for name in ("logistic_regression", "random_forest", "hist_gradient_boosting"):
        model, record = fit_tuned_model(name, features, labels, ["late", "noise"], ["region"], 0)
        # 3,000 rows > 500: at most FIT_ROWS (800) rows of the 75% fitting part
        assert record["fitted_rows"] == 800, name
        assert len(record["tuning_pr_auc_per_setting"]) == len(
            tabular_models.SEARCH_SPACE[name])
        probabilities = model.predict_proba(test_features[["late", "noise", "region"]])[:, 1]
        assert roc_auc_score(test_labels, probabilities) > 0.7, name
        # the sigmoid fitted on held-out rows keeps the probabilities at the churn rate
        assert probabilities.mean() == pytest.approx(test_labels.mean(), abs=0.03), name
    forest, _ = fit_tuned_model("random_forest", features, labels, ["late", "noise"],
                                ["region"], 0)
    fitted = forest.calibrated_classifiers_[0].estimator.estimator.named_steps["model"]
    assert fitted.max_samples == 200
    assert fitted.n_estimators == tabular_models.LARGE_FOREST_TREES


def test_fits_in_parallel_processes_give_the_same_metrics_as_one_by_one(small_bounds):
    features, labels = signal_table(2000, 4)
    table = PreparedTable(features, labels, ["late", "noise"], ["region"])
    names = ("logistic_regression", "hist_gradient_boosting")
    lines: list[str] = []
    alone = crossval.cross_validate(table, 42, model_names=names, jobs=1)
    together = crossval.cross_validate(table, 42, model_names=names, jobs=2,
                                       progress=lines.append)
    assert alone["parallel_fits"] == 1 and together["parallel_fits"] == 2
    for name in names:
        for key in ("roc_auc", "pr_auc", "brier"):
            assert together["models"][name][key] == alone["models"][name][key], (name, key)
        assert together["models"][name]["setting_per_fold"] == \
            alone["models"][name]["setting_per_fold"]
    # the progress lines were printed by the worker processes, not collected here
    assert lines == []
