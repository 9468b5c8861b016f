"""How a group of customers (high churn risk, high value) differs from the whole base."""
from __future__ import annotations

import pandas as pd

from powerlens.scoring.churn import UNSCORED_TIER
from powerlens.scoring.profile_dimensions import (CHURN_PROFILE_DIMENSIONS, band,
                                                  profile_categories)


PROFILE_DTYPES = {"group_name": "string", "dimension": "string", "category": "string",
                  "base_customers": "int64", "group_customers": "int64", "base_share": "float64",
                  "group_share": "float64", "over_representation": "float64",
                  "group_rate": "float64"}


def group_profile(customers: pd.DataFrame, in_group: pd.Series, dimensions: list[str],
                  group_name: str) -> pd.DataFrame:
    """One row per dimension and category: counts and shares in the group and in the base.

    ``over_representation`` is the category's share of the group divided by its share of the
    base: above 1 the category is more common in the group than in the base.
    """
    in_group = in_group.astype(bool)
    total, group_total = len(customers), int(in_group.sum())
    rows = []
    for dimension in dimensions:
        categories = customers[dimension].astype(object).where(customers[dimension].notna(),
                                                               "unknown").astype(str)
        base_counts = categories.value_counts()
        group_counts = categories[in_group].value_counts()
        for category in sorted(base_counts.index):
            base_count = int(base_counts[category])
            group_count = int(group_counts.get(category, 0))
            base_share = base_count / total
            group_share = group_count / group_total if group_total else float("nan")
            rows.append({
                "group_name": group_name, "dimension": dimension, "category": category,
                "base_customers": base_count, "group_customers": group_count,
                "base_share": base_share, "group_share": group_share,
                "over_representation": group_share / base_share,
                "group_rate": group_count / base_count,
            })
    # typed even without rows, so the warehouse table keeps its contract types
    return pd.DataFrame.from_records(rows, columns=list(PROFILE_DTYPES)).astype(PROFILE_DTYPES)


QUARTER_EDGES = [25.0, 50.0, 75.0]
QUARTER_LABELS = ["bottom_quarter", "second_quarter", "third_quarter", "top_quarter"]


CHURN_PROFILE_DTYPES = {**PROFILE_DTYPES, "observed_churners": "Int64"}
DEFAULT_MIN_CHURNERS = 5


def churn_high_risk_profile(scores: pd.DataFrame, features: pd.DataFrame,
                            churners: pd.DataFrame | None = None,
                            min_churners: int = DEFAULT_MIN_CHURNERS) -> pd.DataFrame:
    """The high churn-risk tier against every scored customer (``features`` of the same snapshot).

    Unscored customers (no model could be evaluated) are left out: with none scored the profile
    is empty rather than a base in which nobody looks high-risk.

    ``churners`` (``profile_dimensions.observed_churners`` of the training rows, kept in the
    model artefact) gives each category's ``observed_churners``; ``over_representation`` is
    only reported where that is at least ``min_churners``: a model cannot have learned that a
    category leaves (27 farms, no churner among them) and the tier's over-representation there
    says more about the model than about the customers. Without ``churners`` nothing is held
    back and ``observed_churners`` is empty.
    """
    scored = scores.loc[scores["risk_tier"] != UNSCORED_TIER]
    customers = scored[["customer_id", "risk_tier"]].merge(
        features[["customer_id", "customer_type", "region_code", "urban_rural", "payment_mode",
                  "tenure_months", "complaints_12m", "late_payments_12m"]], on="customer_id")
    categories = profile_categories(customers)
    profile = group_profile(categories, customers["risk_tier"] == "high",
                            CHURN_PROFILE_DIMENSIONS, "high_churn_risk")
    if churners is None:
        profile["observed_churners"] = pd.array([pd.NA] * len(profile), dtype="Int64")
        return profile.astype(CHURN_PROFILE_DTYPES)
    counts = churners.set_index(["dimension", "category"])["observed_churners"]
    keys = list(zip(profile["dimension"], profile["category"]))
    observed = pd.array([int(counts.get(key, 0)) for key in keys], dtype="Int64")
    profile["observed_churners"] = observed
    too_few = (observed < int(min_churners)).to_numpy(dtype=bool, na_value=True)
    profile.loc[too_few, "over_representation"] = float("nan")
    return profile.astype(CHURN_PROFILE_DTYPES)


def high_value_profile(values: pd.DataFrame) -> pd.DataFrame:
    """The high value tier against every valued customer (output of ``score_customer_value``)."""
    customers = values.copy()
    customers["consumption_band"] = band(customers["consumption_score"], QUARTER_EDGES,
                                         QUARTER_LABELS)
    customers["stability_band"] = band(customers["stability_score"], QUARTER_EDGES,
                                       QUARTER_LABELS)
    customers["credit_grade"] = customers["credit_grade"].fillna("ungraded")
    return group_profile(customers, customers["value_tier"] == "high",
                         ["customer_type", "region_code", "urban_rural", "consumption_band",
                          "stability_band", "credit_grade", "payment_mode"], "high_value")
