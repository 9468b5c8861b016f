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

ERROR = "error"
WARN = "warn"

# Typed column of the staging contract (docs/DEVELOPING.md), by column name.
_VARCHAR = "VARCHAR"
_DATE = "DATE"
_TIMESTAMP = "TIMESTAMP"
_DOUBLE = "DOUBLE"
_MONEY = "DECIMAL(18,2)"
_SCORE = "INTEGER"
STAGING_COLUMN_TYPES: dict[str, str] = {
    **dict.fromkeys(["customer_id", "customer_name", "phone", "address", "customer_type",
                     "sector", "industry_code", "region_code", "urban_rural", "tariff_code",
                     "basic_charge_basis", "payment_mode", "close_reason", "bill_id",
                     "payment_id", "channel", "payment_type", "ticket_id", "ticket_type",
                     "category", "description", "survey_id", "programme", "_source_file"],
                    _VARCHAR),
    **dict.fromkeys(["open_date", "close_date", "reading_date", "billing_month", "issue_date",
                     "due_date", "survey_date", "enrolled_date"], _DATE),
    **dict.fromkeys(["interval_start", "paid_at", "created_at", "first_response_at",
                     "resolved_at"], _TIMESTAMP),
    **dict.fromkeys(["voltage_kv", "contract_capacity_kva", "kwh_sharp", "kwh_peak",
                     "kwh_flat", "kwh_valley", "kvarh", "max_demand_kw", "kw", "kwh_total"],
                    _DOUBLE),
    **dict.fromkeys(["basic_charge", "energy_charge", "pf_adjustment", "surcharge",
                     "total_amount", "amount"], _MONEY),
    **dict.fromkeys(["satisfaction", "overall", "reliability", "power_quality", "billing",
                     "staff", "channels"], _SCORE),
    "power_factor": "DECIMAL(4,2)",
    "has_pv": "BOOLEAN",
    "_source_row": "BIGINT",
}


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
STAGED_TABLES: tuple[StagedTable, ...] = (
    StagedTable(
        "stg_cis__customers", "customers",
        ("customer_id", "customer_name", "phone", "address", "customer_type", "sector",
         "industry_code", "region_code", "urban_rural", "voltage_kv", "contract_capacity_kva",
         "tariff_code", "basic_charge_basis", "payment_mode", "has_pv", "open_date",
         "close_date", "close_reason"),
        ranges=(Range("voltage_kv", 0.22, 220, ERROR),
                Range("contract_capacity_kva", 0, 500_000, WARN)),
    ),
    StagedTable(
        "stg_mdm__meter_readings", "meter_readings",
        ("customer_id", "reading_date", "kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley",
         "kvarh", "max_demand_kw"),
        ranges=tuple(Range(column, 0, 2_000_000, WARN)
                     for column in ("kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley", "kvarh"))
        + (Range("max_demand_kw", 0, 500_000, WARN),),
    ),
    StagedTable(
        "stg_mdm__interval_readings", "interval_readings",
        ("customer_id", "interval_start", "kw"),
        ranges=(Range("kw", 0, 500_000, WARN),),
    ),
    StagedTable(
        "stg_cis__bills", "bills",
        ("bill_id", "customer_id", "billing_month", "issue_date", "due_date", "kwh_total",
         "power_factor", "basic_charge", "energy_charge", "pf_adjustment", "surcharge",
         "total_amount"),
        ranges=(Range("power_factor", 0, 1, ERROR),
                Range("kwh_total", 0, 60_000_000, WARN),
                Range("total_amount", -1_000_000, 100_000_000, WARN)),
    ),
    StagedTable(
        "stg_cis__payments", "payments",
        ("payment_id", "customer_id", "bill_id", "paid_at", "amount", "channel",
         "payment_type"),
        ranges=(Range("amount", 0, 100_000_000, WARN),),
    ),
    StagedTable(
        "stg_service__service_tickets", "service_tickets",
        ("ticket_id", "customer_id", "channel", "ticket_type", "category", "created_at",
         "first_response_at", "resolved_at", "satisfaction", "description"),
        ranges=(Range("satisfaction", 1, 5, ERROR),),
    ),
    StagedTable(
        "stg_service__surveys", "surveys",
        ("survey_id", "customer_id", "survey_date", "overall", "reliability", "power_quality",
         "billing", "staff", "channels"),
        ranges=tuple(Range(column, 1, 10, ERROR) for column in
                     ("overall", "reliability", "power_quality", "billing", "staff", "channels")),
    ),
    StagedTable(
        "stg_cis__programme_enrollments", "programme_enrollments",
        ("customer_id", "programme", "enrolled_date"),
    ),
)


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
