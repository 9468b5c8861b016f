#!/usr/bin/env bash
# Create the project's virtualenv (.venv) and install the pinned dependencies and the
# powerlens package into it, and the system packages the report needs (headless Chromium, which
# the report test opens the HTML in, and a CJK font so Chinese renders when a page is
# rasterised). Safe to run again: apt-get runs only for a missing package, pip skips what is
# already there.
#
# `scripts/setup.sh --spark` also installs the Spark extra (docs/spark.md): a Java runtime from
# the system packages and requirements-spark.txt; the default DuckDB path needs neither.
set -euo pipefail
cd "$(dirname "$0")/.."
with_spark=false
[ "${1:-}" = "--spark" ] && with_spark=true

system_packages=(chromium fonts-noto-cjk)
if $with_spark; then
  system_packages+=(openjdk-17-jre-headless)
fi
missing=()
for package in "${system_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    echo "setup: missing system packages ${missing[*]} and no sudo to install them" >&2
    exit 1
  fi
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$python_bin" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt
.venv/bin/python -m pip install --quiet --no-deps -e .
if $with_spark; then
  .venv/bin/python -m pip install --quiet -r requirements-spark.txt
fi
