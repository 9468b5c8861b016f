"""The report's content, independent of how it is drawn: the HTML page and the deck render it."""
from __future__ import annotations

from dataclasses import dataclass, field

CHART_KINDS = ("bar", "stacked_bar", "line")


@dataclass
class Series:
    name: str
    values: list[float]


@dataclass
class Chart:
    """kind: bar (clustered columns), stacked_bar or line; unit names the values' unit for the axis."""
    kind: str
    categories: list[str]
    series: list[Series]
    unit: str
    percent: bool = False  # values are shares 0-1, drawn as %

    def __post_init__(self) -> None:
        if self.kind not in CHART_KINDS:
            raise ValueError(f"chart kind {self.kind!r} is not one of {CHART_KINDS}")
        for series in self.series:
            if len(series.values) != len(self.categories):
                raise ValueError(f"series {series.name!r} has {len(series.values)} values "
                                 f"for {len(self.categories)} categories")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    key: str  # stable id, e.g. ch1_customer_trend (the HTML anchor and the tests' handle)
    chapter: int
    title: str
    findings: list[str]
    sources: list[str]  # the marts the numbers come from
    chart: Chart | None = None
    table: Table | None = None
    action: str | None = None


@dataclass
class Report:
    title: str
    subtitle: str
    lang: str
    month: str  # YYYY-MM
    chapters: dict[int, str]
    sections: list[Section] = field(default_factory=list)
    contents_title: str = ""
