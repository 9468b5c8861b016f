"""Churn early warning: out-of-time evaluation, model choice, feature importance and scoring.

Validation design: for an evaluation snapshot ``e`` the models train on every earlier snapshot
``s`` whose label window has closed by ``e`` (``s + window <= e``), so no training label depends
on anything after ``e``; they are then judged on the customers active at ``e``. The model with
the higher mean PR-AUC over the evaluation periods is chosen (churn is rare, so PR-AUC says more
about the flagged list than ROC-AUC), refitted on every labelled snapshot and used to score the
customers active at the current snapshot.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from powerlens.scoring.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from powerlens.scoring.models import (MODEL_NAMES, classification_metrics, fit_model,
                                      predict_probability)

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


def evaluate_out_of_time(frame: pd.DataFrame, window_months: int, periods: int,
                         threshold: float, seed: int) -> pd.DataFrame:
    """One row per model and evaluation snapshot with the metrics of ``classification_metrics``."""
    records = []
    for snapshot in evaluation_snapshots(frame, periods):
        train, test = out_of_time_split(frame, snapshot, window_months)
        for name in MODEL_NAMES:
            model = _fit(name, train, seed)
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
            })
    metrics = pd.DataFrame.from_records(records)
    metrics["is_chosen"] = metrics["model_name"] == choose_model(metrics)
    return metrics


def choose_model(metrics: pd.DataFrame) -> str:
    """The model with the higher mean PR-AUC; on a tie the simpler logistic regression."""
    mean_pr_auc = metrics.groupby("model_name")["pr_auc"].mean()
    order = {name: rank for rank, name in enumerate(MODEL_NAMES)}
    ranked = sorted(mean_pr_auc.items(), key=lambda item: (-item[1], order[item[0]]))
    return ranked[0][0]


def feature_importance(frame: pd.DataFrame, window_months: int, seed: int,
                       repeats: int = 5) -> pd.DataFrame:
    """Permutation importance (drop in PR-AUC) of every feature on the latest evaluation period."""
    snapshot = evaluation_snapshots(frame, 1)[0]
    train, test = out_of_time_split(frame, snapshot, window_months)
    features = NUMERIC_FEATURES + CATEGORICAL_FEATURES
    records = []
    for name in MODEL_NAMES:
        model = _fit(name, train, seed)
        result = permutation_importance(model, test[features], test["churned"].astype(int),
                                        scoring="average_precision", n_repeats=repeats,
                                        random_state=seed, n_jobs=1)
        for feature, mean, std in zip(features, result.importances_mean, result.importances_std):
            records.append({"model_name": name, "evaluation_snapshot": snapshot,
                            "feature": feature, "importance": float(mean),
                            "importance_std": float(std)})
    importance = pd.DataFrame.from_records(records)
    importance = importance.sort_values(["model_name", "importance", "feature"],
                                        ascending=[True, False, True], kind="stable")
    importance["importance_rank"] = importance.groupby("model_name").cumcount() + 1
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


def score_current_snapshot(frame: pd.DataFrame, metrics: pd.DataFrame, importance: pd.DataFrame,
                           seed: int, high_threshold: float,
                           medium_threshold: float) -> pd.DataFrame:
    """Refit the chosen model on every labelled snapshot and score the latest snapshot."""
    name = choose_model(metrics)
    model = fit_final_model(frame, name, seed)
    current = frame.loc[frame["snapshot_date"] == frame["snapshot_date"].max()]
    return score_customers(model, name, current, driver_candidates(importance, name),
                           baseline_values(labelled(frame)), high_threshold, medium_threshold)
