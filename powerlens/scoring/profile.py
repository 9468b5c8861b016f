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


COUNT_DTYPES = {"dimension": "string", "category": "string", "base_customers": "int64",
                "group_customers": "int64"}


def category_counts(customers: pd.DataFrame, in_group: pd.Series,
                    dimensions: list[str]) -> pd.DataFrame:
    """Customers of the base and of the group per dimension and category ('unknown' where
    missing). Counts add up: on Spark each partition counts its customers and the sums make
    the profile (powerlens.scoring.spark_entry)."""
    in_group = in_group.astype(bool)
    rows = []
    for dimension in dimensions:
        categories = customers[dimension].astype(object).where(customers[dimension].notna(),
                                                               "unknown").astype(str)
        base_counts = categories.value_counts()
        group_counts = categories[in_group].value_counts()
        rows.extend({"dimension": dimension, "category": category,
                     "base_customers": int(base_counts[category]),
                     "group_customers": int(group_counts.get(category, 0))}
                    for category in sorted(base_counts.index))
    return pd.DataFrame.from_records(rows, columns=list(COUNT_DTYPES)).astype(COUNT_DTYPES)


def profile_from_counts(counts: pd.DataFrame, total: int, group_total: int,
                        group_name: str) -> pd.DataFrame:
    """The profile rows of ``category_counts`` (of ``total`` customers, ``group_total`` of
    them in the group), in dimension order, categories sorted."""
    rows = []
    for row in counts.itertuples(index=False):
        base_share = row.base_customers / total
        group_share = row.group_customers / group_total if group_total else float("nan")
        rows.append({
            "group_name": group_name, "dimension": row.dimension, "category": row.category,
            "base_customers": int(row.base_customers),
            "group_customers": int(row.group_customers),
            "base_share": base_share, "group_share": group_share,
            "over_representation": group_share / base_share,
            "group_rate": row.group_customers / row.base_customers,
        })
    # typed even without rows, so the warehouse table keeps its contract types
    return pd.DataFrame.from_records(rows, columns=list(PROFILE_DTYPES)).astype(PROFILE_DTYPES)


def group_profile(customers: pd.DataFrame, in_group: pd.Series, dimensions: list[str],
                  group_name: str) -> pd.DataFrame:
    """One row per dimension and category: counts and shares in the group and in the base.

    ``over_representation`` is the category's share of the group divided by its share of the
    base: above 1 the category is more common in the group than in the base.
    """
    return profile_from_counts(category_counts(customers, in_group, dimensions),
                               len(customers), int(in_group.astype(bool).sum()), group_name)


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
    categories, in_group = churn_profile_customers(scores, features)
    profile = group_profile(categories, in_group, CHURN_PROFILE_DIMENSIONS, CHURN_PROFILE_GROUP)
    return with_observed_churners(profile, churners, min_churners)


CHURN_PROFILE_GROUP = "high_churn_risk"


def churn_profile_customers(scores: pd.DataFrame, features: pd.DataFrame
                            ) -> tuple[pd.DataFrame, pd.Series]:
    """(the profile categories of the scored customers, whether each is in the high tier)."""
    scored = scores.loc[scores["risk_tier"] != UNSCORED_TIER]
    customers = scored[["customer_id", "risk_tier"]].merge(
        features[["customer_id", "customer_type", "region_code", "urban_rural", "payment_mode",
                  "tenure_months", "complaints_12m", "late_payments_12m"]], on="customer_id")
    return profile_categories(customers), customers["risk_tier"] == "high"


def with_observed_churners(profile: pd.DataFrame, churners: pd.DataFrame | None,
                           min_churners: int) -> pd.DataFrame:
    """``observed_churners`` per category, over_representation emptied below ``min_churners``."""
    profile = profile.copy()
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


VALUE_PROFILE_GROUP = "high_value"
VALUE_PROFILE_DIMENSIONS = ["customer_type", "region_code", "urban_rural", "consumption_band",
                            "stability_band", "credit_grade", "payment_mode"]


def value_profile_customers(values: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """(valued customers with their bands, whether each is in the high tier)."""
    customers = values.copy()
    customers["consumption_band"] = band(customers["consumption_score"], QUARTER_EDGES,
                                         QUARTER_LABELS)
    customers["stability_band"] = band(customers["stability_score"], QUARTER_EDGES,
                                       QUARTER_LABELS)
    customers["credit_grade"] = customers["credit_grade"].fillna("ungraded")
    return customers, customers["value_tier"] == "high"


def high_value_profile(values: pd.DataFrame) -> pd.DataFrame:
    """The high value tier against every valued customer (output of ``score_customer_value``)."""
    customers, in_group = value_profile_customers(values)
    return group_profile(customers, in_group, VALUE_PROFILE_DIMENSIONS, VALUE_PROFILE_GROUP)
