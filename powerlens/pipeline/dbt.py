"""Driving dbt from the pipeline.

dbt runs as a child process (its CLI), not in-process through ``dbtRunner``, because:
- dbt-duckdb keeps its DuckDB connection open inside the process that ran it; the gate then
  opens the same build file itself, and DuckDB refuses a second connection with another
  configuration in one process;
- each step gets its own environment (POWERLENS_DB, DBT_TARGET_PATH) without touching ours;
- a killed pipeline must not leave dbt writing on: the child asks the kernel to SIGKILL it when
  its parent dies (PR_SET_PDEATHSIG), so a killed run stops as a whole.
"""
from __future__ import annotations

import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from powerlens.pipeline.scrub import scrub_file

REPO_ROOT = Path(__file__).resolve().parents[2]
PR_SET_PDEATHSIG = 1
PARTIAL_PARSE_FILE = "partial_parse.msgpack"

# The build is cut in two at the gate. Step one builds the seeds and staging and runs only the
# tests whose every parent it built ("cautious"); step two builds the rest and runs every test
# it can now build, including tests that mix staging and later models ("buildable").
STAGING_SELECTION = ["resource_type:seed", "staging"]
# dbt unit tests check the project's code with hand-made rows, not the data: CI and developers'
# builds run them (scripts/test.sh builds everything); a data run leaves them out.
PRODUCTION_EXCLUSIONS = ["--exclude-resource-type", "unit_test"]
# The Python scoring models and everything that reads them (`powerlens run --exclude-scoring`).
SCORING_SELECTION = ["path:models/python+"]


@dataclass(frozen=True)
class DbtResult:
    command: list[str]
    returncode: int
    log_path: Path
    failures: list[str]

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:  # not Linux: the child may outlive a killed parent, nothing worse
        pass


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def run_dbt(args: list[str], *, build_db: Path, run_dir: Path, dbt_vars: dict[str, str],
            log_name: str, parse_cache: Path | None = None,
            as_of_date: str | None = None) -> DbtResult:
    """Run one dbt command against the run's build file; its output goes to a log file.

    ``parse_cache`` keeps dbt's parsed project between runs: it is copied into the run's target
    folder before dbt starts and back after, so dbt re-parses only what changed (nothing, when
    the project files and vars are the same). ``as_of_date`` goes to dbt as the environment
    variable POWERLENS_AS_OF_DATE rather than a var: a changed var makes dbt parse the whole
    project again, a changed environment variable only the files that read it (the staging
    models), and every monthly run has a new as-of date. The node timings of each command are kept as
    ``<log_name>_run_results.json`` in the run folder.
    """
    env = {
        **os.environ,
        "POWERLENS_DB": str(build_db),
        "DBT_TARGET_PATH": str(run_dir / "target"),
        "DBT_LOG_PATH": str(run_dir / "logs"),
        # one model at a time: DuckDB already spreads each query over the cores, and two models
        # side by side only share them, with both in memory (docs/benchmarks.md: same time, less
        # memory at 100,000 customers)
        "POWERLENS_DBT_THREADS": os.environ.get("POWERLENS_DBT_THREADS", "1"),
        "POWERLENS_AS_OF_DATE": as_of_date or "",
    }
    command = [dbt_executable(), *args, "--vars", json.dumps(dbt_vars)]
    log_path = run_dir / f"{log_name}.log"
    target = run_dir / "target"
    run_results = target / "run_results.json"
    # a command that fails before running any node leaves the previous command's results
    run_results.unlink(missing_ok=True)
    target_cache = target / PARTIAL_PARSE_FILE
    if parse_cache is not None and parse_cache.exists() and not target_cache.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parse_cache, target_cache)
    with log_path.open("w", encoding="utf-8") as log:
        completed = subprocess.run(command, cwd=REPO_ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
                                   check=False)
    if parse_cache is not None and target_cache.exists():
        temporary = parse_cache.with_name(parse_cache.name + ".new")
        shutil.copyfile(target_cache, temporary)
        os.replace(temporary, parse_cache)
    # DuckDB quotes a raw line it cannot parse: no value of a row stays in the run's logs
    for written in (log_path, run_results, run_dir / "logs" / "dbt.log"):
        scrub_file(written)
    if run_results.exists():
        shutil.copyfile(run_results, run_dir / f"{log_name}_run_results.json")
    return DbtResult(command, completed.returncode, log_path,
                     failed_nodes(run_results, build_db) if completed.returncode else [])


def failed_nodes(run_results_path: Path, build_db: Path | None = None) -> list[str]:
    """One line per failed or erroring node of the last dbt command, with dbt's message; a
    failed data test also names its first rows by key (failing_rows)."""
    try:
        results = json.loads(run_results_path.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError):
        return []
    lines = []
    for result in results:
        if result.get("status") in ("error", "fail", "runtime error"):
            message = " ".join(_without_traceback(str(result.get("message") or "")).split())
            rows = failing_rows(result.get("compiled_code") or "", build_db) \
                if result.get("status") == "fail" and build_db is not None else ""
            lines.append(f"{result.get('unique_id')}: {result.get('status')}: {message[:400]}"
                         + (f"; {rows}" if rows else ""))
    return lines


# what a failed test's row may show: keys and the test's own labels, never other values (a row
# of a staging test can hold a name or a phone)
SHOWN_COLUMN = re.compile(r"(_id|^failing_\w+)$")
SHOWN_ROWS = 5


def failing_rows(compiled_sql: str, build_db: Path) -> str:
    """The first rows a failed data test returned, as their key columns ("rows: customer_id=C1,
    failing_mask=address_masked; ..."), read again from the build; '' when the test returns no
    key column or cannot be re-run."""
    if not compiled_sql.strip():
        return ""
    try:
        with duckdb.connect(str(build_db), read_only=True) as con:
            query = f"select * from ({compiled_sql}) as failed_rows"
            columns = [name for name, *_ in con.execute(f"describe {query}").fetchall()
                       if SHOWN_COLUMN.search(name)]
            if not columns:
                return ""
            selected = ", ".join(f'"{name}"' for name in columns)
            rows = con.execute(f"select {selected} from ({query}) order by all "
                               f"limit {SHOWN_ROWS}").fetchall()
    except (duckdb.Error, OSError):
        return ""
    shown = "; ".join(", ".join(f"{name}={value}" for name, value in zip(columns, row))
                      for row in rows)
    return f"rows: {shown}" if shown else ""


def _without_traceback(message: str) -> str:
    """A Python model's failure carries a traceback: keep what failed and the exception line;
    the full traceback stays in the run's dbt log."""
    marker = "Traceback (most recent call last)"
    if marker not in message:
        return message
    lines = [line.strip() for line in message.split(marker, 1)[1].splitlines() if line.strip()]
    exception = lines[-1] if lines else ""
    return f"{message.split(marker, 1)[0]} {exception} (traceback in the dbt log)"
