"""The raw data contract as the preflight checks it: per table, the columns a file must carry.

The contract is written once, in the dbt sources (models/staging/<source>/_<source>__sources.yml,
read by powerlens.contract); this module narrows it to what a file-level check needs: the column
names, which of them a file may lack, and whether the table must be present with rows. Types,
codes and ranges are checked after staging, where the values are typed (see
powerlens.quality.suites).
"""
from __future__ import annotations

from dataclasses import dataclass

from powerlens import contract


@dataclass(frozen=True)
class RawTable:
    name: str
    columns: tuple[str, ...]
    # a run without this table (or with no rows in it) cannot produce the report
    required: bool = True
    # columns an export may lack (read as empty by staging)
    optional_columns: tuple[str, ...] = ()

    @property
    def required_columns(self) -> tuple[str, ...]:
        """The columns every file of the table must have in its header."""
        return tuple(name for name in self.columns if name not in self.optional_columns)


# Tables without which the report cannot be made (table meta `required: true`); any other table
# may be absent or empty (a small export may have no surveys or enrolments). Staging's test
# stg_audit__row_reconciliation_core_tables_have_rows requires the same three (listed in
# models/staging/audit/_audit__models.yml), but the preflight names the file.
RAW_TABLES: dict[str, RawTable] = {
    name: RawTable(name, table.column_names, required=table.required,
                   optional_columns=tuple(c.name for c in table.columns if c.optional))
    for name, table in contract.RAW_TABLES.items()
}
REQUIRED_TABLES = frozenset(name for name, table in RAW_TABLES.items() if table.required)

# Raw columns holding personal data: they may appear unmasked only in the restricted staging schema.
PII_COLUMNS: tuple[str, ...] = contract.PII_COLUMNS
