"""The raw data contract, read from the one place it is written: the dbt sources.

The files models/staging/<source>/_<source>__sources.yml list every raw table and its columns in
file order, with a description (shown by `dbt docs`) and, under each column's ``config.meta``:

  type      how staging reads the text: text | double | money | power_factor | integer | boolean
            | date | timestamp | month (docs/staging.md, "Accepted formats")
  pii       true for personal data (masked in marts, unmasked only in the staging schema)
  optional  true when an export may lack the column (read as empty); default false
  key_pattern  a regular expression a non-empty key must fully match, else staging rejects the
            row (rule bad_key): keeps 'NULL', 'N/A' and Excel's 1.2E+10 from becoming keys

and under each table's ``config.meta``: ``required`` (the run cannot make the report without rows
in it) and ``grain`` (the columns that identify a row).

This module gives that contract to the Python side: the generator's Arrow schemas
(powerlens.generator.output), the preflight (powerlens.quality.raw_contract) and the quality
gate (powerlens.quality.suites). Staging reads the same files through dbt's graph
(macros/staging/staging_contract.sql). The files are read from the repository checkout the
package is installed from (``pip install -e .``).

``python -m powerlens.contract`` prints the contract as the Markdown in docs/raw_contract.md.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

STAGING_DIR = Path(__file__).resolve().parents[1] / "models" / "staging"
SOURCES_GLOB = "*/_*__sources.yml"

# The column types staging knows (macros/staging/staging_checked_rows.sql, staging_column_types)
# and the SQL type each is staged as (docs/DEVELOPING.md, "Staging contract").
STAGED_SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "double": "DOUBLE",
    "money": "DECIMAL(18,2)",
    "power_factor": "DECIMAL(4,2)",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "month": "DATE",
}


class ContractError(RuntimeError):
    """The sources files are missing or do not state the contract completely."""


@dataclass(frozen=True)
class ContractColumn:
    name: str
    type: str
    description: str = ""
    pii: bool = False
    # an export may lack the column; staging reads it as empty
    optional: bool = False
    # a non-empty value must fully match it (staging's rule bad_key); None: any text
    key_pattern: str | None = None


@dataclass(frozen=True)
class ContractTable:
    source: str
    name: str
    columns: tuple[ContractColumn, ...]
    # a run without rows in this table cannot produce the report
    required: bool
    grain: tuple[str, ...]
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def staged_model(self) -> str:
        return f"stg_{self.source}__{self.name}"

    def column(self, name: str) -> ContractColumn:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")


def _meta(entry: dict) -> dict:
    """An entry's meta: under ``config`` (dbt 1.10+), or the older top-level key."""
    return {**(entry.get("meta") or {}), **((entry.get("config") or {}).get("meta") or {})}


def load_contract(staging_dir: Path = STAGING_DIR) -> dict[str, ContractTable]:
    """Every raw table of the sources files under ``staging_dir``, by name, in file order."""
    paths = sorted(Path(staging_dir).glob(SOURCES_GLOB))
    if not paths:
        raise ContractError(
            f"the raw data contract was not found: no {SOURCES_GLOB} under {staging_dir}. "
            "PowerLens reads it from the dbt sources in its repository checkout; install the "
            "package from the checkout with `pip install -e .`.")
    tables: dict[str, ContractTable] = {}
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for source in document.get("sources") or []:
            for entry in source.get("tables") or []:
                table = _table(path, source["name"], entry)
                if table.name in tables:
                    raise ContractError(f"{path}: raw table {table.name} is defined twice")
                tables[table.name] = table
    if not tables:
        raise ContractError(f"no raw tables in {', '.join(map(str, paths))}")
    return tables


def _table(path: Path, source: str, entry: dict) -> ContractTable:
    name = entry["name"]
    where = f"{path}: {source}.{name}"
    columns = []
    for column in entry.get("columns") or []:
        meta = _meta(column)
        column_type = meta.get("type")
        if column_type not in STAGED_SQL_TYPES:
            raise ContractError(
                f"{where}, column {column['name']}: config.meta.type is {column_type!r}; "
                f"expected one of {', '.join(STAGED_SQL_TYPES)}")
        key_pattern = meta.get("key_pattern")
        if key_pattern is not None:
            try:
                re.compile(str(key_pattern))
            except re.error as exc:
                raise ContractError(f"{where}, column {column['name']}: config.meta.key_pattern "
                                    f"{key_pattern!r} is not a regular expression ({exc})") from None
        columns.append(ContractColumn(
            column["name"], column_type, " ".join(str(column.get("description", "")).split()),
            pii=bool(meta.get("pii", False)), optional=bool(meta.get("optional", False)),
            key_pattern=str(key_pattern) if key_pattern else None))
    if not columns:
        raise ContractError(f"{where}: no columns")
    names = [column.name for column in columns]
    if len(set(names)) != len(names):
        raise ContractError(f"{where}: a column is listed twice")
    meta = _meta(entry)
    grain = tuple(meta.get("grain") or ())
    if not grain or any(column not in names for column in grain):
        raise ContractError(f"{where}: config.meta.grain {list(grain)} must name columns of the table")
    if "required" not in meta:
        raise ContractError(f"{where}: config.meta.required (true or false) is missing")
    return ContractTable(source, name, tuple(columns), required=bool(meta["required"]), grain=grain,
                         description=" ".join(str(entry.get("description", "")).split()))


RAW_TABLES: dict[str, ContractTable] = load_contract()

# Raw columns holding personal data: they may appear unmasked only in the restricted staging schema.
PII_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(
    column.name for table in RAW_TABLES.values() for column in table.columns if column.pii))


def markdown(tables: dict[str, ContractTable] | None = None) -> str:
    """The contract as docs/raw_contract.md shows it (between its contract markers)."""
    lines = []
    for table in (tables or RAW_TABLES).values():
        flags = "required: must have rows" if table.required else "may be empty or absent"
        lines += [f"### {table.name} (`{table.source}`; {flags}; grain {', '.join(table.grain)})",
                  "", table.description, "",
                  "| column | type | description |", "|---|---|---|"]
        for column in table.columns:
            notes = [note for note, on in (("PII", column.pii), ("optional", column.optional)) if on]
            if column.key_pattern:
                notes.append(f"key `{column.key_pattern}`")
            kind = column.type + (f" ({', '.join(notes)})" if notes else "")
            lines.append(f"| `{column.name}` | {kind} | {column.description} |")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
