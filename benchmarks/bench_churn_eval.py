"""Benchmark: `powerlens churn-eval` on a large customer table (default 1,000,000 rows).

    .venv/bin/python benchmarks/bench_churn_eval.py --rows 1000000 [-- --jobs 1]

Generates (once; reused while the file exists, `--regenerate` to redo it) a CSV of telecom
subscribers by the stated process of benchmarks/make_churn_tables.py (`telecom_subscriptions`:
dates, a contract end, plans, fees, about 10% churn), plus three personal-data columns that a
real export carries and churn-eval must drop: `customer_name` (Chinese names drawn like the
PowerLens generator's, so they repeat at this size), `phone` (11-digit mobile numbers) and
`address`. Then runs the command a user would run, streaming its progress lines (stderr), and
prints one JSON object: rows, wall seconds, the machine's load average before and after (the
machine may be shared: figures taken under load are upper bounds), peak memory of the run,
the metrics of every model, the ceiling (how well the generating process's true probability
ranks the drawn labels) and the dropped columns. Arguments after `--` go to churn-eval.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from make_churn_tables import telecom_subscriptions  # noqa: E402

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰建国志红梅海燕波宁斌浩凯鹏飞晨欣怡婷雪琳俊峰")
ROADS = ["人民路", "解放路", "中山路", "建设路", "滨江大道", "新华街", "学府路", "工业大道"]


def make_table(rows: int, seed: int) -> tuple[np.ndarray, pd.DataFrame]:
    """(true churn probability, table)."""
    rng = np.random.default_rng(seed)
    probability, table = telecom_subscriptions(rng, rows)
    surname = np.array(SURNAMES)[rng.integers(0, len(SURNAMES), rows)]
    given = np.array(GIVEN)[rng.integers(0, len(GIVEN), rows)]
    second = np.array([""] + GIVEN)[rng.integers(0, len(GIVEN) + 1, rows)]
    table.insert(1, "customer_name", np.char.add(np.char.add(surname, given), second))
    mobile = rng.integers(0, 10**9, rows).astype(str)
    table.insert(2, "phone", np.char.add(np.array(["13", "15", "18"])[rng.integers(0, 3, rows)],
                                         np.char.zfill(mobile, 9)))
    table.insert(3, "address", [f"江川市{ROADS[r]}{n}号{b}栋{u}室" for r, n, b, u in zip(
        rng.integers(0, len(ROADS), rows), rng.integers(1, 400, rows),
        rng.integers(1, 30, rows), rng.integers(101, 2600, rows))])
    return probability, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", default="/tmp/powerlens_bench_churn_eval",
                        help="folder for the generated CSV (default %(default)s)")
    parser.add_argument("--regenerate", action="store_true", help="write the CSV again")
    parser.add_argument("churn_eval_args", nargs="*",
                        help="passed on to churn-eval after --, e.g. -- --jobs 1")
    args = parser.parse_args()

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"telecom_{args.rows}_seed{args.seed}.csv"
    ceiling_path = path.with_suffix(".ceiling.json")
    generate_seconds = None
    if args.regenerate or not path.is_file() or not ceiling_path.is_file():
        from sklearn.metrics import average_precision_score, roc_auc_score

        started = time.perf_counter()
        probability, table = make_table(args.rows, args.seed)
        table.to_csv(path, index=False)
        churned = (table["churned_next_90d"] == "yes").to_numpy()
        # how well the generating process's own probability ranks the drawn labels: no model
        # can be expected to beat it
        ceiling_path.write_text(json.dumps({
            "roc_auc": round(float(roc_auc_score(churned, probability)), 4),
            "pr_auc": round(float(average_precision_score(churned, probability)), 4)}))
        generate_seconds = round(time.perf_counter() - started, 1)
        print(f"wrote {path} in {generate_seconds} s", file=sys.stderr)

    command = [str(REPO / ".venv" / "bin" / "powerlens"), "churn-eval", str(path),
               "--label", "churned_next_90d", "--id", "subscriber_id",
               "--reference-date", "2024-06-30", *args.churn_eval_args]
    print("$ " + " ".join(command), file=sys.stderr)
    load_before = os.getloadavg()
    started = time.perf_counter()
    # stderr (the progress lines) goes straight to the terminal
    result = subprocess.run(command, stdout=subprocess.PIPE, text=True, cwd=REPO)
    seconds = time.perf_counter() - started
    load_after = os.getloadavg()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    summary = {"rows": args.rows, "file_mb": round(path.stat().st_size / 1e6, 1),
               "generate_seconds": generate_seconds, "exit_code": result.returncode,
               "seconds": round(seconds, 1), "cpus": os.cpu_count(),
               "load_average_before": [round(x, 2) for x in load_before],
               "load_average_after": [round(x, 2) for x in load_after],
               "peak_rss_gb": round(peak_kib / 2**20, 2), "command": " ".join(command)}
    if result.returncode == 0:
        metrics = json.loads(result.stdout)
        summary.update({
            "chosen_model": metrics["chosen_model"],
            "models": {name: {key: model[key] for key in ("roc_auc", "pr_auc", "fit_seconds")}
                       for name, model in metrics["models"].items()},
            "ceiling": json.loads(ceiling_path.read_text()),
            "parallel_fits": metrics["parallel_fits"],
            "dropped_columns": metrics["dropped_columns"], "warnings": metrics["warnings"]})
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
