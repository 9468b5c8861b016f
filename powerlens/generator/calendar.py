"""The generated period: days and months as integer day numbers (days since 1970-01-01)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Period:
    start_month: np.datetime64  # datetime64[M]
    months: int

    @property
    def month_starts(self) -> np.ndarray:
        """Day number of the first day of each month, plus the day after the period (months + 1 values)."""
        months = self.start_month + np.arange(self.months + 1)
        return months.astype("datetime64[D]").astype(np.int64)

    @property
    def first_day(self) -> int:
        return int(self.month_starts[0])

    @property
    def end_day(self) -> int:
        """Last day of the period (inclusive)."""
        return int(self.month_starts[-1]) - 1

    @property
    def days(self) -> np.ndarray:
        return np.arange(self.first_day, self.end_day + 1, dtype=np.int64)

    @property
    def export_day(self) -> int:
        """The export is taken at the end of the month after the period: last bills issued and due."""
        return int((self.start_month + self.months + 1).astype("datetime64[D]").astype(np.int64)) - 1

    def month_of_day(self, day: np.ndarray) -> np.ndarray:
        """Index of the period month holding each day (may be <0 or >= months outside the period)."""
        month = np.asarray(day).astype("datetime64[D]").astype("datetime64[M]")
        return (month - self.start_month).astype(np.int64)

    def month_labels(self) -> list[str]:
        return [str(m) for m in self.start_month + np.arange(self.months)]


def calendar_month(day: np.ndarray) -> np.ndarray:
    """Calendar month 1-12 of day numbers."""
    return np.asarray(day).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def weekday(day: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(day) + 3) % 7
