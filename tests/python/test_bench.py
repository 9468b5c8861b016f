"""`powerlens bench`: end to end on a small sample, and the parsing it relies on."""
from __future__ import annotations

import csv
import json
import sys

from conftest import REPO_ROOT, bin_path, run_command
from powerlens import bench

STAGES = ("generate", "baseline", "preflight", "staging", "gate", "marts", "publish", "total run")


def test_bench_end_to_end(tmp_path):
    report_path = tmp_path / "bench.json"
    result = run_command([bin_path("powerlens"), "bench", "--customers", "150", "--months", "6",
                          "--format", "csv", "--skip-scoring", "--work", str(tmp_path / "work"),
                          "--json", str(report_path)])
    report = json.loads(report_path.read_text(encoding="utf-8"))
    for stage in STAGES:
        assert report["stages"][stage] > 0, (stage, report["stages"])
    assert isinstance(report["ratio"], float) and report["ratio"] > 0
    assert isinstance(report["core_ratio"], float) and report["core_ratio"] > 0
    assert report["dbt"]["core_nodes_missing"] == []
    assert report["peak_rss_mb"]["run"] > report["max_process_rss_mb"]["run"] * 0.5 > 0
    assert len(report["slowest_nodes"]) == 10
    assert report["run"]["status"] == "published"
    assert report["baseline"]["rows"]["recomputed_bills"] > 0
    # --skip-scoring builds the SQL warehouse only
    assert report["parameters"]["skip_scoring"] is True
    assert report["dbt"]["python_models"] == 0 and report["dbt"]["sql_models"] > 50
    table = result.stdout.split("\n\n", 1)[1]  # the table printed after the progress lines
    for stage in STAGES:
        assert f"\n{stage} " in "\n" + table, f"stage {stage} missing from the table:\n{table}"
    assert "ratio, all SQL models / baseline" in table and "10 slowest dbt nodes" in table
    # the stdout also carries the report as one JSON line
    assert json.loads(result.stdout.strip().splitlines()[-1])["stages"] == report["stages"]


def test_csv_numbering_benchmark_times_every_numbering(tmp_path):
    """benchmarks/bench_csv_numbering.py (docs/benchmarks.md, "Why CSV input misses 180 s")
    checks each numbering's last number against the row count before it reports a time."""
    readings = tmp_path / "meter_readings.csv"
    with readings.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "reading_date", "kwh_peak", "kwh_valley"])
        for day in range(1, 29):
            for customer in range(100):
                writer.writerow([f"C{customer:08d}", f"2024-02-{day:02d}", "1,234.5", " 2.5"])
    result = run_command([sys.executable, str(REPO_ROOT / "benchmarks" / "bench_csv_numbering.py"),
                          str(readings)])
    report = json.loads(result.stdout)
    assert report["rows"] == 2800
    assert set(report["seconds"]) == {"numbered_with_ordinality", "not_numbered",
                                      "numbered_with_row_number", "copied_in_order_then_rowid",
                                      "copied_in_order_then_rowid_parts"}


def test_dbt_log_lines_are_parsed(tmp_path):
    log = tmp_path / "dbt_staging.log"
    log.write_text(
        "\x1b[0m14:16:32  2 of 493 OK loaded seed file reference.code_labels ........ "
        "[\x1b[32mINSERT 81\x1b[0m in 0.31s]\n"
        "\x1b[0m14:16:32  1 of 493 START sql table model staging.stg_cis__bills ..... [RUN]\n"
        "\x1b[0m14:16:32  1 of 493 OK created sql table model staging.stg_cis__bills ..... "
        "[\x1b[32mOK\x1b[0m in 0.47s]\n"
        "14:16:40  9 of 493 OK created python table model scoring.py_churn_scores ..... [OK in 2.50s]\n"
        "14:16:34  62 of 493 PASS base_cis__customers::base_cis__customers_rule_per_row ... [PASS in 0.67s]\n"
        "14:16:35  77 of 493 PASS not_null_stg_cis__customers_customer_id ......... [PASS in 0.05s]\n",
        encoding="utf-8")
    nodes = bench.nodes_from_log(log, "staging")
    assert [(n["type"], n["language"], n["name"], n["seconds"]) for n in nodes] == [
        ("seed", None, "code_labels", 0.31),
        ("model", "sql", "stg_cis__bills", 0.47),
        ("model", "python", "py_churn_scores", 2.5),
        ("unit_test", None, "base_cis__customers::base_cis__customers_rule_per_row", 0.67),
        ("test", None, "not_null_stg_cis__customers_customer_id", 0.05),
    ]


def test_stage_seconds_from_progress_lines():
    run = bench.ChildResult("run", [])
    run.seconds = 20.0
    run.stdout_lines = [(1.0, "[r1] preflight of /raw"), (1.5, "[r1] dbt: seeds and staging into x"),
                        (8.0, "[r1] quality gate (Great Expectations)"),
                        (10.0, "[r1] dbt: intermediate models, marts and Python models"),
                        (19.0, "[r1] publishing"), (19.9, "powerlens run r1: published")]
    seconds, run_id = bench.run_stage_seconds(run)
    assert run_id == "r1"
    assert seconds == {"run_startup": 1.0, "preflight": 0.5, "staging": 6.5, "gate": 2.0,
                       "marts": 9.0, "publish": 1.0}


def test_export_date():
    assert bench.export_date("2024-01", 12).isoformat() == "2025-01-31"
    assert bench.export_date("2024-01", 6).isoformat() == "2024-07-31"
