"""The models `churn-eval` compares on any customer table, each tuned inside its training rows.

Three families: logistic regression, random forest and scikit-learn's histogram gradient
boosting. The warehouse's churn scoring keeps its own two models (models.py); this module only
borrows its preprocessing and calibration so both speak the same probability language.

Each family has a handful of settings. Which one is used is decided inside the rows a model is
trained on: one stratified 75/25 split of them, every setting fitted on the 75% and judged by
PR-AUC on the 25%, the best refitted on all the training rows with a sigmoid calibration. The
rows a model is finally judged on never take part in choosing its setting.

Work per training fold is bounded, so a table of a million rows takes about as long as one of
a hundred thousand: the settings are tried on at most TUNING_FIT_ROWS sampled rows and judged on
at most TUNING_JUDGE_ROWS; above LARGE_TRAINING_ROWS the winner is fitted once on at most
FIT_ROWS sampled rows and calibrated on held-out rows of the fold (no inner cross-validation),
and every forest tree sees at most ROWS_PER_TREE rows. Samples are stratified, so the churn rate
and the probabilities stay those of the table. None of the bounds touches a table of a few
thousand rows.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.frozen import FrozenEstimator
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder
from threadpoolctl import threadpool_limits

from powerlens.scoring.models import calibration_splits, make_preprocessor
from powerlens.scoring.tabular import RARE_LEVEL_ROWS

MODEL_NAMES = ("logistic_regression", "random_forest", "hist_gradient_boosting")
TUNING_SHARE = 0.25
TUNING = (f"one stratified {100 - int(TUNING_SHARE * 100)}/{int(TUNING_SHARE * 100)} split of "
          "each training fold, best PR-AUC on its held-out part")
# Tuning sample: 10,000 rows to fit each setting, 10,000 other rows to judge it. At a 10% churn
# rate the judging rows hold about 1,000 churners, so a setting's PR-AUC there has a standard
# error of about 0.015: enough to tell a flexible setting from a regularised one, and each of
# the 11 settings fits in about a second. On one fold of the 1,000,000-row benchmark table
# 20,000 rows chose the same setting for all three families (same held-out PR-AUC) and took
# up to 1.8 times as long (the forest). A table whose training
# folds are smaller (under 13,333 rows) tunes on the whole fold, as before.
TUNING_FIT_ROWS = 10_000
TUNING_JUDGE_ROWS = 10_000
# above this many training rows: one fit of the winner on at most FIT_ROWS sampled rows,
# calibrated by a sigmoid on at most CALIBRATION_ROWS held-out rows of the fold, instead of a
# 3-fold calibrated refit (4 fits) on every row
# (50,000 rows: on the 1,000,000-row benchmark table 100,000 gave out-of-fold PR-AUC 0.293 for
# boosting and 0.234 for the logistic regression against 0.289 and 0.233, for more fitting time)
LARGE_TRAINING_ROWS = 30_000
FIT_ROWS = 50_000
CALIBRATION_ROWS = 20_000
# every forest tree is grown on a bootstrap sample of at most this many rows; on large tables the
# forest has LARGE_FOREST_TREES trees instead of 200: the forest was the slowest family by far
# (about 60% of the fitting time at 1,000,000 rows) and never the best one there
ROWS_PER_TREE = 10_000
FOREST_TREES = 200
LARGE_FOREST_TREES = 60
# gradient boosting bins each feature into at most 255 values, categories included; the most
# frequent levels keep their own code, the rest share one with the rare levels
MAX_BOOSTING_LEVELS = 60

# A handful of settings per family: enough to move from a heavily regularised to a flexible
# model, few enough that 5 outer folds stay within minutes on a table of 15,000 customers.
SEARCH_SPACE: dict[str, list[dict]] = {
    "logistic_regression": [{"C": 0.03}, {"C": 0.3}, {"C": 3.0}],
    # unlimited depth and sqrt features, leaves from small to large: on noisy churn tables of a
    # few thousand rows the larger leaves often rank better (measured on the generated tables in
    # tests/fixtures/churn_tables); class weighting is searched because with ~10% churners it
    # sometimes helps the ranking and sometimes hurts
    "random_forest": [
        {"min_samples_leaf": 3, "class_weight": None},
        {"min_samples_leaf": 15, "class_weight": None},
        {"min_samples_leaf": 50, "class_weight": None},
        {"min_samples_leaf": 15, "class_weight": "balanced_subsample"},
    ],
    # from flexible to heavily regularised; the number of boosting rounds is found by early
    # stopping on an internal 10% split
    "hist_gradient_boosting": [
        {"learning_rate": 0.1, "max_leaf_nodes": 15, "min_samples_leaf": 40},
        {"learning_rate": 0.05, "max_leaf_nodes": 7, "min_samples_leaf": 80,
         "l2_regularization": 1.0},
        {"learning_rate": 0.03, "max_leaf_nodes": 4, "min_samples_leaf": 100,
         "l2_regularization": 1.0},
        {"learning_rate": 0.05, "max_depth": 3, "min_samples_leaf": 50, "l2_regularization": 1.0,
         "max_features": 0.5},
    ],
}


def make_tabular_pipeline(name: str, settings: dict, numeric: list[str], categorical: list[str],
                          seed: int, large: bool = False) -> Pipeline:
    """Preprocessing and estimator of one family with one setting (unfitted); ``large``: the
    table is past LARGE_TRAINING_ROWS (fewer forest trees)."""
    if name == "logistic_regression":
        # imputed with a missing indicator and scaled; categories one-hot, rare levels pooled
        return Pipeline([("prepare", make_preprocessor(numeric, categorical)),
                         ("model", LogisticRegression(l1_ratio=0.0, max_iter=5000, **settings))])
    if name == "random_forest":
        return Pipeline([("prepare", make_preprocessor(numeric, categorical)),
                         ("model", BoundedForest(
                             n_estimators=LARGE_FOREST_TREES if large else FOREST_TREES,
                             max_features="sqrt", random_state=seed, n_jobs=1, **settings))])
    if name == "hist_gradient_boosting":
        # numbers go in as they are: missing values (a customer with no contract end) get their
        # own branch at every split. Categories go in as codes the model splits on natively.
        encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                                 encoded_missing_value=np.nan, min_frequency=RARE_LEVEL_ROWS,
                                 max_categories=MAX_BOOSTING_LEVELS)
        prepare = ColumnTransformer([("numeric", "passthrough", numeric),
                                     ("categorical", encoder, categorical)])
        is_category = [False] * len(numeric) + [True] * len(categorical)
        model = HistGradientBoostingClassifier(
            max_iter=300, early_stopping=True, validation_fraction=0.1, n_iter_no_change=20,
            categorical_features=is_category if categorical else None, random_state=seed,
            **settings)
        return Pipeline([("prepare", prepare), ("model", model)])
    raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")


class BoundedForest(RandomForestClassifier):
    """A random forest whose trees each see at most ROWS_PER_TREE bootstrap rows: the bound is
    set at fit time, when the number of rows is known (a plain forest on a small table)."""

    def fit(self, X, y, sample_weight=None):
        self.max_samples = ROWS_PER_TREE if len(y) > ROWS_PER_TREE else None
        return super().fit(X, y, sample_weight=sample_weight)


def stratified_sample(positions: np.ndarray, labels: np.ndarray, size: int, seed: int
                      ) -> np.ndarray:
    """At most ``size`` of ``positions`` (indices into ``labels``), the churn rate kept."""
    if len(positions) <= size:
        return positions
    return np.sort(_class_shares(positions, labels[positions], size / len(positions), seed)[0])


def _class_shares(positions: np.ndarray, labels: np.ndarray, share: float, seed: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``share`` of each class's positions and the rest, drawn at random. A plain permutation
    per class: scikit-learn's StratifiedShuffleSplit took 1.7 s on 800,000 rows."""
    rng = np.random.default_rng(seed)
    taken, rest = [], []
    for value in np.unique(labels):
        members = rng.permutation(positions[labels == value])
        cut = int(round(share * len(members)))
        taken.append(members[:cut])
        rest.append(members[cut:])
    return np.concatenate(taken), np.concatenate(rest)


def tuning_split(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The 75% of the rows the settings are fitted on and the 25% they are judged on."""
    if len(labels) > LARGE_TRAINING_ROWS:
        return _class_shares(np.arange(len(labels)), labels, 1 - TUNING_SHARE, seed)
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=TUNING_SHARE, random_state=seed)
    return next(splitter.split(np.zeros(len(labels)), labels))


def choose_setting(name: str, features: pd.DataFrame, labels: np.ndarray, numeric: list[str],
                   categorical: list[str], seed: int, split=None, large: bool = False
                   ) -> tuple[dict, list[float]]:
    """The setting with the best PR-AUC on a held-out quarter of ``features`` (at most
    TUNING_FIT_ROWS rows to fit, TUNING_JUDGE_ROWS to judge), and every setting's PR-AUC there
    (in ``SEARCH_SPACE`` order)."""
    settings = SEARCH_SPACE[name]
    if len(settings) == 1:
        return settings[0], []
    fit_rows, judge_rows = split if split is not None else tuning_split(labels, seed)
    fit_rows = stratified_sample(fit_rows, labels, TUNING_FIT_ROWS, seed)
    judge_rows = stratified_sample(judge_rows, labels, TUNING_JUDGE_ROWS, seed)
    fit_features, judge_features = features.iloc[fit_rows], features.iloc[judge_rows]
    scores = []
    for setting in settings:
        pipeline = make_tabular_pipeline(name, setting, numeric, categorical, seed, large)
        pipeline.fit(fit_features, labels[fit_rows])
        probabilities = pipeline.predict_proba(judge_features)[:, 1]
        scores.append(float(average_precision_score(labels[judge_rows], probabilities)))
    # ties go to the earlier, simpler setting
    return settings[int(np.argmax(scores))], scores


def fit_tuned_model(name: str, features: pd.DataFrame, labels, numeric: list[str],
                    categorical: list[str], seed: int) -> tuple[CalibratedClassifierCV, dict]:
    """A calibrated pipeline of family ``name`` with its setting chosen on ``features`` only,
    and a record of the choice: setting, its tuning PR-AUC, every setting's, seconds taken."""
    started = time.perf_counter()
    labels = np.asarray(labels, dtype=int)
    features = features[numeric + categorical]
    large = len(labels) > LARGE_TRAINING_ROWS
    # one OpenMP and one BLAS thread: gradient boosting's threads wait on each other at every
    # split, which on a busy shared machine made a 300-row fit 10x and a 12,000-row fit 25x
    # slower than one thread; two OpenBLAS threads made a 50,000-row logistic regression 8x
    # slower (2.2 s against 0.27 s, load average 4). Parallelism is across folds instead.
    with threadpool_limits(limits=1):
        split = tuning_split(labels, seed)
        setting, scores = choose_setting(name, features, labels, numeric, categorical, seed,
                                         split, large)
        pipeline = make_tabular_pipeline(name, setting, numeric, categorical, seed, large)
        if large:
            # fit once on a sample of the fitting part; the sigmoid is fitted on held-out rows
            fit_rows = stratified_sample(split[0], labels, FIT_ROWS, seed)
            calibration_rows = stratified_sample(split[1], labels, CALIBRATION_ROWS, seed)
            pipeline.fit(features.iloc[fit_rows], labels[fit_rows])
            calibrated = CalibratedClassifierCV(FrozenEstimator(pipeline), method="sigmoid")
            calibrated.fit(features.iloc[calibration_rows], labels[calibration_rows])
            fitted_rows = len(fit_rows)
        else:
            # class weighting and boosting push probabilities away from the churn rate: a
            # sigmoid fitted on held-out folds brings them back, so Brier and the threshold
            # mean something
            calibrated = CalibratedClassifierCV(pipeline, method="sigmoid",
                                                cv=calibration_splits(labels, None, seed),
                                                ensemble=False)
            calibrated.fit(features, labels)
            fitted_rows = len(labels)
    record = {"setting": setting, "tuning_pr_auc": max(scores) if scores else None,
              "tuning_pr_auc_per_setting": scores, "fitted_rows": fitted_rows,
              "seconds": time.perf_counter() - started}
    return calibrated, record
