"""The models `churn-eval` compares on any customer table, each tuned inside its training rows.

Three families: logistic regression, random forest and scikit-learn's histogram gradient
boosting. The warehouse's churn scoring keeps its own two models (models.py); this module only
borrows its preprocessing and calibration so both speak the same probability language.

Each family has a handful of settings. Which one is used is decided inside the rows a model is
trained on: one stratified 75/25 split of them, every setting fitted on the 75% and judged by
PR-AUC on the 25%, the best refitted on all the training rows with a sigmoid calibration. The
rows a model is finally judged on never take part in choosing its setting.
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
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
                          seed: int) -> Pipeline:
    """Preprocessing and estimator of one family with one setting (unfitted)."""
    if name == "logistic_regression":
        # imputed with a missing indicator and scaled; categories one-hot, rare levels pooled
        return Pipeline([("prepare", make_preprocessor(numeric, categorical)),
                         ("model", LogisticRegression(l1_ratio=0.0, max_iter=5000, **settings))])
    if name == "random_forest":
        return Pipeline([("prepare", make_preprocessor(numeric, categorical)),
                         ("model", RandomForestClassifier(n_estimators=200, max_features="sqrt",
                                                          random_state=seed, n_jobs=1,
                                                          **settings))])
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


def choose_setting(name: str, features: pd.DataFrame, labels: np.ndarray, numeric: list[str],
                   categorical: list[str], seed: int) -> tuple[dict, list[float]]:
    """The setting with the best PR-AUC on a held-out quarter of ``features``, and every
    setting's PR-AUC there (in ``SEARCH_SPACE`` order)."""
    settings = SEARCH_SPACE[name]
    if len(settings) == 1:
        return settings[0], []
    splitter = StratifiedShuffleSplit(n_splits=1, test_size=TUNING_SHARE, random_state=seed)
    fit_rows, judge_rows = next(splitter.split(np.zeros(len(labels)), labels))
    scores = []
    for setting in settings:
        pipeline = make_tabular_pipeline(name, setting, numeric, categorical, seed)
        pipeline.fit(features.iloc[fit_rows], labels[fit_rows])
        probabilities = pipeline.predict_proba(features.iloc[judge_rows])[:, 1]
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
    # one OpenMP thread: gradient boosting's threads wait on each other at every split, which on
    # a busy shared machine made a 300-row fit 10x and a 12,000-row fit 25x slower than one thread
    with threadpool_limits(limits=1, user_api="openmp"):
        setting, scores = choose_setting(name, features, labels, numeric, categorical, seed)
        pipeline = make_tabular_pipeline(name, setting, numeric, categorical, seed)
        # class weighting and boosting push probabilities away from the churn rate: a sigmoid
        # fitted on held-out folds brings them back, so Brier and the threshold mean something
        calibrated = CalibratedClassifierCV(pipeline, method="sigmoid",
                                            cv=calibration_splits(labels, None, seed),
                                            ensemble=False)
        calibrated.fit(features, labels)
    record = {"setting": setting, "tuning_pr_auc": max(scores) if scores else None,
              "tuning_pr_auc_per_setting": scores,
              "seconds": time.perf_counter() - started}
    return calibrated, record
