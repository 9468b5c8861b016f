"""Shared pytest fixtures.

The expensive ones are session-scoped: the sample raw data (1,000 customers x 24 months) is
generated once and the warehouse built from it once, then every integration test reads it.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The modules that take minutes each (Spark runs, monthly runs, the shuffled-label check, the
# publish kill test), in the order they should start. scripts/test.sh runs the suite on two
# pytest-xdist workers, a module at a time per worker (--dist loadfile), handing out modules in
# collection order: the long ones go first so that the short ones fill in beside them instead of
# one long module running alone at the end.
LONGEST_MODULES = ("test_incremental.py", "test_spark_warehouse.py", "test_spark_staging.py",
                   "test_scoring_models.py", "test_pii.py", "test_publish.py")

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_CUSTOMERS = int(os.environ.get("POWERLENS_TEST_CUSTOMERS", "1000"))
SAMPLE_MONTHS = int(os.environ.get("POWERLENS_TEST_MONTHS", "24"))
SAMPLE_START = "2024-01"
SAMPLE_SEED = 42


def run_command(args: list[str], env: dict[str, str] | None = None, cwd: Path = REPO_ROOT,
                check: bool = True) -> subprocess.CompletedProcess:
    """Run a command from the repo root, with its output kept for the assertion message."""
    result = subprocess.run(args, cwd=cwd, env={**os.environ, **(env or {})},
                            capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(
            f"command failed ({result.returncode}): {' '.join(args)}\n"
            f"--- stdout ---\n{result.stdout[-6000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
        )
    return result


def dbt_env(workdir: Path) -> dict[str, str]:
    """Environment that points dbt at a private DuckDB file and target folder."""
    return {
        "POWERLENS_DB": str(workdir / "powerlens.duckdb"),
        "DBT_TARGET_PATH": str(workdir / "target"),
        "DBT_LOG_PATH": str(workdir / "logs"),
    }


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


@pytest.fixture(scope="session")
def sample_raw_dir(tmp_path_factory) -> Path:
    """Raw files of the contract for the standard sample, generated once per test session."""
    out = tmp_path_factory.mktemp("sample") / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", str(SAMPLE_CUSTOMERS),
                 "--start", SAMPLE_START, "--months", str(SAMPLE_MONTHS),
                 "--seed", str(SAMPLE_SEED), "--out", str(out)])
    return out


@pytest.fixture(scope="session")
def built_warehouse(sample_raw_dir, tmp_path_factory) -> Path:
    """The warehouse built by `dbt build` (models and their tests) over the sample; its DuckDB path."""
    workdir = tmp_path_factory.mktemp("warehouse")
    env = dbt_env(workdir)
    run_command([bin_path("dbt"), "build", "--vars", f"{{raw_dir: '{sample_raw_dir}'}}"], env=env)
    return Path(env["POWERLENS_DB"])


def pytest_collection_modifyitems(session, config, items):
    def start_rank(item) -> int:
        name = item.path.name
        return LONGEST_MODULES.index(name) if name in LONGEST_MODULES else len(LONGEST_MODULES)

    # a stable sort: the order inside a module, and of the other modules, stays as collected
    items.sort(key=start_rank)
