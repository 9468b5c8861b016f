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

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from powerlens.scoring.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from powerlens.scoring.models import (MODEL_NAMES, NotEnoughData, classification_metrics,
                                      fit_model, predict_probability)

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
    "zero_usage_months_3m": "account_manager_visit",
    "kwh_volatility_12m": "energy_audit",
    "max_demand_3m_kw": "energy_audit",
    "demand_trend_3m_vs_12m": "energy_audit",
    "demand_utilisation_3m": "capacity_review",
    "contract_capacity_kva": "capacity_review",
    "tenure_months": "onboarding_check_in",
    "programmes_enrolled": "programme_invitation",
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
    "evaluation_status": "string", "evaluation_note": "string", "is_chosen": "boolean",
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


def _fit(name: str, rows: pd.DataFrame, seed: int):
    return fit_model(name, rows, rows["churned"].astype(int), NUMERIC_FEATURES,
                     CATEGORICAL_FEATURES, seed, groups=rows["customer_id"])


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


def evaluate_out_of_time(frame: pd.DataFrame, window_months: int, periods: int,
                         threshold: float, seed: int) -> pd.DataFrame:
    """One row per model and evaluation snapshot with the metrics of ``classification_metrics``.

    ``evaluation_status`` says whether the row was evaluated; otherwise the metrics are empty
    and ``evaluation_note`` says why (with one row per model and no snapshot when nothing is
    labelled at all).
    """
    records = []
    snapshots = evaluation_snapshots(frame, periods)
    if not snapshots:
        note = _no_labelled_snapshot_note(frame, window_months)
        records = [_not_evaluated(name, pd.NaT, None, None, threshold, NO_LABELLED_SNAPSHOT, note)
                   for name in MODEL_NAMES]
    for snapshot in snapshots:
        train, test = out_of_time_split(frame, snapshot, window_months)
        one_outcome = _one_outcome_note(test)
        for name in MODEL_NAMES:
            try:
                model = _fit(name, train, seed)
            except NotEnoughData as shortfall:
                note = (f"no earlier snapshot has its {window_months}-month window closed by "
                        "this one, so there is nothing to train on" if train.empty
                        else f"training data too thin: {shortfall}")
                records.append(_not_evaluated(name, snapshot, train, test, threshold,
                                              TOO_LITTLE_TRAINING_DATA, note))
                continue
            metrics = classification_metrics(test["churned"].astype(int),
                                             predict_probability(model, test), threshold)
            records.append({
                "model_name": name,
                "evaluation_snapshot": snapshot,
                "train_first_snapshot": train["snapshot_date"].min(),
                "train_last_snapshot": train["snapshot_date"].max(),
                "train_rows": len(train),
                "train_positive": int(train["churned"].sum()),
                "operating_threshold": threshold,
                **metrics,
                "evaluation_status": ONE_OUTCOME_AT_SNAPSHOT if one_outcome else EVALUATED,
                "evaluation_note": one_outcome,
            })
    metrics = _typed(records, {k: v for k, v in METRICS_DTYPES.items() if k != "is_chosen"})
    chosen = choose_model(metrics)
    metrics["is_chosen"] = pd.array([name == chosen for name in metrics["model_name"]],
                                    dtype="boolean")
    return metrics


def choose_model(metrics: pd.DataFrame) -> str | None:
    """The model with the higher mean PR-AUC; on a tie the simpler logistic regression.

    Only evaluated rows count; None when no model has a PR-AUC at all, because a model nobody
    could check against held-out churn must not pick customers for the retention team.
    """
    evaluated = metrics.loc[metrics["pr_auc"].notna()]
    if evaluated.empty:
        return None
    mean_pr_auc = evaluated.groupby("model_name")["pr_auc"].mean()
    order = {name: rank for rank, name in enumerate(MODEL_NAMES)}
    ranked = sorted(mean_pr_auc.items(), key=lambda item: (-item[1], order[item[0]]))
    return ranked[0][0]


def feature_importance(frame: pd.DataFrame, window_months: int, seed: int,
                       repeats: int = 5) -> pd.DataFrame:
    """Permutation importance (drop in PR-AUC) of every feature on the latest evaluation period.

    A model gets no rows when that period cannot measure it: no labelled snapshot, too little
    training data, or only one outcome at the snapshot (PR-AUC undefined, so no drop either).
    """
    snapshots = evaluation_snapshots(frame, 1)
    if not snapshots:
        return _typed([], IMPORTANCE_DTYPES)
    snapshot = snapshots[0]
    train, test = out_of_time_split(frame, snapshot, window_months)
    if _one_outcome_note(test):
        return _typed([], IMPORTANCE_DTYPES)
    features = NUMERIC_FEATURES + CATEGORICAL_FEATURES
    records = []
    for name in MODEL_NAMES:
        try:
            model = _fit(name, train, seed)
        except NotEnoughData:
            continue
        result = permutation_importance(model, test[features], test["churned"].astype(int),
                                        scoring="average_precision", n_repeats=repeats,
                                        random_state=seed, n_jobs=1)
        for feature, mean, std in zip(features, result.importances_mean, result.importances_std):
            records.append({"model_name": name, "evaluation_snapshot": snapshot,
                            "feature": feature, "importance": float(mean),
                            "importance_std": float(std)})
    importance = _typed(records, {k: v for k, v in IMPORTANCE_DTYPES.items()
                                  if k != "importance_rank"})
    importance = importance.sort_values(["model_name", "importance", "feature"],
                                        ascending=[True, False, True], kind="stable")
    importance["importance_rank"] = (importance.groupby("model_name").cumcount() + 1).astype("Int64")
    return importance.reset_index(drop=True)


def fit_final_model(frame: pd.DataFrame, name: str, seed: int):
    return _fit(name, labelled(frame), seed)


def baseline_values(rows: pd.DataFrame) -> dict[str, object]:
    """A typical customer: the median of each numeric feature, the commonest category."""
    baseline: dict[str, object] = {c: float(rows[c].median()) for c in NUMERIC_FEATURES}
    for column in CATEGORICAL_FEATURES:
        counts = rows[column].value_counts()
        baseline[column] = counts.sort_index().idxmax() if len(counts) else None
    return baseline


def customer_drivers(model, features: pd.DataFrame, candidates: list[str],
                     baseline: dict[str, object]) -> pd.DataFrame:
    """The features that raise each customer's probability most above a typical customer.

    For each candidate feature the customer's value is replaced by the baseline value and the
    drop in probability is that feature's contribution; the largest positive ones are the drivers.
    """
    columns = NUMERIC_FEATURES + CATEGORICAL_FEATURES
    probability = predict_probability(model, features[columns])
    contributions = np.zeros((len(features), len(candidates)))
    for position, feature in enumerate(candidates):
        neutral = features[columns].copy()
        neutral[feature] = baseline[feature]
        contributions[:, position] = probability - predict_probability(model, neutral)
    # stable order on (-contribution, candidate rank) keeps ties repeatable
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :DRIVER_COUNT]
    drivers = {}
    for slot in range(DRIVER_COUNT):
        if slot >= len(candidates):
            drivers[f"driver_{slot + 1}"] = np.full(len(features), None, dtype=object)
            drivers[f"driver_{slot + 1}_contribution"] = np.full(len(features), np.nan)
            continue
        picked = order[:, slot]
        value = contributions[np.arange(len(features)), picked]
        names = np.array(candidates, dtype=object)[picked]
        drivers[f"driver_{slot + 1}"] = np.where(value > 0, names, None)
        drivers[f"driver_{slot + 1}_contribution"] = np.where(value > 0, value, np.nan)
    return pd.DataFrame(drivers, index=features.index)


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
    probability = predict_probability(model, current[NUMERIC_FEATURES + CATEGORICAL_FEATURES])
    tiers = risk_tier(probability, high_threshold, medium_threshold)
    drivers = customer_drivers(model, current, driver_candidates, baseline)
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
    return candidates or NUMERIC_FEATURES[:DRIVER_CANDIDATES]


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


def score_current_snapshot(frame: pd.DataFrame, metrics: pd.DataFrame, importance: pd.DataFrame,
                           seed: int, high_threshold: float,
                           medium_threshold: float) -> pd.DataFrame:
    """Refit the chosen model on every labelled snapshot and score the latest snapshot.

    When no model was chosen (none could be evaluated, see ``choose_model``) every active
    customer is returned ``unscored`` rather than ranked by an unchecked model.
    """
    current = frame.loc[frame["snapshot_date"] == frame["snapshot_date"].max()]
    name = choose_model(metrics)
    if name is None:
        return unscored_customers(current)
    try:
        model = fit_final_model(frame, name, seed)
    except NotEnoughData:
        # rare: the evaluation folds held both outcomes but the refit's grouping does not
        return unscored_customers(current)
    return score_customers(model, name, current, driver_candidates(importance, name),
                           baseline_values(labelled(frame)), high_threshold, medium_threshold)
