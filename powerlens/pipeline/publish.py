"""Publishing a finished build: a Parquet export of the marts, then atomic swaps.

Readers never see a half-built warehouse:
- the DuckDB file is replaced with ``os.replace`` (one rename on the same file system): a reader
  that opened the old file keeps reading the old file; a new connection gets the new one;
- the Parquet export is written into a folder of its own and ``parquet/current`` is a symlink
  replaced the same way, so a BI tool reading `parquet/current/<mart>.parquet` sees one run's
  files, never a mix.
Only the `marts` schema is exported: staging keeps unmasked names, phones and addresses and is
not for BI users (docs/publishing.md).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

PUBLISHED_FILE = "powerlens.duckdb"
PARQUET_DIR = "parquet"
CURRENT_LINK = "current"
MARTS_SCHEMA = "marts"


def mart_tables(con) -> list[str]:
    """Every mart, tables and views alike (the daily grain, fct_daily_usage, is a view)."""
    return [name for (name,) in con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = ? order by table_name", [MARTS_SCHEMA]).fetchall()]


def export_marts(build_db: Path, warehouse_dir: Path, run_id: str) -> Path:
    """Write every mart of the build as Parquet into parquet/<run_id>/; returns that folder."""
    export_dir = warehouse_dir / PARQUET_DIR / run_id
    export_dir.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build_db), read_only=True) as con:
        for table in mart_tables(con):
            target = str(export_dir / f"{table}.parquet").replace("'", "''")
            con.execute(f"copy {MARTS_SCHEMA}.{table} to '{target}' "
                        "(format parquet, compression zstd)")
    return export_dir


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
