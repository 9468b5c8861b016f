"""Customer value: a composite of consumption, stability, credit and growth potential.

Each component is a 0-100 score. Consumption, stability and growth are percentile ranks within
the customers scored together (so 100 is the best customer of the base, 0 the weakest); credit
comes from the chapter 3 grade. The composite is the weighted sum, and the value tier cuts the
ranked composite: the top 20% are high value, the next 30% medium, the rest low.
"""
from __future__ import annotations

import pandas as pd

# documented weighting (docs/ch6_value.md): consumption is what the customer is worth today,
# credit whether that revenue is collected, growth what it may become, stability how reliable it is
WEIGHTS = {"consumption": 0.40, "credit": 0.25, "growth": 0.20, "stability": 0.15}
CREDIT_GRADE_SCORES = {"A": 100.0, "B": 75.0, "C": 50.0, "D": 0.0}
# no grade yet (a new account): neither rewarded nor punished
UNGRADED_CREDIT_SCORE = 50.0
HIGH_VALUE_SHARE = 0.20
MEDIUM_VALUE_SHARE = 0.30


# the values ranked among the customers scored together: name -> (input column, higher is
# better); steadier use (lower variation) is worth more, so kwh_cv_12m ranks reversed
RANKED_VALUES = {"kwh_12m": ("kwh_12m", True), "revenue_12m": ("revenue_12m", True),
                 "stability": ("kwh_cv_12m", False),
                 "kwh_growth_12m": ("kwh_growth_12m", True),
                 "capacity_headroom": ("capacity_headroom", True)}


def percentile_from_rank(average_rank: pd.Series, count: int) -> pd.Series:
    """(average rank - 1) / (count - 1) x 100 where a rank is given, else the neutral 50;
    ``count`` is how many values were ranked (a single one gets 50)."""
    scores = pd.Series(50.0, index=average_rank.index)
    if count > 1:
        present = average_rank.notna()
        scores.loc[present] = (average_rank[present] - 1) / (count - 1) * 100
    return scores


def percentile_score(values: pd.Series) -> pd.Series:
    """(average rank - 1) / (n - 1) x 100: lowest 0, highest 100, ties share a score.

    Missing values get the neutral 50; a single customer gets 50.
    """
    present = values.dropna()
    return percentile_from_rank(present.rank(method="average").reindex(values.index),
                                len(present))


def ranked_value(inputs: pd.DataFrame, name: str) -> pd.Series:
    column, higher_is_better = RANKED_VALUES[name]
    return inputs[column] if higher_is_better else -inputs[column]


def component_scores(inputs: pd.DataFrame, ranks: dict | None = None) -> pd.DataFrame:
    """``inputs`` has kwh_12m, revenue_12m, kwh_cv_12m, credit_grade, kwh_growth_12m,
    capacity_headroom (one row per customer); returns the four component scores.

    ``ranks`` (Spark, where ``inputs`` is one partition of the customers) maps each name of
    ``RANKED_VALUES`` to (the average rank of each row's value among all customers, how many
    were ranked); without it the values are ranked within ``inputs``."""
    if ranks is None:
        percentiles = {name: percentile_score(ranked_value(inputs, name)) for name in RANKED_VALUES}
    else:
        percentiles = {name: percentile_from_rank(*ranks[name]) for name in RANKED_VALUES}
    return pd.DataFrame({
        "consumption_score": (percentiles["kwh_12m"] + percentiles["revenue_12m"]) / 2,
        "stability_score": percentiles["stability"],
        "credit_score": inputs["credit_grade"].map(CREDIT_GRADE_SCORES)
                                              .fillna(UNGRADED_CREDIT_SCORE).astype(float),
        "growth_score": (percentiles["kwh_growth_12m"] + percentiles["capacity_headroom"]) / 2,
    }, index=inputs.index)


def tiers_from_position(position: pd.Series, count: int) -> pd.Series:
    """high for positions in the top 20% (1 = most valuable of ``count``), medium for the next
    30%, low for the rest."""
    share = position / count
    tiers = pd.Series("low", index=position.index, dtype=object)
    tiers[share <= HIGH_VALUE_SHARE + MEDIUM_VALUE_SHARE] = "medium"
    tiers[share <= HIGH_VALUE_SHARE] = "high"
    return tiers


def value_tiers(composite: pd.Series) -> pd.Series:
    """high for the top 20% of composite scores, medium for the next 30%, low for the rest.

    Ties on the composite are broken by the frame's order (callers sort by customer_id).
    """
    return tiers_from_position(composite.rank(method="first", ascending=False), len(composite))


def value_components(inputs: pd.DataFrame, weights: dict[str, float] | None = None,
                     ranks: dict | None = None) -> tuple[pd.DataFrame, pd.Series]:
    """(``inputs`` sorted by customer_id with the component scores and ``value_score``, the
    unrounded composite the tiers rank); ``ranks`` as in ``component_scores``."""
    weights = weights or WEIGHTS
    if abs(sum(weights.values()) - 1) > 1e-9:
        raise ValueError(f"value weights must sum to 1, got {sum(weights.values())}")
    order = inputs["customer_id"].sort_values(kind="stable").index
    inputs = inputs.loc[order].reset_index(drop=True)
    if ranks is not None:
        ranks = {name: (rank.loc[order].reset_index(drop=True), count)
                 for name, (rank, count) in ranks.items()}
    components = component_scores(inputs, ranks)
    composite = sum(weight * components[f"{name}_score"] for name, weight in weights.items())
    scored = pd.concat([inputs, components.round(4)], axis=1)
    scored["value_score"] = composite.round(4)
    return scored, composite


def score_customer_value(inputs: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """``inputs`` plus the component scores, ``value_score`` (0-100) and ``value_tier``."""
    scored, composite = value_components(inputs, weights)
    scored["value_tier"] = value_tiers(composite)
    return scored
