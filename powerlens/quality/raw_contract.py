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


# Only the interval export may be absent or empty (not every utility has interval meters); an
# empty table of any other kind stops the run, as staging's own test
# stg_audit__row_reconciliation_required_tables_have_rows would, but with the file named.
OPTIONAL_TABLES = frozenset({"interval_readings"})

RAW_TABLES: dict[str, RawTable] = {
    name: RawTable(name, tuple(schema.names), required=name not in OPTIONAL_TABLES)
    for name, schema in SCHEMAS.items()
}

# Raw columns holding personal data: they may appear unmasked only in the restricted staging schema.
PII_COLUMNS: tuple[str, ...] = ("customer_name", "phone", "address")
