"""The dimensions of the high churn-risk profile, and how many churners each category has seen.

Shared by training (which counts the churned customers per category once, in the labelled
snapshots it trains on, and keeps the counts in the model artefact) and the profile (which only
reports an over-representation where its category has seen enough churners).
"""
from __future__ import annotations

import pandas as pd

CHURN_PROFILE_DIMENSIONS = ["customer_type", "region_code", "urban_rural", "tenure_band",
                            "payment_mode", "complaints_12m_band", "late_payments_12m_band"]
OBSERVED_CHURNERS_DTYPES = {"dimension": "string", "category": "string",
                            "observed_churners": "int64"}


def band(values: pd.Series, edges: list[float], labels: list[str]) -> pd.Series:
    """Labels for ``values`` cut at ``edges`` (left-closed); missing stays missing."""
    return pd.cut(values, bins=[float("-inf"), *edges, float("inf")], labels=labels,
                  right=False).astype(object)


def profile_categories(features: pd.DataFrame) -> pd.DataFrame:
    """One column per profile dimension (bands derived from the features), text, 'unknown'
    where missing; same index as ``features``."""
    out = pd.DataFrame(index=features.index)
    for column in ("customer_type", "region_code", "urban_rural", "payment_mode"):
        out[column] = features[column]
    out["tenure_band"] = band(features["tenure_months"], [12, 36, 120],
                              ["under_1y", "1_to_3y", "3_to_10y", "10y_plus"])
    out["complaints_12m_band"] = band(features["complaints_12m"], [1, 2],
                                      ["none", "one", "two_or_more"])
    out["late_payments_12m_band"] = band(features["late_payments_12m"], [1, 3],
                                         ["none", "one_or_two", "three_or_more"])
    out = out[CHURN_PROFILE_DIMENSIONS]
    return out.astype(object).where(out.notna(), "unknown").astype(str)


def observed_churners(rows: pd.DataFrame) -> pd.DataFrame:
    """Distinct churned customers per dimension and category in labelled snapshot rows.

    A churner is counted once, in the categories of its last labelled row before leaving (it
    may be labelled churned at up to ``churn_window_months`` snapshots)."""
    churned = rows.loc[rows["churned"].fillna(False).astype(bool)]
    if churned.empty:
        return pd.DataFrame(columns=list(OBSERVED_CHURNERS_DTYPES)).astype(OBSERVED_CHURNERS_DTYPES)
    last = churned.sort_values("snapshot_date", kind="stable").drop_duplicates(
        "customer_id", keep="last")
    categories = profile_categories(last)
    records = [{"dimension": dimension, "category": category, "observed_churners": int(count)}
               for dimension in CHURN_PROFILE_DIMENSIONS
               for category, count in sorted(categories[dimension].value_counts().items())]
    return pd.DataFrame.from_records(records, columns=list(OBSERVED_CHURNERS_DTYPES)).astype(
        OBSERVED_CHURNERS_DTYPES)
