"""Which raw files are new, changed or gone since the published build (docs/incremental.md).

Every published build records the raw files it was built from in ``pipeline.raw_files``: the
path under the raw folder, the size, the modification time and a SHA-256 of the bytes. The next
run compares the raw folder with that record:

- a file whose size and modification time are unchanged is taken as unchanged (its digest is
  not recomputed, so an unchanged 60 M-row export costs one ``stat``);
- any other file is hashed: the same digest (a file copied again, or touched) is unchanged; a
  different one is *changed*; a path not on record is *new*;
- a path on record that is no longer there is *removed*.

The build then stages only the rows of those files (and the few others their rows touch:
macros/staging/staging_incremental.sql) and ``pipeline.raw_file_changes`` tells the staging
models which files those are. ``pipeline.build_settings`` records what else a build depends
on (the project's code, the vars, the as-of date); when one of those differs, the run rebuilds
everything (``build_mode``).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from powerlens.quality.preflight import find_table_files
from powerlens.quality.raw_contract import RAW_TABLES

STATE_SCHEMA = "pipeline"
HASH_CHUNK_BYTES = 8 * 1024 * 1024
# the project files a build's results depend on: a change to any of them means a full rebuild
PROJECT_PATHS = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml",
                 "powerlens/scoring")
# under those, what dbt never reads: the Python test suite
NOT_PROJECT_PATHS = ("tests/python",)

DDL = f"""
create schema if not exists {STATE_SCHEMA};
create or replace table {STATE_SCHEMA}.raw_files (
    table_name varchar not null,
    relative_path varchar not null,
    size_bytes bigint not null,
    modified_ns bigint not null,
    sha256 varchar not null,
    -- the preflight rewrote it for the build (encoding, field counts, line ends, ...): the next
    -- run checks it in full again, since only that check makes the rewrite happen
    rewritten boolean not null
);
create or replace table {STATE_SCHEMA}.raw_file_changes (
    table_name varchar not null,
    relative_path varchar not null,
    change varchar not null
);
create or replace table {STATE_SCHEMA}.build_settings (
    name varchar not null,
    value varchar
);
"""


@dataclass(frozen=True)
class RawFileState:
    table_name: str
    relative_path: str
    size_bytes: int
    modified_ns: int
    sha256: str
    rewritten: bool = False


@dataclass(frozen=True)
class RawFileChange:
    table_name: str
    relative_path: str
    change: str  # new | changed | removed


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def scan(raw_dir: Path, previous: dict[str, RawFileState] | None = None) -> list[RawFileState]:
    """The raw folder's contract files with their fingerprints; a file whose size and
    modification time match ``previous`` keeps its recorded digest."""
    previous = previous or {}
    states = []
    for table in RAW_TABLES:
        for path in find_table_files(raw_dir, table):
            stat = path.stat()
            relative = path.relative_to(raw_dir).as_posix()
            known = previous.get(relative)
            if known and known.size_bytes == stat.st_size and known.modified_ns == stat.st_mtime_ns:
                digest = known.sha256
            else:
                digest = file_digest(path)
            states.append(RawFileState(table, relative, stat.st_size, stat.st_mtime_ns, digest))
    return states


def compare(previous: dict[str, RawFileState], current: list[RawFileState]) -> list[RawFileChange]:
    changes = []
    current_paths = {state.relative_path for state in current}
    for state in current:
        known = previous.get(state.relative_path)
        if known is None:
            changes.append(RawFileChange(state.table_name, state.relative_path, "new"))
        elif known.sha256 != state.sha256 or known.table_name != state.table_name:
            changes.append(RawFileChange(state.table_name, state.relative_path, "changed"))
    for relative, known in sorted(previous.items()):
        if relative not in current_paths:
            changes.append(RawFileChange(known.table_name, relative, "removed"))
    return changes


def project_fingerprint(repo_root: Path) -> str:
    """One digest of every project file a build's results depend on."""
    digest = hashlib.sha256()
    for name in PROJECT_PATHS:
        root = repo_root / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            relative = path.relative_to(repo_root).as_posix()
            if not path.is_file() or "__pycache__" in path.parts \
                    or relative.startswith(NOT_PROJECT_PATHS):
                continue
            digest.update(relative.encode())
            digest.update(file_digest(path).encode())
    return digest.hexdigest()


def read_state(database: Path) -> tuple[dict[str, RawFileState], dict[str, str]]:
    """The raw files and settings a published build recorded; empty when it recorded none."""
    if not database.exists():
        return {}, {}
    with duckdb.connect(str(database), read_only=True) as con:
        recorded = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [STATE_SCHEMA]).fetchall()}
        if not {"raw_files", "build_settings"} <= recorded:
            return {}, {}
        columns = {name for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = 'raw_files'", [STATE_SCHEMA]).fetchall()}
        # a build recorded before the column existed: check its files in full once
        rewritten = "rewritten" if "rewritten" in columns else "true"
        files = {row[1]: RawFileState(*row) for row in con.execute(
            f"select table_name, relative_path, size_bytes, modified_ns, sha256, {rewritten} "
            f"from {STATE_SCHEMA}.raw_files").fetchall()}
        settings = dict(con.execute(f"select name, value from {STATE_SCHEMA}.build_settings")
                        .fetchall())
    return files, settings


def write_state(database: Path, files: list[RawFileState], changes: list[RawFileChange] | None,
                settings: dict[str, str]) -> None:
    """Record the build's raw files and settings in its file. ``changes`` None means a full
    build: every file counts as new."""
    if changes is None:
        changes = [RawFileChange(state.table_name, state.relative_path, "new") for state in files]
    with duckdb.connect(str(database)) as con:
        con.execute(DDL)
        for table, rows in (
                ("raw_files", [[s.table_name, s.relative_path, s.size_bytes, s.modified_ns, s.sha256,
                                s.rewritten] for s in files]),
                ("raw_file_changes", [[c.table_name, c.relative_path, c.change] for c in changes]),
                ("build_settings", [list(item) for item in sorted(settings.items())])):
            if rows:  # DuckDB's executemany refuses an empty list
                placeholders = ", ".join("?" * len(rows[0]))
                con.executemany(f"insert into {STATE_SCHEMA}.{table} values ({placeholders})", rows)
        con.execute("checkpoint")


def build_mode(published_settings: dict[str, str], settings: dict[str, str],
               full_refresh: bool) -> tuple[str, str]:
    """("incremental" | "full", why). A build continues the published one only when everything
    but the raw files is as it was, and the as-of date has not gone back."""
    if full_refresh:
        return "full", "--full-refresh was given"
    if not published_settings:
        return "full", "no published build with a record of its raw files"
    for name, value in sorted(settings.items()):
        if name == "as_of_date":
            continue
        if published_settings.get(name) != value:
            return "full", f"{name} differs from the published build's"
    before = published_settings.get("as_of_date") or ""
    if settings.get("as_of_date", "") < before:
        return "full", f"the as-of date went back from {before}"
    return "incremental", "the published build's code and settings are unchanged"


def forget_changes(database: Path) -> None:
    """Once the build has used them, the changes go: a later plain `dbt build` on a copy of the
    file must not take the last run's changes for its own (it reads every file again)."""
    with duckdb.connect(str(database)) as con:
        con.execute(f"drop table if exists {STATE_SCHEMA}.raw_file_changes")
        con.execute("checkpoint")
