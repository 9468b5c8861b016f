"""churn-eval's handling of dates and categories, its three tuned models, and whether the date
features earn their place. Expected numbers are worked out by hand in the comments."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from powerlens.scoring.cli import evaluate_file
from powerlens.scoring.tabular import (InputError, month_of_year, months_from_reference,
                                       parse_reference_date, prepare_table, read_table)
from powerlens.scoring.tabular_models import MODEL_NAMES, SEARCH_SPACE, fit_tuned_model

REFERENCE = pd.Timestamp("2024-07-15")


def dates(*texts: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(texts), format="ISO8601"))


def write_csv(tmp_path: Path, name: str, frame: pd.DataFrame) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


# --- date features ---------------------------------------------------------------------------

def test_months_from_reference_is_positive_in_the_past_and_negative_in_the_future():
    months = months_from_reference(dates("2023-01-15", "2024-10-15", "2024-07-15", None),
                                   REFERENCE)
    # 2023-01-15 -> 2024-07-15: 12 + 6 months, same day of month: 18 months since (a tenure)
    assert months[0] == 18.0
    # 2024-10-15 is 3 months after the reference: -3, i.e. 3 months until (a contract end)
    assert months[1] == -3.0
    assert months[2] == 0.0
    assert np.isnan(months[3])  # a missing date stays missing


def test_months_from_reference_counts_days_as_a_fraction_of_an_average_month():
    months = months_from_reference(dates("2024-07-01", "2024-06-30T12:00:00"), REFERENCE)
    # 14 days before the 15th: 14 / (365.25 / 12) = 14 / 30.4375 = 0.45996
    assert months[0] == pytest.approx(14 / 30.4375)
    # one calendar month (June -> July) minus the 14.5 days from the 30th noon to the 15th:
    # 1 + (14 - 29.5) / 30.4375 = 0.49076
    assert months[1] == pytest.approx(1 + (14 - 29.5) / 30.4375)


def test_month_of_year_is_a_category_and_missing_stays_missing():
    months = month_of_year(dates("2024-01-31", "2023-12-01", None))
    assert months[0] == "1" and months[1] == "12"
    assert pd.isna(months[2])


def test_reference_date_must_be_year_month_day():
    assert parse_reference_date("2024-07-15") == REFERENCE
    for bad in ("15/07/2024", "2024-7-15", "2024-02-30", "soon"):
        with pytest.raises(InputError, match="--reference-date"):
            parse_reference_date(bad)


def small_contract_table(rows: int = 60) -> pd.DataFrame:
    """Contracts with a slash-dated start, an ISO end (some missing) and a timestamped change."""
    frame = pd.DataFrame({
        "customer": [f"K{i}" for i in range(rows)],
        "start": ["2023/01/15"] * rows,
        "end": ["2024-10-15"] * (rows - 6) + [""] * 6,
        "changed": ["2024-06-30 12:00"] * rows,
        "plan": ["Basic", "basic ", "PLUS", "premium"] * (rows // 4),
        "churn": ["yes"] * 20 + ["no"] * (rows - 20),
    })
    # second values, or the columns would be dropped as constant
    frame.loc[0, ["start", "end"]] = ["2022/11/15", "2024-12-15"]
    frame.loc[1, "changed"] = "2024-05-30 12:00"
    return frame


def test_date_columns_become_durations_month_and_spans(tmp_path):
    path = write_csv(tmp_path, "contracts.csv", small_contract_table())
    table = prepare_table(read_table(path), "churn", "customer", REFERENCE)
    assert table.reference_date == "2024-07-15"
    assert table.date_features["start"] == ["start__months_from_reference",
                                            "start__month_of_year", "end__months_after__start",
                                            "changed__months_after__start"]
    row = table.features.iloc[5]
    assert row["start__months_from_reference"] == 18.0
    assert row["end__months_from_reference"] == -3.0
    assert row["start__month_of_year"] == "1" and row["end__month_of_year"] == "10"
    # a contract from 2023-01-15 to 2024-10-15 is 21 months long, whatever the reference
    assert row["end__months_after__start"] == 21.0
    # spans are named in file order, later column first: the change (2024-06-30 12:00) comes
    # 4 + (14 - 29.5) / 30.4375 = 3.49 months before the end (2024-10-15), so -3.49 after it
    assert row["changed__months_after__end"] == pytest.approx(-(4 + (14 - 29.5) / 30.4375))
    missing_end = table.features.iloc[-1]
    assert np.isnan(missing_end["end__months_from_reference"])
    assert pd.isna(missing_end["end__month_of_year"])
    assert np.isnan(missing_end["end__months_after__start"])
    # the raw dates themselves are no longer features
    assert not {"start", "end", "changed"} & set(table.numeric + table.categorical)


def test_default_reference_is_the_latest_date_in_the_table(tmp_path):
    path = write_csv(tmp_path, "contracts.csv", small_contract_table())
    table = prepare_table(read_table(path), "churn", "customer")
    # the latest date anywhere is row 0's end date, 2024-12-15: an end on 2024-10-15 is then 2
    # months in the past and a start on 2023-01-15 is 23 months before it
    assert table.reference_date == "2024-12-15"
    assert table.features.iloc[5]["end__months_from_reference"] == 2.0
    assert table.features.iloc[5]["start__months_from_reference"] == 23.0


# --- categories ------------------------------------------------------------------------------

def test_text_codes_are_categories_with_rare_levels_counted_and_free_text_dropped(tmp_path):
    rows = 400
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({
        "id": range(rows),
        # 3 common levels (differing in case and spaces) and 2 seen 5 times each
        "channel": (["Web", "web ", "SHOP", "phone"] * 100)[:rows - 10] + ["fax"] * 5 + ["mail"] * 5,
        "comment": [f"free text note number {i}" for i in range(rows)],
        "usage": rng.normal(size=rows).round(3),
        "left": ["t"] * 40 + ["f"] * (rows - 40),
    })
    table = prepare_table(read_table(write_csv(tmp_path, "codes.csv", frame)), "left", "id")
    assert table.categorical == ["channel"]
    # web/Web/"web " are one level: web, shop, phone, fax, mail; fax and mail are under 20 rows
    assert table.categorical_levels["channel"] == {"levels": 5, "rare_levels": 2}
    assert table.dropped["comment"].startswith("identifier or free text")
    assert table.dropped["id"] == "identifier (--id)"


def code_table(rows: int, seed: int) -> pd.DataFrame:
    """Churn driven by an unordered code only: levels b, e and g churn, the others do not."""
    rng = np.random.default_rng(seed)
    code = rng.choice(list("abcdefgh"), size=rows)
    churned = rng.random(rows) < np.where(np.isin(code, ["b", "e", "g"]), 0.35, 0.02)
    return pd.DataFrame({"code": code, "noise": rng.normal(size=rows),
                         "churned": churned.astype(int)})


def test_gradient_boosting_splits_on_the_code_natively_and_every_model_finds_it():
    train, test = code_table(1500, 1), code_table(1000, 2)
    for name in MODEL_NAMES:
        model, record = fit_tuned_model(name, train, train["churned"].to_numpy(), ["noise"],
                                        ["code"], seed=0)
        probabilities = model.predict_proba(test[["noise", "code"]])[:, 1]
        # ranking the 3 churning levels first: churn rate 0.375 * 0.35 + 0.625 * 0.02 = 0.144,
        # 91.3% of churners and 28.5% of the others in those levels, so ROC-AUC
        # 0.913 * 0.715 + (0.913 * 0.285 + 0.087 * 0.715) / 2 = 0.81; no signal gives 0.5
        assert roc_auc_score(test["churned"], probabilities) > 0.72, name
        assert record["setting"] in SEARCH_SPACE[name]
    boosting, _ = fit_tuned_model("hist_gradient_boosting", train, train["churned"].to_numpy(),
                                  ["noise"], ["code"], seed=0)
    fitted = boosting.calibrated_classifiers_[0].estimator.named_steps["model"]
    assert list(fitted.is_categorical_) == [False, True]


def test_a_missing_date_is_a_signal_every_model_can_use():
    # churners are the customers without a renewal date; the present dates carry nothing
    rng = np.random.default_rng(5)
    rows = 1200
    churned = rng.random(rows) < 0.12
    has_date = np.where(churned, rng.random(rows) < 0.2, rng.random(rows) < 0.9)
    renewal = pd.Series(pd.Timestamp("2024-01-01")
                        + pd.to_timedelta(rng.integers(0, 700, size=rows), unit="D"))
    renewal = renewal.where(has_date)
    features = pd.DataFrame({"renewal__months_from_reference":
                             months_from_reference(renewal, REFERENCE),
                             "renewal__month_of_year": month_of_year(renewal)})
    half = rows // 2
    for name in MODEL_NAMES:
        model, _ = fit_tuned_model(name, features.iloc[:half], churned[:half].astype(int),
                                   ["renewal__months_from_reference"], ["renewal__month_of_year"],
                                   seed=0)
        probabilities = model.predict_proba(features.iloc[half:])[:, 1]
        # missing for 80% of churners and 10% of the others: ranking the missing first gives
        # ROC-AUC 0.8 * 0.9 + (0.8 * 0.1 + 0.2 * 0.9) / 2 = 0.85; ignoring missingness, 0.5
        assert roc_auc_score(churned[half:], probabilities) > 0.75, name


# --- the whole evaluation --------------------------------------------------------------------

def contract_end_table(rows: int, seed: int) -> pd.DataFrame:
    """Churn depends only on the months to contract end: 60% within 2 months, 2% otherwise.
    The other columns are noise."""
    rng = np.random.default_rng(seed)
    days_to_end = rng.integers(-60, 720, size=rows)
    ends = pd.Timestamp("2024-06-30") + pd.to_timedelta(days_to_end, unit="D")
    near_end = (days_to_end >= 0) & (days_to_end <= 61)
    churned = rng.random(rows) < np.where(near_end, 0.6, 0.02)
    return pd.DataFrame({
        "account": [f"A{i}" for i in range(rows)],
        "contract_end": ends.strftime("%Y-%m-%d"),
        "region": rng.choice(["n", "s", "e", "w"], size=rows),
        "usage": rng.lognormal(5, 0.5, size=rows).round(1),
        "churned": np.where(churned, "yes", "no"),
    })


@pytest.fixture(scope="module")
def contract_end_csv(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("churn") / "contract_end.csv"
    contract_end_table(1500, 9).to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def with_dates(contract_end_csv) -> dict:
    return json.loads(json.dumps(evaluate_file(contract_end_csv, "churned", "account", 42, None,
                                               "2024-06-30")))


def test_three_models_reported_and_the_chosen_one_has_the_best_pr_auc(with_dates):
    models = with_dates["models"]
    assert set(models) == set(MODEL_NAMES)
    for metrics in models.values():
        for key in ("roc_auc", "pr_auc", "brier", "threshold"):
            assert 0 <= metrics[key] <= 1, key
        assert metrics["lift_top_decile"] >= 0
        assert len(metrics["setting_per_fold"]) == 5
    assert with_dates["chosen_by"] == "pr_auc"
    best = max(models, key=lambda name: models[name]["pr_auc"])
    assert with_dates["chosen_model"] == best
    assert with_dates["pr_auc"] == models[best]["pr_auc"]
    assert with_dates["reference_date"] == "2024-06-30"
    assert with_dates["date_features"] == {"contract_end": ["contract_end__months_from_reference",
                                                            "contract_end__month_of_year"]}


def test_the_date_feature_lifts_pr_auc_over_the_table_without_it(contract_end_csv, with_dates):
    without = evaluate_file(contract_end_csv, "churned", "account", 42, None, None,
                            drop_columns=("contract_end",))
    # 62 of the 781 equally likely end days (7.9%) fall within 2 months, at 60% churn against
    # 2% for the rest: churn rate 0.079 * 0.6 + 0.921 * 0.02 = 0.066, 72% of churners near
    # their end. Ranking those first gives PR-AUC about 0.72 * 0.6 + 0.28 * ~0.1 = 0.46.
    # Without the date only noise is left: PR-AUC near the churn rate.
    assert without["pr_auc"] < 0.15
    assert with_dates["pr_auc"] > 0.3
    assert with_dates["pr_auc"] > 2 * without["pr_auc"]


def test_the_reference_date_changes_the_readings_not_the_metrics(contract_end_csv, with_dates):
    # moving the reference shifts every duration by the same number of months: no model ranks
    # customers differently for that
    later = evaluate_file(contract_end_csv, "churned", "account", 42, None, "2025-03-01")
    assert later["reference_date"] == "2025-03-01"
    for name in MODEL_NAMES:
        assert later["models"][name]["pr_auc"] == pytest.approx(
            with_dates["models"][name]["pr_auc"], abs=0.01), name
