"""`powerlens run --target spark`: the same run on local Apache Spark (docs/spark.md).

preflight -> normalise -> land the raw files -> staging -> quality gate -> the rest -> scoring
-> publish, as on DuckDB, with three differences:

- Everything Spark writes lives in the run's own release folder, releases/<run_id>/spark (the
  warehouse folder of Parquet tables and the Derby metastore); the publish is the same single
  switch of the `current` link as on DuckDB, so a failed or killed run leaves the last published
  release as it was, and readers open their session on current/spark.
- One SparkSession serves the whole run: dbt runs in this process (dbt-spark's `session` method
  finds the session already started), so the landing, dbt, the gate and the scoring share it,
  and Derby, which admits one process at a time, is never contended.
- A run continues the published build as on DuckDB when only raw files changed
  (docs/incremental.md): the published release's incremental tables and staging bookkeeping
  are carried into the new release's home over hard links (powerlens.spark.carry), and the
  incremental models replace only the partitions of the raw files and months that changed
  (insert_overwrite, docs/spark.md "Monthly runs").
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from pathlib import Path

from powerlens.pipeline import dbt, publish, raw_files
from powerlens.pipeline.run import (CHURN_MODEL_DIR, CURRENT_RUN_LINK, EXIT_BUILD, EXIT_OK,
                                    EXIT_STAGING, RAW_COPY_DIR, RUN_UMASK, RUNS_DIR, RunFailed,
                                    RunOptions, RunOutcome, _now, _prune_runs, check_raw_files,
                                    lock_warehouse, new_run_id, plan_build, prepare_runs_dir,
                                    record_gate)
from powerlens.pipeline.scrub import scrub
from powerlens.quality import gate as quality_gate
from powerlens.quality.store import RunRecord
from powerlens.spark import carry

SPARK_DIR = "spark"
RUN_RECORD = "run.json"
# the release's record of the raw files and settings it was built from (raw_files.write_state),
# which the next run compares the raw folder with
BUILD_STATE_FILE = "build_state.duckdb"
# the Python scoring models and what reads them; on Spark the scoring step writes the Python
# models' tables and dbt then builds only their readers
PYTHON_MODELS = "path:models/python"


def run_on_spark(options: RunOptions, say=print) -> RunOutcome:
    warehouse_dir = options.warehouse_dir.resolve()
    raw_dir = options.raw_dir.resolve()
    runs_dir = prepare_runs_dir(warehouse_dir)
    previous_umask = os.umask(RUN_UMASK)
    run_id = new_run_id()
    run_dir = runs_dir / run_id
    run_dir.mkdir()
    release = publish.release_dir(warehouse_dir, run_id)
    record = RunRecord(run_id=run_id, started_at=_now(), raw_dir=str(raw_dir))
    record.save(run_dir)
    warnings: list[str] = []
    stage = ["lock"]
    locked = False
    lock_handle = (warehouse_dir / ".run.lock").open("w")
    try:
        lock_warehouse(lock_handle, warehouse_dir)
        locked = True
        record.published_before = publish.current_release(warehouse_dir)
        _steps(options, raw_dir, warehouse_dir, run_dir, release, record, say, warnings, stage)
        return RunOutcome(EXIT_OK, run_id, "published", record.message, run_dir, warnings)
    except RunFailed as failure:
        shutil.rmtree(release, ignore_errors=True)
        record.status, record.failed_stage = "failed", failure.stage
        record.message, record.finished_at = scrub(str(failure)), _now()
        record.save(run_dir)
        return RunOutcome(failure.exit_code, run_id, "failed", record.message, run_dir, warnings)
    except BaseException as failure:
        if publish.current_release(warehouse_dir) != run_id:
            shutil.rmtree(release, ignore_errors=True)
        if record.status != "published":
            record.status, record.failed_stage = "failed", stage[0]
            record.message = scrub(f"internal error: {type(failure).__name__}: {failure}")
            record.finished_at = _now()
            record.save(run_dir)
        raise
    finally:
        shutil.rmtree(run_dir / RAW_COPY_DIR, ignore_errors=True)
        if locked:  # never tidy up under another run's feet
            _prune_runs(runs_dir, options.keep_runs, current=run_id)
        lock_handle.close()
        os.umask(previous_umask)


def _steps(options: RunOptions, raw_dir: Path, warehouse_dir: Path, run_dir: Path,
           release: Path, record: RunRecord, say, warnings: list[str], stage: list[str]) -> None:
    from powerlens.spark.landing import land_raw_files
    from powerlens.spark.session import local_session

    as_of = options.as_of or dt.date.today()
    stage[0] = "preflight"
    # the raw files as dbt and the rejected rows name them: through the fixed link runs/current,
    # as on DuckDB, so two runs of one export name a row's file alike
    current_run = warehouse_dir / RUNS_DIR / CURRENT_RUN_LINK
    run_raw_dir = current_run / RAW_COPY_DIR
    dbt_vars = {"raw_dir": str(run_raw_dir),
                "churn_model_dir": str(warehouse_dir / CHURN_MODEL_DIR)}
    # continue the published Spark release when only raw files changed (docs/incremental.md)
    published_home = _published_spark_home(warehouse_dir)
    carried_tables = carry.recorded_tables(published_home) if published_home else None
    settings = {"target": "spark", "project": raw_files.project_fingerprint(dbt.REPO_ROOT),
                "raw_dir": dbt_vars["raw_dir"], "as_of_date": as_of.isoformat(),
                "exclude_scoring": str(options.exclude_scoring).lower()}
    plan = plan_build(options, raw_dir,
                      published_home / BUILD_STATE_FILE if carried_tables is not None else None,
                      settings, record, say)
    say(f"[{record.run_id}] preflight of {raw_dir}")
    report = check_raw_files(options, raw_dir, run_dir / RAW_COPY_DIR, record, warnings,
                             plan.checked_before)
    file_states = plan.file_states_after(report, raw_dir)
    record.save(run_dir)
    publish.point_link(current_run, run_dir.name)

    spark_home = release / SPARK_DIR
    spark_home.mkdir(parents=True)
    with _spark_environment(spark_home, run_dir, as_of.isoformat()):
        say(f"[{record.run_id}] Spark session on {spark_home}")
        spark = local_session(spark_home)
        spark.sparkContext.setLogLevel("ERROR")
        if plan.mode == "incremental":
            names = carry.carry_tables(spark, carried_tables, spark_home)
            say(f"[{record.run_id}] {plan.describe_changes()}; continuing from {len(names)} "
                f"table(s) of {published_home}")
            _record_raw_file_changes(spark, plan.changes)

        stage[0] = "staging"
        say(f"[{record.run_id}] dbt: seeds and staging on Spark (after landing the raw files)")
        land_raw_files(run_raw_dir, spark)
        _dbt_build(run_dir, "staging", EXIT_STAGING, dbt_vars,
                   ["--select", *dbt.STAGING_SELECTION, "--indirect-selection", "cautious"])

        stage[0] = "gate"
        say(f"[{record.run_id}] quality gate (Great Expectations over Spark SQL aggregates)")
        outcome = quality_gate.validate(quality_gate.SparkQueries(spark), run_dir, as_of=as_of,
                                        settings=options.settings,
                                        previous=_published_metrics(warehouse_dir))
        record_gate(outcome, record, run_dir, warnings)

        stage[0] = "marts"
        say(f"[{record.run_id}] dbt: intermediate models and marts on Spark")
        _dbt_build(run_dir, "marts", EXIT_BUILD, dbt_vars,
                   ["--exclude", *dbt.STAGING_SELECTION, f"{PYTHON_MODELS}+",
                    "--indirect-selection", "buildable"])
        if not options.exclude_scoring:
            stage[0] = "scoring"
            model_dir = warehouse_dir / CHURN_MODEL_DIR
            say(f"[{record.run_id}] scoring on Spark with the saved churn model in {model_dir}")
            _score(spark, model_dir, dbt_vars)
            _dbt_build(run_dir, "scored_marts", EXIT_BUILD, dbt_vars,
                       ["--select", f"{PYTHON_MODELS}+", "--exclude", PYTHON_MODELS,
                        "--indirect-selection", "buildable"])
        # what the next run continues from: this build's tables and raw files
        spark.sql(f"drop table if exists {carry.STATE_SCHEMA}.raw_file_changes")
        carry.record_carried_tables(spark, run_dir / "target" / "manifest.json", spark_home)
        raw_files.write_state(spark_home / BUILD_STATE_FILE, file_states, plan.changes, settings)
        raw_files.forget_changes(spark_home / BUILD_STATE_FILE)

    stage[0] = "publish"
    say(f"[{record.run_id}] publishing")
    record.status, record.finished_at = "published", _now()
    record.message = f"{len(warnings)} warning(s)"
    record.save(run_dir)
    shutil.copyfile(run_dir / RUN_RECORD, release / RUN_RECORD)
    publish.switch(warehouse_dir, record.run_id)
    publish.prune_releases(warehouse_dir, keep={record.run_id,
                                                record.published_before or record.run_id})


def _published_spark_home(warehouse_dir: Path) -> Path | None:
    published = publish.current_release(warehouse_dir)
    if published is None:
        return None
    home = publish.release_dir(warehouse_dir, published) / SPARK_DIR
    return home if home.is_dir() else None


def _record_raw_file_changes(spark, changes: list[raw_files.RawFileChange]) -> None:
    """pipeline.raw_file_changes, which the staging models read (staging_incremental.sql)."""
    spark.sql(f"create schema if not exists {carry.STATE_SCHEMA}")
    rows = [(change.table_name, change.relative_path, change.change) for change in changes]
    frame = spark.createDataFrame(rows, "table_name string, relative_path string, change string")
    frame.write.mode("overwrite").format("parquet").saveAsTable(
        f"{carry.STATE_SCHEMA}.raw_file_changes")


def _score(spark, model_dir: Path, dbt_vars: dict) -> None:
    """The chapter 5 and 6 scoring tables, scored per partition with the saved model
    (powerlens.scoring.spark_entry). Spark never trains: a missing or stale model stops the run
    (train on one machine, e.g. a DuckDB run on the same export, and copy the folder)."""
    from powerlens.scoring import spark_entry

    try:
        spark_entry.score_warehouse(spark, model_dir=model_dir, variables=dbt_vars)
    except spark_entry.ScoringUnavailable as exc:
        raise RunFailed("scoring", EXIT_BUILD, f"no usable churn model for scoring on Spark: "
                        f"{scrub(str(exc))}") from None


@contextlib.contextmanager
def _spark_environment(spark_home: Path, run_dir: Path, as_of_date: str):
    """What profiles.yml's spark target and dbt read from the environment, for this run."""
    settings = {"POWERLENS_SPARK_HOME": str(spark_home), "POWERLENS_AS_OF_DATE": as_of_date,
                "DBT_TARGET_PATH": str(run_dir / "target"), "DBT_LOG_PATH": str(run_dir / "logs"),
                "POWERLENS_DBT_THREADS": os.environ.get("POWERLENS_DBT_THREADS", "1")}
    before = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _dbt_build(run_dir: Path, step: str, exit_code: int, dbt_vars: dict, selection: list[str]
               ) -> None:
    """`dbt build --target spark` in this process (it reuses the run's SparkSession)."""
    from dbt.cli.main import dbtRunner

    run_results = run_dir / "target" / "run_results.json"
    run_results.unlink(missing_ok=True)
    result = dbtRunner().invoke(["--quiet", "build", "--target", "spark", *selection,
                                 *dbt.PRODUCTION_EXCLUSIONS, "--vars", json.dumps(dbt_vars)],
                                project_dir=str(dbt.REPO_ROOT), profiles_dir=str(dbt.REPO_ROOT))
    if run_results.exists():
        shutil.copyfile(run_results, run_dir / f"dbt_{step}_run_results.json")
    if not result.success:
        failures = dbt.failed_nodes(run_results) or [scrub(str(result.exception or "dbt failed"))]
        raise RunFailed(step, exit_code, f"dbt failed on Spark while building {step}; nothing "
                        "was published:\n" + "\n".join(f"  - {line}" for line in failures)
                        + f"\n  logs: {run_dir / 'logs'}")


def _published_metrics(warehouse_dir: Path) -> dict[tuple[str, str], float]:
    """The figures of the published run (row counts, means) the gate compares against."""
    recorded = warehouse_dir / publish.CURRENT_LINK / RUN_RECORD
    if not recorded.exists():
        return {}
    metrics = json.loads(recorded.read_text(encoding="utf-8")).get("metrics") or []
    return {(metric["metric"], metric["subject"]): metric["value"] for metric in metrics}
