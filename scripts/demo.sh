#!/usr/bin/env bash
# The main job, end to end on the embedded default: install, generate the sample raw data
# (10,000 customers x 24 months) into data/raw, then build, check and publish the warehouse
# into warehouse/current/ (analysts' file powerlens.duckdb and Parquet export; docs/publishing.md),
# and write the report from it into warehouse/report/ (docs/report.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
start="${START:-2024-01}" months="${MONTHS:-24}"
.venv/bin/powerlens generate --customers "${CUSTOMERS:-10000}" --start "$start" \
  --months "$months" --seed "${SEED:-42}" --out data/raw
# The generated export is taken at the end of the month after the last billed month; building
# "as of" that day keeps the sample's freshness check and future-date rule meaningful.
as_of=$(date -d "${start}-01 +$((months + 1)) months -1 day" +%F)
.venv/bin/powerlens run --raw data/raw --warehouse warehouse --as-of "$as_of"
for lang in zh en; do
  .venv/bin/powerlens report --warehouse warehouse --lang "$lang" --out warehouse/report
done
echo "report: warehouse/report/report.html and report.pptx (Chinese), report.en.html and report.en.pptx (English)"
