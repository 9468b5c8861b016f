"""Publishing a finished build: one release folder per run, made visible by one switch.

A run that passed every check is published as ``releases/<run_id>/``:

    releases/<run_id>/powerlens.duckdb             the analysts' file (0644): every schema but the
                                                   restricted ones, rejected rows masked
    releases/<run_id>/parquet/                     the Parquet export of the marts (BI tools)
    releases/<run_id>/restricted/powerlens.duckdb  the whole build (0600 in a 0700 folder):
                                                   unmasked staging, the state the next run
                                                   continues from

and ``current`` (a symlink to that folder, replaced by one rename) is the one switch that
publishes all three at once: a reader that resolves ``current`` sees one run's database and
export, never a mix, and the run's own record ("published", in the `quality` schema of both
files) becomes visible with them. ``powerlens.duckdb`` (-> current/restricted/powerlens.duckdb)
and ``parquet/current`` (-> ../current/parquet) are fixed links through that switch.

Personal data: the analysts' file is written from scratch (never a copy with rows deleted, whose
freed blocks could still hold the values) and holds no schema of RESTRICTED_SCHEMAS; a view that
reads one of them reads its own Parquet export instead, or is stored as a table. Only the `marts`
schema is exported as Parquet, with the code labels and regions BI users label codes by.

The daily grain is exported one file per month (``fct_daily_usage/<YYYY-MM>.parquet``): a month
whose rows are the same as in the current export (same count and row digests) is hard-linked from
it instead of written again, so a monthly run writes the months it changed, not tens of millions
of unchanged rows.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
from pathlib import Path

import duckdb

from powerlens.analyst.column_units import column_unit
from powerlens.contract import RAW_TABLES

PUBLISHED_FILE = "powerlens.duckdb"
PARQUET_DIR = "parquet"
CURRENT_LINK = "current"
RELEASES_DIR = "releases"
RESTRICTED_DIR = "restricted"
MARTS_SCHEMA = "marts"
# schemas the analysts' file leaves out: staging holds unmasked names, phones and addresses (and
# raw records that may hold them); pipeline is the build's own state; main holds the scoring
# models' input views over staging
RESTRICTED_SCHEMAS = ("staging", "pipeline", "main")
# and the build's working tables: analysts read marts (and the scoring, quality, reference and
# audit schemas); copying intermediate too doubled the publish at 100,000 customers
# (docs/benchmarks.md). The restricted full build keeps it for the data team.
BUILD_ONLY_SCHEMAS = ("intermediate",)
# what analysts get instead of staging's audit models: rejected rows with personal data masked
AUDIT_SCHEMA = "audit"
AUDIT_SOURCES = {"rejected_rows": "stg_audit__rejected_rows",
                 "row_reconciliation": "stg_audit__row_reconciliation"}
MASK = "***"
OPEN_DIR_MODE, OPEN_FILE_MODE = 0o755, 0o644
PRIVATE_DIR_MODE, PRIVATE_FILE_MODE = 0o700, 0o600
# reference tables BI users need beside the marts: the labels of every code (Chinese, English)
REFERENCE_SCHEMA = "reference"
REFERENCE_EXPORTS = ("code_labels", "regions")
# a mart table of at least this many rows is a view over the release's own Parquet export in
# the analysts' file, not a second copy: copying the largest marts (bills, payments, monthly
# usage, customer-360 months: millions of rows at 100,000 customers) doubled the publish
ANALYST_VIEW_MIN_ROWS = 1_000_000
# marts exported one file per month of this date column
MONTHLY_EXPORTS = {"fct_daily_usage": "reading_date"}
# per monthly export and month, the digest of its rows, kept in the export folder
DIGESTS_FILE = "_month_digests.json"
UNDATED = "undated"
# a quoted value in a rejection's detail (masked for tables with personal data)
QUOTED_VALUE = "'[^']*'"
# fault injection for the tests (tests/python/test_faults.py): POWERLENS_FAULT_AFTER=<step>
# stops the publish right after that step, by SIGKILL (POWERLENS_FAULT=kill, the default) or
# an exception (POWERLENS_FAULT=raise)
FAULT_AFTER_ENV, FAULT_KIND_ENV = "POWERLENS_FAULT_AFTER", "POWERLENS_FAULT"


class InjectedFault(RuntimeError):
    """Raised by ``fault_point`` when a test asked for an exception at that step."""


def fault_point(step: str) -> None:
    if os.environ.get(FAULT_AFTER_ENV) != step:
        return
    if os.environ.get(FAULT_KIND_ENV, "kill") == "raise":
        raise InjectedFault(f"injected fault after publish step {step}")
    os.kill(os.getpid(), signal.SIGKILL)


def restricted_file(warehouse_dir: Path) -> Path:
    """The data team's file: the whole published build (a fixed link through ``current``)."""
    return warehouse_dir / PUBLISHED_FILE


def analyst_file(warehouse_dir: Path) -> Path:
    """The analysts' file of the published run."""
    return warehouse_dir / CURRENT_LINK / PUBLISHED_FILE


def current_release(warehouse_dir: Path) -> str | None:
    """The run id the ``current`` switch points at, or None before the first publish."""
    link = warehouse_dir / CURRENT_LINK
    return Path(os.readlink(link)).name if link.is_symlink() else None


def release_dir(warehouse_dir: Path, run_id: str) -> Path:
    return warehouse_dir / RELEASES_DIR / run_id


def mart_tables(con) -> list[str]:
    """Every mart, tables and views alike (the daily grain, fct_daily_usage, is a view)."""
    return [name for (name,) in con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? order by table_name", [MARTS_SCHEMA]).fetchall()]


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def mart_descriptions(manifest_path: Path) -> dict[str, dict]:
    """Each mart's description and its columns' descriptions and units, from dbt's manifest (the
    models' yml; units by powerlens.analyst.column_units): {table: {"description": ...,
    "columns": {column: description}, "units": {column: unit}}}."""
    try:
        nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return {}
    return {node["alias"] or node["name"]: {
                "description": " ".join((node.get("description") or "").split()),
                "columns": {name: " ".join((column.get("description") or "").split())
                            for name, column in node.get("columns", {}).items()},
                "units": {name: unit for name, column in node.get("columns", {}).items()
                          if (unit := column_unit(name, column.get("data_type") or "",
                                                  column.get("meta") or column.get("config", {}).get("meta")))}}
            for node in nodes.values()
            if (node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA)
            or (node.get("resource_type") == "seed" and node["name"] in REFERENCE_EXPORTS)}


def _parquet_options(table: str, descriptions: dict[str, dict]) -> str:
    """COPY options: zstd, and the table's and columns' descriptions and the numeric columns' units
    as key-value metadata (`powerlens.description`, `powerlens.column_descriptions` and
    `powerlens.column_units` as JSON), which a BI tool or
    `parquet_kv_metadata()` shows beside the data."""
    described = descriptions.get(table)
    if not described:
        return "format parquet, compression zstd"
    metadata = {"powerlens.table": table, "powerlens.description": described["description"],
                "powerlens.column_descriptions": json.dumps(described["columns"], ensure_ascii=False),
                "powerlens.column_units": json.dumps(described.get("units", {}), ensure_ascii=False)}
    pairs = ", ".join(f"{_sql_text(key)}: {_sql_text(value)}" for key, value in metadata.items())
    return f"format parquet, compression zstd, kv_metadata {{{pairs}}}"


def export_marts(build_db: Path, export_dir: Path, previous_dir: Path | None,
                 descriptions: dict[str, dict] | None = None) -> Path:
    """Write every mart of the build as Parquet into ``export_dir``; a month of the daily grain
    equal to the one in ``previous_dir`` (the current export) is hard-linked from it.
    ``descriptions`` (mart_descriptions) go into each file's metadata. Files and folders are
    made readable by all: the export holds masked data only."""
    descriptions = descriptions or {}
    export_dir.mkdir(parents=True, exist_ok=True)
    previous_digests = _read_digests(previous_dir)
    digests = {}
    with duckdb.connect(str(build_db), read_only=True) as con:
        for table in mart_tables(con):
            if table in MONTHLY_EXPORTS:
                digests[table] = _export_by_month(con, table, MONTHLY_EXPORTS[table], export_dir,
                                                  previous_dir, previous_digests.get(table, {}),
                                                  _parquet_options(table, descriptions))
                continue
            con.execute(f"copy {MARTS_SCHEMA}.{table} to {_sql_path(export_dir / f'{table}.parquet')} "
                        f"({_parquet_options(table, descriptions)})")
        for table in REFERENCE_EXPORTS:
            con.execute(f"copy {REFERENCE_SCHEMA}.{table} to {_sql_path(export_dir / f'{table}.parquet')} "
                        f"({_parquet_options(table, descriptions)})")
    (export_dir / DIGESTS_FILE).write_text(json.dumps({"duckdb": duckdb.__version__, "tables": digests},
                                                      indent=1), encoding="utf-8")
    open_to_readers(export_dir)
    return export_dir


def open_to_readers(folder: Path) -> None:
    """0755 folders and 0644 files under ``folder`` (the run writes with umask 077)."""
    folder.chmod(OPEN_DIR_MODE)
    for path in folder.rglob("*"):
        path.chmod(OPEN_DIR_MODE if path.is_dir() else OPEN_FILE_MODE)


def _read_digests(export_dir: Path | None) -> dict:
    """The month digests of an earlier export, if it was made by this DuckDB version (a row's
    hash may differ between versions)."""
    if export_dir is None or not (export_dir / DIGESTS_FILE).exists():
        return {}
    try:
        recorded = json.loads((export_dir / DIGESTS_FILE).read_text(encoding="utf-8"))
    except ValueError:
        return {}
    if recorded.get("duckdb") != duckdb.__version__:
        return {}
    return recorded.get("tables", {})


def _export_by_month(con, table: str, date_column: str, export_dir: Path,
                     previous_dir: Path | None, previous: dict[str, str],
                     options: str) -> dict[str, str]:
    """One Parquet file per month; a month equal to the previous export's is hard-linked."""
    typed_columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? "
        "and table_name = ? order by ordinal_position", [MARTS_SCHEMA, table]).fetchall()
    columns = [f'"{name}"' for name, _ in typed_columns]
    # the descriptions are in the digest: a month whose metadata changed is written again
    schema = ", ".join(f"{name} {data_type}" for name, data_type in typed_columns) + options
    month = f"coalesce(strftime({date_column}, '%Y-%m'), '{UNDATED}')"
    # count, sum and xor of the row hashes: order does not matter, a repeated row does not cancel
    digests = {export_month: f"{schema}|{rows}|{hash_sum}|{hash_xor}"
               for export_month, rows, hash_sum, hash_xor in con.execute(
                   f"select {month}, count(*), sum(hash({', '.join(columns)})::hugeint), "
                   f"bit_xor(hash({', '.join(columns)})) from {MARTS_SCHEMA}.{table} group by 1"
               ).fetchall()}
    table_dir = export_dir / table
    table_dir.mkdir(parents=True, exist_ok=True)
    to_write = []
    for export_month, digest in sorted(digests.items()):
        earlier = previous_dir / table if previous_dir else None
        if earlier and (earlier / f"{export_month}.parquet").exists() \
                and previous.get(export_month) == digest:
            os.link(earlier / f"{export_month}.parquet", table_dir / f"{export_month}.parquet")
        else:
            to_write.append(export_month)
    for export_month in to_write:
        # a date range, not the month expression: DuckDB skips the row groups outside it
        where = (f"{date_column} is null" if export_month == UNDATED else
                 f"{date_column} >= date '{export_month}-01' "
                 f"and {date_column} < date '{export_month}-01' + interval 1 month")
        con.execute(f"copy (select {', '.join(columns)} from {MARTS_SCHEMA}.{table} where {where}) "
                    f"to {_sql_path(table_dir / f'{export_month}.parquet')} ({options})")
    return digests


def write_analyst_file(build_db: Path, target: Path, export_dir: Path,
                       view_min_rows: int = ANALYST_VIEW_MIN_ROWS) -> Path:
    """Write the analysts' file from the build: every schema but RESTRICTED_SCHEMAS and
    BUILD_ONLY_SCHEMAS, table by table into a new file, and the `audit` schema of masked
    rejected rows. A mart table of at least ``view_min_rows`` rows with a Parquet export in
    ``export_dir`` is a view over that export. A view that reads a restricted schema (the daily
    grain reads staging) reads its own Parquet export instead, or becomes a table of its rows."""
    target.unlink(missing_ok=True)
    with duckdb.connect(str(target)) as con:
        con.execute(f"attach {_sql_path(build_db)} as build (read_only)")
        schemas = [name for (name,) in con.execute(
            "select schema_name from duckdb_schemas() where database_name = 'build' "
            "and not internal and schema_name not in (select unnest(?::varchar[]))",
            [list(RESTRICTED_SCHEMAS + BUILD_ONLY_SCHEMAS)]).fetchall()]
        for schema in schemas:
            con.execute(f"create schema if not exists {_ident(schema)}")
        for schema, table, create_sql, rows in con.execute(
                "select schema_name, table_name, sql, estimated_size from duckdb_tables() "
                "where database_name = 'build' and schema_name in (select unnest(?::varchar[])) "
                "order by all", [schemas]).fetchall():
            exported = _exported_files(export_dir, table) if schema == MARTS_SCHEMA else []
            if exported and rows >= view_min_rows:
                con.execute(f"create view {_ident(schema)}.{_ident(table)} as "
                            f"select * from {_parquet_source(exported)}")
                continue
            con.execute(create_sql)
            con.execute(f"insert into {_ident(schema)}.{_ident(table)} "
                        f"select * from build.{_ident(schema)}.{_ident(table)}")
        views = con.execute(
            "select schema_name, view_name, sql from duckdb_views() where database_name = "
            "'build' and not internal and schema_name in (select unnest(?::varchar[])) "
            "order by all", [schemas]).fetchall()
        # a view may read another view: create those that bind until no more do
        while views:
            remaining = []
            for schema, view, create_sql in views:
                try:
                    con.execute(create_sql)
                except (duckdb.CatalogException, duckdb.BinderException):
                    remaining.append((schema, view, create_sql))
            if len(remaining) == len(views):
                break
            views = remaining
        for schema, view, _ in views:
            exported = _exported_files(export_dir, view) if schema == MARTS_SCHEMA else []
            source = (_parquet_source(exported) if exported
                      else f"build.{_ident(schema)}.{_ident(view)}")
            kind = "view" if exported else "table"
            con.execute(f"create {kind} {_ident(schema)}.{_ident(view)} as select * from {source}")
        _write_masked_audit(con)
        con.execute("checkpoint")
        con.execute("detach build")
    target.chmod(OPEN_FILE_MODE)
    return target


def _parquet_source(files: list[Path]) -> str:
    """The files by absolute path: a view's relative path would resolve against the reader's
    working folder, not the file's."""
    return f"read_parquet([{', '.join(_sql_path(path.resolve()) for path in files)}])"


def _exported_files(export_dir: Path, table: str) -> list[Path]:
    if (export_dir / table).is_dir():
        return sorted((export_dir / table).glob("*.parquet"))
    return [export_dir / f"{table}.parquet"] if (export_dir / f"{table}.parquet").exists() else []


def _write_masked_audit(con) -> None:
    """`audit.rejected_rows` and `audit.row_reconciliation` from staging's audit models. In a
    rejected row of a table with personal data every value of the raw record but the key is
    masked (a row cut in the wrong place carries a name in another column), and so is every
    quoted value in the detail: analysts see the file, row, rule and column."""
    present = {name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_catalog = 'build' "
        "and table_schema = 'staging'").fetchall()}
    if not set(AUDIT_SOURCES.values()) <= present:
        return
    con.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    raw_record, detail = "raw_record", "detail"
    record_cases, pii_tables = [], []
    for name, table in RAW_TABLES.items():
        if not any(column.pii for column in table.columns):
            continue
        pairs = ", ".join(
            f"{_sql_text(column.name)}, " + (
                f"json_extract_string(raw_record, {_sql_text('$.' + json.dumps(column.name))})"
                if column.name in table.grain and not column.pii else _sql_text(MASK))
            for column in table.columns)
        record_cases.append(f"when {_sql_text(name)} then cast(json_object({pairs}) as varchar)")
        pii_tables.append(_sql_text(name))
    if pii_tables:
        raw_record = f"case source_table {' '.join(record_cases)} else raw_record end"
        detail = (f"case when source_table in ({', '.join(pii_tables)}) then regexp_replace("
                  f"detail, {_sql_text(QUOTED_VALUE)}, {_sql_text(repr(MASK))}, 'g') "
                  "else detail end")
    con.execute(f"create table {AUDIT_SCHEMA}.rejected_rows as "
                "select source_table, source_file, source_row, record_key, rule, column_name, "
                f"{detail} as detail, {raw_record} as raw_record "
                f"from build.staging.{AUDIT_SOURCES['rejected_rows']}")
    con.execute(f"create table {AUDIT_SCHEMA}.row_reconciliation as "
                f"select * from build.staging.{AUDIT_SOURCES['row_reconciliation']}")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def move_restricted(build_db: Path, release: Path) -> Path:
    """Move the whole build into the release's restricted folder (0700, the file 0600)."""
    folder = release / RESTRICTED_DIR
    folder.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    folder.chmod(PRIVATE_DIR_MODE)
    target = folder / PUBLISHED_FILE
    os.replace(build_db, target)
    target.chmod(PRIVATE_FILE_MODE)
    return target


def switch(warehouse_dir: Path, run_id: str) -> None:
    """The one switch: ``current`` -> releases/<run_id>, in one rename. The analysts' file, the
    Parquet export and the restricted file of that run become visible together."""
    stale_wal = restricted_file(warehouse_dir).with_name(PUBLISHED_FILE + ".wal")
    if stale_wal.exists():
        # a WAL beside the fixed link would be replayed onto the next run's file by a writer
        stale_wal.unlink()
    point_link(warehouse_dir / CURRENT_LINK, f"{RELEASES_DIR}/{run_id}")


FIXED_LINKS = {PUBLISHED_FILE: f"{CURRENT_LINK}/{RESTRICTED_DIR}/{PUBLISHED_FILE}",
               f"{PARQUET_DIR}/{CURRENT_LINK}": f"../{CURRENT_LINK}/{PARQUET_DIR}"}


def fixed_links(warehouse_dir: Path, replace: bool) -> None:
    """The fixed paths through ``current``. Before the first switch they are made when missing
    (they dangle until then); an older layout's file and link (the published file itself, a link
    to parquet/<run_id>) are replaced only once ``current`` exists (``replace``)."""
    for name, target in FIXED_LINKS.items():
        link = warehouse_dir / name
        if not link.parent.exists():
            link.parent.mkdir(parents=True)
            link.parent.chmod(OPEN_DIR_MODE)
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if (link.exists() or link.is_symlink()) and not replace:
            continue
        point_link(link, target)


def prune_releases(warehouse_dir: Path, keep: set[str], keep_legacy: int = 0) -> None:
    """Keep the given releases (the current one and the one before: a reader may still be on
    it); an earlier layout's parquet/<run_id> folders go too, but for the newest
    ``keep_legacy`` (1 on the run that moves to this layout, for readers still on it)."""
    releases = warehouse_dir / RELEASES_DIR
    for old in sorted(releases.iterdir()) if releases.is_dir() else []:
        if old.name not in keep and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
    parquet_dir = warehouse_dir / PARQUET_DIR
    legacy = sorted(path for path in parquet_dir.iterdir()
                    if path.is_dir() and not path.is_symlink()) if parquet_dir.is_dir() else []
    for old in legacy[:len(legacy) - keep_legacy]:
        shutil.rmtree(old, ignore_errors=True)


def point_link(link: Path, target_name: str) -> Path:
    """Point the symlink ``link`` at ``target_name`` (a sibling) in one atomic rename: a reader
    resolving the link sees the old target or the new one, never none."""
    temporary_link = link.with_name(link.name + ".new")
    if temporary_link.is_symlink():
        temporary_link.unlink()
    os.symlink(target_name, temporary_link)
    os.replace(temporary_link, link)
    return link
