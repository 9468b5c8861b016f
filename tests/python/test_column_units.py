"""Every numeric mart column has a unit (powerlens/analyst/column_units.py): the naming convention
gives it, or the column's yml says it (`config: meta: unit`)."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from powerlens.analyst.column_units import column_unit, is_numeric, unit_by_name


@pytest.mark.parametrize(("column", "unit"), [
    ("kwh_total", "kWh"),
    ("avg_kwh_12m", "kWh"),
    ("kwh_growth_12m", "fraction (0-1)"),  # what it is a growth of does not make it kWh
    ("revenue_12m_yuan", "yuan"),
    ("arrears_amount_over_90", "yuan"),
    ("yuan_per_kwh", "yuan/kWh"),
    ("saving_yuan_per_year", "yuan/year"),
    ("max_load_kw", "kW"),
    ("contract_capacity_kva", "kVA"),
    ("customers_with_pv", "count"),
    ("graded_customer_months", "count"),
    ("tenure_months", "months"),
    ("days_past_due", "days"),
    ("worst_days_late_points", "points"),
    ("churn_probability", "fraction (0-1)"),
    ("roc_auc_ci_low", "fraction (0-1)"),
    ("lift_top_decile_ci_high", "ratio (1 = the base rate)"),
    ("response_minutes_p90", "minutes"),
    ("kwh_total_last_year", "kWh"),
    ("tickets_per_1000_customer_years", "per 1,000 customer-years"),
    ("power_factor", "power factor (0-1)"),
    ("quarter_hour_of_day", "quarter-hour of the day (0-95)"),
])
def test_the_naming_convention_gives_the_unit(column, unit):
    assert unit_by_name(column) == unit


def test_a_declared_unit_wins_and_text_has_none():
    assert column_unit("kwh_total", "DOUBLE", {"unit": "MWh"}) == "MWh"
    assert column_unit("customer_type", "VARCHAR") == ""
    assert column_unit("mystery_number", "DOUBLE") == ""
    assert is_numeric("DECIMAL(18,2)") and is_numeric("BIGINT") and not is_numeric("DATE")


def test_every_numeric_mart_column_has_a_unit(built_warehouse: Path):
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        columns = con.execute("""
            select table_name, column_name, data_type from information_schema.columns
            where table_schema = 'marts' order by all""").fetchall()
    numeric = [(table, column, data_type) for table, column, data_type in columns
               if is_numeric(data_type)]
    assert len(numeric) > 300
    # a unit the yml declares (`config: meta: unit`) counts, as it does in the export
    manifest = json.loads((built_warehouse.parent / "target" / "manifest.json").read_text(encoding="utf-8"))
    declared = {(node["alias"] or node["name"], name): column.get("meta") or column.get("config", {}).get("meta")
                for node in manifest["nodes"].values() if node.get("resource_type") == "model"
                for name, column in node.get("columns", {}).items()}
    without_unit = [f"{table}.{column}" for table, column, data_type in numeric
                    if not column_unit(column, data_type, declared.get((table, column)))]
    assert without_unit == []
