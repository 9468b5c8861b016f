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


def percentile_score(values: pd.Series) -> pd.Series:
    """(average rank - 1) / (n - 1) x 100: lowest 0, highest 100, ties share a score.

    Missing values get the neutral 50; a single customer gets 50.
    """
    present = values.dropna()
    scores = pd.Series(50.0, index=values.index)
    if len(present) > 1:
        ranks = present.rank(method="average")
        scores.loc[present.index] = (ranks - 1) / (len(present) - 1) * 100
    return scores


def component_scores(inputs: pd.DataFrame) -> pd.DataFrame:
    """``inputs`` has kwh_12m, revenue_12m, kwh_cv_12m, credit_grade, kwh_growth_12m,
    capacity_headroom (one row per customer); returns the four component scores."""
    return pd.DataFrame({
        "consumption_score": (percentile_score(inputs["kwh_12m"])
                              + percentile_score(inputs["revenue_12m"])) / 2,
        # steadier use (lower variation) is worth more: rank the negated variation
        "stability_score": percentile_score(-inputs["kwh_cv_12m"]),
        "credit_score": inputs["credit_grade"].map(CREDIT_GRADE_SCORES)
                                              .fillna(UNGRADED_CREDIT_SCORE).astype(float),
        "growth_score": (percentile_score(inputs["kwh_growth_12m"])
                         + percentile_score(inputs["capacity_headroom"])) / 2,
    }, index=inputs.index)


def value_tiers(composite: pd.Series) -> pd.Series:
    """high for the top 20% of composite scores, medium for the next 30%, low for the rest.

    Ties on the composite are broken by the frame's order (callers sort by customer_id).
    """
    position = composite.rank(method="first", ascending=False)  # 1 = most valuable
    share = position / len(composite)
    tiers = pd.Series("low", index=composite.index, dtype=object)
    tiers[share <= HIGH_VALUE_SHARE + MEDIUM_VALUE_SHARE] = "medium"
    tiers[share <= HIGH_VALUE_SHARE] = "high"
    return tiers


def score_customer_value(inputs: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """``inputs`` plus the component scores, ``value_score`` (0-100) and ``value_tier``."""
    weights = weights or WEIGHTS
    if abs(sum(weights.values()) - 1) > 1e-9:
        raise ValueError(f"value weights must sum to 1, got {sum(weights.values())}")
    inputs = inputs.sort_values("customer_id", kind="stable").reset_index(drop=True)
    components = component_scores(inputs)
    composite = sum(weight * components[f"{name}_score"] for name, weight in weights.items())
    scored = pd.concat([inputs, components.round(4)], axis=1)
    scored["value_score"] = composite.round(4)
    scored["value_tier"] = value_tiers(composite)
    return scored
