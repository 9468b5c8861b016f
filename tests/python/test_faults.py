"""Faults at publish time (docs/publishing.md, "The order of a run"): a kill or an exception after
every step of the publish, a read-write reader that comes during a run, and paths that are not
plain (quotes, spaces, Chinese characters, braces).

The per-step cases publish a copy of the shared sample's build into a copy of its warehouse:
`publish_build` is the code `powerlens run` ends with, and POWERLENS_FAULT_AFTER=<step> stops it
right after that step (SIGKILL, or an exception with POWERLENS_FAULT=raise).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, bin_path, run_command
from test_pipeline import SAMPLE_AS_OF, published_sample, run_records
from powerlens.pipeline import publish
from powerlens.pipeline.run import PUBLISH_STEPS, new_run_id

# steps after which the run is published (the switch is the commit point)
AFTER_SWITCH = PUBLISH_STEPS[PUBLISH_STEPS.index("switch"):]

PUBLISH_SCRIPT = """
import json, sys
from pathlib import Path
from powerlens.pipeline.run import RunFailed, publish_build
from powerlens.quality.store import RunRecord
warehouse, run_dir = Path(sys.argv[1]), Path(sys.argv[2])
record = RunRecord.load(run_dir / "run.json")
warnings = []
try:
    publish_build(run_dir / "powerlens.duckdb", warehouse, run_dir, record, warnings)
except RunFailed as failure:
    print(json.dumps({"exit": failure.exit_code, "stage": failure.stage, "message": str(failure)}))
    sys.exit(failure.exit_code)
print(json.dumps({"exit": 0, "warnings": warnings}))
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    return published_sample(tmp_path_factory, sample_raw_dir)


def copy_of(warehouse: Path, target: Path) -> Path:
    """A copy of a published warehouse folder (links kept as links)."""
    shutil.copytree(warehouse, target, symlinks=True)
    return target


def prepare_build(warehouse: Path) -> Path:
    """A run folder holding a finished build (a copy of the published one) and its record, as
    `powerlens run` leaves it just before publishing; returns the run folder."""
    run_id = new_run_id()
    run_dir = warehouse / "runs" / run_id
    run_dir.mkdir(mode=0o700)
    last_run = sorted(path for path in (warehouse / "runs").iterdir()
                      if (path / "target" / "manifest.json").exists())[-1]
    (run_dir / "target").mkdir()
    shutil.copyfile(last_run / "target" / "manifest.json", run_dir / "target" / "manifest.json")
    shutil.copyfile(warehouse / "powerlens.duckdb", run_dir / "powerlens.duckdb")
    (run_dir / "run.json").write_text(json.dumps({
        "run_id": run_id, "status": "running", "started_at": "2026-01-10T00:00:00",
        "raw_dir": "/raw", "checks": [], "metrics": [],
        "published_before": publish.current_release(warehouse)}), encoding="utf-8")
    for path in run_dir.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    return run_dir


def run_publish(warehouse: Path, run_dir: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", PUBLISH_SCRIPT, str(warehouse), str(run_dir)],
                          cwd=REPO_ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=600)


def last_published(database: Path) -> str:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute("select run_id from quality.runs where status = 'published' "
                           "order by finished_at desc, run_id desc limit 1").fetchone()[0]


def statuses(database: Path) -> dict[str, str]:
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(con.execute("select run_id, status from quality.runs").fetchall())


def what_readers_see(warehouse: Path) -> dict:
    """The run each published view belongs to: the switch, the analysts' file, the data team's
    file and the Parquet export (by the folder it resolves to)."""
    return {"current": publish.current_release(warehouse),
            "analysts": last_published(publish.analyst_file(warehouse)),
            "restricted": last_published(publish.restricted_file(warehouse)),
            "parquet": (warehouse / "parquet" / "current").resolve().parent.name}


@pytest.mark.parametrize("step", PUBLISH_STEPS)
def test_a_kill_after_any_publish_step_leaves_one_run_visible_everywhere(
        warehouse, tmp_path, step):
    copy = copy_of(warehouse, tmp_path / "wh")
    before = what_readers_see(copy)
    assert len(set(before.values())) == 1, before
    run_dir = prepare_build(copy)
    new_run = run_dir.name

    result = run_publish(copy, run_dir, POWERLENS_FAULT_AFTER=step)

    assert result.returncode == -signal.SIGKILL, result.stdout + result.stderr
    seen = what_readers_see(copy)
    published = step in AFTER_SWITCH
    # every reader agrees on one run: the new one exactly when the switch was made
    assert set(seen.values()) == {new_run if published else before["current"]}, seen
    visible = statuses(publish.analyst_file(copy))
    assert (visible.get(new_run) == "published") is published
    assert statuses(publish.restricted_file(copy)).get(new_run) == visible.get(new_run)
    on_record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"]
    assert on_record == ("published" if step in ("record", "prune") else "running")
    if not published:
        # the build is where the next run (or a retry) finds it, or already in its release
        assert (run_dir / "powerlens.duckdb").exists() or \
            (copy / "releases" / new_run / "restricted" / "powerlens.duckdb").exists()


@pytest.mark.parametrize("step", [step for step in PUBLISH_STEPS if step not in AFTER_SWITCH])
def test_an_error_before_the_switch_keeps_the_build_and_publishes_nothing(
        warehouse, tmp_path, step):
    copy = copy_of(warehouse, tmp_path / "wh")
    before = what_readers_see(copy)
    run_dir = prepare_build(copy)

    result = run_publish(copy, run_dir, POWERLENS_FAULT_AFTER=step, POWERLENS_FAULT="raise")

    assert result.returncode == 1 and "InjectedFault" in result.stderr
    assert what_readers_see(copy) == before
    assert (run_dir / "powerlens.duckdb").exists(), "the build is kept for a retry"
    assert not (copy / "releases" / run_dir.name).exists()


@pytest.mark.parametrize("step", AFTER_SWITCH)
def test_an_error_after_the_switch_still_records_the_run_as_published(warehouse, tmp_path, step):
    copy = copy_of(warehouse, tmp_path / "wh")
    run_dir = prepare_build(copy)

    result = run_publish(copy, run_dir, POWERLENS_FAULT_AFTER=step, POWERLENS_FAULT="raise")

    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert any("tidying up failed" in warning for warning in outcome["warnings"])
    assert set(what_readers_see(copy).values()) == {run_dir.name}
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "published"


def test_a_run_killed_after_the_switch_is_recorded_as_published_not_killed(warehouse, tmp_path):
    from powerlens.pipeline.run import _settle_unfinished_runs

    copy = copy_of(warehouse, tmp_path / "wh")
    run_dir = prepare_build(copy)
    assert run_publish(copy, run_dir, POWERLENS_FAULT_AFTER="switch").returncode == -signal.SIGKILL
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "running"

    # what the next run does first, under the lock
    _settle_unfinished_runs(copy / "runs", new_run_id(), publish.current_release(copy))

    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "published"
    assert statuses(publish.analyst_file(copy))[run_dir.name] == "published"


def test_a_read_write_reader_at_publish_time_ends_busy_and_keeps_the_build(warehouse, tmp_path):
    copy = copy_of(warehouse, tmp_path / "wh")
    before = what_readers_see(copy)
    run_dir = prepare_build(copy)
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('open', flush=True); time.sleep(120)",
                               str(copy / "powerlens.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        result = run_publish(copy, run_dir)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 6, result.stdout + result.stderr
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome["stage"] == "publish" and "readers must connect read-only" in outcome["message"]
    assert (run_dir / "powerlens.duckdb").exists()
    assert what_readers_see(copy) == before


def start_run(raw_dir: Path, warehouse: Path, *extra: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([bin_path("powerlens"), "run", "--raw", str(raw_dir), "--warehouse",
                             str(warehouse), *extra], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_a_read_write_connection_opened_during_a_run_ends_it_with_exit_6(
        warehouse, sample_raw_dir):
    """The reader comes after the run's own check at the start: the run builds, then finds the
    published file locked at publish time; it stops with exit 6 and a final status, and keeps
    the build for a retry."""
    before = what_readers_see(warehouse)
    run = start_run(sample_raw_dir, warehouse, "--as-of", SAMPLE_AS_OF)
    holder = None
    try:
        for line in run.stdout:
            if "dbt: intermediate models" in line:
                holder = duckdb.connect(str(warehouse / "powerlens.duckdb"))  # read-write
                break
        output = run.stdout.read()
        run.wait(timeout=600)
    finally:
        if holder is not None:
            holder.close()
        if run.poll() is None:
            run.kill()
    assert holder is not None
    assert run.returncode == 6, output[-3000:]
    assert "readers must connect read-only" in output and "Traceback" not in output
    record = run_records(warehouse)[-1]
    assert (record["status"], record["failed_stage"]) == ("failed", "publish")
    build = warehouse / "runs" / record["run_id"] / "powerlens.duckdb"
    assert build.exists() and (build.stat().st_mode & 0o777) == 0o600
    assert what_readers_see(warehouse) == before

    # the reader has gone: the kept build is published without building again
    retry = run_command([bin_path("powerlens"), "publish", "--warehouse", str(warehouse)],
                        check=False)
    assert retry.returncode == 0, retry.stdout + retry.stderr
    assert set(what_readers_see(warehouse).values()) == {record["run_id"]}
    assert run_records(warehouse)[-1]["status"] == "published" and not build.exists()
    again = run_command([bin_path("powerlens"), "publish", "--warehouse", str(warehouse)],
                        check=False)
    assert again.returncode == 2 and "no build waiting to be published" in again.stderr


def test_paths_with_quotes_spaces_chinese_and_braces(tmp_path):
    """Every path that reaches SQL is quoted (or, for dbt's sources, shown through a plain link):
    a warehouse and a raw folder named like this build, publish and are read back."""
    odd = tmp_path / "O'Brien's {data} 数据 仓库"
    raw = odd / "raw {2024} 'export'"
    run_command([bin_path("powerlens"), "generate", "--customers", "60", "--start", "2025-07",
                 "--months", "3", "--seed", "3", "--out", str(raw), "--quiet"])
    warehouse = odd / "ware'house {1}"
    args = ["run", "--raw", str(raw), "--warehouse", str(warehouse), "--as-of", "2025-10-05",
            "--exclude-scoring", "--max-rejected-share", "0.5"]
    first = run_command([bin_path("powerlens"), *args], check=False)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    # a second run continues the first (the published file is attached by its quoted path)
    second = run_command([bin_path("powerlens"), *args], check=False)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert "incremental build" in second.stdout
    seen = what_readers_see(warehouse)
    assert len(set(seen.values())) == 1
    with duckdb.connect(str(publish.analyst_file(warehouse)), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_customers").fetchone()[0] == 60
        assert con.execute("select count(*) from marts.fct_daily_usage").fetchone()[0] > 0
        assert len(con.execute("select run_id from quality.runs").fetchall()) == 2
    with duckdb.connect(str(publish.restricted_file(warehouse)), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_cis__customers").fetchone()[0] == 60


def test_releases_and_an_older_layouts_exports_are_pruned(tmp_path):
    """The current release and the one before stay; an older layout's parquet/<run_id> folders
    stay one run after the move (their readers may finish), then go."""
    for name in ("releases/r1", "releases/r2", "releases/r3", "parquet/old1", "parquet/old2"):
        (tmp_path / name).mkdir(parents=True)
    publish.prune_releases(tmp_path, keep={"r2", "r3"}, keep_legacy=1)
    assert sorted(path.name for path in (tmp_path / "releases").iterdir()) == ["r2", "r3"]
    assert [path.name for path in (tmp_path / "parquet").iterdir()] == ["old2"]
    publish.prune_releases(tmp_path, keep={"r2", "r3"})
    assert list((tmp_path / "parquet").iterdir()) == []
