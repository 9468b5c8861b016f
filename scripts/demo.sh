#!/usr/bin/env bash
# The main job, end to end on the embedded default: install, generate the sample raw data
# (1,000 customers x 24 months) into data/raw, then build, check and publish the warehouse
# into warehouse/powerlens.duckdb.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
.venv/bin/powerlens generate --customers "${CUSTOMERS:-1000}" --start "${START:-2024-01}" \
  --months "${MONTHS:-24}" --seed "${SEED:-42}" --out data/raw
.venv/bin/powerlens run --raw data/raw --warehouse warehouse
