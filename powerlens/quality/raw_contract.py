"""The raw data contract (../shared/DESIGN.md, "Raw data contract") as the preflight checks it.

The columns come from the generator's Arrow schemas, the one place in the code that spells the
contract out; this module adds what a file-level check needs besides: whether a table must be
present with rows. Types, codes and ranges are checked after staging, where the values are
typed (see powerlens.quality.suites).
"""
from __future__ import annotations

from dataclasses import dataclass

from powerlens.generator.output import SCHEMAS


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[str, ...]
    # a run without this table (or with no rows in it) cannot produce the report
    required: bool = True


# Tables without which the report cannot be made; any other table may be absent or empty (a
# small export may have no surveys or enrolments). Staging's test
# stg_audit__row_reconciliation_required_tables_have_rows requires the same three, but the
# preflight names the file.
REQUIRED_TABLES = frozenset({"customers", "bills", "meter_readings"})

RAW_TABLES: dict[str, RawTable] = {
    name: RawTable(name, tuple(schema.names), required=name in REQUIRED_TABLES)
    for name, schema in SCHEMAS.items()
}

# Raw columns holding personal data: they may appear unmasked only in the restricted staging schema.
PII_COLUMNS: tuple[str, ...] = ("customer_name", "phone", "address")
