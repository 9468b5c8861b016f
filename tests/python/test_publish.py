"""Safe publishing, for real: the gate stops a run before any mart is replaced, a run killed with
SIGKILL mid-build leaves the previous marts complete, and readers keep reading during a build."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from conftest import bin_path
from test_pipeline import (SAMPLE_AS_OF, mart_row_counts, powerlens_run, published_sample,
                           run_records)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    return published_sample(tmp_path_factory, sample_raw_dir)


def published_state(warehouse: Path) -> dict:
    database = warehouse / "powerlens.duckdb"
    stat = database.stat()
    return {"inode": stat.st_ino, "mtime": stat.st_mtime_ns, "counts": mart_row_counts(database),
            "analysts": mart_row_counts(warehouse / "current" / "powerlens.duckdb"),
            "current": os.readlink(warehouse / "current"),
            "export": str((warehouse / "parquet" / "current").resolve())}


def raw_copy_with_fewer_readings(source: Path, target: Path, keep_share: float) -> int:
    """Link every raw file but meter_readings.csv, which keeps only its first rows (a partial
    export); returns the rows kept."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.name != "meter_readings.csv":
            (target / path.name).symlink_to(path)
    lines = (source / "meter_readings.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    kept = int((len(lines) - 1) * keep_share)
    (target / "meter_readings.csv").write_text("".join(lines[: kept + 1]), encoding="utf-8")
    return kept


def test_gate_error_stops_the_run_before_any_mart_is_replaced(warehouse, sample_raw_dir,
                                                              tmp_path):
    before = published_state(warehouse)
    raw_copy_with_fewer_readings(sample_raw_dir, tmp_path / "raw", keep_share=0.4)

    result = powerlens_run(tmp_path / "raw", warehouse, "--as-of", SAMPLE_AS_OF)

    assert result.returncode == 4, result.stdout[-3000:] + result.stderr[-3000:]
    assert "error-severity checks failed; nothing was published" in result.stderr
    assert "raw rows dropped by less than 50% against the previous run" in result.stderr
    assert "meter_readings: -0.6" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert published_state(warehouse) == before
    last = run_records(warehouse)[-1]
    assert (last["status"], last["failed_stage"]) == ("failed", "gate")
    # the marts step never started: the gate stood between staging and everything else
    run_dir = Path(result.stderr.split("run folder: ")[1].split()[0])
    assert (run_dir / "dbt_staging.log").exists() and not (run_dir / "dbt_marts.log").exists()


def child_processes_of(run_dir: Path) -> list[int]:
    """Processes still running with the killed run's folder on their command line (dbt)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
        except OSError:
            continue
        if str(run_dir).encode() in environ:
            found.append(int(proc.name))
    return found


def start_run(raw_dir: Path, warehouse: Path) -> subprocess.Popen:
    return subprocess.Popen([bin_path("powerlens"), "run", "--raw", str(raw_dir), "--warehouse",
                             str(warehouse), "--as-of", SAMPLE_AS_OF],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_killed_run_leaves_previous_marts_intact_and_the_next_run_publishes(
        warehouse, sample_raw_dir):
    before = published_state(warehouse)
    assert before["counts"] and all(rows >= 0 for rows in before["counts"].values())

    run = start_run(sample_raw_dir, warehouse)
    for line in run.stdout:
        if "dbt: intermediate models" in line:
            break
    time.sleep(8)  # well inside the marts build
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)
    assert run.returncode == -signal.SIGKILL

    killed = run_records(warehouse)[-1]
    run_dir = warehouse / "runs" / killed["run_id"]
    assert killed["status"] == "running"  # it never got to say anything else
    assert (run_dir / "dbt_marts.log").exists(), "the kill came before the marts build"
    time.sleep(1)
    assert child_processes_of(run_dir) == [], "dbt outlived the killed pipeline"

    # the previous marts: same file, same rows, readable
    assert published_state(warehouse) == before

    # the next run publishes while a reader holds a read-only connection to the published file
    reader = duckdb.connect(str(warehouse / "powerlens.duckdb"), read_only=True)
    first_mart = sorted(before["counts"])[0]
    next_run = start_run(sample_raw_dir, warehouse)
    reads = 0
    while next_run.poll() is None:
        assert reader.execute(f"select count(*) from marts.{first_mart}").fetchone()[0] == \
            before["counts"][first_mart]
        reads += 1
        time.sleep(0.5)
    output = next_run.stdout.read()
    assert next_run.returncode == 0, output[-4000:]
    assert reads > 10
    # the reader's connection still sees the file it opened; a new connection sees the new run
    assert reader.execute(f"select count(*) from marts.{first_mart}").fetchone()[0] == \
        before["counts"][first_mart]
    reader.close()
    after = published_state(warehouse)
    assert after["counts"] == before["counts"]  # same raw data, same marts
    assert after["inode"] != before["inode"] and after["export"] != before["export"]
    with duckdb.connect(str(warehouse / "powerlens.duckdb"), read_only=True) as con:
        statuses = dict(con.execute("select run_id, status from quality.runs").fetchall())
    assert statuses[killed["run_id"]] == "killed"
    latest_run = warehouse / "runs" / sorted(statuses)[-1]
    assert json.loads((latest_run / "run.json").read_text(encoding="utf-8"))["status"] == "published"
    # the killed run's leftovers did not cost the next one dbt's parse of the project
    dbt_debug_log = (latest_run / "logs" / "dbt.log").read_text(encoding="utf-8")
    assert "Partial parsing enabled" in dbt_debug_log
    assert "Unable to do partial parsing" not in dbt_debug_log
    assert (latest_run / "dbt_staging_run_results.json").exists()
    assert (latest_run / "dbt_marts_run_results.json").exists()


def test_a_second_run_on_the_same_warehouse_waits_its_turn(warehouse, sample_raw_dir):
    first = start_run(sample_raw_dir, warehouse)
    try:
        for line in first.stdout:
            if "preflight" in line:
                break
        second = powerlens_run(sample_raw_dir, warehouse, "--as-of", SAMPLE_AS_OF)
        assert second.returncode == 6
        assert "another `powerlens run` is publishing" in second.stderr
    finally:
        first.kill()
        first.wait(timeout=30)


def test_a_read_write_reader_is_named_instead_of_failing_halfway(tmp_path):
    warehouse = tmp_path / "wh"
    warehouse.mkdir()
    holder = duckdb.connect(str(warehouse / "powerlens.duckdb"))  # read-write: takes the lock
    try:
        result = powerlens_run(tmp_path / "raw", warehouse)
    finally:
        holder.close()
    assert result.returncode == 6, result.stderr
    assert "is locked by another process" in result.stderr
    assert "readers must connect read-only" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_large_marts_are_views_over_the_release_export_in_the_analysts_file(tmp_path):
    """A mart with at least view_min_rows rows reads the release's own Parquet (no second copy);
    a smaller one is a table; both give the build's rows, and the view still reads them when the
    reader's working folder is elsewhere (absolute paths)."""
    from powerlens.pipeline import publish
    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.fct_large as select range as id, range * 0.5 as kwh "
                    "from range(5)")
        con.execute("create table marts.dim_small as select 1 as id, 'a' as code")
        con.execute("create schema reference")
        for table in publish.REFERENCE_EXPORTS:
            con.execute(f"create table reference.{table} as select 'x' as code")
    export_dir = tmp_path / "release" / "parquet"
    publish.export_marts(build, export_dir, None)
    target = tmp_path / "release" / "powerlens.duckdb"
    publish.write_analyst_file(build, target, export_dir, view_min_rows=3)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        with duckdb.connect(str(target), read_only=True) as con:
            kinds = dict(con.execute(
                "select table_name, table_type from information_schema.tables "
                "where table_schema = 'marts'").fetchall())
            large = con.execute("select id, kwh from marts.fct_large order by id").fetchall()
            small = con.execute("select id, code from marts.dim_small").fetchall()
    finally:
        os.chdir(cwd)
    assert kinds == {"fct_large": "VIEW", "dim_small": "BASE TABLE"}
    assert large == [(i, i * 0.5) for i in range(5)]
    assert small == [(1, "a")]
