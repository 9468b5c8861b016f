"""Benchmark `powerlens generate`: wall time, CPU time and peak memory of N customers x M months.

Runs the CLI as a child process so that the peak resident memory (getrusage of the waited-for
children, Linux kB) covers the whole generator and nothing of this script. Prints one JSON line.

    .venv/bin/python benchmarks/bench_generate.py                       # 100,000 x 24, parquet
    .venv/bin/python benchmarks/bench_generate.py --customers 1000 --format csv
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--start", default="2024-01")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", dest="file_format", choices=("csv", "parquet"), default="parquet")
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary folder, removed afterwards)")
    args = parser.parse_args()

    out = args.out or Path(tempfile.mkdtemp(prefix="bench_generate_")) / "raw"
    command = [str(Path(sys.executable).parent / "powerlens"), "generate", "--customers", str(args.customers),
               "--months", str(args.months), "--start", args.start, "--seed", str(args.seed),
               "--out", str(out), "--format", args.file_format, "--quiet"]
    load_before = os.getloadavg()[0]
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return result.returncode
    rows = json.loads(result.stdout.strip().splitlines()[-1])["rows"]
    report = {
        "benchmark": "generate", "customers": args.customers, "months": args.months, "format": args.file_format,
        "wall_seconds": round(wall, 1), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "output_mb": round(folder_bytes(out) / 2**20, 1),
        "rows": rows, "cpu_count": os.cpu_count(), "load_average_1m_before": round(load_before, 2),
        "command": " ".join(command),
    }
    print(json.dumps(report))
    if args.out is None:
        shutil.rmtree(out.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
