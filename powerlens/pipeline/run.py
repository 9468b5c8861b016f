"""`powerlens run`: preflight -> normalise -> staging -> quality gate -> the rest -> publish.

Everything a run writes goes into its own folder, warehouse/runs/<run_id>/ (normalised raw
files, the new DuckDB file, dbt's target and logs, Great Expectations data docs, run.json),
readable only by its owner (the run works under umask 077). The published files are only read
(for the previous run's figures) until the one switch of the publish (powerlens.pipeline.publish),
so a run that fails at any step, or is killed, leaves them as they were.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import secrets
import shutil
import stat
import tempfile
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import duckdb

from powerlens.pipeline import dbt, publish, raw_files
from powerlens.pipeline.scrub import scrub
from powerlens.quality import gate as quality_gate
from powerlens.quality import preflight as raw_preflight
from powerlens.quality.store import RunRecord, previous_metrics, write_history
from powerlens.quality.suites import GateSettings

RUNS_DIR = "runs"
# named like the published file: dbt-duckdb names the database after the file, and the views'
# SQL names it, so the views must read the same after the swap
BUILD_FILE = publish.PUBLISHED_FILE
CURRENT_RUN_LINK = "current"
RAW_COPY_DIR = "raw"
# the saved churn model lives with the warehouse, not the run, so the next run scores with it
# instead of training again (docs/ch5_churn.md "Training apart from scoring"); restricted like
# the runs (the run's umask)
CHURN_MODEL_DIR = "churn_model"
# the run writes its files for its owner only; the publish opens up what analysts may read
RUN_UMASK = 0o077
# characters that make a path unfit to splice into dbt's SQL (the sources' raw_file_reader puts
# raw_dir inside a quoted literal and a glob): such a warehouse is shown to dbt through a link
SQL_UNSAFE_PATH_CHARACTERS = frozenset("'\"\\{}[]*?")
# the publish, step by step (each is a point where tests inject a kill: POWERLENS_FAULT_AFTER)
PUBLISH_STEPS = ("start", "export", "history", "analyst_file", "restricted_file", "switch",
                 "record", "prune")

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
    runs_dir = prepare_runs_dir(warehouse_dir)
    previous_umask = os.umask(RUN_UMASK)
    run_id = new_run_id()
    run_dir = runs_dir / run_id
    run_dir.mkdir()
    record = RunRecord(run_id=run_id, started_at=_now(), raw_dir=str(raw_dir))
    warnings: list[str] = []
    record.save(run_dir)
    stage = ["lock"]  # the step the run is in, for a failure that is not a RunFailed
    locked = False

    lock_handle = (warehouse_dir / ".run.lock").open("w")
    try:
        lock_warehouse(lock_handle, warehouse_dir)
        locked = True
        record.published_before = publish.current_release(warehouse_dir)
        _settle_unfinished_runs(runs_dir, run_id, record.published_before)
        _check_published_readable(warehouse_dir, "lock")
        _run_steps(options, raw_dir, warehouse_dir, run_dir, record, say, warnings, stage)
        return RunOutcome(EXIT_OK, run_id, "published", record.message, run_dir, warnings)
    except (RunFailed, duckdb.IOException) as failure:
        if isinstance(failure, duckdb.IOException):
            if not _is_lock_error(failure):
                raise _recorded_internal_error(record, run_dir, stage[0], failure)
            failure = _busy(stage[0], failure)
        record.status = "failed"
        record.failed_stage = failure.stage
        record.message = scrub(str(failure))
        record.finished_at = _now()
        record.save(run_dir)
        return RunOutcome(failure.exit_code, run_id, "failed", record.message, run_dir, warnings)
    except Exception as failure:
        raise _recorded_internal_error(record, run_dir, stage[0], failure)
    finally:
        # the raw copies (UTF-8 rewrites of customer files) are not kept past the run
        shutil.rmtree(run_dir / RAW_COPY_DIR, ignore_errors=True)
        if locked:  # never tidy up under another run's feet
            _prune_runs(runs_dir, options.keep_runs, current=run_id)
        lock_handle.close()
        os.umask(previous_umask)


def prepare_runs_dir(warehouse_dir: Path) -> Path:
    """The warehouse folder (open: analysts reach current/ through it) and its runs folder
    (private), made when missing."""
    if not warehouse_dir.exists():
        warehouse_dir.mkdir(parents=True)
        warehouse_dir.chmod(publish.OPEN_DIR_MODE)
    runs_dir = warehouse_dir / RUNS_DIR
    runs_dir.mkdir(mode=publish.PRIVATE_DIR_MODE, exist_ok=True)
    runs_dir.chmod(publish.PRIVATE_DIR_MODE)
    return runs_dir


def lock_warehouse(lock_handle, warehouse_dir: Path) -> None:
    """Runs and publishes into one warehouse take turns; a second one stops at once (exit 6)."""
    try:
        fcntl.flock(lock_handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise RunFailed("lock", EXIT_BUSY, f"another `powerlens run` is publishing into "
                        f"{warehouse_dir}; wait for it to finish") from None


@dataclass(frozen=True)
class BuildPlan:
    """Whether a run continues the published build, and with which raw file changes."""
    mode: str  # incremental | full
    changes: list[raw_files.RawFileChange] | None  # None: a full build, every file is new
    file_states: list[raw_files.RawFileState]
    # unchanged files the preflight need not scan in full again
    checked_before: frozenset

    def file_states_after(self, report: raw_preflight.PreflightReport, raw_dir: Path
                          ) -> list[raw_files.RawFileState]:
        """The files' states with this run's preflight rewrites marked."""
        rewritten = {raw_file.path.relative_to(raw_dir).as_posix() for raw_file in report.files
                     if raw_file.is_rewritten}
        return [replace(state, rewritten=state.relative_path in rewritten)
                for state in self.file_states]

    def describe_changes(self) -> str:
        counts = self.change_counts()
        return (f"{counts['new']} new, {counts['changed']} changed, {counts['removed']} removed "
                "raw file(s)")

    def change_counts(self) -> dict[str, int]:
        return {kind: sum(change.change == kind for change in self.changes or [])
                for kind in ("new", "changed", "removed")}


def plan_build(options: RunOptions, raw_dir: Path, published_state: Path | None,
               settings: dict[str, str], record: RunRecord, say) -> BuildPlan:
    """Compare the raw folder and the settings with the published build's record (a DuckDB file
    with the pipeline schema, raw_files.write_state) and decide how this run builds."""
    published_files, published_settings = (
        raw_files.read_state(published_state) if published_state else ({}, {}))
    mode, reason = raw_files.build_mode(published_settings, settings, options.full_refresh)
    say(f"[{record.run_id}] {mode} build: {reason}")
    file_states = raw_files.scan(raw_dir, published_files)
    changes = raw_files.compare(published_files, file_states) if mode == "incremental" else None
    changed_paths = {change.relative_path for change in changes or []}
    # an unchanged file skips the preflight's full scan, unless the last build had it rewritten:
    # only the full scan finds what the rewrite fixes (rows' field counts, line ends)
    checked_before = frozenset(
        raw_dir / state.relative_path for state in file_states
        if changes is not None and state.relative_path not in changed_paths
        and not published_files[state.relative_path].rewritten)
    plan = BuildPlan(mode, changes, file_states, checked_before)
    record.build_mode, record.build_mode_reason = mode, reason
    record.raw_file_changes = plan.change_counts()
    return plan


def check_raw_files(options: RunOptions, raw_dir: Path, run_raw_dir: Path, record: RunRecord,
                    warnings: list[str], checked_before: frozenset = frozenset()
                    ) -> raw_preflight.PreflightReport:
    """The preflight: its findings on record, its errors stop the run, and the raw files
    normalised into the run's folder."""
    report = raw_preflight.preflight(raw_dir, options.encodings, checked_before=checked_before)
    record.checks.extend(_preflight_checks(report))
    warnings += [scrub(finding.describe()) for finding in report.warnings]
    if report.errors:
        raise RunFailed("preflight", EXIT_PREFLIGHT,
                        "the raw files cannot be loaded:\n" + "\n".join(
                            f"  - {finding.describe()}" for finding in report.errors))
    raw_preflight.normalise(report, raw_dir, run_raw_dir)
    return report


def record_gate(outcome: quality_gate.GateOutcome, record: RunRecord, run_dir: Path,
                warnings: list[str]) -> None:
    """The gate's results and figures on record; an error-severity failure stops the run."""
    record.checks.extend({"stage": result.suite, **_without_suite(asdict(result)),
                          "observed": scrub(result.observed)}
                         for result in outcome.results)
    record.metrics = [asdict(metric) for metric in outcome.metrics]
    record.data_docs = str(outcome.data_docs_index) if outcome.data_docs_index else None
    record.save(run_dir)
    warnings += [scrub(f"{r.frame}: {r.check}: {r.observed}") for r in outcome.failed_warnings]
    if outcome.failed_errors:
        raise RunFailed("gate", EXIT_GATE, "error-severity checks failed; nothing was "
                        "published:\n" + "\n".join(
                            f"  - {r.suite} {r.frame}: {r.check}: {r.observed}"
                            for r in outcome.failed_errors)
                        + f"\n  data docs: {record.data_docs}")


def retry_publish(warehouse_dir: Path, say=print) -> RunOutcome:
    """Publish the build of the last run, kept because its publish found the warehouse busy
    (exit 6), once the reader has gone; only while the release it started from is still the
    published one (otherwise its data is older than what is published: run again)."""
    warehouse_dir = warehouse_dir.resolve()
    runs_dir = warehouse_dir / RUNS_DIR
    runs = sorted(path for path in runs_dir.iterdir()
                  if path.is_dir() and not path.is_symlink()) if runs_dir.is_dir() else []
    if not runs:
        raise RunFailed("publish", EXIT_PREFLIGHT, f"no run in {runs_dir} to publish")
    run_dir = runs[-1]
    record = RunRecord.load(run_dir / "run.json")
    build_db = run_dir / BUILD_FILE
    if (record.status, record.failed_stage) != ("failed", "publish") or not build_db.exists():
        raise RunFailed("publish", EXIT_PREFLIGHT,
                        f"the last run, {record.run_id}, has no build waiting to be published "
                        f"(status {record.status}); run `powerlens run`")
    if record.published_before != publish.current_release(warehouse_dir):
        raise RunFailed("publish", EXIT_PREFLIGHT,
                        f"run {publish.current_release(warehouse_dir)} was published after "
                        f"{record.run_id} started; its build is older: run `powerlens run`")
    previous_umask = os.umask(RUN_UMASK)
    lock_handle = (warehouse_dir / ".run.lock").open("w")
    warnings: list[str] = []
    try:
        lock_warehouse(lock_handle, warehouse_dir)
        say(f"[{record.run_id}] publishing the kept build")
        try:
            publish_build(build_db, warehouse_dir, run_dir, record, warnings)
        except (RunFailed, duckdb.IOException) as failure:
            if isinstance(failure, duckdb.IOException):
                if not _is_lock_error(failure):
                    raise
                failure = _busy("publish", failure)
            record.status, record.failed_stage = "failed", "publish"
            record.message, record.finished_at = scrub(str(failure)), _now()
            record.save(run_dir)
            raise failure from None
        _prune_runs(runs_dir, len(runs), current=record.run_id)
        return RunOutcome(EXIT_OK, record.run_id, "published", record.message, run_dir, warnings)
    finally:
        lock_handle.close()
        os.umask(previous_umask)


def _recorded_internal_error(record: RunRecord, run_dir: Path, stage: str,
                             failure: Exception) -> Exception:
    """An unexpected failure still ends with a final status in run.json (the caller re-raises
    it: the command reports an internal error, exit 1)."""
    if record.status != "published":
        record.status = "failed"
        record.failed_stage = stage
        record.message = scrub(f"internal error: {type(failure).__name__}: {failure}")
        record.finished_at = _now()
        record.save(run_dir)
    return failure


def _is_lock_error(error: Exception) -> bool:
    return "lock" in str(error).lower()


def _busy(stage: str, error: Exception) -> RunFailed:
    return RunFailed(stage, EXIT_BUSY, "the published warehouse is locked by another process "
                     f"({scrub(' '.join(str(error).split()))[:200]}); readers must connect "
                     "read-only (docs/publishing.md). Nothing was published; the build is kept "
                     "in the run folder: `powerlens publish` publishes it once the file is free")


def _settle_unfinished_runs(runs_dir: Path, this_run: str, current: str | None) -> None:
    """A run still "running" on record stopped without finishing. If it is the published
    release it was killed after the switch, so it did publish: say so in its run.json (the
    published history already does); the others are recorded as killed at the next publish."""
    for path in runs_dir.glob("*/run.json"):
        if path.parent.name == current:
            record = RunRecord.load(path)
            if record.status == "running":
                record.status = "published"
                record.message = record.message or "published; the run stopped before it " \
                                                   "recorded so"
                record.save(path.parent)


def dbt_runs_dir(runs_dir: Path) -> Path:
    """The runs folder as dbt is shown it. dbt's sources splice raw_dir into SQL text (a quoted
    literal and a glob), so a warehouse whose path holds a quote, a brace or a glob character is
    shown through a link without them: <temp>/powerlens-<uid>/<digest of the path>, in a
    folder only this user may write."""
    if not SQL_UNSAFE_PATH_CHARACTERS & set(str(runs_dir)):
        return runs_dir
    base = Path(tempfile.gettempdir()) / f"powerlens-{os.getuid()}"
    base.mkdir(mode=publish.PRIVATE_DIR_MODE, exist_ok=True)
    info = base.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise RunFailed("preflight", EXIT_PREFLIGHT,
                        f"{base} must be a folder only you can write to (it links to the "
                        "warehouse for dbt); remove it and run again")
    alias = base / hashlib.sha256(str(runs_dir).encode()).hexdigest()[:16]
    if not (alias.is_symlink() and os.readlink(alias) == str(runs_dir)):
        publish.point_link(alias, str(runs_dir))
    return alias


def _run_steps(options: RunOptions, raw_dir: Path, warehouse_dir: Path, run_dir: Path,
               record: RunRecord, say, warnings: list[str], stage: list[str]) -> None:
    """The steps of a run; ``warnings`` collects warn-severity findings as they are made and
    ``stage[0]`` names the step under way."""
    stage[0] = "preflight"
    published_db = publish.restricted_file(warehouse_dir)
    build_db = run_dir / BUILD_FILE

    # dbt re-parses the whole project whenever a var or the profile's file path differs from its
    # last parse, so every run hands dbt the same ones: the raw folder and the build file under
    # the fixed link runs/current to this run's folder (runs take turns under the lock), and the
    # as-of date, which changes at most once a day
    run_raw_dir = run_dir / RAW_COPY_DIR
    current_run = warehouse_dir / RUNS_DIR / CURRENT_RUN_LINK
    dbt_current_run = dbt_runs_dir(warehouse_dir / RUNS_DIR) / CURRENT_RUN_LINK
    dbt_vars = {"raw_dir": str(dbt_current_run / run_raw_dir.name),
                "churn_model_dir": str(warehouse_dir / CHURN_MODEL_DIR)}
    as_of_date = (options.as_of or dt.date.today()).isoformat()

    # continue the published build when only raw files changed (docs/incremental.md)
    settings = {"project": raw_files.project_fingerprint(dbt.REPO_ROOT),
                "raw_dir": dbt_vars["raw_dir"], "as_of_date": as_of_date,
                "exclude_scoring": str(options.exclude_scoring).lower()}
    plan = plan_build(options, raw_dir, published_db, settings, record, say)

    say(f"[{record.run_id}] preflight of {raw_dir}")
    report = check_raw_files(options, raw_dir, run_raw_dir, record, warnings, plan.checked_before)
    file_states = plan.file_states_after(report, raw_dir)
    record.save(run_dir)
    publish.point_link(current_run, run_dir.name)
    if plan.mode == "incremental":
        say(f"[{record.run_id}] {plan.describe_changes()}; continuing from a copy of {published_db}")
        shutil.copyfile(published_db, build_db)
    raw_files.write_state(build_db, file_states, plan.changes, settings)

    say(f"[{record.run_id}] dbt: seeds and staging into {build_db}")
    stage[0] = "staging"
    _dbt_step("staging", EXIT_STAGING, "seeds and staging",
              ["--select", *dbt.STAGING_SELECTION, "--indirect-selection", "cautious"],
              build_db=dbt_current_run / BUILD_FILE, run_dir=run_dir, dbt_vars=dbt_vars,
              as_of_date=as_of_date)

    say(f"[{record.run_id}] quality gate (Great Expectations)")
    stage[0] = "gate"
    outcome = quality_gate.run_gate(
        build_db, run_dir, as_of=options.as_of or dt.date.today(), settings=options.settings,
        previous=previous_metrics(published_db))
    record_gate(outcome, record, run_dir, warnings)

    say(f"[{record.run_id}] dbt: intermediate models, marts and Python models")
    stage[0] = "marts"
    excluded = [*dbt.STAGING_SELECTION, *(dbt.SCORING_SELECTION if options.exclude_scoring else [])]
    _dbt_step("marts", EXIT_BUILD, "intermediate models and marts",
              ["--exclude", *excluded, "--indirect-selection", "buildable"],
              build_db=dbt_current_run / BUILD_FILE, run_dir=run_dir, dbt_vars=dbt_vars,
              as_of_date=as_of_date)

    raw_files.forget_changes(build_db)
    stage[0] = "publish"
    say(f"[{record.run_id}] publishing")
    publish_build(build_db, warehouse_dir, run_dir, record, warnings)


def publish_build(build_db: Path, warehouse_dir: Path, run_dir: Path, record: RunRecord,
                  warnings: list[str]) -> None:
    """Publish a finished build as releases/<run_id>/ and switch ``current`` to it (the one
    step that makes the run visible: docs/publishing.md). Before the switch a failure leaves
    the build in the run folder, for a retry; after it the run is published whatever follows."""
    release = publish.release_dir(warehouse_dir, record.run_id)
    previous = publish.current_release(warehouse_dir)
    restricted = release / publish.RESTRICTED_DIR / publish.PUBLISHED_FILE
    publish.fault_point("start")
    try:
        _check_published_readable(warehouse_dir, "publish")
        release.parent.mkdir(exist_ok=True)
        release.parent.chmod(publish.OPEN_DIR_MODE)
        release.mkdir(exist_ok=True)
        release.chmod(publish.OPEN_DIR_MODE)
        export_dir = publish.export_marts(
            build_db, release / publish.PARQUET_DIR, _current_export(warehouse_dir),
            publish.mart_descriptions(run_dir / "target" / "manifest.json"))
        publish.fault_point("export")
        record.status = "published"
        record.finished_at = _now()
        record.message = f"{len(warnings)} warning(s)"
        write_history(build_db, publish.restricted_file(warehouse_dir),
                      warehouse_dir / RUNS_DIR, record)
        publish.fault_point("history")
        publish.write_analyst_file(build_db, release / publish.PUBLISHED_FILE, export_dir)
        publish.fault_point("analyst_file")
        publish.move_restricted(build_db, release)
        publish.fault_point("restricted_file")
        publish.fixed_links(warehouse_dir, replace=False)
        publish.switch(warehouse_dir, record.run_id)
    except BaseException:
        # not published: the build goes back to the run folder, the release folder goes
        record.status, record.finished_at = "running", None
        if restricted.exists() and not build_db.exists():
            os.replace(restricted, build_db)
        if publish.current_release(warehouse_dir) != record.run_id:
            shutil.rmtree(release, ignore_errors=True)
        raise
    try:
        publish.fault_point("switch")
        publish.fixed_links(warehouse_dir, replace=True)
        record.save(run_dir)
        publish.fault_point("record")
        publish.prune_releases(warehouse_dir, keep={record.run_id, previous or record.run_id},
                               keep_legacy=0 if previous else 1)
        publish.fault_point("prune")
    except Exception as exc:  # published all the same: say what was left undone
        record.message += scrub(f"; published, but tidying up failed: {exc}")
        warnings.append(record.message)
        record.save(run_dir)


def _current_export(warehouse_dir: Path) -> Path | None:
    """The published Parquet export, whose unchanged months the new export links."""
    link = warehouse_dir / publish.PARQUET_DIR / publish.CURRENT_LINK
    return link.resolve() if link.exists() else None


def _check_published_readable(warehouse_dir: Path, stage: str) -> None:
    """The run reads the previous figures and history from the published files; a reader that
    opened one read-write holds a lock that would stop the run halfway, so say so up front
    (and again before publishing: such a reader may have come during the build)."""
    for published_db in (publish.restricted_file(warehouse_dir),
                         publish.analyst_file(warehouse_dir)):
        if not published_db.exists():
            continue
        try:
            duckdb.connect(str(published_db), read_only=True).close()
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise
            raise _busy(stage, exc) from None


def _dbt_step(stage: str, exit_code: int, what: str, selection: list[str], *, build_db: Path,
              run_dir: Path, dbt_vars: dict[str, str], as_of_date: str) -> None:
    """`dbt build` of one side of the gate into the run's build file (``build_db``, as dbt is
    shown it: through runs/current); a failure stops the run."""
    result = dbt.run_dbt(["build", *selection, *dbt.PRODUCTION_EXCLUSIONS], build_db=build_db,
                         run_dir=run_dir,
                         dbt_vars=dbt_vars, as_of_date=as_of_date, log_name=f"dbt_{stage}",
                         parse_cache=run_dir.parent / dbt.PARTIAL_PARSE_FILE)
    if not result.ok:
        raise RunFailed(stage, exit_code, _dbt_failure(what, result))


def _without_suite(result: dict) -> dict:
    result.pop("suite")
    return result


def _preflight_checks(report: raw_preflight.PreflightReport) -> list[dict]:
    return [{"stage": "preflight", "frame": finding.file, "check": finding.check,
             "severity": finding.severity, "success": False,
             "observed": scrub(finding.describe())}
            for finding in report.findings]


def _dbt_failure(step: str, result: dbt.DbtResult) -> str:
    lines = result.failures
    if not lines:
        tail = result.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        lines = [line for line in tail if line.strip()]
    return (f"dbt failed while building {step}; nothing was published:\n"
            + "\n".join(f"  - {line}" for line in lines)
            + f"\n  full log: {result.log_path}")


def _prune_runs(runs_dir: Path, keep: int, current: str) -> None:
    """Keep the last ``keep`` run folders (their logs and data docs); older ones go. Only this
    run may keep a build file (it failed: the file is there for a retry, readable only by its
    owner); the builds and raw copies of earlier runs go."""
    runs = sorted(path for path in runs_dir.iterdir() if path.is_dir() and not path.is_symlink())
    for old in runs[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    for run in runs[-keep:] if keep > 0 else []:
        if run.name == current:
            continue
        shutil.rmtree(run / RAW_COPY_DIR, ignore_errors=True)
        for leftover in run.glob(BUILD_FILE + "*"):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
