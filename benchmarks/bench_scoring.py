"""Benchmark: score N customers (default 100,000) with the churn model; time and peak memory.

    .venv/bin/python benchmarks/bench_scoring.py --customers 100000 --months 24 --seed 1

The scored population is synthetic at monthly grain (powerlens.scoring.synthetic), because
generating daily meter readings for 100,000 customers is a generator benchmark, not a scoring
one. The steps are the warehouse's: the features of every snapshot (DuckDB SQL), training the
way a retraining build does it (three models, each fitted once per evaluation period on at most
--max-training-rows sampled rows, importance, the chosen model fitted once), then scoring the
current snapshot with drivers. Prints one JSON object; peak memory is the process's max RSS.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from powerlens.scoring import churn  # noqa: E402
import pandas as pd  # noqa: E402

from powerlens.scoring.features import build_training_frame, snapshot_dates  # noqa: E402
from powerlens.scoring.synthetic import synthetic_inputs  # noqa: E402

START = "2024-01"
# about 12% of the synthetic customers close within 24 months
ACTIVE_MARGIN = 1.2


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-training-rows", type=int, default=60_000)
    args = parser.parse_args()
    current = pd.Timestamp(START + "-01") + pd.DateOffset(months=args.months)
    timings = {}

    started = time.perf_counter()
    # some generated customers close before the current snapshot: generate enough that
    # about --customers of them are still active
    inputs = synthetic_inputs(int(args.customers * ACTIVE_MARGIN), args.months, args.seed)
    timings["generate_inputs_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    frame = build_training_frame(inputs, snapshot_dates(START + "-01", current, 6), current, 3)
    timings["features_all_snapshots_seconds"] = time.perf_counter() - started
    del inputs
    rss_after_features = peak_rss_mb()

    started = time.perf_counter()
    training = churn.train_churn_models(frame, churn.TrainingSettings(
        3, 3, 0.05, args.seed, max_training_rows=args.max_training_rows))
    timings["train_seconds"] = time.perf_counter() - started

    current_rows = frame.loc[frame["snapshot_date"] == current].head(args.customers)
    started = time.perf_counter()
    scores = churn.score_current_snapshot(current_rows, training, 0.05, 0.035)
    timings["score_with_drivers_seconds"] = time.perf_counter() - started
    summary = training.summary.set_index("model_name")

    print(json.dumps({
        "customers_scored": int(len(scores)), "months": args.months, "seed": args.seed,
        "feature_rows": int(len(frame)), "train_rows": int(churn.labelled(frame).shape[0]),
        "max_training_rows": args.max_training_rows, "chosen_model": training.chosen,
        "pooled_pr_auc": {k: round(float(v), 3) for k, v in summary["pooled_pr_auc"].items()},
        "no_skill_pr_auc": round(float(summary["no_skill_pr_auc"].iloc[0]), 4),
        **{key: round(value, 2) for key, value in timings.items()},
        "peak_rss_mb_after_features": round(rss_after_features, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "risk_tiers": scores["risk_tier"].value_counts().to_dict(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
