"""`powerlens run`: preflight -> normalise -> staging -> quality gate -> the rest -> publish.

Everything a run writes goes into its own folder, warehouse/runs/<run_id>/ (normalised raw
files, the new DuckDB file, dbt's target and logs, Great Expectations data docs, run.json).
The published warehouse/powerlens.duckdb is only read (for the previous run's figures) until
the final swap, so a run that fails at any step, or is killed, leaves it as it was.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import os
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from powerlens.pipeline import dbt, publish, raw_files
from powerlens.quality import gate as quality_gate
from powerlens.quality import preflight as raw_preflight
from powerlens.quality.store import RunRecord, previous_metrics, write_history
from powerlens.quality.suites import GateSettings

RUNS_DIR = "runs"
# named like the published file: dbt-duckdb names the database after the file, and the views'
# SQL names it, so the views must read the same after the swap
BUILD_FILE = publish.PUBLISHED_FILE
CURRENT_RUN_LINK = "current"

EXIT_OK = 0
EXIT_PREFLIGHT = 2
EXIT_STAGING = 3
EXIT_GATE = 4
EXIT_BUILD = 5
EXIT_BUSY = 6


class RunFailed(Exception):
    """A step stopped the run; ``stage`` names it and the message says why, for a person."""

    def __init__(self, stage: str, exit_code: int, message: str):
        super().__init__(message)
        self.stage = stage
        self.exit_code = exit_code


@dataclass
class RunOptions:
    raw_dir: Path
    warehouse_dir: Path
    encodings: dict[str, str] = field(default_factory=dict)
    as_of: dt.date | None = None
    settings: GateSettings = field(default_factory=GateSettings)
    keep_runs: int = 5
    # build the SQL warehouse only: leave out the Python scoring models and what reads them
    exclude_scoring: bool = False
    # rebuild everything from the raw files even when the published build could be continued
    full_refresh: bool = False


@dataclass
class RunOutcome:
    exit_code: int
    run_id: str
    status: str
    message: str
    run_dir: Path
    warnings: list[str] = field(default_factory=list)


def new_run_id() -> str:
    """Sortable by start time; the suffix keeps two runs in one second apart."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


def _now() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def run_pipeline(options: RunOptions, say=print) -> RunOutcome:
    warehouse_dir = options.warehouse_dir.resolve()
    raw_dir = options.raw_dir.resolve()
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id()
    run_dir = warehouse_dir / RUNS_DIR / run_id
    run_dir.mkdir(parents=True)
    record = RunRecord(run_id=run_id, started_at=_now(), raw_dir=str(raw_dir))
    warnings: list[str] = []
    record.save(run_dir)

    lock_handle = (warehouse_dir / ".run.lock").open("w")
    try:
        try:
            fcntl.flock(lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunFailed("lock", EXIT_BUSY, f"another `powerlens run` is publishing into "
                            f"{warehouse_dir}; wait for it to finish") from None
        _check_published_readable(warehouse_dir / publish.PUBLISHED_FILE)
        _run_steps(options, raw_dir, warehouse_dir, run_dir, record, say, warnings)
        record.status = "published"
        record.finished_at = _now()
        record.save(run_dir)
        _prune_runs(warehouse_dir / RUNS_DIR, options.keep_runs)
        return RunOutcome(EXIT_OK, run_id, "published", record.message, run_dir, warnings)
    except RunFailed as failure:
        record.status = "failed"
        record.failed_stage = failure.stage
        record.message = str(failure)
        record.finished_at = _now()
        record.save(run_dir)
        return RunOutcome(failure.exit_code, run_id, "failed", str(failure), run_dir, warnings)
    finally:
        lock_handle.close()


def _run_steps(options: RunOptions, raw_dir: Path, warehouse_dir: Path, run_dir: Path,
               record: RunRecord, say, warnings: list[str]) -> None:
    """The steps of a run; ``warnings`` collects warn-severity findings as they are made."""
    published_db = warehouse_dir / publish.PUBLISHED_FILE
    build_db = run_dir / BUILD_FILE

    # dbt re-parses the whole project whenever a var or the profile's file path differs from its
    # last parse, so every run hands dbt the same ones: the raw folder and the build file under
    # the fixed link runs/current to this run's folder (runs take turns under the lock), and the
    # as-of date, which changes at most once a day
    run_raw_dir = run_dir / "raw"
    current_run = warehouse_dir / RUNS_DIR / CURRENT_RUN_LINK
    dbt_vars = {"raw_dir": str(current_run / run_raw_dir.name),
                "as_of_date": (options.as_of or dt.date.today()).isoformat()}

    # continue the published build when only raw files changed (docs/incremental.md)
    published_files, published_settings = raw_files.read_state(published_db)
    settings = {"project": raw_files.project_fingerprint(dbt.REPO_ROOT),
                "raw_dir": dbt_vars["raw_dir"], "as_of_date": dbt_vars["as_of_date"],
                "exclude_scoring": str(options.exclude_scoring).lower()}
    mode, reason = raw_files.build_mode(published_settings, settings, options.full_refresh)
    say(f"[{record.run_id}] {mode} build: {reason}")
    file_states = raw_files.scan(raw_dir, published_files)
    changes = raw_files.compare(published_files, file_states) if mode == "incremental" else None
    record.build_mode, record.build_mode_reason = mode, reason
    record.raw_file_changes = {kind: sum(change.change == kind for change in changes or [])
                               for kind in ("new", "changed", "removed")}
    changed_paths = {change.relative_path for change in changes or []}
    checked_before = frozenset(raw_dir / state.relative_path for state in file_states
                               if changes is not None and state.relative_path not in changed_paths)

    say(f"[{record.run_id}] preflight of {raw_dir}")
    report = raw_preflight.preflight(raw_dir, options.encodings, checked_before=checked_before)
    record.checks.extend(_preflight_checks(report))
    warnings += [finding.describe() for finding in report.warnings]
    if report.errors:
        raise RunFailed("preflight", EXIT_PREFLIGHT,
                        "the raw files cannot be loaded:\n" + "\n".join(
                            f"  - {finding.describe()}" for finding in report.errors))
    raw_preflight.normalise(report, raw_dir, run_raw_dir)
    record.save(run_dir)
    publish.point_link(current_run, run_dir.name)
    if mode == "incremental":
        say(f"[{record.run_id}] {record.raw_file_changes['new']} new, "
            f"{record.raw_file_changes['changed']} changed, {record.raw_file_changes['removed']} "
            f"removed raw file(s); continuing from a copy of {published_db}")
        shutil.copyfile(published_db, build_db)
    raw_files.write_state(build_db, file_states, changes, settings)

    say(f"[{record.run_id}] dbt: seeds and staging into {build_db}")
    _dbt_step("staging", EXIT_STAGING, "seeds and staging",
              ["--select", *dbt.STAGING_SELECTION, "--indirect-selection", "cautious"],
              build_db=build_db, run_dir=run_dir, dbt_vars=dbt_vars)

    say(f"[{record.run_id}] quality gate (Great Expectations)")
    outcome = quality_gate.run_gate(
        build_db, run_dir, as_of=options.as_of or dt.date.today(), settings=options.settings,
        previous=previous_metrics(published_db))
    record.checks.extend({"stage": result.suite, **_without_suite(asdict(result))}
                         for result in outcome.results)
    record.metrics = [asdict(metric) for metric in outcome.metrics]
    record.data_docs = str(outcome.data_docs_index) if outcome.data_docs_index else None
    record.save(run_dir)
    warnings += [f"{r.frame}: {r.check}: {r.observed}" for r in outcome.failed_warnings]
    if outcome.failed_errors:
        raise RunFailed("gate", EXIT_GATE, "error-severity checks failed; nothing was "
                        "published:\n" + "\n".join(
                            f"  - {r.suite} {r.frame}: {r.check}: {r.observed}"
                            for r in outcome.failed_errors)
                        + f"\n  data docs: {record.data_docs}")

    say(f"[{record.run_id}] dbt: intermediate models, marts and Python models")
    excluded = [*dbt.STAGING_SELECTION, *(dbt.SCORING_SELECTION if options.exclude_scoring else [])]
    _dbt_step("marts", EXIT_BUILD, "intermediate models and marts",
              ["--exclude", *excluded, "--indirect-selection", "buildable"],
              build_db=build_db, run_dir=run_dir, dbt_vars=dbt_vars)

    raw_files.forget_changes(build_db)
    say(f"[{record.run_id}] publishing")
    export_dir = publish.export_marts(
        build_db, warehouse_dir, record.run_id,
        publish.mart_descriptions(run_dir / "target" / "manifest.json"))
    record.status = "published"
    record.finished_at = _now()
    record.message = f"{len(warnings)} warning(s)"
    write_history(build_db, published_db, warehouse_dir / RUNS_DIR, record)
    publish.swap_in(build_db, export_dir, warehouse_dir)


def _check_published_readable(published_db: Path) -> None:
    """The run reads the previous figures and history from the published file; a reader that
    opened it read-write holds a lock that would stop the run halfway, so say so up front."""
    if not published_db.exists():
        return
    try:
        duckdb.connect(str(published_db), read_only=True).close()
    except duckdb.IOException as exc:
        raise RunFailed("lock", EXIT_BUSY, f"{published_db} is locked by another process "
                        f"({' '.join(str(exc).split())[:200]}); readers must connect "
                        "read-only (docs/publishing.md)") from None


def _dbt_step(stage: str, exit_code: int, what: str, selection: list[str], *, build_db: Path,
              run_dir: Path, dbt_vars: dict[str, str]) -> None:
    """`dbt build` of one side of the gate into the run's build file; a failure stops the run."""
    current_build = run_dir.parent / CURRENT_RUN_LINK / build_db.name
    result = dbt.run_dbt(["build", *selection, *dbt.PRODUCTION_EXCLUSIONS], build_db=current_build,
                         run_dir=run_dir,
                         dbt_vars=dbt_vars, log_name=f"dbt_{stage}",
                         parse_cache=run_dir.parent / dbt.PARTIAL_PARSE_FILE)
    if not result.ok:
        raise RunFailed(stage, exit_code, _dbt_failure(what, result))


def _without_suite(result: dict) -> dict:
    result.pop("suite")
    return result


def _preflight_checks(report: raw_preflight.PreflightReport) -> list[dict]:
    return [{"stage": "preflight", "frame": finding.file, "check": finding.check,
             "severity": finding.severity, "success": False, "observed": finding.describe()}
            for finding in report.findings]


def _dbt_failure(step: str, result: dbt.DbtResult) -> str:
    lines = result.failures
    if not lines:
        tail = result.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        lines = [line for line in tail if line.strip()]
    return (f"dbt failed while building {step}; nothing was published:\n"
            + "\n".join(f"  - {line}" for line in lines)
            + f"\n  full log: {result.log_path}")


def _prune_runs(runs_dir: Path, keep: int) -> None:
    """Keep the last ``keep`` run folders (their logs and data docs); older ones go."""
    runs = sorted(path for path in runs_dir.iterdir() if path.is_dir() and not path.is_symlink())
    for old in runs[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
