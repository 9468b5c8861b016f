"""Stratified k-fold cross-validation of the churn model family on any prepared table."""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import StratifiedKFold

from powerlens.scoring.models import (MODEL_NAMES, classification_metrics, fit_model,
                                      predict_probability)
from powerlens.scoring.tabular import PreparedTable

FOLDS = 5


def cross_validate(table: PreparedTable, seed: int, threshold: float | None = None,
                   folds: int = FOLDS) -> dict:
    """Out-of-fold metrics per model, the model with the best PR-AUC and its metrics on top."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    out_of_fold = {name: np.zeros(len(table.labels)) for name in MODEL_NAMES}
    for train, test in splitter.split(np.zeros(len(table.labels)), table.labels):
        for name in MODEL_NAMES:
            model = fit_model(name, table.features.iloc[train], table.labels[train],
                              table.numeric, table.categorical, seed)
            out_of_fold[name][test] = predict_probability(model, table.features.iloc[test])
    # without a stated threshold, flag as many customers as there are positives
    cut = threshold if threshold is not None else None
    per_model = {}
    for name, probabilities in out_of_fold.items():
        model_cut = cut if cut is not None else float(
            np.sort(probabilities)[::-1][max(0, int(table.labels.sum()) - 1)])
        per_model[name] = classification_metrics(table.labels, probabilities, model_cut)
        per_model[name]["threshold"] = model_cut
    chosen = sorted(MODEL_NAMES, key=lambda n: (-per_model[n]["pr_auc"], MODEL_NAMES.index(n)))[0]
    return {"chosen_model": chosen, **per_model[chosen], "models": per_model,
            "validation": f"stratified {folds}-fold cross-validation, seed {seed}"}
