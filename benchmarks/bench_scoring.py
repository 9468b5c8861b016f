"""Benchmark: churn training and scoring at N customers (default 100,000); time and peak memory.

    .venv/bin/python benchmarks/bench_scoring.py --customers 100000 --months 24 --seed 1

The inputs are synthetic at monthly grain (powerlens.scoring.synthetic), because generating
daily meter readings for 100,000 customers is a generator benchmark, not a scoring one. They are
loaded once into DuckDB tables and the pandas frames dropped, so the steps run the way the
warehouse runs them (powerlens/scoring/warehouse.py):

- features of the current snapshot (``py_churn_current_features``, every build),
- features of every snapshot (``py_churn_snapshot_features``, only a retraining build),
- training (``py_churn_model_metrics`` when it retrains: three models, each fitted once per
  evaluation period on at most --max-training-rows sampled rows, importance, the final fit),
- scoring the current snapshot with drivers (``py_churn_scores``).

A build that reuses the model artefact pays the first and the last step. Prints one JSON
object with each step's wall and CPU seconds and the load average (the machine may be shared:
then the CPU seconds are the comparable figure); peak memory is the process's max RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from powerlens.scoring import churn  # noqa: E402
from powerlens.scoring.features import (INPUT_COLUMNS, snapshot_dates,  # noqa: E402
                                        training_relation, typed_frame)
from powerlens.scoring.synthetic import synthetic_inputs  # noqa: E402

START = "2024-01"
# about 12% of the synthetic customers close within 24 months
ACTIVE_MARGIN = 1.2


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def load_tables(con, inputs) -> dict:
    """Each input frame written once into a DuckDB table (as the warehouse holds them)."""
    relations = {}
    for name in INPUT_COLUMNS:
        con.register("frame_in", getattr(inputs, name))
        con.execute(f"create table in_{name} as select * from frame_in")
        con.unregister("frame_in")
        relations[name] = con.table(f"in_{name}")
    return relations


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-training-rows", type=int,
                        default=churn.TrainingSettings.max_training_rows)
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads")
    args = parser.parse_args()
    current = pd.Timestamp(START + "-01") + pd.DateOffset(months=args.months)
    # CPU seconds (user + system, all threads) beside the wall times: on a shared machine the
    # wall time depends on the others' load, the CPU time on this work only
    timings, cpu_timings = {}, {}
    load = {"load_average_start": [round(v, 2) for v in os.getloadavg()]}

    started, cpu = time.perf_counter(), time.process_time()
    # some generated customers close before the current snapshot: generate enough that
    # about --customers of them are still active
    inputs = synthetic_inputs(int(args.customers * ACTIVE_MARGIN), args.months, args.seed)
    con = duckdb.connect()
    con.execute(f"set threads to {args.threads}")
    relations = load_tables(con, inputs)
    del inputs
    timings["generate_and_load_inputs_seconds"] = time.perf_counter() - started
    cpu_timings["generate_and_load_inputs_cpu_seconds"] = time.process_time() - cpu
    rss_inputs = peak_rss_mb()

    started, cpu = time.perf_counter(), time.process_time()
    current_rows = typed_frame(training_relation(con, relations, [current], current, 3).df())
    timings["features_current_snapshot_seconds"] = time.perf_counter() - started
    cpu_timings["features_current_snapshot_cpu_seconds"] = time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    frame = typed_frame(training_relation(
        con, relations, snapshot_dates(START + "-01", current, 6), current, 3).df())
    timings["features_all_snapshots_seconds"] = time.perf_counter() - started
    cpu_timings["features_all_snapshots_cpu_seconds"] = time.process_time() - cpu
    rss_features = peak_rss_mb()
    con.close()

    started, cpu = time.perf_counter(), time.process_time()
    training = churn.train_churn_models(frame, churn.TrainingSettings(
        3, 3, 0.05, args.seed, max_training_rows=args.max_training_rows))
    timings["train_seconds"] = time.perf_counter() - started
    cpu_timings["train_cpu_seconds"] = time.process_time() - cpu
    feature_rows, train_rows = len(frame), int(frame["churned"].notna().sum())
    del frame

    current_rows = current_rows.head(args.customers)
    started, cpu = time.perf_counter(), time.process_time()
    scores = churn.score_current_snapshot(current_rows, training, 0.05, 0.035)
    timings["score_with_drivers_seconds"] = time.perf_counter() - started
    cpu_timings["score_with_drivers_cpu_seconds"] = time.process_time() - cpu
    timings["reusing_build_seconds"] = (timings["features_current_snapshot_seconds"]
                                        + timings["score_with_drivers_seconds"])
    cpu_timings["reusing_build_cpu_seconds"] = (cpu_timings["features_current_snapshot_cpu_seconds"]
                                                + cpu_timings["score_with_drivers_cpu_seconds"])
    summary = training.summary.set_index("model_name")
    pooled = {name: [round(float(row[f"pooled_pr_auc{end}"]), 3)
                     for end in ("", "_ci_low", "_ci_high")] for name, row in summary.iterrows()}
    load["load_average_end"] = [round(v, 2) for v in os.getloadavg()]

    print(json.dumps({
        "customers_scored": int(len(scores)), "months": args.months, "seed": args.seed,
        "feature_rows": feature_rows, "train_rows": train_rows,
        "max_training_rows": args.max_training_rows, "chosen_model": training.chosen,
        "pooled_pr_auc_with_ci": pooled,
        "no_skill_pr_auc": round(float(summary["no_skill_pr_auc"].iloc[0]), 4),
        **{key: round(value, 2) for key, value in timings.items()},
        **{key: round(value, 2) for key, value in cpu_timings.items()},
        "training_steps_seconds": training.timings,
        "peak_rss_mb_after_inputs": round(rss_inputs, 1),
        "peak_rss_mb_after_features": round(rss_features, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "risk_tiers": scores["risk_tier"].value_counts().to_dict(), **load,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
