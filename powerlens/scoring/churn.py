"""Churn early warning: out-of-time evaluation, model choice, feature importance and scoring.

Validation design: for an evaluation snapshot ``e`` the models train on every earlier snapshot
``s`` whose label window has closed by ``e`` (``s + window <= e``), so no training label depends
on anything after ``e``; they are then judged on the customers active at ``e``. The model with
the higher mean PR-AUC over the evaluation periods is chosen (churn is rare, so PR-AUC says more
about the flagged list than ROC-AUC), refitted on every labelled snapshot and used to score the
customers active at the current snapshot.

Small data (a short history, a small region) is expected, not an error. Every step then still
returns its table, saying why it could not do more (docs/ch5_churn.md, "Short or small data"):
a metrics row per model with ``evaluation_status`` and a note and empty metrics, no importance
rows for a model that could not be measured, and every active customer marked ``unscored`` when
no model could be judged on held-out churn.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from powerlens.scoring.features import CATEGORICAL_FEATURES, MODEL_NUMERIC_FEATURES
from powerlens.scoring.profile_dimensions import observed_churners
from powerlens.scoring.models import NotEnoughData, classification_metrics, predict_probability
from powerlens.scoring.training import (BOOTSTRAP_METRICS, BOOTSTRAP_ROW_BUDGET, WAREHOUSE_MODELS,
                                        bootstrap_intervals,
                                        fit_calibrated, pooled_metrics, sample_rows,
                                        weighted_average_precision)

DRIVER_COUNT = 3
# drivers are looked for among this many of the chosen model's most important features
DRIVER_CANDIDATES = 15

# why a customer may leave -> what the retention team does about it
RETENTION_ACTIONS = {
    "late_payments_12m": "bill_payment_plan",
    "late_fees_12m": "bill_payment_plan",
    "arrears_amount": "bill_payment_plan",
    "oldest_arrears_days": "bill_payment_plan",
    "complaints_3m": "service_recovery_call",
    "complaints_12m": "service_recovery_call",
    "unresolved_complaints": "service_recovery_call",
    "dissatisfied_complaints_12m": "service_recovery_call",
    "ticket_satisfaction_12m": "service_recovery_call",
    "tickets_12m": "service_recovery_call",
    "outage_tickets_12m": "supply_reliability_review",
    "latest_survey_overall": "service_recovery_call",
    "latest_survey_billing": "tariff_offer",
    "bill_avg_3m": "tariff_offer",
    "bill_amount_12m": "tariff_offer",
    "bill_trend_3m_vs_12m": "tariff_offer",
    "yuan_per_kwh_12m": "tariff_offer",
    # use moving away is how a customer shopping around shows first: a competitive tariff offer
    "kwh_avg_3m": "tariff_offer",
    "kwh_avg_12m": "tariff_offer",
    "kwh_trend_3m_vs_12m": "tariff_offer",
    "kwh_trend_vs_type": "tariff_offer",
    "kwh_yoy_3m": "tariff_offer",
    "zero_usage_months_3m": "account_manager_visit",
    "kwh_volatility_12m": "energy_audit",
    "max_demand_3m_kw": "energy_audit",
    "demand_trend_3m_vs_12m": "energy_audit",
    "kwh_volatility_vs_type": "energy_audit",
    "demand_trend_vs_type": "energy_audit",
    "demand_yoy_3m": "energy_audit",
    "demand_utilisation_3m": "capacity_review",
    "contract_capacity_kva": "capacity_review",
    "tenure_months": "onboarding_check_in",
    "programmes_enrolled": "programme_invitation",
    # a contested retail market: a competitive tariff before a retailer makes one
    "competition_index": "tariff_offer",
}
DEFAULT_ACTION = "account_manager_visit"
NO_ACTION = "no_action"
UNSCORED_TIER = "unscored"

# evaluation_status of a metrics row
EVALUATED = "evaluated"
NO_LABELLED_SNAPSHOT = "no_labelled_snapshot"
TOO_LITTLE_TRAINING_DATA = "too_little_training_data"
ONE_OUTCOME_AT_SNAPSHOT = "one_outcome_at_snapshot"

METRIC_COLUMNS = ("roc_auc", "pr_auc", "brier", "precision_at_threshold", "recall_at_threshold",
                  "lift_top_decile")
METRICS_DTYPES = {
    "model_name": "string", "evaluation_snapshot": "datetime64[us]",
    "train_first_snapshot": "datetime64[us]", "train_last_snapshot": "datetime64[us]",
    "train_rows": "Int64", "train_positive": "Int64", "operating_threshold": "float64",
    **{column: "float64" for column in METRIC_COLUMNS},
    "n_rows": "Int64", "n_positive": "Int64", "n_flagged": "Int64", "positive_rate": "float64",
    **{f"{m}_ci_{end}": "float64" for m in BOOTSTRAP_METRICS for end in ("low", "high")},
    "evaluation_status": "string", "evaluation_note": "string", "hyperparameters": "string",
    "is_chosen": "boolean",
}
SUMMARY_DTYPES = {
    "model_name": "string", "evaluation_snapshots": "Int64", "evaluated_rows": "Int64",
    "churned_rows": "Int64", "no_skill_pr_auc": "float64",
    **{f"pooled_{m}": "float64" for m in BOOTSTRAP_METRICS},
    **{f"pooled_{m}_ci_{end}": "float64" for m in BOOTSTRAP_METRICS for end in ("low", "high")},
    "hyperparameters": "string", "is_chosen": "boolean",
}
IMPORTANCE_DTYPES = {"model_name": "string", "evaluation_snapshot": "datetime64[us]",
                     "feature": "string", "importance": "float64", "importance_std": "float64",
                     "importance_rank": "Int64"}


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.loc[frame["churned"].notna()]


def evaluation_snapshots(frame: pd.DataFrame, periods: int) -> list[pd.Timestamp]:
    """The latest ``periods`` labelled snapshots."""
    snapshots = sorted(labelled(frame)["snapshot_date"].unique())
    return [pd.Timestamp(s) for s in snapshots[-periods:]]


def out_of_time_split(frame: pd.DataFrame, evaluation_snapshot, window_months: int):
    rows = labelled(frame)
    evaluation_snapshot = pd.Timestamp(evaluation_snapshot)
    label_known = rows["snapshot_date"] + pd.DateOffset(months=window_months) <= evaluation_snapshot
    return rows.loc[label_known], rows.loc[rows["snapshot_date"] == evaluation_snapshot]


def _typed(records: list[dict], dtypes: dict[str, str]) -> pd.DataFrame:
    """``records`` as a frame with fixed columns and types, also when there are no records,
    so the warehouse table keeps its column types on a small export."""
    frame = pd.DataFrame.from_records(records, columns=list(dtypes))
    return frame.astype(dtypes)


def _not_evaluated(name: str, snapshot, train: pd.DataFrame | None, test: pd.DataFrame | None,
                   threshold: float, status: str, note: str) -> dict:
    """A metrics row for a model that could not be judged: counts that are known, no metrics."""
    has_train = train is not None and len(train) > 0
    return {
        "model_name": name, "evaluation_snapshot": snapshot,
        "train_first_snapshot": train["snapshot_date"].min() if has_train else pd.NaT,
        "train_last_snapshot": train["snapshot_date"].max() if has_train else pd.NaT,
        "train_rows": len(train) if train is not None else 0,
        "train_positive": int(train["churned"].sum()) if train is not None else 0,
        "operating_threshold": threshold,
        **{column: np.nan for column in METRIC_COLUMNS},
        "n_rows": len(test) if test is not None else pd.NA,
        "n_positive": int(test["churned"].sum()) if test is not None else pd.NA,
        "n_flagged": pd.NA,
        "positive_rate": (float(test["churned"].mean())
                          if test is not None and len(test) else np.nan),
        "evaluation_status": status, "evaluation_note": note,
    }


def _one_outcome_note(test: pd.DataFrame) -> str | None:
    """Why ROC-AUC and PR-AUC are undefined on ``test``, or None when both outcomes occur."""
    churned = int(test["churned"].sum())
    if len(test) == 0:
        return "no customer was active at the evaluation snapshot"
    if churned == 0:
        return (f"none of the {len(test)} customers active at the evaluation snapshot churned "
                "in the window, so the ranking (ROC-AUC, PR-AUC, recall, lift) cannot be judged")
    if churned == len(test):
        return (f"all {len(test)} customers active at the evaluation snapshot churned, "
                "so the ranking cannot be judged")
    return None


def _no_labelled_snapshot_note(frame: pd.DataFrame, window_months: int) -> str:
    snapshots = frame["snapshot_date"].nunique()
    return (f"no snapshot has a closed {window_months}-month churn window yet "
            f"({snapshots} snapshot{'s' if snapshots != 1 else ''} in the data, none labelled); "
            "a longer history is needed to train or evaluate a model")


@dataclass
class TrainingSettings:
    window_months: int = 3
    periods: int = 3
    threshold: float = 0.05
    seed: int = 42
    max_training_rows: int = 20_000
    bootstrap_repeats: int = 200
    bootstrap_row_budget: int = BOOTSTRAP_ROW_BUDGET
    importance_rows: int = 2_000
    importance_repeats: int = 2
    models: tuple[str, ...] = WAREHOUSE_MODELS

    def fingerprint(self) -> dict:
        """What an artefact must share with this build to be reused."""
        return {"window_months": self.window_months, "periods": self.periods,
                "models": list(self.models), "numeric_features": MODEL_NUMERIC_FEATURES,
                "categorical_features": CATEGORICAL_FEATURES}


@dataclass
class ChurnTraining:
    """Everything one training run produces; saved as the model artefact."""
    metrics: pd.DataFrame
    summary: pd.DataFrame
    importance: pd.DataFrame
    chosen: str | None
    model: object | None = None
    baseline: dict = field(default_factory=dict)
    driver_candidates: list = field(default_factory=list)
    training_window: dict = field(default_factory=dict)
    fit_info: dict = field(default_factory=dict)
    # churned customers seen in training per profile dimension and category (profile.py)
    observed_churners: pd.DataFrame | None = None
    # seconds per training step (evaluation fits and metrics, pooled summary, importance, final)
    timings: dict = field(default_factory=dict)


def _fit(name: str, rows: pd.DataFrame, settings: TrainingSettings, candidates=None,
         positions: np.ndarray | None = None):
    """``fit_calibrated`` on ``rows`` (labelled), or on the rows of ``rows`` at ``positions``:
    those are sampled before any is copied (a training set of 1.8 M rows at 100,000
    customers is sampled to 20,000; copying it first took seconds and a gigabyte per fit)."""
    if positions is None:
        positions = np.arange(len(rows))
    labels = rows["churned"].to_numpy(dtype=float)[positions].astype(int)
    kept, weights = sample_rows(labels, settings.max_training_rows, settings.seed)
    return fit_calibrated(name, rows.iloc[positions[kept]], labels[kept],
                          MODEL_NUMERIC_FEATURES, CATEGORICAL_FEATURES, settings.seed,
                          settings.max_training_rows, candidates, weights=weights,
                          rows_before_sampling=len(positions))


def _training_positions(frame: pd.DataFrame, evaluation_snapshot, window_months: int):
    """Positions of ``out_of_time_split``'s training rows, without copying them."""
    snapshots = frame["snapshot_date"].to_numpy()
    known = [s for s in np.unique(snapshots)
             if pd.Timestamp(s) + pd.DateOffset(months=window_months)
             <= pd.Timestamp(evaluation_snapshot)]
    return np.flatnonzero(frame["churned"].notna().to_numpy() & np.isin(snapshots, known))


def _importance_sample(test: pd.DataFrame, rows: int, seed: int):
    """The evaluation rows (at most ``rows``: every churner up to half, stayers sampled) and
    the weights that give the sample the snapshot's class mix."""
    labels = test["churned"].astype(int).to_numpy()
    if len(test) <= rows:
        return test, np.ones(len(test))
    positives = int(labels.sum())
    rate_positive = min(1.0, (rows / 2) / max(positives, 1))
    rate_negative = min(1.0, (rows - positives * rate_positive) / max(len(labels) - positives, 1))
    rates = np.where(labels == 1, rate_positive, rate_negative)
    keep = np.random.default_rng(seed).random(len(labels)) < rates
    return test.iloc[np.flatnonzero(keep)], 1.0 / rates[keep]


def _permutation_rows(name, model, test, snapshot, settings: TrainingSettings) -> list[dict]:
    """Shuffles each feature's prepared columns together (``CalibratedChurnModel.prepared``):
    the same as shuffling the feature, without preparing the rows again for every pass."""
    sample, weights = _importance_sample(test, settings.importance_rows, settings.seed)
    features = MODEL_NUMERIC_FEATURES + CATEGORICAL_FEATURES
    labels = sample["churned"].astype(int).to_numpy()
    prepared, positions = model.prepared(sample), model.prepared_columns()
    reference = weighted_average_precision(labels, model.from_prepared(prepared), weights)
    rng = np.random.default_rng(settings.seed)
    records = []
    for feature in features:
        drops = []
        columns = positions[feature]
        for _ in range(settings.importance_repeats):
            kept = prepared[:, columns]
            prepared[:, columns] = kept[rng.permutation(len(sample))]
            drops.append(reference - weighted_average_precision(
                labels, model.from_prepared(prepared), weights))
            prepared[:, columns] = kept
        records.append({"model_name": name, "evaluation_snapshot": snapshot, "feature": feature,
                        "importance": float(np.mean(drops)), "importance_std": float(np.std(drops))})
    return records


def one_thread_pools():
    """OpenMP and BLAS on one thread each while fitting and predicting. OpenMP (histogram
    gradient boosting): on a shared 2-core machine its spinning threads made fits and
    predictions up to 20 times slower. BLAS (logistic regression's solver, the scaler's and
    the sigmoid's matrix products): two OpenBLAS threads made a logistic regression 8 times
    slower on the busy machine, the same oversubscription. The forest's own two joblib
    threads are not a thread pool of either kind and keep their parallelism."""
    return threadpool_limits(limits=1)


def train_churn_models(frame: pd.DataFrame, settings: TrainingSettings) -> ChurnTraining:
    """See ``_train_churn_models``, run with one OpenMP and one BLAS thread
    (``one_thread_pools``)."""
    with one_thread_pools():
        return _train_churn_models(frame, settings)


def _train_churn_models(frame: pd.DataFrame, settings: TrainingSettings) -> ChurnTraining:
    """Out-of-time evaluation, model choice, importance and the final model, each model fitted
    once per evaluation period and the final model once.

    For each of the latest ``periods`` labelled snapshots ``e`` every model trains on the
    snapshots whose window closed by ``e`` and is judged on the customers active at ``e``. The
    hyper-parameter search runs in the first period that can train (inside its training rows)
    and its choice is kept for the later periods and the final model, so no choice depends on
    a label after the period it is judged on. The model with the best pooled PR-AUC over the
    evaluation months is chosen and fitted once on every labelled snapshot.
    """
    clock = [time.perf_counter(), time.process_time()]
    timings: dict[str, float] = {}

    def lap(step: str) -> None:
        # wall and CPU seconds (all threads): on a shared machine only the CPU time says
        # where the work went
        now = [time.perf_counter(), time.process_time()]
        cpu_step = step.replace("_seconds", "_cpu_seconds")
        timings[step] = round(timings.get(step, 0.0) + now[0] - clock[0], 3)
        timings[cpu_step] = round(timings.get(cpu_step, 0.0) + now[1] - clock[1], 3)
        clock[:] = now

    records, predictions, latest_models = [], {name: [] for name in settings.models}, {}
    tuned: dict[str, dict] = {}
    snapshots = evaluation_snapshots(frame, settings.periods)
    threshold = settings.threshold
    if not snapshots:
        note = _no_labelled_snapshot_note(frame, settings.window_months)
        records = [_not_evaluated(name, pd.NaT, None, None, threshold, NO_LABELLED_SNAPSHOT, note)
                   for name in settings.models]
    for snapshot in snapshots:
        positions = _training_positions(frame, snapshot, settings.window_months)
        train_snapshots = frame["snapshot_date"].to_numpy()[positions]
        train_positive = int(frame["churned"].to_numpy(dtype=float)[positions].sum())
        test = frame.loc[frame["snapshot_date"] == snapshot]
        one_outcome = _one_outcome_note(test)
        for name in settings.models:
            try:
                model, info = _fit(name, frame, settings,
                                   [tuned[name]] if name in tuned else None, positions)
            except NotEnoughData as shortfall:
                train = frame.iloc[positions]  # small: it could not be fitted
                note = (f"no earlier snapshot has its {settings.window_months}-month window "
                        "closed by this one, so there is nothing to train on" if train.empty
                        else f"training data too thin: {shortfall}")
                records.append(_not_evaluated(name, snapshot, train, test, threshold,
                                              TOO_LITTLE_TRAINING_DATA, note))
                continue
            tuned.setdefault(name, info["params"])
            labels = test["churned"].astype(int).to_numpy()
            probability = predict_probability(model, test)
            metrics = classification_metrics(labels, probability, threshold)
            intervals = bootstrap_intervals(labels, probability, test["customer_id"].to_numpy(),
                                            threshold, settings.bootstrap_repeats, settings.seed,
                                            row_budget=settings.bootstrap_row_budget)
            records.append({
                "model_name": name, "evaluation_snapshot": snapshot,
                "train_first_snapshot": train_snapshots.min(),
                "train_last_snapshot": train_snapshots.max(),
                "train_rows": len(positions), "train_positive": train_positive,
                "operating_threshold": threshold, **metrics, **intervals,
                "evaluation_status": ONE_OUTCOME_AT_SNAPSHOT if one_outcome else EVALUATED,
                "evaluation_note": one_outcome,
                "hyperparameters": json.dumps(info["params"], sort_keys=True),
            })
            if not one_outcome:
                predictions[name].append(pd.DataFrame({
                    "customer_id": test["customer_id"].to_numpy(), "label": labels,
                    "probability": probability}))
            if snapshot == snapshots[-1] and not one_outcome:
                latest_models[name] = (model, test)
    lap("evaluation_seconds")
    metrics = _typed(records, {k: v for k, v in METRICS_DTYPES.items() if k != "is_chosen"})
    summary = pooled_summary(predictions, metrics, settings)
    lap("pooled_summary_seconds")
    chosen = choose_model(summary)
    metrics["is_chosen"] = pd.array([name == chosen for name in metrics["model_name"]],
                                    dtype="boolean")
    summary["is_chosen"] = pd.array([name == chosen for name in summary["model_name"]],
                                    dtype="boolean")
    importance_records = []
    for name, (model, test) in latest_models.items():
        importance_records += _permutation_rows(name, model, test, snapshots[-1], settings)
    importance = _ranked_importance(importance_records)
    lap("importance_seconds")
    rows = labelled(frame)
    training = ChurnTraining(metrics=metrics, summary=summary, importance=importance,
                             chosen=chosen, observed_churners=observed_churners(rows),
                             timings=timings)
    if chosen is None:
        return training
    try:
        model, info = _fit(chosen, rows, settings, [tuned[chosen]])
    except NotEnoughData:
        # rare: the evaluation periods held both outcomes but the final split does not
        training.chosen = None
        return training
    lap("final_fit_seconds")
    training.model, training.fit_info = model, info
    training.baseline = baseline_values(rows)
    training.driver_candidates = driver_candidates(importance, chosen)
    training.training_window = {
        "first_snapshot": str(rows["snapshot_date"].min().date()),
        "last_snapshot": str(rows["snapshot_date"].max().date()),
        "rows": int(len(rows)), "churned_rows": int(rows["churned"].sum()),
        "current_snapshot": str(frame["snapshot_date"].max().date())}
    return training


def pooled_summary(predictions: dict[str, list[pd.DataFrame]], metrics: pd.DataFrame,
                   settings: TrainingSettings) -> pd.DataFrame:
    """One row per model: metrics of all its evaluated months' predictions pooled, with
    bootstrap intervals over customers, and the no-skill PR-AUC (the pooled churn rate)."""
    records = []
    for name in settings.models:
        evaluated = metrics.loc[(metrics["model_name"] == name)
                                & (metrics["evaluation_status"] == EVALUATED)]
        record = {"model_name": name, "evaluation_snapshots": len(evaluated),
                  "hyperparameters": (evaluated["hyperparameters"].iloc[0]
                                      if len(evaluated) else None)}
        if predictions[name]:
            pooled = pd.concat(predictions[name], ignore_index=True)
            values = pooled_metrics(pooled["label"], pooled["probability"], settings.threshold)
            intervals = bootstrap_intervals(pooled["label"], pooled["probability"],
                                            pooled["customer_id"], settings.threshold,
                                            settings.bootstrap_repeats, settings.seed,
                                            row_budget=settings.bootstrap_row_budget)
            record.update({"evaluated_rows": len(pooled),
                           "churned_rows": int(pooled["label"].sum()),
                           "no_skill_pr_auc": float(pooled["label"].mean()),
                           **{f"pooled_{k}": v for k, v in values.items()},
                           **{f"pooled_{k}": v for k, v in intervals.items()}})
        records.append(record)
    return _typed(records, {k: v for k, v in SUMMARY_DTYPES.items() if k != "is_chosen"})


def choose_model(summary: pd.DataFrame) -> str | None:
    """The model with the highest pooled out-of-time PR-AUC; on a tie the simpler one (the
    order of ``WAREHOUSE_MODELS``: logistic regression first).

    None when no model has a pooled PR-AUC, because a model nobody could check against
    held-out churn must not pick customers for the retention team.
    """
    evaluated = summary.loc[summary["pooled_pr_auc"].notna()]
    if evaluated.empty:
        return None
    order = {name: rank for rank, name in enumerate(WAREHOUSE_MODELS)}
    ranked = sorted(zip(evaluated["model_name"], evaluated["pooled_pr_auc"]),
                    key=lambda item: (-item[1], order.get(item[0], 99)))
    return ranked[0][0]


def _ranked_importance(records: list[dict]) -> pd.DataFrame:
    importance = _typed(records, {k: v for k, v in IMPORTANCE_DTYPES.items()
                                  if k != "importance_rank"})
    importance = importance.sort_values(["model_name", "importance", "feature"],
                                        ascending=[True, False, True], kind="stable")
    importance["importance_rank"] = (importance.groupby("model_name").cumcount() + 1).astype("Int64")
    return importance.reset_index(drop=True)


# thin entry points used by the tests of each step
def evaluate_out_of_time(frame: pd.DataFrame, window_months: int, periods: int,
                         threshold: float, seed: int, **settings) -> pd.DataFrame:
    return train_churn_models(frame, TrainingSettings(window_months, periods, threshold, seed,
                                                      **settings)).metrics


def feature_importance(frame: pd.DataFrame, window_months: int, seed: int,
                       **settings) -> pd.DataFrame:
    return train_churn_models(frame, TrainingSettings(window_months, 1, 0.05, seed,
                                                      **settings)).importance

def baseline_values(rows: pd.DataFrame) -> dict[str, object]:
    """A typical customer: the median of each numeric feature, the commonest category."""
    baseline: dict[str, object] = {c: float(rows[c].median()) for c in MODEL_NUMERIC_FEATURES}
    for column in CATEGORICAL_FEATURES:
        counts = rows[column].value_counts()
        baseline[column] = counts.sort_index().idxmax() if len(counts) else None
    return baseline


def driver_contributions(model, features: pd.DataFrame, candidates: list[str],
                         baseline: dict[str, object]) -> tuple[np.ndarray, np.ndarray]:
    """(probability, contributions): for each candidate feature (a column) the drop in each
    customer's probability when its value is replaced by the baseline value.

    A ``CalibratedChurnModel`` replaces the feature's prepared columns by the baseline's
    (``prepared``: the same result, one preparation instead of one per candidate); any other
    model with ``predict_proba`` gets the feature replaced in the frame."""
    columns = MODEL_NUMERIC_FEATURES + CATEGORICAL_FEATURES
    contributions = np.zeros((len(features), len(candidates)))
    if not hasattr(model, "prepared"):
        probability = predict_probability(model, features[columns])
        for position, feature in enumerate(candidates):
            neutral = features[columns].copy()
            neutral[feature] = baseline[feature]
            contributions[:, position] = probability - predict_probability(model, neutral)
        return probability, contributions
    prepared, positions = model.prepared(features), model.prepared_columns()
    typical = model.prepared(features[columns].head(1).assign(
        **{column: baseline[column] for column in columns}))[0]
    probability = model.from_prepared(prepared)
    for position, feature in enumerate(candidates):
        kept = prepared[:, positions[feature]]
        prepared[:, positions[feature]] = typical[positions[feature]]
        contributions[:, position] = probability - model.from_prepared(prepared)
        prepared[:, positions[feature]] = kept
    return probability, contributions


def customer_drivers(model, features: pd.DataFrame, candidates: list[str],
                     baseline: dict[str, object]) -> pd.DataFrame:
    """The features that raise each customer's probability most above a typical customer.

    For each candidate feature the customer's value is replaced by the baseline value and the
    drop in probability is that feature's contribution; the largest positive ones are the drivers.
    """
    return drivers_from(driver_contributions(model, features, candidates, baseline)[1],
                        candidates, features.index)


def drivers_from(contributions: np.ndarray, candidates: list[str], index) -> pd.DataFrame:
    """The three largest positive contributions of each row and their features' names."""
    rows = len(index)
    # a forest on 2 threads sums its trees in either order: differences of 1e-17 are no driver
    contributions = np.round(contributions, 9)
    # stable order on (-contribution, candidate rank) keeps ties repeatable
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :DRIVER_COUNT]
    drivers = {}
    for slot in range(DRIVER_COUNT):
        if slot >= len(candidates):
            drivers[f"driver_{slot + 1}"] = np.full(rows, None, dtype=object)
            drivers[f"driver_{slot + 1}_contribution"] = np.full(rows, np.nan)
            continue
        picked = order[:, slot]
        value = contributions[np.arange(rows), picked]
        names = np.array(candidates, dtype=object)[picked]
        drivers[f"driver_{slot + 1}"] = np.where(value > 0, names, None)
        drivers[f"driver_{slot + 1}_contribution"] = np.where(value > 0, value, np.nan)
    return pd.DataFrame(drivers, index=index)


def risk_tier(probability: np.ndarray, high_threshold: float, medium_threshold: float) -> np.ndarray:
    return np.where(probability >= high_threshold, "high",
                    np.where(probability >= medium_threshold, "medium", "low"))


def retention_action(drivers: pd.DataFrame, tiers: np.ndarray) -> np.ndarray:
    """The action of the first driver that has one; low-risk customers need none."""
    action = pd.Series(DEFAULT_ACTION, index=drivers.index, dtype=object)
    # fill from the last driver to the first, so the first driver with an action wins
    for slot in reversed(range(DRIVER_COUNT)):
        mapped = drivers[f"driver_{slot + 1}"].map(RETENTION_ACTIONS)
        action = mapped.where(mapped.notna(), action)
    return np.where(np.asarray(tiers) == "low", NO_ACTION, action.to_numpy(dtype=object))


def score_customers(model, model_name: str, current: pd.DataFrame, driver_candidates: list[str],
                    baseline: dict[str, object], high_threshold: float,
                    medium_threshold: float) -> pd.DataFrame:
    """Probability, tier, drivers, revenue at risk and action per customer of ``current``.

    ``current`` is the output of ``build_snapshot_features`` with ``snapshot_date`` and
    ``customer_id`` columns.
    """
    current = current.sort_values("customer_id", kind="stable").reset_index(drop=True)
    probability, contributions = driver_contributions(model, current, driver_candidates, baseline)
    tiers = risk_tier(probability, high_threshold, medium_threshold)
    drivers = drivers_from(contributions, driver_candidates, current.index)
    scores = pd.DataFrame({
        "customer_id": current["customer_id"],
        "snapshot_date": current["snapshot_date"],
        "model_name": model_name,
        "churn_probability": probability,
        "risk_tier": tiers,
    })
    scores = pd.concat([scores, drivers], axis=1)
    scores["annual_revenue_yuan"] = current["annual_revenue_yuan"].round(2)
    scores["revenue_at_risk_yuan"] = (probability * current["annual_revenue_yuan"]).round(2)
    scores["retention_action"] = retention_action(drivers, tiers)
    return scores


def driver_candidates(importance: pd.DataFrame, model_name: str) -> list[str]:
    ranked = importance.loc[(importance["model_name"] == model_name)
                            & (importance["importance"] > 0)].sort_values("importance_rank")
    candidates = ranked["feature"].head(DRIVER_CANDIDATES).tolist()
    # a model that gains nothing from any single feature still gets named reasons
    return candidates or MODEL_NUMERIC_FEATURES[:DRIVER_CANDIDATES]


def unscored_customers(current: pd.DataFrame) -> pd.DataFrame:
    """Every customer of ``current`` with tier ``unscored`` and no probability, driver or action.

    The same columns as ``score_customers``, so the warehouse table keeps its shape.
    """
    current = current.sort_values("customer_id", kind="stable").reset_index(drop=True)
    empty_text = pd.Series(pd.NA, index=current.index, dtype="string")
    empty_number = pd.Series(np.nan, index=current.index, dtype="float64")
    scores = pd.DataFrame({"customer_id": current["customer_id"],
                           "snapshot_date": current["snapshot_date"],
                           "model_name": empty_text, "churn_probability": empty_number,
                           "risk_tier": UNSCORED_TIER})
    for slot in range(DRIVER_COUNT):
        scores[f"driver_{slot + 1}"] = empty_text
        scores[f"driver_{slot + 1}_contribution"] = empty_number
    scores["annual_revenue_yuan"] = current["annual_revenue_yuan"].round(2)
    scores["revenue_at_risk_yuan"] = empty_number
    scores["retention_action"] = empty_text
    return scores


def score_current_snapshot(current: pd.DataFrame, training: ChurnTraining | None,
                           high_threshold: float, medium_threshold: float) -> pd.DataFrame:
    """Score the customers of the current snapshot with a trained (or loaded) model.

    When no model was chosen (none could be evaluated, see ``choose_model``) every active
    customer is returned ``unscored`` rather than ranked by an unchecked model. ``current`` may
    hold more snapshots; only the latest is scored.
    """
    current = current.loc[current["snapshot_date"] == current["snapshot_date"].max()]
    if training is None or training.model is None:
        return unscored_customers(current)
    with one_thread_pools():
        return score_customers(training.model, training.chosen, current, training.driver_candidates,
                           training.baseline, high_threshold, medium_threshold)
