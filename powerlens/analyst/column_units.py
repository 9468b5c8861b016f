"""The unit of every numeric mart column, for the Parquet export's metadata and the docs.

A column's unit comes from its yml entry (`config: meta: unit: ...`) when one is given, else
from the project's naming convention (docs/design.md, "Conventions"): the name says what is
measured (`_kwh`, `_yuan`, `_share`, `_days`, ...). A numeric column that neither names is a gap
that tests/python/test_column_units.py reports, so a new measure cannot be published without
its unit.
"""
from __future__ import annotations

import re

FRACTION = "fraction (0-1)"
COUNT = "count"
YUAN = "yuan"

# (pattern on the column name, unit), first match wins: what a column is a share, rate, count or
# score of is decided by its end (kwh_growth_12m is a fraction, customers_with_pv a count,
# worst_days_late_points a score), the quantity by a word anywhere (max_load_kw, revenue_12m_yuan)
NAME_RULES: tuple[tuple[str, str], ...] = (
    (r"yuan_per_kwh|price_per_kwh", "yuan/kWh"),
    (r"yuan_per_kwp", "yuan/kWp"),
    (r"yuan_per_year$", "yuan/year"),
    (r"_per_1000_customer_years$|_per_1000_(customers_)?per_year$", "per 1,000 customer-years"),
    (r"_per_1000_customers$", "per 1,000 customers"),
    (r"_per_0_10_yuan(_spread)?$", "fraction (0-1) per 0.10 yuan/kWh of spread"),
    (r"brier_score$", FRACTION),
    (r"(^|_)(points|score|scores|satisfaction|survey_overall)$|_score_at_", "points"),
    (r"(^|_)(lift|lift_top_decile|over_representation|index)$", "ratio (1 = the base rate)"),
    (r"power_factor$|^pf_standard$", "power factor (0-1)"),
    (r"(^|_)(share|rate|ratio|probability|factor|headroom|auc|pr_auc|roc_auc|precision|recall|"
     r"cv|growth|importance|adoption|threshold|drop|drop_std|brier_score|contribution)(_12m)?$"
     r"|_share_|^share_", FRACTION),
    (r"(^|_)(measure|target)$", "the commitment's target_unit (minutes, hours, days or working days)"),
    (r"^quarter_hour_of_day$", "quarter-hour of the day (0-95)"),
    (r"(^|_)(hour_of_day|paid_hour)$", "hour of the day (0-23)"),
    (r"(^|_)weekday$", "day of the week (1 = Monday)"),
    (r"(^|_)(rank|position)$", "rank (1 = first)"),
    (r"^customer_years$", "customer-years"),
    (r"(^|_)days(_|$)|(^|_)day$", "days"),
    (r"(^|_)hours$", "hours"),
    (r"(^|_)minutes$", "minutes"),
    (r"(^|_)customer_months$", COUNT),
    (r"(^|_)(months|window_months)$|^(months|consecutive_months)_", "months"),
    (r"(^|_)years$", "years"),
    (r"(^|_)(customers|bills|payments|tickets|complaints|responses|rows|snapshots|"
     r"occurrences|count|n|enrolments|closures|offers|customer_months|customer_snapshots|"
     r"records|files|churners|churned|topups|observed|measured|rated|met|resolved|responded|"
     r"repairs|entered_arrears|later_arrears|with_later_arrears|while_clear|in_arrears|with_pv|"
     r"readings|after_clear_grade|bills_avoided_estimate|billed|topping_up|interval_data)$"
     r"|^(customers|bills|snapshots|late_payments|payment_count)_", COUNT),
    (r"(^|_)mwh($|_)", "MWh"),
    (r"(^|_)kvarh($|_)", "kvarh"),
    (r"(^|_)kwh($|_)", "kWh"),
    (r"(^|_)kwp($|_)", "kWp"),
    (r"(^|_)kva($|_)", "kVA"),
    (r"(^|_)kv($|_)", "kV"),
    (r"(^|_)kw($|_)", "kW"),
    (r"(^|_)spread$", "yuan/kWh"),
    (r"(^|_)yuan($|_)", YUAN),
    (r"(^|_)(amount|charge|adjustment|surcharge|effect|fee|fees|balance|revenue|cost|bill|"
     r"bill_change|bill_per_customer|bill_per_customer_month|paid|due|outstanding|arrears|"
     r"over_90|d1_30|d31_60|d61_90|benefit|difference|by_due_date)$|^arrears_amount", YUAN),
)

# a bound, a percentile or last year's value has the unit of what it is taken of
DERIVED_SUFFIX = re.compile(r"_(ci_low|ci_high|p50|p90|last_year)$")

NUMERIC_TYPES = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|"
                           r"UBIGINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$", re.IGNORECASE)


def is_numeric(data_type: str) -> bool:
    return bool(NUMERIC_TYPES.match(data_type.strip()))


def unit_by_name(column: str) -> str | None:
    name = DERIVED_SUFFIX.sub("", column.lower())
    for pattern, unit in NAME_RULES:
        if re.search(pattern, name):
            return unit
    return None


def column_unit(column: str, data_type: str, meta: dict | None = None) -> str:
    """The column's unit: the yml's meta.unit, else the naming convention for numeric columns;
    '' for a column without one (text, dates, flags, or a numeric column the convention misses)."""
    declared = (meta or {}).get("unit")
    if declared:
        return str(declared)
    if not is_numeric(data_type):
        return ""
    return unit_by_name(column) or ""
