"""The logic behind the finding sentences, on plain numbers so it is tested on inputs small
enough to know the answer by hand (tests/python/test_report_findings.py)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence


def tr(lang: str, zh: str, en: str) -> str:
    """The sentence in the report's language; both are written side by side at each use."""
    return zh if lang == "zh" else en


def growth_rates(now: Mapping[str, float], before: Mapping[str, float]) -> dict[str, float]:
    """now / before - 1 per key present in both with a positive base."""
    return {key: now[key] / before[key] - 1 for key in now
            if before.get(key) not in (None, 0) and now[key] is not None}


def grew_most(now: Mapping[str, float], before: Mapping[str, float]) -> tuple[str, float] | None:
    """The key with the highest growth rate, and the rate (None when nothing can be compared)."""
    rates = growth_rates(now, before)
    if not rates:
        return None
    key = max(rates, key=lambda item: (rates[item], item))
    return key, rates[key]


def leader(values: Mapping[str, float]) -> tuple[str, float]:
    """The key with the largest value (ties: the first in order)."""
    key = max(values, key=lambda item: values[item])
    return key, values[key]


def separation(rates_by_rank: Sequence[float]) -> tuple[bool, float]:
    """How well an ordered grade separates an outcome: whether the rate rises at every step from
    the best grade to the worst, and the worst grade's rate over the best's (inf when the best is 0)."""
    monotonic = all(later > earlier for earlier, later in zip(rates_by_rank, rates_by_rank[1:]))
    best, worst = rates_by_rank[0], rates_by_rank[-1]
    ratio = worst / best if best else float("inf")
    return monotonic, ratio


def largest_effect(effects: Mapping[str, float]) -> tuple[str, float]:
    """The effect that moved the total most, whatever its sign."""
    key = max(effects, key=lambda item: abs(effects[item]))
    return key, effects[key]

