"""Bills of the generator recomputed independently from readings and seeds (docs/billing_rules.md).

A plain, row-by-row Decimal implementation written from the rules, not from the generator's code:
every bill must match to the cent except exactly the planted errors, and each planted error must
sit in the component the truth file names.
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import warnings
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal, getcontext
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO_ROOT
from powerlens.generator.billing import monthly_power_factor

getcontext().prec = 50
CENT = Decimal("0.01")
PERIODS = ("sharp", "peak", "flat", "valley")


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def round_half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def pf_standard(customer: dict[str, str]) -> str | None:
    kind = customer["customer_type"]
    capacity = Decimal(customer["contract_capacity_kva"])
    voltage = Decimal(customer["voltage_kv"])
    if kind == "residential":
        return None
    if kind in ("large_industrial", "general_commercial", "ev_charging") and voltage >= 10 and capacity >= 160:
        return "0.90"
    if kind == "agricultural" and capacity >= 100:
        return "0.80"
    if capacity >= 100:
        return "0.85"
    return None


def expected_bills(raw_dir: Path) -> dict[tuple[str, str], dict[str, Decimal | None]]:
    tariffs = {row["tariff_code"]: row for row in read_rows(REPO_ROOT / "seeds" / "tariffs.csv")}
    pf_table = {(row["pf_standard"], row["power_factor"]): Decimal(row["adjustment_pct"])
                for row in read_rows(REPO_ROOT / "seeds" / "power_factor_adjustment.csv")}
    customers = {row["customer_id"]: row for row in read_rows(raw_dir / "customers.csv")}
    usage: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    peak_demand: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for reading in read_rows(raw_dir / "meter_readings.csv"):
        key = (reading["customer_id"], reading["reading_date"][:7])
        month = usage[key]
        for period in PERIODS:
            month[period] += Decimal(reading[f"kwh_{period}"])
        month["kvarh"] += Decimal(reading["kvarh"])
        peak_demand[key] = max(peak_demand[key], Decimal(reading["max_demand_kw"]))

    bills = {}
    for (customer_id, billing_month), month in usage.items():
        customer = customers[customer_id]
        tariff = tariffs[customer["tariff_code"]]
        year, mon = map(int, billing_month.split("-"))
        days_in_month = calendar.monthrange(year, mon)[1]
        first, last = dt.date(year, mon, 1), dt.date(year, mon, days_in_month)
        opened = dt.date.fromisoformat(customer["open_date"])
        closed = dt.date.fromisoformat(customer["close_date"]) if customer["close_date"] else last
        active_days = (min(last, closed) - max(first, opened)).days + 1

        kwh_total = sum(month[p] for p in PERIODS)
        energy = round_half_up(sum(month[p] * Decimal(tariff[f"price_{p}"]) for p in PERIODS))
        basis = customer["basic_charge_basis"]
        if basis == "capacity":
            basic = round_half_up(Decimal(customer["contract_capacity_kva"])
                                  * Decimal(tariff["basic_charge_per_kva_month"]) * active_days / days_in_month)
        elif basis == "demand":
            basic = round_half_up(peak_demand[(customer_id, billing_month)]
                                  * Decimal(tariff["basic_charge_per_kw_month"]) * active_days / days_in_month)
        else:
            basic = Decimal("0.00")
        power_factor = None
        adjustment = Decimal("0.00")
        if kwh_total > 0:
            power_factor = round_half_up(kwh_total / (kwh_total**2 + month["kvarh"] ** 2).sqrt())
            standard = pf_standard(customer)
            if standard is not None:
                adjustment = round_half_up((basic + energy) * pf_table[(standard, f"{power_factor:.2f}")] / 100)
        surcharge = round_half_up(kwh_total * Decimal(tariff["surcharge_per_kwh"]))
        issue = dt.date(year + mon // 12, mon % 12 + 1, 3)
        grace = 15 if customer["customer_type"] in ("residential", "agricultural") else 10
        bills[(customer_id, billing_month)] = {
            "kwh_total": kwh_total, "power_factor": power_factor, "basic_charge": basic,
            "energy_charge": energy, "pf_adjustment": adjustment, "surcharge": surcharge,
            "issue_date": issue, "due_date": issue + dt.timedelta(days=grace),
        }
    return bills


@pytest.fixture(scope="module")
def bill_comparison(sample_raw_dir):
    expected = expected_bills(sample_raw_dir)
    actual = read_rows(sample_raw_dir / "bills.csv")
    truth = {row["bill_id"]: row for row in read_rows(sample_raw_dir / "_truth" / "planted_bill_errors.csv")}
    return expected, actual, truth


def test_one_bill_per_active_customer_month(bill_comparison, sample_raw_dir):
    expected, actual, _ = bill_comparison
    assert len(actual) == len({(b["customer_id"], b["billing_month"]) for b in actual})
    assert {(b["customer_id"], b["billing_month"]) for b in actual} == set(expected)


def test_bills_match_the_rules_except_exactly_the_planted_errors(bill_comparison):
    expected, actual, truth = bill_comparison
    components = ("basic_charge", "energy_charge", "pf_adjustment", "surcharge")
    wrong: dict[str, list[str]] = {}
    for bill in actual:
        want = expected[(bill["customer_id"], bill["billing_month"])]
        assert Decimal(bill["kwh_total"]) == want["kwh_total"], bill["bill_id"]
        got_pf = Decimal(bill["power_factor"]) if bill["power_factor"] else None
        assert got_pf == want["power_factor"], bill["bill_id"]
        assert bill["issue_date"] == want["issue_date"].isoformat()
        assert bill["due_date"] == want["due_date"].isoformat()
        # total_amount is always the sum of the components as written (wrong ones included)
        assert Decimal(bill["total_amount"]) == sum(Decimal(bill[c]) for c in components), bill["bill_id"]
        differing = [c for c in components if Decimal(bill[c]) != want[c]]
        if differing:
            wrong[bill["bill_id"]] = differing
    assert set(wrong) == set(truth), "bills that differ from the rules must be exactly the planted ones"
    for bill_id, differing in wrong.items():
        assert differing == [truth[bill_id]["component"]], bill_id


def test_planted_error_share_and_kinds(bill_comparison):
    _, actual, truth = bill_comparison
    share = len(truth) / len(actual)
    assert 0.002 <= share <= 0.004, share  # default --billing-error-rate 0.003
    kinds = {row["error_kind"] for row in truth.values()}
    assert kinds == {"wrong_period_split", "wrong_pf_adjustment", "wrong_basic_charge"}
    expected_component = {"wrong_period_split": "energy_charge", "wrong_pf_adjustment": "pf_adjustment",
                          "wrong_basic_charge": "basic_charge"}
    assert all(row["component"] == expected_component[row["error_kind"]] for row in truth.values())


def test_power_factor_penalties_and_rewards_both_occur(bill_comparison):
    _, actual, _ = bill_comparison
    adjustments = [Decimal(b["pf_adjustment"]) for b in actual]
    assert sum(a > 0 for a in adjustments) >= 20
    assert sum(a < 0 for a in adjustments) >= 20


def test_monthly_power_factor_edge_cases_without_numeric_warnings():
    # worked by hand: 300 / hypot(300, 400) = 0.60; no reactive energy gives 1.00; either side of
    # 0.895: 894 / hypot(894, 447) = 2 / sqrt(5) = 0.8944 -> 0.89, 895 / hypot(895, 440) = 0.8974
    # -> 0.90; no energy (an empty home, 0 / 0) has no power factor (-1), whatever kvarh
    kwh = np.array([300, 5, 894, 895, 0, 0], dtype=np.int64)
    kvarh = np.array([400, 0, 447, 440, 0, 7], dtype=np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert monthly_power_factor(kwh, kvarh).tolist() == [60, 100, 89, 90, -1, -1]
