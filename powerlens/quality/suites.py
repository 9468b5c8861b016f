"""What the quality gate checks on the raw and staged data, and how severe each failure is.

Each check is one Great Expectations expectation run against a small frame that DuckDB computes
from the build file (a table's schema, a one-row profile of minima and maxima, counts of raw rows
by rejection rule, a per-customer-type mean). Validating aggregates instead of whole tables keeps
the gate tractable at 70M meter readings: pandas never holds more than a few thousand rows.

The split with dbt's tests (docs/quality.md has the full matrix): dbt tests guard the staged
output row by row (keys unique and not null, accepted values, relationships, accepted ranges)
and stop the run in the staging step. The gate does not repeat them; it measures the raw export
(raw = staged + rejected, the share rejected, duplicate keys, codes outside the value sets,
orphans, empty keys, unparseable or negative values and future dates as the staging rules found
them, row counts against the previous run) and checks what no single dbt build can see: the
typed schema against the staging contract, plausibility ranges that catch a unit change,
freshness, and drift of mean daily kWh per customer type against the previous published run.
"""
from __future__ import annotations

from dataclasses import dataclass

from powerlens import contract

ERROR = "error"
WARN = "warn"


# Typed column of the staging contract (docs/DEVELOPING.md), by column name: the raw contract's
# type (config.meta.type in the sources yml, read by powerlens.contract) as staging casts it.
def _staging_column_types() -> dict[str, str]:
    types = {"_source_file": "VARCHAR", "_source_row": "BIGINT"}
    for table in contract.RAW_TABLES.values():
        for column in table.columns:
            sql_type = contract.STAGED_SQL_TYPES[column.type]
            if types.setdefault(column.name, sql_type) != sql_type:
                raise contract.ContractError(
                    f"column {column.name} is {types[column.name]} in one raw table and {sql_type} "
                    f"in {table.name}; the gate's schema check needs one type per column name")
    return types


STAGING_COLUMN_TYPES: dict[str, str] = _staging_column_types()


@dataclass(frozen=True)
class Range:
    """Plausible bounds of a numeric column; a value outside fails with ``severity``."""

    column: str
    minimum: float | None
    maximum: float | None
    severity: str


@dataclass(frozen=True)
class StagedTable:
    model: str
    raw_table: str
    columns: tuple[str, ...]
    ranges: tuple[Range, ...] = ()


# Plausibility, not validity: staging rejects impossible values (negative kWh, a score of 11);
# these bounds catch a unit or scale error that still casts (kWh exported as Wh, yuan as fen).
RANGES: dict[str, tuple[Range, ...]] = {
    "customers": (Range("voltage_kv", 0.22, 220, ERROR),
                  Range("contract_capacity_kva", 0, 500_000, WARN)),
    "meter_readings": tuple(Range(column, 0, 2_000_000, WARN)
                            for column in ("kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley", "kvarh"))
    + (Range("max_demand_kw", 0, 500_000, WARN),),
    "interval_readings": (Range("kw", 0, 500_000, WARN),),
    "bills": (Range("power_factor", 0, 1, ERROR),
              Range("kwh_total", 0, 60_000_000, WARN),
              Range("total_amount", -1_000_000, 100_000_000, WARN)),
    "payments": (Range("amount", 0, 100_000_000, WARN),),
    "service_tickets": (Range("satisfaction", 1, 5, ERROR),),
    "surveys": tuple(Range(column, 1, 10, ERROR) for column in
                     ("overall", "reliability", "power_quality", "billing", "staff", "channels")),
}

# One staged model per raw table of the contract, with the contract's columns in file order.
STAGED_TABLES: tuple[StagedTable, ...] = tuple(
    StagedTable(table.staged_model, table.name, table.column_names, RANGES.get(table.name, ()))
    for table in contract.RAW_TABLES.values()
)


def _check_ranges() -> None:
    unknown = [f"{name}.{limit.column}" for name, limits in RANGES.items() for limit in limits
               if name not in contract.RAW_TABLES
               or limit.column not in contract.RAW_TABLES[name].column_names]
    if unknown:
        raise contract.ContractError(f"gate ranges name columns outside the raw contract: {', '.join(unknown)}")


_check_ranges()


@dataclass(frozen=True)
class GateSettings:
    """Thresholds of the checks that compare with tolerances; defaults documented in docs/quality.md."""

    # share of a table's raw rows that staging rejected
    rejected_share_warn: float = 0.0
    rejected_share_error: float = 0.05
    # raw row count against the previous published run (relative change)
    row_count_change_warn: float = 0.20
    row_count_drop_error: float = 0.50
    # mean daily kWh per customer type against the previous published run (relative change)
    mean_kwh_change_warn: float = 0.25
    mean_kwh_factor_error: float = 3.0
    # latest reading date older than this many days before the as-of date
    freshness_max_days: int = 45
