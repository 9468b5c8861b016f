#!/usr/bin/env bash
# The whole test suite: install, then pytest. pytest covers the Python package and, through
# the session fixtures in tests/python/conftest.py, a full `dbt build` (models, dbt data tests
# and dbt unit tests) over a generated sample of 1,000 customers x 24 months, and the same
# project built on local Apache Spark and compared with the DuckDB build (docs/spark.md), for
# which the setup installs the Spark extra.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --spark
.venv/bin/python -m pytest "$@"
