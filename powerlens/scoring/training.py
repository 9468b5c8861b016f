"""Fitting the warehouse's churn models once, fast, with honest probabilities and error bars.

- **Sampling**: above ``max_rows`` training rows, the staying (majority) rows are sampled and
  every kept row carries the weight 1 / its class's sampling rate, so the weighted data has the
  original class mix and the probabilities stay calibrated; training time stays flat as the
  customer base grows.
- **One fit per candidate**: the training rows are sampled first, then the customers of the
  kept rows are split once (75% fit, 25% hold-out, all rows of a customer on one side, both
  outcomes on each side). Each candidate
  setting is fitted on the fit part and judged by weighted PR-AUC on the hold-out part; the best
  one is kept and a sigmoid (Platt) map fitted on its hold-out scores calibrates it. No refit:
  the fitted model serves the metrics, the importance and the drivers.
- **Weighted metrics** and a **Poisson bootstrap over customers** give each metric a 95%
  interval without re-sorting the scores for every replicate.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from powerlens.scoring.models import NotEnoughData, make_preprocessor

WAREHOUSE_MODELS = ("logistic_regression", "random_forest", "hist_gradient_boosting")
HOLDOUT_SHARE = 0.25
# the small search: each model's candidates, tried on the first evaluation period that can
# train (its training rows only) and kept for the later periods and the final model
CANDIDATES = {
    "logistic_regression": [{"C": 0.1}, {"C": 1.0}],
    # both bounded: an unlimited-depth forest fitted and predicted several times slower at
    # 100,000 customers and was never the better candidate on the generated data
    "random_forest": [{"min_samples_leaf": 30, "max_depth": 12},
                      {"min_samples_leaf": 15, "max_depth": 9}],
    "hist_gradient_boosting": [{"learning_rate": 0.05, "max_leaf_nodes": 15, "max_iter": 150},
                               {"learning_rate": 0.1, "max_leaf_nodes": 31, "max_iter": 100}],
}
PROBABILITY_FLOOR = 1e-6
FOREST_TREES = 100
# the hyper-parameter search fits its candidates on at most this many sampled rows
SEARCH_ROWS = 6_000
# bootstrap replicates x rows resampled per interval: at most this many draws, at least
# MIN_BOOTSTRAP_REPEATS replicates (all 200 on a 2,000-customer sample; 50 at 100,000)
BOOTSTRAP_ROW_BUDGET = 5_000_000
MIN_BOOTSTRAP_REPEATS = 50


class SampledBinsBoosting(HistGradientBoostingClassifier):
    """Histogram gradient boosting whose bin edges are the quantiles of the (sampled) training
    rows, not their weighted quantiles; the trees are still fitted with the weights.

    scikit-learn computes weighted bin edges one percentile at a time in Python (255 per
    feature): at 20,000 customers that was 25 of the 34 CPU seconds of the boosting fits,
    the largest single cost of training. Bin edges are only candidate split points; the
    unweighted ones of the sample resolve the churners' range a little more finely, which is
    where the splits that matter are."""

    def _bin_data(self, X, sample_weight, is_training_data):
        return super()._bin_data(X, None, is_training_data)


def make_estimator(name: str, params: dict, seed: int):
    if name == "logistic_regression":
        return LogisticRegression(C=params["C"], max_iter=2000)
    if name == "random_forest":
        return RandomForestClassifier(n_estimators=FOREST_TREES, min_samples_leaf=params["min_samples_leaf"],
                                      max_depth=params["max_depth"], max_samples=0.5,
                                      max_features="sqrt", random_state=seed, n_jobs=2)
    if name == "hist_gradient_boosting":
        return SampledBinsBoosting(learning_rate=params["learning_rate"],
                                   max_leaf_nodes=params["max_leaf_nodes"],
                                   max_iter=params["max_iter"], l2_regularization=1.0,
                                   min_samples_leaf=40, early_stopping=False, random_state=seed)
    raise ValueError(f"unknown model {name!r}; expected one of {', '.join(WAREHOUSE_MODELS)}")


class CalibratedChurnModel:
    """A fitted pipeline and the sigmoid map of its scores to probabilities (picklable)."""

    def __init__(self, name: str, params: dict, pipeline: Pipeline, columns: list[str],
                 slope: float, intercept: float):
        self.name, self.params, self.pipeline, self.columns = name, params, pipeline, columns
        self.slope, self.intercept = slope, intercept

    def raw_score(self, features: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict_proba(features[self.columns])[:, 1]

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        p = self._calibrated(self.raw_score(features))
        return np.column_stack([1 - p, p])

    def _calibrated(self, raw: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.slope * _logit(raw) + self.intercept)))

    # Permutation importance and drivers change one feature at a time and predict again. The
    # preparation (imputation, indicators, scaling, one-hot) works row by row, so changing a
    # feature's prepared columns is the same as changing the feature and preparing again:
    # preparing once saves a pandas round trip per pass (tested against the raw way).
    def prepared(self, features: pd.DataFrame) -> np.ndarray:
        """``features`` as the estimator sees them (a float matrix)."""
        return np.asarray(self.pipeline[:-1].transform(features[self.columns]), dtype=float)

    def from_prepared(self, prepared: np.ndarray) -> np.ndarray:
        """The calibrated churn probability of each row of a ``prepared`` matrix."""
        return self._calibrated(self.pipeline[-1].predict_proba(prepared)[:, 1])

    def prepared_columns(self) -> dict[str, np.ndarray]:
        """The columns of the prepared matrix that each feature becomes: its scaled value and
        missing indicator, or its one-hot columns."""
        prepare = self.pipeline.named_steps["prepare"]
        positions: dict[str, list[int]] = {}
        for name, steps, features in prepare.transformers_:
            if name not in prepare.output_indices_ or not len(features):
                continue
            start = prepare.output_indices_[name].start
            if name == "numeric":
                for offset, feature in enumerate(features):
                    positions[feature] = [start + offset]
                indicator = steps[0].indicator_
                for offset, index in enumerate([] if indicator is None else indicator.features_):
                    positions[features[index]].append(start + len(features) + offset)
            else:
                # one-hot names start with the feature's placeholder name: "f3_<level>"
                names = steps[-1].get_feature_names_out([f"f{i}" for i in range(len(features))])
                for offset, column in enumerate(names):
                    feature = features[int(column.split("_", 1)[0][1:])]
                    positions.setdefault(feature, []).append(start + offset)
        return {feature: np.array(columns) for feature, columns in positions.items()}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, PROBABILITY_FLOOR, 1 - PROBABILITY_FLOOR)
    return np.log(p / (1 - p))


def class_sampling_rates(positives: int, negatives: int, max_rows: int,
                         min_negatives_per_positive: float = 4.0) -> tuple[float, float]:
    """(positive rate, negative rate) of rows to keep so that at most ``max_rows`` remain.

    Positives (churn, the rare class) are all kept while they fill at most
    1 / (1 + ``min_negatives_per_positive``) of the budget; the negatives fill the rest.
    The weight of a kept row is 1 / its class's rate.
    """
    if positives + negatives <= max_rows:
        return 1.0, 1.0
    keep_positive = min(positives, max_rows / (1 + min_negatives_per_positive))
    keep_negative = min(negatives, max_rows - keep_positive)
    return (keep_positive / positives if positives else 1.0,
            keep_negative / negatives if negatives else 1.0)


def sample_rows(labels: np.ndarray, max_rows: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the kept rows and their weights (see ``class_sampling_rates``)."""
    labels = np.asarray(labels, dtype=int)
    rate_positive, rate_negative = class_sampling_rates(int(labels.sum()),
                                                        int((labels == 0).sum()), max_rows)
    rates = np.where(labels == 1, rate_positive, rate_negative)
    keep = np.random.default_rng(seed).random(len(labels)) < rates
    return np.flatnonzero(keep), 1.0 / rates[keep]


def outcome_customers(labels: np.ndarray, groups: np.ndarray) -> tuple[int, int]:
    return len(set(groups[labels == 1])), len(set(groups[labels == 0]))


def holdout_split(labels: np.ndarray, groups: np.ndarray, seed: int):
    """(fit positions, hold-out positions): about 25% of the churned and of the other customers
    held out, every row of a customer on one side, both outcomes on each side."""
    labels, groups = np.asarray(labels, dtype=int), np.asarray(groups)
    positives, negatives = outcome_customers(labels, groups)
    if positives < 2 or negatives < 2:
        raise NotEnoughData(f"{len(labels)} rows with {positives} churned and {negatives} "
                            "not churned customers; fitting needs at least 2 of each")
    codes, uniques = pd.factorize(groups, sort=True)
    churner = np.zeros(len(uniques), dtype=bool)
    churner[codes[labels == 1]] = True
    rng = np.random.default_rng(seed)
    held = np.zeros(len(uniques), dtype=bool)
    for members in (np.flatnonzero(churner), np.flatnonzero(~churner)):
        count = min(max(1, int(round(len(members) * HOLDOUT_SHARE))), len(members) - 1)
        if count > 0:
            held[rng.permutation(members)[:count]] = True
    holdout = held[codes]
    fit, out = np.flatnonzero(~holdout), np.flatnonzero(holdout)
    if len(set(labels[fit])) < 2 or len(set(labels[out])) < 2:
        raise NotEnoughData(f"{positives} churned customers cannot be split into a fitting "
                            "and a calibration part with both outcomes in each")
    return fit, out


def fit_calibrated(name: str, rows: pd.DataFrame, labels, numeric: list[str],
                   categorical: list[str], seed: int, max_rows: int,
                   candidates: list[dict] | None = None,
                   search_rows: int = SEARCH_ROWS, weights=None,
                   rows_before_sampling: int | None = None,
                   ) -> tuple[CalibratedChurnModel, dict]:
    """The best candidate fitted once on the fit part and calibrated on the hold-out part.

    ``rows`` are sampled first (``sample_rows``: at most ``max_rows``) and the kept rows split
    into the fit and hold-out parts by customer, so no step touches every row of a large
    training set but the sampling. A caller that sampled already (``sample_rows`` with the
    same seed, as ``churn._fit`` does to avoid copying a large frame) passes the kept rows,
    ``rows_before_sampling`` and ``weights``."""
    labels = np.asarray(labels, dtype=int)
    if weights is None:
        kept, weights = sample_rows(labels, max_rows, seed)
        rows, labels = rows.iloc[kept], labels[kept]
    total_rows = len(labels) if rows_before_sampling is None else rows_before_sampling
    weight = np.asarray(weights, dtype=float)
    fit, out = holdout_split(labels, rows["customer_id"].to_numpy(), seed)
    columns = numeric + categorical
    x_out = rows.iloc[out][columns]
    candidates = candidates or CANDIDATES[name]
    # the search judges the candidates on a smaller sample of the fit part (same weighting
    # rule) and fits only the winner on the whole fit part
    search = fit
    search_weight = weight
    if len(candidates) > 1 and len(fit) > search_rows:
        kept_search, extra = sample_rows(labels[fit], search_rows, seed + 1)
        search = fit[kept_search]
        search_weight = weight.copy()
        search_weight[search] = weight[search] * extra
        if len(set(labels[search])) < 2:
            search = fit
            search_weight = weight
    best = None
    tried = []

    def fitted(params, positions, row_weight):
        pipeline = Pipeline([("prepare", make_preprocessor(numeric, categorical)),
                             ("model", make_estimator(name, params, seed))])
        return pipeline.fit(rows.iloc[positions][columns], labels[positions],
                            model__sample_weight=row_weight[positions])

    for params in candidates:
        pipeline = fitted(params, search, search_weight)
        raw = pipeline.predict_proba(x_out)[:, 1]
        score = weighted_average_precision(labels[out], raw, weight[out])
        tried.append({"params": params, "holdout_pr_auc": round(float(score), 6),
                      "search_rows": int(len(search))})
        if best is None or score > best[0]:
            best = (score, params, pipeline, raw)
    _, params, pipeline, raw = best
    if len(search) < len(fit):
        pipeline = fitted(params, fit, weight)
        raw = pipeline.predict_proba(x_out)[:, 1]
    sigmoid = LogisticRegression(C=1e4, max_iter=1000)
    sigmoid.fit(_logit(raw).reshape(-1, 1), labels[out], sample_weight=weight[out])
    model = CalibratedChurnModel(name, params, pipeline, columns, float(sigmoid.coef_[0, 0]),
                                 float(sigmoid.intercept_[0]))
    info = {"params": params, "candidates": tried, "rows": int(total_rows),
            "fit_rows": int(len(fit)), "holdout_rows": int(len(out)),
            "sampled": bool(len(labels) < total_rows),
            "weight_positive": float(weight[labels == 1].max(initial=0)),
            "weight_negative": float(weight[labels == 0].max(initial=0))}
    return model, info


# --- weighted metrics (weights 1 give sklearn's figures) ------------------------------------

class RankedScores:
    """Scores sorted once (highest first) so that every bootstrap replicate is O(n)."""

    def __init__(self, labels, scores, clusters=None):
        scores = np.asarray(scores, dtype=float)
        order = np.argsort(-scores, kind="stable")
        self.labels = np.asarray(labels, dtype=float)[order]
        self.scores = scores[order]
        # the last position of each run of tied scores: a threshold sits after whole ties
        self.threshold_ends = np.r_[self.scores[1:] != self.scores[:-1], True]
        clusters = np.arange(len(scores)) if clusters is None else np.asarray(clusters)[order]
        self.cluster_codes, uniques = pd.factorize(clusters)
        self.n_clusters = len(uniques)
        self.top_decile = max(1, int(np.ceil(len(scores) * 0.1)))

    def metrics(self, weights: np.ndarray, threshold: float) -> dict[str, float]:
        y, p, w = self.labels, self.scores, weights
        positive_weight = w * y
        tp = np.cumsum(positive_weight)[self.threshold_ends]
        fp = np.cumsum(w * (1 - y))[self.threshold_ends]
        total_positive, total_negative = tp[-1] if len(tp) else 0.0, fp[-1] if len(fp) else 0.0
        out = {name: float("nan") for name in ("roc_auc", "pr_auc", "precision_at_threshold",
                                               "recall_at_threshold", "lift_top_decile")}
        total = w.sum()
        out["brier"] = float((w * (p - y) ** 2).sum() / total) if total > 0 else float("nan")
        flagged = p >= threshold
        flagged_weight = w[flagged].sum()
        if flagged_weight > 0:
            out["precision_at_threshold"] = float(positive_weight[flagged].sum() / flagged_weight)
        if total_positive > 0:
            out["recall_at_threshold"] = float(positive_weight[flagged].sum() / total_positive)
            top = slice(0, self.top_decile)
            if w[top].sum() > 0:
                out["lift_top_decile"] = float((positive_weight[top].sum() / w[top].sum())
                                               / (total_positive / total))
        if total_positive > 0 and total_negative > 0:
            precision = tp / np.maximum(tp + fp, 1e-300)
            recall = tp / total_positive
            out["pr_auc"] = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
            tpr, fpr = np.r_[0.0, recall], np.r_[0.0, fp / total_negative]
            out["roc_auc"] = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
        return out


def weighted_average_precision(labels, scores, weights) -> float:
    ranked = RankedScores(labels, scores)
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    return ranked.metrics(np.asarray(weights, dtype=float)[order], 1.0)["pr_auc"]


BOOTSTRAP_METRICS = ("roc_auc", "pr_auc", "brier", "precision_at_threshold",
                     "recall_at_threshold", "lift_top_decile")


def bootstrap_repeats_for(rows: int, repeats: int, row_budget: int | None) -> int:
    """Replicates for ``rows`` rows: ``repeats`` while ``rows * repeats`` stays within
    ``row_budget`` (None: no budget), else as many as fit, but at least
    ``MIN_BOOTSTRAP_REPEATS`` (never more than asked for)."""
    if row_budget is None or rows * repeats <= row_budget:
        return repeats
    return min(repeats, max(MIN_BOOTSTRAP_REPEATS, row_budget // max(rows, 1)))


def bootstrap_intervals(labels, scores, clusters, threshold: float, repeats: int, seed: int,
                        level: float = 0.95,
                        row_budget: int | None = None) -> dict[str, float]:
    """``<metric>_ci_low`` / ``_ci_high`` for every metric of ``RankedScores.metrics``.

    A Poisson bootstrap over ``clusters`` (customers): each replicate gives every customer a
    Poisson(1) weight shared by all its rows, which resamples customers, not rows, when one
    customer appears in several evaluation months. With ``row_budget`` large evaluations get
    fewer replicates (``bootstrap_repeats_for``): their intervals are narrow and their
    percentiles steady with 50.
    """
    ranked = RankedScores(labels, scores, clusters)
    repeats = bootstrap_repeats_for(len(ranked.labels), repeats, row_budget)
    rng = np.random.default_rng(seed)
    draws = {name: [] for name in BOOTSTRAP_METRICS}
    for _ in range(repeats):
        weights = rng.poisson(1.0, ranked.n_clusters).astype(float)[ranked.cluster_codes]
        for name, value in ranked.metrics(weights, threshold).items():
            draws[name].append(value)
    tail = (1 - level) / 2 * 100
    out = {}
    for name in BOOTSTRAP_METRICS:
        values = np.asarray(draws[name], dtype=float)
        values = values[~np.isnan(values)]
        low, high = (np.percentile(values, [tail, 100 - tail]) if len(values) >= 10
                     else (np.nan, np.nan))
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = float(low), float(high)
    return out


def pooled_metrics(labels, scores, threshold: float) -> dict[str, float]:
    """The metrics of all evaluation months' predictions taken together (unweighted)."""
    ranked = RankedScores(labels, scores)
    return ranked.metrics(np.ones(len(ranked.labels)), threshold)
