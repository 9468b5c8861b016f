"""Benchmark: score N customers (default 100,000) with the churn model; time and peak memory.

    .venv/bin/python benchmarks/bench_scoring.py --customers 100000 --months 24 --seed 1

The scored population is synthetic at monthly grain (powerlens.scoring.synthetic), because
generating daily meter readings for 100,000 customers is a generator benchmark, not a scoring
one. The model is trained on a smaller population (--train-customers) the way the warehouse
does it (out-of-time evaluation of both models, the better one refitted on every labelled
snapshot), then the features of the current snapshot are built and scored for everyone:
probability, tier, top-3 drivers, revenue at risk and action. Prints one JSON object.
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
from powerlens.scoring.features import (build_snapshot_features, build_training_frame,  # noqa: E402
                                        snapshot_dates)
from powerlens.scoring.synthetic import synthetic_inputs  # noqa: E402

START = "2024-01"
# about 12% of the synthetic customers close within 24 months
ACTIVE_MARGIN = 1.2


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--train-customers", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    current = (churn.pd.Timestamp(START + "-01") + churn.pd.DateOffset(months=args.months))
    timings = {}

    started = time.perf_counter()
    training_inputs = synthetic_inputs(args.train_customers, args.months, args.seed)
    frame = build_training_frame(training_inputs, snapshot_dates(START + "-01", current, 6),
                                 current, window_months=3)
    metrics = churn.evaluate_out_of_time(frame, 3, periods=1, threshold=0.05, seed=args.seed)
    importance = churn.feature_importance(frame, 3, seed=args.seed, repeats=2)
    name = churn.choose_model(metrics)
    model = churn.fit_final_model(frame, name, args.seed)
    timings["train_seconds"] = time.perf_counter() - started
    rss_after_training = peak_rss_mb()

    started = time.perf_counter()
    # some generated customers close before the current snapshot: generate enough that
    # --customers of them are still active, then score exactly that many
    inputs = synthetic_inputs(int(args.customers * ACTIVE_MARGIN), args.months,
                              args.seed + 1).normalised()
    timings["generate_inputs_seconds"] = time.perf_counter() - started
    rss_after_inputs = peak_rss_mb()

    started = time.perf_counter()
    all_active = build_snapshot_features(inputs, current).reset_index()
    features = all_active.head(args.customers)
    features.insert(0, "snapshot_date", current)
    timings["features_seconds"] = time.perf_counter() - started

    started = time.perf_counter()
    scores = churn.score_customers(model, name, features, churn.driver_candidates(importance, name),
                                   churn.baseline_values(churn.labelled(frame)), 0.05, 0.035)
    timings["score_seconds"] = time.perf_counter() - started

    print(json.dumps({
        "customers_scored": int(len(scores)), "customers_featured": int(len(all_active)),
        "customers_generated": int(args.customers * ACTIVE_MARGIN), "months": args.months, "seed": args.seed,
        "train_customers": args.train_customers, "train_rows": int(churn.labelled(frame).shape[0]),
        "chosen_model": name,
        "driver_candidates": len(churn.driver_candidates(importance, name)),
        **{key: round(value, 2) for key, value in timings.items()},
        "features_plus_score_seconds": round(timings["features_seconds"] + timings["score_seconds"], 2),
        "peak_rss_mb_after_training": round(rss_after_training, 1),
        "peak_rss_mb_after_inputs": round(rss_after_inputs, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "risk_tiers": scores["risk_tier"].value_counts().to_dict(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
