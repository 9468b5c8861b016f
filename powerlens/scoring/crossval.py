"""Stratified k-fold cross-validation of the churn-eval model families on any prepared table.

Every family is tuned afresh inside each training fold (tabular_models.fit_tuned_model), so the
out-of-fold probabilities judge the whole procedure, search included, on rows it never saw.
"""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from powerlens.scoring.models import classification_metrics, predict_probability
from powerlens.scoring.tabular import PreparedTable
from powerlens.scoring.tabular_models import MODEL_NAMES, SEARCH_SPACE, TUNING, fit_tuned_model

FOLDS = 5
CHOSEN_BY = "pr_auc"


def cross_validate(table: PreparedTable, seed: int, threshold: float | None = None,
                   folds: int = FOLDS, model_names: tuple[str, ...] = MODEL_NAMES) -> dict:
    """Out-of-fold metrics per model, the model with the best PR-AUC and its metrics on top."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    out_of_fold = {name: np.zeros(len(table.labels)) for name in model_names}
    choices: dict[str, list[dict]] = {name: [] for name in model_names}
    # one OpenMP thread for predicting too (see fit_tuned_model)
    with threadpool_limits(limits=1, user_api="openmp"):
        for train, test in splitter.split(np.zeros(len(table.labels)), table.labels):
            for name in model_names:
                model, record = fit_tuned_model(name, table.features.iloc[train],
                                                table.labels[train], table.numeric,
                                                table.categorical, seed)
                out_of_fold[name][test] = predict_probability(
                    model, table.features.iloc[test][table.numeric + table.categorical])
                choices[name].append(record)
    per_model = {}
    for name, probabilities in out_of_fold.items():
        # without a stated threshold, flag as many customers as there are positives
        model_cut = threshold if threshold is not None else float(
            np.sort(probabilities)[::-1][max(0, int(table.labels.sum()) - 1)])
        per_model[name] = classification_metrics(table.labels, probabilities, model_cut)
        per_model[name]["threshold"] = model_cut
        per_model[name]["settings_searched"] = SEARCH_SPACE[name]
        per_model[name]["setting_per_fold"] = [record["setting"] for record in choices[name]]
        per_model[name]["fit_seconds"] = sum(record["seconds"] for record in choices[name])
    # a NaN PR-AUC (cannot happen with both classes present) would sort last, not first
    chosen = sorted(model_names, key=lambda n: (-np.nan_to_num(per_model[n][CHOSEN_BY], nan=-1),
                                                model_names.index(n)))[0]
    chosen_metrics = {key: value for key, value in per_model[chosen].items()
                      if key not in ("settings_searched", "setting_per_fold", "fit_seconds")}
    return {"chosen_model": chosen, "chosen_by": CHOSEN_BY, **chosen_metrics,
            "models": per_model,
            "validation": f"stratified {folds}-fold cross-validation, seed {seed}",
            "tuning": TUNING}
