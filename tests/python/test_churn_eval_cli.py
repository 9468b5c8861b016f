"""`powerlens churn-eval` on a hand-made messy CSV, on bad input, and on a warehouse export."""
from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, bin_path

MESSY = REPO_ROOT / "tests" / "fixtures" / "messy" / "messy_customers.csv"
MODELS = ("logistic_regression", "random_forest", "hist_gradient_boosting")
# every field the JSON had before the three-model rework: new fields are added, none removed
ORIGINAL_FIELDS = {"file", "label", "positive_label", "chosen_model", "roc_auc", "pr_auc",
                   "brier", "precision_at_threshold", "recall_at_threshold", "lift_top_decile",
                   "n_rows", "n_positive", "n_flagged", "positive_rate", "threshold",
                   "validation", "rows_without_label", "numeric_features",
                   "categorical_features", "dropped_columns", "warnings", "models", "folds"}
ORIGINAL_MODEL_FIELDS = {"roc_auc", "pr_auc", "brier", "precision_at_threshold",
                         "recall_at_threshold", "lift_top_decile", "n_rows", "n_positive",
                         "n_flagged", "positive_rate", "threshold"}


def churn_eval(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([bin_path("powerlens"), "churn-eval", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def messy_result() -> dict:
    result = churn_eval(str(MESSY), "--label", "churned", "--id", "Account No")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, "one JSON object on one line"
    return json.loads(lines[0])


def test_messy_csv_is_read_and_judged(messy_result):
    with MESSY.open(encoding="utf-8-sig", newline="") as handle:
        labels = [row["churned"] for row in csv.DictReader(handle)]
    labelled = [label for label in labels if label]
    assert messy_result["n_rows"] == len(labelled)
    assert messy_result["rows_without_label"] == labels.count("")
    assert messy_result["positive_rate"] == pytest.approx(labelled.count("t") / len(labelled),
                                                          abs=1e-6)
    for key in ("roc_auc", "pr_auc", "brier", "chosen_model"):
        assert messy_result[key] is not None
    assert messy_result["chosen_model"] in MODELS


def test_json_keeps_every_earlier_field_and_reports_three_models(messy_result):
    assert ORIGINAL_FIELDS <= set(messy_result)
    assert set(messy_result["models"]) == set(MODELS)
    for name, metrics in messy_result["models"].items():
        assert ORIGINAL_MODEL_FIELDS <= set(metrics), name
        assert len(metrics["setting_per_fold"]) == messy_result["folds"]
    assert messy_result["chosen_by"] == "pr_auc"
    pr_aucs = {name: metrics["pr_auc"] for name, metrics in messy_result["models"].items()}
    assert messy_result["pr_auc"] == max(pr_aucs.values())
    assert pr_aucs[messy_result["chosen_model"]] == max(pr_aucs.values())


def test_messy_columns_are_typed_or_dropped_for_a_reason(messy_result):
    # thousands separators, a currency sign, t/f and yes/no
    assert {"monthly_kwh", "avg_bill", "late_payments", "paperless",
            "has_complaint"} <= set(messy_result["numeric_features"])
    # dash and slash dates and timestamps: durations, month of year and the span between them
    assert messy_result["date_features"] == {
        "start_date": ["start_date__months_from_reference", "start_date__month_of_year",
                       "last_contact__months_after__start_date"],
        "last_contact": ["last_contact__months_from_reference", "last_contact__month_of_year",
                         "last_contact__months_after__start_date"]}
    assert {"start_date__months_from_reference", "last_contact__months_from_reference",
            "last_contact__months_after__start_date"} <= set(messy_result["numeric_features"])
    assert set(messy_result["categorical_features"]) == {
        "segment", "region", "start_date__month_of_year", "last_contact__month_of_year"}
    # the latest date in the fixture: a last_contact timestamp on 2025-12-27 (make_messy_customers
    # draws last contacts in 2025, days 1-28)
    assert messy_result["reference_date"] == "2025-12-27"
    assert set(messy_result["dropped_columns"]) == {"Account No", "notes", "fax", "country"}


def test_messy_signal_survives_the_mess(messy_result):
    # the fixture plants churn in use, late payments and complaints (make_messy_customers.py);
    # mis-parsed numbers would leave nothing to find
    assert messy_result["roc_auc"] > 0.65
    assert messy_result["pr_auc"] > 2 * messy_result["positive_rate"]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def balanced_rows(count: int, positives: int) -> list[str]:
    return [f"{i},{i % 7},{'yes' if i < positives else 'no'}" for i in range(count)]


@pytest.mark.parametrize("case, expected", [
    ("missing_file", "file not found"),
    ("no_label_column", "no_label_column.csv: label column 'left' not in the file"),
    ("one_class", "need two classes"),
    ("too_few_positives", "only 3 positive rows"),
    ("three_classes", "must have two classes"),
    ("empty_file", "is empty"),
    ("binary", "not a text CSV"),
    ("bad_threshold", "--threshold"),
    ("bad_reference_date", "--reference-date must be YYYY-MM-DD, got '15.07.2024'"),
    ("bad_jobs", "--jobs must be at least 1, got 0"),
])
def test_bad_input_is_one_line_and_exit_code_2(tmp_path, case, expected):
    header = "id,x,left"
    files = {
        "no_label_column": "id,x\n1,2\n",
        "one_class": "\n".join([header] + [f"{i},{i},no" for i in range(40)]),
        "too_few_positives": "\n".join([header] + balanced_rows(40, 3)),
        "three_classes": "\n".join([header] + [f"{i},{i},{'abc'[i % 3]}" for i in range(40)]),
        "empty_file": "",
        "bad_threshold": "\n".join([header] + balanced_rows(60, 20)),
        "bad_reference_date": "\n".join([header] + balanced_rows(60, 20)),
        "bad_jobs": "\n".join([header] + balanced_rows(60, 20)),
    }
    if case == "missing_file":
        path = str(tmp_path / "nope.csv")
    elif case == "binary":
        path = str(tmp_path / "blob.csv")
        Path(path).write_bytes(bytes(range(256)) * 4)
    else:
        path = write(tmp_path, f"{case}.csv", files[case])
    extra = {"bad_threshold": ["--threshold", "2"],
             "bad_reference_date": ["--reference-date", "15.07.2024"],
             "bad_jobs": ["--jobs", "0"]}.get(case, [])
    result = churn_eval(path, "--label", "left", *extra, "--quiet")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert expected in result.stderr
    assert result.stdout == ""
    # without --quiet the progress lines come first and the error is the last line
    loud = churn_eval(path, "--label", "left", *extra)
    assert loud.returncode == 2
    lines = loud.stderr.strip().splitlines()
    assert lines[-1] == result.stderr.strip()
    assert all(line.startswith("churn-eval: [") for line in lines[:-1])


def test_a_column_that_gives_the_answer_away_is_flagged(tmp_path):
    rows = [f"{i},{(i * 37) % 11},{'2025-0%d-01' % (1 + i % 9) if i < 30 else ''},"
            f"{'t' if i < 30 else 'f'}" for i in range(200)]
    path = write(tmp_path, "leaky.csv", "\n".join(["id,noise,close_date,churned"] + rows))
    result = churn_eval(path, "--label", "churned", "--id", "id")
    assert result.returncode == 0, result.stderr
    warnings = json.loads(result.stdout)["warnings"]
    assert any("close_date" in warning for warning in warnings)


def test_runs_on_a_csv_exported_from_the_warehouse(built_warehouse, tmp_path):
    export = tmp_path / "warehouse_customers.csv"
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        con.execute(f"""
            copy (
                select * exclude (snapshot_date, annual_revenue_yuan)
                from scoring.py_churn_snapshot_features
                where churned is not null
                    and snapshot_date = (select max(snapshot_date) from scoring.py_churn_snapshot_features
                                         where churned is not null)
            ) to '{export}' (header, delimiter ',')
        """)
    result = churn_eval(str(export), "--label", "churned", "--id", "customer_id")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["n_rows"] > 500
    # churn is planted with noise: a useful but far from perfect model
    assert 0.55 < metrics["roc_auc"] < 0.97
