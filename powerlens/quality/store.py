"""The record of pipeline runs kept in the warehouse's `quality` schema.

Every run writes `run.json` in its own folder as it goes (a run that fails or is killed is still
on record there). A run that publishes carries the history forward: the previous published
file's `quality` tables, plus any run folders not yet on record, plus itself, are written into
the new file before it is swapped in. The next run reads its baseline (row counts, means, the
latest reading date) from the published file's last published run.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from powerlens.pipeline.scrub import scrub

QUALITY_SCHEMA = "quality"

DDL = f"""
create schema if not exists {QUALITY_SCHEMA};
create table if not exists {QUALITY_SCHEMA}.runs (
    run_id varchar primary key,
    started_at timestamp,
    finished_at timestamp,
    status varchar,
    failed_stage varchar,
    raw_dir varchar,
    message varchar,
    data_docs varchar,
    failed_error_checks integer,
    failed_warn_checks integer
);
create table if not exists {QUALITY_SCHEMA}.check_results (
    run_id varchar,
    stage varchar,
    frame varchar,
    check_name varchar,
    severity varchar,
    success boolean,
    observed varchar
);
create table if not exists {QUALITY_SCHEMA}.run_metrics (
    run_id varchar,
    metric varchar,
    subject varchar,
    value double
);
create or replace view {QUALITY_SCHEMA}.failed_checks as
select run_id, stage, frame, check_name, severity, observed
from {QUALITY_SCHEMA}.check_results
where not success;
"""


@dataclass
class RunRecord:
    """What one run did; mirrored in run.json and, once published, in the quality schema."""

    run_id: str
    started_at: str
    raw_dir: str
    status: str = "running"
    failed_stage: str | None = None
    finished_at: str | None = None
    message: str = ""
    data_docs: str | None = None
    checks: list[dict] = field(default_factory=list)
    metrics: list[dict] = field(default_factory=list)
    # "full" or "incremental" and why (powerlens.pipeline.raw_files.build_mode), and how many raw
    # files were new, changed or removed since the published build
    build_mode: str | None = None
    build_mode_reason: str = ""
    raw_file_changes: dict[str, int] = field(default_factory=dict)
    # the run whose release was published when this run started: a build kept for a retry of
    # its publish (`powerlens publish`) is published only while that is still so
    published_before: str | None = None

    def save(self, run_dir: Path) -> None:
        temporary = run_dir / "run.json.tmp"
        temporary.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1),
                             encoding="utf-8")
        temporary.replace(run_dir / "run.json")

    @classmethod
    def load(cls, path: Path) -> "RunRecord":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


def previous_metrics(published_db: Path) -> dict[tuple[str, str], float]:
    """The metrics of the last published run, keyed by (metric, subject); empty on a first run."""
    if not published_db.exists():
        return {}
    with duckdb.connect(str(published_db), read_only=True) as con:
        has_history = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = 'run_metrics'", [QUALITY_SCHEMA]
        ).fetchone()[0]
        if not has_history:
            return {}
        rows = con.execute(f"""
            with last_published as (
                select run_id from {QUALITY_SCHEMA}.runs
                where status = 'published'
                order by finished_at desc
                limit 1
            )
            select metric, subject, value
            from {QUALITY_SCHEMA}.run_metrics
            where run_id in (select run_id from last_published)
        """).fetchall()
    return {(metric, subject): value for metric, subject, value in rows}


def write_history(build_db: Path, published_db: Path, runs_dir: Path,
                  current: RunRecord) -> None:
    """Write the run history into the build file: the published history, the run folders not on
    record yet (failed or killed runs; one still "running" was killed), and this run."""
    with duckdb.connect(str(build_db)) as con:
        con.execute(DDL)
        if published_db.exists():
            con.execute(f"attach {sql_literal(str(published_db))} as published (read_only)")
            has_history = con.execute(
                "select count(*) from information_schema.tables where table_catalog = "
                "'published' and table_schema = ? and table_name = 'runs'", [QUALITY_SCHEMA]
            ).fetchone()[0]
            if has_history:
                for table in ("runs", "check_results", "run_metrics"):
                    # an incremental build starts from a copy of the published file: its history
                    # is replaced, not added to
                    con.execute(f"delete from {QUALITY_SCHEMA}.{table}")
                    con.execute(f"insert into {QUALITY_SCHEMA}.{table} "
                                f"select * from published.{QUALITY_SCHEMA}.{table}")
            con.execute("detach published")
        known = {run_id for (run_id,) in con.execute(f"select run_id from {QUALITY_SCHEMA}.runs")
                 .fetchall()}
        # each run folder once (runs/current is a link to one of them)
        for path in sorted(path for path in runs_dir.glob("*/run.json")
                           if not path.parent.is_symlink()):
            record = RunRecord.load(path)
            if record.run_id in known or record.run_id == current.run_id:
                continue
            if record.status == "running":
                record.status = "killed"
                record.message = record.message or "the run stopped without finishing " \
                                                   "(killed or crashed); nothing was published"
            _insert(con, record)
        for table in ("runs", "check_results", "run_metrics"):
            # a publish tried again (`powerlens publish`) may have written this run already
            con.execute(f"delete from {QUALITY_SCHEMA}.{table} where run_id = ?", [current.run_id])
        _insert(con, current)
        con.execute("checkpoint")


def sql_literal(text: str) -> str:
    """``text`` as a SQL string literal (a path may hold quotes)."""
    return "'" + text.replace("'", "''") + "'"


def _insert(con, record: RunRecord) -> None:
    """One run's record; messages are scrubbed once more (a run.json written before messages
    were scrubbed may quote a raw line)."""
    failed = [c for c in record.checks if not c["success"]]
    con.execute(f"insert into {QUALITY_SCHEMA}.runs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        record.run_id, record.started_at, record.finished_at, record.status,
        record.failed_stage, record.raw_dir, scrub(record.message), record.data_docs,
        sum(c["severity"] == "error" for c in failed), sum(c["severity"] == "warn" for c in failed),
    ])
    if record.checks:
        con.executemany(f"insert into {QUALITY_SCHEMA}.check_results values (?, ?, ?, ?, ?, ?, ?)",
                        [[record.run_id, c["stage"], c["frame"], c["check"], c["severity"],
                          c["success"], scrub(c["observed"])] for c in record.checks])
    if record.metrics:
        con.executemany(f"insert into {QUALITY_SCHEMA}.run_metrics values (?, ?, ?, ?)",
                        [[record.run_id, m["metric"], m["subject"], m["value"]]
                         for m in record.metrics])
