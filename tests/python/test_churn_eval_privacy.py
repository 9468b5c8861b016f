"""churn-eval on a user's own customer table: names, phones, addresses and ids are dropped with a
warning that names the column, no value from a data row reaches stdout or stderr, a table with
nothing left to learn from stops with exit code 3, and progress lines show every stage."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import REPO_ROOT, bin_path
from powerlens.scoring import cli
from powerlens.scoring.tabular import read_table, type_column

# planted values: none of them may ever be printed
PLANTED_NAME = "欧阳植入名"
PLANTED_PHONE = "13912345678"
PLANTED_ADDRESS = "江川市植入路88号"
PLANTED_EMAIL = "planted.person@example.com"
PLANTED = (PLANTED_NAME, PLANTED_PHONE, PLANTED_ADDRESS, PLANTED_EMAIL)
SURNAMES = list("王李张刘陈杨黄赵吴周")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明")


def churn_eval(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([bin_path("powerlens"), "churn-eval", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=600)


def customer_table(rows: int = 120, seed: int = 4, signal: bool = True) -> pd.DataFrame:
    """A customer export as a utility would hand it over: id, name, phone, address, e-mail,
    one useful number (late payments drive churn) and a code list. Row 7 holds the planted
    personal data."""
    rng = np.random.default_rng(seed)
    late = rng.poisson(1.0, rows)
    churned = rng.random(rows) < (np.where(late >= 2, 0.6, 0.08) if signal else 0.25)
    frame = pd.DataFrame({
        "customer_id": [f"C{100000 + i}" for i in range(rows)],
        "customer_name": [f"{SURNAMES[i % 10]}{GIVEN[(i // 10) % 15]}{GIVEN[i % 15]}"
                          for i in range(rows)],
        "phone": [f"1{rng.integers(3, 9)}{rng.integers(0, 10**9):09d}" for _ in range(rows)],
        "address": [f"江川市{['人民路', '中山路'][i % 2]}{i + 1}号" for i in range(rows)],
        "email": [f"user{i}@example.com" for i in range(rows)],
        "late_payments": late if signal else rng.poisson(1.0, rows),
        "plan_name": rng.choice(["basic", "plus"], rows),
        "churned": np.where(churned, "yes", "no"),
    })
    frame.loc[7, ["customer_name", "phone", "address", "email"]] = [
        PLANTED_NAME, PLANTED_PHONE, PLANTED_ADDRESS, PLANTED_EMAIL]
    return frame


def assert_nothing_planted(result: subprocess.CompletedProcess) -> None:
    for value in PLANTED:
        assert value not in result.stdout, value
        assert value not in result.stderr, value


@pytest.fixture(scope="module")
def personal_run(tmp_path_factory) -> subprocess.CompletedProcess:
    path = tmp_path_factory.mktemp("personal") / "customers.csv"
    customer_table().to_csv(path, index=False)
    result = churn_eval(str(path), "--label", "churned")
    assert result.returncode == 0, result.stderr
    return result


def test_names_phones_addresses_and_ids_are_dropped_with_a_warning(personal_run):
    output = json.loads(personal_run.stdout)
    dropped = output["dropped_columns"]
    # no --id given: the id is found by its name and uniqueness
    assert dropped["customer_id"] == "identifier or free text (too many distinct values)"
    assert dropped["customer_name"].startswith("identifier or free text")
    assert dropped["phone"].startswith("identifier-like number")
    assert dropped["address"].startswith("identifier or free text")
    assert dropped["email"].startswith("identifier or free text")
    assert output["numeric_features"] == ["late_payments"]
    # a two-value code list is kept although its name ends in "name"
    assert output["categorical_features"] == ["plan_name"]
    warning_lines = [line for line in personal_run.stderr.splitlines()
                     if line.startswith("churn-eval: warning: ")]
    for column in ("customer_id", "customer_name", "phone", "address", "email"):
        assert any(f"column {column!r} dropped" in warning for warning in output["warnings"])
        assert any(f"column {column!r} dropped" in line for line in warning_lines), column


def test_no_value_from_a_row_reaches_stdout_or_stderr(personal_run):
    assert_nothing_planted(personal_run)


def test_progress_lines_show_every_stage(personal_run):
    lines = personal_run.stderr.splitlines()
    progress = [line for line in lines if line.startswith("churn-eval: [")]
    assert "reading" in progress[0]
    assert any("] features: 1 numeric, 1 categorical" in line for line in progress)
    for fold in range(1, 6):
        for model in ("logistic_regression", "random_forest", "hist_gradient_boosting"):
            assert any(f"fold {fold}/5 {model}: chose " in line for line in progress), (fold, model)
    assert "] chose " in progress[-1]
    # the JSON is the only thing on stdout
    assert len(personal_run.stdout.strip().splitlines()) == 1


def test_quiet_keeps_warnings_and_drops_progress(tmp_path):
    path = tmp_path / "customers.csv"
    customer_table(60, seed=5).to_csv(path, index=False)
    result = churn_eval(str(path), "--label", "churned", "--quiet")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("churn-eval: warning: ") for line in lines)


def test_a_table_with_only_identifiers_exits_3_naming_the_columns(tmp_path):
    path = tmp_path / "only_ids.csv"
    customer_table()[["customer_id", "customer_name", "phone", "address", "churned"]].to_csv(
        path, index=False)
    result = churn_eval(str(path), "--label", "churned", "--id", "customer_id")
    assert result.returncode == 3
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("churn-eval: error: ")
    assert "no usable feature column left" in last
    for column in ("customer_name", "phone", "address"):
        assert repr(column) in last
    assert_nothing_planted(result)
    quiet = churn_eval(str(path), "--label", "churned", "--id", "customer_id", "--quiet")
    assert quiet.returncode == 3
    # with --quiet: the warnings about the dropped columns and the one error line
    assert quiet.stderr.strip().splitlines()[-1] == last
    assert all(line.startswith("churn-eval: warning: ")
               for line in quiet.stderr.strip().splitlines()[:-1])


def test_a_wrong_label_column_is_refused_without_showing_its_values(tmp_path):
    path = tmp_path / "customers.csv"
    customer_table().to_csv(path, index=False)
    result = churn_eval(str(path), "--label", "customer_name", "--quiet")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"churn-eval: error: {path}: label column 'customer_name' must have two classes, found "
        "120 distinct values; pass the column that says whether the customer churned"]
    assert_nothing_planted(result)


def test_an_unexpected_error_does_not_quote_its_message(tmp_path, monkeypatch, capsys):
    path = tmp_path / "customers.csv"
    customer_table().to_csv(path, index=False)

    def failing(*args, **kwargs):
        raise ValueError(f"could not convert string to float: '{PLANTED_NAME}'")

    monkeypatch.setattr("powerlens.scoring.crossval.cross_validate", failing)
    args = cli.argparse.Namespace(file=str(path), label="churned", id_column=None, seed=42,
                                  threshold=None, reference_date=None, jobs=1, quiet=True)
    assert cli.run(args) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip().splitlines()[-1] == (
        f"churn-eval: error: cannot evaluate {path}: ValueError (message withheld: it may quote "
        "a value from the file)")
    assert PLANTED_NAME not in captured.err


def test_a_table_without_signal_is_reported_as_no_better_than_chance(tmp_path):
    path = tmp_path / "noise.csv"
    customer_table(100, seed=11, signal=False).to_csv(path, index=False)
    result = churn_eval(str(path), "--label", "churned", "--quiet")
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    best = max(model["roc_auc"] for model in output["models"].values())
    chance = [warning for warning in output["warnings"] if "better than chance" in warning]
    # late payments and the plan are noise here: every model should rank like a coin
    assert best < 0.55, best
    assert len(chance) == 1 and f"{best:.3f}" in chance[0]
    assert any("better than chance" in line for line in result.stderr.splitlines())
    assert_nothing_planted(result)


# --- how a column is typed --------------------------------------------------------------------

def text(values) -> pd.Series:
    return pd.Series(values, dtype=object)


def test_phone_numbers_are_identifiers_but_counts_and_amounts_are_numbers():
    rng = np.random.default_rng(1)
    phones = text([f"13{rng.integers(0, 10**9):09d}" for _ in range(300)])
    assert type_column("contact", phones, False)[2].startswith("identifier-like number")
    # large whole numbers of many lengths (annual kWh) repeat or spread: a quantity
    kwh = text([str(int(x)) for x in rng.lognormal(12, 1.5, 300)])
    assert type_column("annual_kwh", kwh, False)[0] == "numeric"
    minutes = text([str(x) for x in rng.poisson(300, 300)])
    assert type_column("minutes", minutes, False)[0] == "numeric"


def test_names_that_repeat_are_free_text_and_short_code_lists_are_categories():
    # 1,000 rows of 150 names: each seen 6-7 times, under the 20 rows a level needs
    names = text([f"{SURNAMES[i % 10]}{GIVEN[(i // 10) % 15]}" for i in range(1000)])
    kind, _, reason = type_column("holder", names, False)
    assert kind == "dropped" and "most rows hold values seen fewer than 20 times" in reason
    # named like personal data and more than 20 values: dropped by its name
    streets = text([f"road {i % 30}" for i in range(1000)])
    assert type_column("street", streets, False)[2].startswith("personal data")
    assert type_column("road_code", streets, False)[0] == "categorical"
    plans = text(["basic", "plus", "max"] * 100)
    assert type_column("plan_name", plans, False)[0] == "categorical"


def test_gb18030_and_utf8_with_bom_read_the_same(tmp_path):
    # the file is handed to the CSV parser as bytes with the detected encoding
    content = "客户;用电量;流失\n张三;1,200;是\n李四; NA ;否\n"
    (tmp_path / "gbk.csv").write_bytes(content.encode("gb18030"))
    (tmp_path / "bom.csv").write_bytes(content.encode("utf-8-sig"))
    gbk, bom = read_table(tmp_path / "gbk.csv"), read_table(tmp_path / "bom.csv")
    assert list(gbk.columns) == ["客户", "用电量", "流失"]
    pd.testing.assert_frame_equal(gbk, bom)
    assert gbk["用电量"].tolist()[0] == "1,200" and pd.isna(gbk["用电量"].tolist()[1])
