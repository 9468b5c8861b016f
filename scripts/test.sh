#!/usr/bin/env bash
# The whole test suite: install, then pytest. pytest covers the Python package and, through
# the session fixtures in tests/python/conftest.py, a full `dbt build` (models, dbt data tests
# and dbt unit tests) over a generated sample of 1,000 customers x 24 months, and the same
# project built on local Apache Spark and compared with the DuckDB build (docs/spark.md), for
# which the setup installs the Spark extra. Two pytest-xdist workers, one per core, each taking
# a whole module at a time (its module fixtures build once); much of a test's time is dbt's and
# Spark's single-threaded start and parse, so two at a time shortens the suite (docs/benchmarks.md,
# "The test suite"). `scripts/test.sh -n 0` runs it in one process.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --spark
.venv/bin/python -m pytest -n 2 --dist loadfile "$@"
