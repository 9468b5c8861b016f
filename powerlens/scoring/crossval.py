"""Stratified k-fold cross-validation of the churn-eval model families on any prepared table.

Every family is tuned afresh inside each training fold (tabular_models.fit_tuned_model), so the
out-of-fold probabilities judge the whole procedure, search included, on rows it never saw.

``progress`` (a callable taking one line) hears of every fit as it finishes: fold, model,
setting chosen, rows fitted, seconds. On a large table the fits run ``jobs`` at a time in forked
processes: threads do not help (a forest fitted in two threads at once took three times as long
as alone: the fits hold the interpreter lock), and forking shares the table without copying it.
"""
from __future__ import annotations

import multiprocessing
import time
from typing import Callable

import numpy as np
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from powerlens.scoring.models import classification_metrics, predict_probability
from powerlens.scoring.tabular import PreparedTable
from powerlens.scoring.tabular_models import (LARGE_TRAINING_ROWS, MODEL_NAMES, SEARCH_SPACE,
                                              TUNING, fit_tuned_model)

FOLDS = 5
CHOSEN_BY = "pr_auc"
# fits run in parallel processes only when each is large enough to gain from it
PARALLEL_FROM_ROWS = LARGE_TRAINING_ROWS
# the slowest family first, so the last process to finish is not left with a forest alone
COST_ORDER = ("random_forest", "hist_gradient_boosting", "logistic_regression")
# what a fit needs, set before the worker processes fork (they inherit it, nothing is copied)
_WORK: dict = {}


def _setting_text(setting: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in setting.items())


def _fit_and_predict(task: tuple[int, str]) -> tuple[int, str, np.ndarray, dict]:
    """One model family on one fold: tuned and fitted on the training rows, probabilities of
    the held-out rows."""
    number, name = task
    table, splits, seed, progress = (_WORK["table"], _WORK["splits"], _WORK["seed"],
                                     _WORK["progress"])
    train, test = splits[number]
    # one OpenMP and one BLAS thread for predicting too (see fit_tuned_model)
    with threadpool_limits(limits=1):
        model, record = fit_tuned_model(name, table.features.iloc[train], table.labels[train],
                                        table.numeric, table.categorical, seed)
        started = time.perf_counter()
        probabilities = predict_probability(
            model, table.features.iloc[test][table.numeric + table.categorical])
    if progress is not None:
        tuning = record["tuning_pr_auc"]
        progress(f"fold {number + 1}/{len(splits)} {name}: chose "
                 f"{_setting_text(record['setting'])}"
                 + (f" (tuning PR-AUC {tuning:.3f})" if tuning is not None else "")
                 + f", fitted on {record['fitted_rows']:,} of {len(train):,} rows in "
                 f"{record['seconds']:.1f} s, predicted {len(test):,} rows in "
                 f"{time.perf_counter() - started:.1f} s")
    return number, name, probabilities, record


def cross_validate(table: PreparedTable, seed: int, threshold: float | None = None,
                   folds: int = FOLDS, model_names: tuple[str, ...] = MODEL_NAMES,
                   progress: Callable[[str], None] | None = None, jobs: int = 1) -> dict:
    """Out-of-fold metrics per model, the model with the best PR-AUC and its metrics on top."""
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    out_of_fold = {name: np.zeros(len(table.labels)) for name in model_names}
    choices: dict[str, list[dict | None]] = {name: [None] * folds for name in model_names}
    splits = list(splitter.split(np.zeros(len(table.labels)), table.labels))
    ordered = sorted(model_names, key=lambda n: COST_ORDER.index(n) if n in COST_ORDER else 0)
    tasks = [(number, name) for number in range(folds) for name in
             (ordered if jobs > 1 else model_names)]
    parallel = (min(jobs, len(tasks)) if len(table.labels) > PARALLEL_FROM_ROWS
                and "fork" in multiprocessing.get_all_start_methods() else 1)
    _WORK.update(table=table, splits=splits, seed=seed, progress=progress)
    try:
        if parallel > 1:
            with multiprocessing.get_context("fork").Pool(parallel) as pool:
                results = list(pool.imap_unordered(_fit_and_predict, tasks))
        else:
            results = [_fit_and_predict(task) for task in tasks]
    finally:
        _WORK.clear()
    for number, name, probabilities, record in results:
        out_of_fold[name][splits[number][1]] = probabilities
        choices[name][number] = record
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
            "tuning": TUNING, "parallel_fits": parallel}
