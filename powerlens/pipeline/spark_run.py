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
- Every run is a full build: the monthly continuation of a published build is DuckDB's for now.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from pathlib import Path

from powerlens.pipeline import dbt, publish
from powerlens.pipeline.run import (CHURN_MODEL_DIR, CURRENT_RUN_LINK, EXIT_BUILD, EXIT_OK,
                                    EXIT_STAGING, RAW_COPY_DIR, RUN_UMASK, RUNS_DIR, RunFailed,
                                    RunOptions, RunOutcome, _now, _prune_runs, check_raw_files,
                                    lock_warehouse, new_run_id, prepare_runs_dir, record_gate)
from powerlens.pipeline.scrub import scrub
from powerlens.quality import gate as quality_gate
from powerlens.quality.store import RunRecord

SPARK_DIR = "spark"
RUN_RECORD = "run.json"
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
    record.build_mode, record.build_mode_reason = "full", "every run on Spark is a full build"
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
    say(f"[{record.run_id}] preflight of {raw_dir}")
    check_raw_files(options, raw_dir, run_dir / RAW_COPY_DIR, record, warnings)
    # the raw files as dbt and the rejected rows name them: through the fixed link runs/current,
    # as on DuckDB, so two runs of one export name a row's file alike
    current_run = warehouse_dir / RUNS_DIR / CURRENT_RUN_LINK
    publish.point_link(current_run, run_dir.name)
    run_raw_dir = current_run / RAW_COPY_DIR

    spark_home = release / SPARK_DIR
    spark_home.mkdir(parents=True)
    with _spark_environment(spark_home, run_dir, as_of.isoformat()):
        say(f"[{record.run_id}] Spark session on {spark_home}")
        spark = local_session(spark_home)
        spark.sparkContext.setLogLevel("ERROR")

        stage[0] = "staging"
        say(f"[{record.run_id}] dbt: seeds and staging on Spark (after landing the raw files)")
        land_raw_files(run_raw_dir, spark)
        dbt_vars = {"raw_dir": str(run_raw_dir),
                    "churn_model_dir": str(warehouse_dir / CHURN_MODEL_DIR)}
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

    stage[0] = "publish"
    say(f"[{record.run_id}] publishing")
    record.status, record.finished_at = "published", _now()
    record.message = f"{len(warnings)} warning(s)"
    record.save(run_dir)
    shutil.copyfile(run_dir / RUN_RECORD, release / RUN_RECORD)
    publish.switch(warehouse_dir, record.run_id)
    publish.prune_releases(warehouse_dir, keep={record.run_id,
                                                record.published_before or record.run_id})


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
