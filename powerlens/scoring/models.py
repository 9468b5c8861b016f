"""The churn model family and how it is judged, shared by the warehouse and `churn-eval`.

Two candidates: a scaled, L2-regularised logistic regression and a random forest with leaves large
enough not to memorise single customers. Both sit behind the same preprocessing (median imputation
with missing-value indicators, one-hot categories with rare levels pooled) and both are calibrated
with a sigmoid fitted on held-out folds, so their probabilities can be compared and acted on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

MODEL_NAMES = ("logistic_regression", "random_forest")
CALIBRATION_FOLDS = 3


def make_preprocessor(numeric: list[str], categorical: list[str]) -> ColumnTransformer:
    numeric_steps = make_pipeline(SimpleImputer(strategy="median", add_indicator=True,
                                                keep_empty_features=True),
                                  StandardScaler())
    categorical_steps = make_pipeline(
        SimpleImputer(strategy="constant", fill_value="missing"),
        # levels seen fewer than 20 times are pooled: they cannot be learned and would overfit
        OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=20, sparse_output=False),
    )
    return ColumnTransformer([("numeric", numeric_steps, numeric),
                              ("categorical", categorical_steps, categorical)])


def make_estimator(name: str, seed: int):
    if name == "logistic_regression":
        return LogisticRegression(C=0.3, l1_ratio=0.0, max_iter=5000)
    if name == "random_forest":
        # shallow-ish trees on half-size bootstrap samples: churn signals are weak and noisy,
        # and deep trees on every row learn the customers rather than the signal (and are slow)
        return RandomForestClassifier(n_estimators=100, min_samples_leaf=30, max_depth=10,
                                      max_samples=0.5, max_features="sqrt", random_state=seed,
                                      n_jobs=1)
    raise ValueError(f"unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}")


class NotEnoughData(ValueError):
    """Too few rows or too few of one outcome to fit and calibrate a model.

    A short history or a small region is a normal input, not a bug: callers catch this one error
    and report why nothing was fitted, while any other error still stops the run.
    """


def _class_units(labels: np.ndarray, groups: np.ndarray | None, label: int) -> int:
    """How many independent units (customers when grouped, else rows) have outcome ``label``."""
    if groups is None:
        return int((labels == label).sum())
    return len(set(groups[labels == label]))


def calibration_splits(labels: np.ndarray, groups: np.ndarray | None, seed: int):
    """Folds for fitting the calibration; rows of one customer stay in one fold.

    Raises ``NotEnoughData`` unless every fold's training and held-out part holds both outcomes:
    otherwise a fold's model or its calibration map cannot be fitted.
    """
    positives, negatives = _class_units(labels, groups, 1), _class_units(labels, groups, 0)
    folds = min(CALIBRATION_FOLDS, positives, negatives)
    if folds < 2:
        raise NotEnoughData(f"{len(labels)} rows with {positives} churned and {negatives} "
                            f"not churned {'customers' if groups is not None else 'rows'}; "
                            "fitting needs at least 2 of each")
    placeholder = np.zeros(len(labels))
    if groups is None:
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
        splits = list(splitter.split(placeholder, labels))
    else:
        splitter = StratifiedGroupKFold(folds, shuffle=True, random_state=seed)
        splits = list(splitter.split(placeholder, labels, groups))
    for train, held_out in splits:
        if len(np.unique(labels[train])) < 2 or len(np.unique(labels[held_out])) < 2:
            raise NotEnoughData(f"{positives} churned customers cannot be spread over "
                                f"{folds} calibration folds with both outcomes in each")
    return splits


def fit_model(name: str, features: pd.DataFrame, labels, numeric: list[str],
              categorical: list[str], seed: int, groups=None) -> CalibratedClassifierCV:
    """A calibrated pipeline (preprocessing + estimator) fitted on ``features``."""
    labels = np.asarray(labels, dtype=int)
    pipeline = Pipeline([("prepare", make_preprocessor(numeric, categorical)),
                         ("model", make_estimator(name, seed))])
    splits = calibration_splits(labels, None if groups is None else np.asarray(groups), seed)
    # ensemble=False: one model refitted on all rows plus one calibration map keeps scoring fast
    calibrated = CalibratedClassifierCV(pipeline, method="sigmoid", cv=splits, ensemble=False)
    return calibrated.fit(features[numeric + categorical], labels)


def predict_probability(model, features: pd.DataFrame) -> np.ndarray:
    return model.predict_proba(features)[:, 1]


def lift_in_top_decile(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Positive rate among the 10% highest scores divided by the overall positive rate."""
    labels = np.asarray(labels, dtype=float)
    if labels.sum() == 0:
        return float("nan")
    top_count = max(1, int(np.ceil(len(labels) * 0.1)))
    # stable sort on the negated score: ties keep their input order, so the figure is repeatable
    top = np.argsort(-np.asarray(probabilities), kind="stable")[:top_count]
    return float(labels[top].mean() / labels.mean())


def classification_metrics(labels, probabilities, threshold: float) -> dict[str, float]:
    """ROC-AUC, PR-AUC, Brier, precision and recall at ``threshold``, top-decile lift, counts."""
    labels = np.asarray(labels, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    flagged = probabilities >= threshold
    true_positives = int((flagged & (labels == 1)).sum())
    both_classes = 0 < labels.sum() < len(labels)
    return {
        "roc_auc": float(roc_auc_score(labels, probabilities)) if both_classes else float("nan"),
        "pr_auc": (float(average_precision_score(labels, probabilities))
                   if both_classes else float("nan")),
        "brier": float(brier_score_loss(labels, probabilities, pos_label=1)),
        "precision_at_threshold": (true_positives / int(flagged.sum())
                                   if flagged.any() else float("nan")),
        "recall_at_threshold": (true_positives / int(labels.sum())
                                if labels.sum() else float("nan")),
        "lift_top_decile": lift_in_top_decile(labels, probabilities),
        "n_rows": int(len(labels)),
        "n_positive": int(labels.sum()),
        "n_flagged": int(flagged.sum()),
        "positive_rate": float(labels.mean()) if len(labels) else float("nan"),
    }
