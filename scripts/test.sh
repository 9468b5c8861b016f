#!/usr/bin/env bash
# The whole test suite: install, then pytest. pytest covers the Python package and, through
# the session fixtures in tests/python/conftest.py, a full `dbt build` (models, dbt data tests
# and dbt unit tests) over a generated sample of 1,000 customers x 24 months.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/python -m pytest "$@"
