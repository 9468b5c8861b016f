"""Benchmark the main job at a larger scale: `powerlens generate` then `powerlens run`.

Both run as child processes, so the peak resident memory (getrusage of the waited-for children,
Linux kB) is the largest of the generator, the pipeline and dbt. Prints one JSON line.

    .venv/bin/python benchmarks/bench_pipeline.py --customers 20000 --months 24
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 1)


def export_date(start: str, months: int) -> str:
    """The generator's export date: the last day of the month after the last billed month."""
    year, month = map(int, start.split("-"))
    index = year * 12 + month - 1 + months + 1
    first_after = dt.date(index // 12, index % 12 + 1, 1)
    return (first_after - dt.timedelta(days=1)).isoformat()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--start", default="2024-01")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    raw, warehouse = work / "raw", work / "warehouse"
    load_before = os.getloadavg()[0]
    generate_seconds = timed([str(BIN / "powerlens"), "generate", "--customers", str(args.customers),
                              "--months", str(args.months), "--start", args.start,
                              "--seed", str(args.seed), "--out", str(raw), "--format", "parquet",
                              "--quiet"])
    run_seconds = timed([str(BIN / "powerlens"), "run", "--raw", str(raw), "--warehouse", str(warehouse),
                         "--as-of", export_date(args.start, args.months)])
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({
        "benchmark": "pipeline", "customers": args.customers, "months": args.months,
        "generate_seconds": generate_seconds, "run_seconds": run_seconds,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "warehouse_mb": round((warehouse / "powerlens.duckdb").stat().st_size / 2**20, 1),
        "cpu_count": os.cpu_count(), "load_average_1m_before": load_before,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
