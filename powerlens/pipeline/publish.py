"""Publishing a finished build: a Parquet export of the marts, then atomic swaps.

Readers never see a half-built warehouse:
- the DuckDB file is replaced with ``os.replace`` (one rename on the same file system): a reader
  that opened the old file keeps reading the old file; a new connection gets the new one;
- the Parquet export is written into a folder of its own and ``parquet/current`` is a symlink
  replaced the same way, so a BI tool reading `parquet/current/<mart>.parquet` sees one run's
  files, never a mix.
Only the `marts` schema is exported, with the code labels and regions BI users label codes by:
staging keeps unmasked names, phones and addresses and is not for BI users (docs/publishing.md).

The daily grain is exported one file per month (``fct_daily_usage/<YYYY-MM>.parquet``): a month
whose rows are the same as in the current export (same count and row digests) is hard-linked from
it instead of written again, so a monthly run writes the months it changed, not tens of millions
of unchanged rows.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb

PUBLISHED_FILE = "powerlens.duckdb"
PARQUET_DIR = "parquet"
CURRENT_LINK = "current"
MARTS_SCHEMA = "marts"
# reference tables BI users need beside the marts: the labels of every code (Chinese, English)
REFERENCE_SCHEMA = "reference"
REFERENCE_EXPORTS = ("code_labels", "regions")
# marts exported one file per month of this date column
MONTHLY_EXPORTS = {"fct_daily_usage": "reading_date"}
# per monthly export and month, the digest of its rows, kept in the export folder
DIGESTS_FILE = "_month_digests.json"
UNDATED = "undated"


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
    """Each mart's description and its columns' descriptions, from dbt's manifest (the models'
    yml): {table: {"description": ..., "columns": {column: description}}}."""
    try:
        nodes = json.loads(manifest_path.read_text(encoding="utf-8"))["nodes"]
    except (OSError, ValueError, KeyError):
        return {}
    return {node["alias"] or node["name"]: {
                "description": " ".join((node.get("description") or "").split()),
                "columns": {name: " ".join((column.get("description") or "").split())
                            for name, column in node.get("columns", {}).items()}}
            for node in nodes.values()
            if (node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA)
            or (node.get("resource_type") == "seed" and node["name"] in REFERENCE_EXPORTS)}


def _parquet_options(table: str, descriptions: dict[str, dict]) -> str:
    """COPY options: zstd, and the table's and columns' descriptions as key-value metadata
    (`powerlens.description`, `powerlens.column_descriptions` as JSON), which a BI tool or
    `parquet_kv_metadata()` shows beside the data."""
    described = descriptions.get(table)
    if not described:
        return "format parquet, compression zstd"
    metadata = {"powerlens.table": table, "powerlens.description": described["description"],
                "powerlens.column_descriptions": json.dumps(described["columns"], ensure_ascii=False)}
    pairs = ", ".join(f"{_sql_text(key)}: {_sql_text(value)}" for key, value in metadata.items())
    return f"format parquet, compression zstd, kv_metadata {{{pairs}}}"


def export_marts(build_db: Path, warehouse_dir: Path, run_id: str,
                 descriptions: dict[str, dict] | None = None) -> Path:
    """Write every mart of the build as Parquet into parquet/<run_id>/; returns that folder.
    ``descriptions`` (mart_descriptions) go into each file's metadata."""
    descriptions = descriptions or {}
    export_dir = warehouse_dir / PARQUET_DIR / run_id
    export_dir.mkdir(parents=True, exist_ok=True)
    current = warehouse_dir / PARQUET_DIR / CURRENT_LINK
    previous_dir = current.resolve() if current.is_symlink() and current.exists() else None
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
    return export_dir


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


def swap_in(build_db: Path, export_dir: Path, warehouse_dir: Path, keep_exports: int = 2) -> Path:
    """Make the build the published warehouse and its export the current one."""
    published = warehouse_dir / PUBLISHED_FILE
    stale_wal = published.with_name(published.name + ".wal")
    if stale_wal.exists():
        # nothing writes to the published file; a WAL next to it would be replayed onto the new
        # file by the next writer, so it must not survive the swap
        stale_wal.unlink()
    os.replace(build_db, published)

    point_link(warehouse_dir / PARQUET_DIR / CURRENT_LINK, export_dir.name)
    _prune_exports(warehouse_dir / PARQUET_DIR, keep=keep_exports, current=export_dir.name)
    return published


def point_link(link: Path, target_name: str) -> Path:
    """Point the symlink ``link`` at ``target_name`` (a sibling) in one atomic rename: a reader
    resolving the link sees the old target or the new one, never none."""
    temporary_link = link.with_name(link.name + ".new")
    if temporary_link.is_symlink():
        temporary_link.unlink()
    os.symlink(target_name, temporary_link)
    os.replace(temporary_link, link)
    return link


def _prune_exports(parquet_dir: Path, keep: int, current: str) -> None:
    """Keep the current export and the one before (a reader may still be on it)."""
    exports = sorted(path for path in parquet_dir.iterdir()
                     if path.is_dir() and not path.is_symlink())
    for old in exports[:-keep]:
        if old.name != current:
            shutil.rmtree(old, ignore_errors=True)
