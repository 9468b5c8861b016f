"""Customer value score and group profiles on hand-made rows (numbers worked out in comments)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from powerlens.scoring.profile import group_profile
from powerlens.scoring.value import WEIGHTS, percentile_score, score_customer_value


def test_percentile_score_by_hand():
    scores = percentile_score(pd.Series([10.0, 30.0, 20.0, np.nan, 20.0]))
    # present values 10, 20, 20, 30: average ranks 1, 2.5, 2.5, 4 -> (rank - 1) / 3 x 100
    assert scores.tolist() == pytest.approx([0.0, 100.0, 50.0, 50.0, 50.0])
    assert percentile_score(pd.Series([7.0])).tolist() == [50.0]


def three_customers() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["c3", "c1", "c2"],
        "kwh_12m": [300.0, 100.0, 200.0],
        "revenue_12m": [150.0, 60.0, 110.0],
        "kwh_cv_12m": [0.5, 0.1, 0.3],
        "credit_grade": ["C", "A", None],
        "kwh_growth_12m": [0.10, np.nan, -0.05],
        "capacity_headroom": [0.2, 0.8, 0.5],
    })


def test_composite_score_by_hand():
    scored = score_customer_value(three_customers()).set_index("customer_id")
    # c1: lowest kWh and revenue -> consumption 0; steadiest -> stability 100; grade A -> 100;
    # growth unknown (50) and the most headroom (100) -> growth 75
    assert scored.loc["c1", "consumption_score"] == 0.0
    assert scored.loc["c1", "stability_score"] == 100.0
    assert scored.loc["c1", "credit_score"] == 100.0
    assert scored.loc["c1", "growth_score"] == 75.0
    assert scored.loc["c1", "value_score"] == pytest.approx(0.40 * 0 + 0.25 * 100 + 0.20 * 75
                                                           + 0.15 * 100)  # 55
    # c3: highest use (100), least stable (0), grade C (50), growth rank 100 of the two known,
    # headroom lowest (0) -> growth 50
    assert scored.loc["c3", "value_score"] == pytest.approx(0.40 * 100 + 0.25 * 50 + 0.20 * 50
                                                           + 0.15 * 0)  # 62.5
    # c2: middle use (50), middle stability (50), ungraded (50), growth 0 and headroom 50 -> 25
    assert scored.loc["c2", "value_score"] == pytest.approx(0.40 * 50 + 0.25 * 50 + 0.20 * 25
                                                           + 0.15 * 50)  # 45
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)


def test_value_tiers_cut_the_ranking():
    rows = pd.DataFrame({
        "customer_id": [f"c{i:02d}" for i in range(10)],
        "kwh_12m": np.arange(10, dtype=float), "revenue_12m": np.arange(10, dtype=float),
        "kwh_cv_12m": 0.2, "credit_grade": "B", "kwh_growth_12m": 0.0, "capacity_headroom": 0.5,
    })
    tiers = score_customer_value(rows).set_index("customer_id")["value_tier"]
    # top 20% of 10 = the 2 biggest, next 30% = 3 more, the other 5 low
    assert tiers[["c09", "c08"]].eq("high").all()
    assert tiers[["c07", "c06", "c05"]].eq("medium").all()
    assert tiers[[f"c0{i}" for i in range(5)]].eq("low").all()


def test_weights_must_sum_to_one():
    with pytest.raises(ValueError):
        score_customer_value(three_customers(), {"consumption": 0.5, "credit": 0.1})


def test_group_profile_by_hand():
    customers = pd.DataFrame({"customer_type": ["res", "res", "res", "ind"],
                              "region_code": ["a", "b", None, "a"]})
    profile = group_profile(customers, pd.Series([False, False, True, True]),
                            ["customer_type", "region_code"], "high_value")
    ind = profile.set_index(["dimension", "category"]).loc[("customer_type", "ind")]
    # ind: 1 of 4 customers (0.25) but 1 of the 2 in the group (0.5) -> over-represented x2
    assert (ind["base_share"], ind["group_share"], ind["over_representation"]) == (0.25, 0.5, 2.0)
    assert ind["group_rate"] == 1.0
    unknown = profile.set_index(["dimension", "category"]).loc[("region_code", "unknown")]
    assert unknown["group_customers"] == 1
