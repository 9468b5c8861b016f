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


def block_surcharge(before: Decimal, kwh: Decimal, tariff: dict[str, str]) -> Decimal:
    """The block surcharges of a month: each kWh of the year's running total past a limit pays its block's surcharge."""
    limit1, limit2 = Decimal(tariff["block1_limit_kwh_year"]), Decimal(tariff["block2_limit_kwh_year"])
    after = before + kwh
    in_block3 = max(after - max(before, limit2), Decimal(0))
    in_block2 = max(kwh - in_block3 - max(limit1 - before, Decimal(0)), Decimal(0))
    return in_block2 * Decimal(tariff["block2_surcharge_per_kwh"]) + in_block3 * Decimal(tariff["block3_surcharge_per_kwh"])


def expected_bills(raw_dir: Path) -> dict[tuple[str, str], dict[str, Decimal | None]]:
    tariffs = {row["tariff_code"]: row for row in read_rows(REPO_ROOT / "seeds" / "tariffs.csv")}
    pf_table = {(row["pf_standard"], row["power_factor"]): Decimal(row["adjustment_pct"])
                for row in read_rows(REPO_ROOT / "seeds" / "power_factor_adjustment.csv")}
    customers = {row["customer_id"]: row for row in read_rows(raw_dir / "customers.csv")}
    # seasonal sharp hours: sharp kWh of other months are priced as those hours' off-season period
    sharp_hours = [row for row in read_rows(REPO_ROOT / "seeds" / "tou_periods.csv") if row["tou_period"] == "sharp"]
    sharp_months = {int(m) for row in sharp_hours for m in row["season_months"].split(",")}
    sharp_off_season = sharp_hours[0]["off_season_period"]
    usage: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    peak_demand: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for reading in read_rows(raw_dir / "meter_readings.csv"):
        key = (reading["customer_id"], reading["reading_date"][:7])
        month = usage[key]
        for period in PERIODS:
            month[period] += Decimal(reading[f"kwh_{period}"])
        month["kvarh"] += Decimal(reading["kvarh"])
        peak_demand[key] = max(peak_demand[key], Decimal(reading["max_demand_kw"]))

    # residential annual blocks: the kWh of the customer's earlier months of the same calendar year
    year_to_date_before: dict[tuple[str, str], Decimal] = {}
    running: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for customer_id, billing_month in sorted(usage):
        year_key = (customer_id, billing_month[:4])
        year_to_date_before[(customer_id, billing_month)] = running[year_key]
        running[year_key] += sum(usage[(customer_id, billing_month)][p] for p in PERIODS)

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
        # the basic charge of a part month is 1/30 of the monthly charge per day of use
        share = Decimal(1) if active_days == days_in_month else Decimal(active_days) / 30
        sharp_price_as = "sharp" if mon in sharp_months else sharp_off_season
        energy = sum(month[p] * Decimal(tariff[f"price_{sharp_price_as if p == 'sharp' else p}"]) for p in PERIODS)
        if Decimal(tariff["block1_limit_kwh_year"]) > 0:
            energy += block_surcharge(year_to_date_before[(customer_id, billing_month)], kwh_total, tariff)
        energy = round_half_up(energy)
        basis = customer["basic_charge_basis"]
        if basis == "capacity":
            basic = round_half_up(Decimal(customer["contract_capacity_kva"])
                                  * Decimal(tariff["basic_charge_per_kva_month"]) * share)
        elif basis == "demand":
            rate = Decimal(tariff["basic_charge_per_kw_month"])
            floor = Decimal("0.4") * Decimal(customer["contract_capacity_kva"])
            contract = max(Decimal(customer["contract_demand_kw"] or 0), floor)
            excess = max(peak_demand[(customer_id, billing_month)] - Decimal("1.05") * contract, Decimal(0))
            basic = round_half_up((contract * rate + excess * 2 * rate) * share)
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


def test_residential_blocks_worked_by_hand():
    # seeds/tariffs.csv, res_flat and res_tou: blocks up to 2,760 and 4,800 kWh a year, +0.05 and
    # +0.30 yuan/kWh. Rows sorted by customer, then month (as compute_bills makes them), kWh:
    #   customer 0: 2024-10 2,000; 2024-11 700; 2024-12 2,300; 2025-01 300
    #   customer 1: 2024-12 3,000; 2025-01 1,000
    # year to date before each month, by hand: 0, 2,000, 2,700, 0 (new year); 0, 0 (new year).
    # Blocks: customer 0 December runs 2,700 -> 5,000: block 2 = 4,800 - 2,760 = 2,040 kWh,
    # block 3 = 5,000 - 4,800 = 200 kWh; November ends at 2,700 < 2,760 (none); January starts
    # the year again at 0 (none). Customer 1 December 0 -> 3,000: block 2 = 240 kWh; January 0.
    from powerlens.generator.billing import block_kwh, year_to_date_before
    from powerlens.generator.reference import load_reference

    ref = load_reference()
    res_flat = ref.tariff_index("res_flat")
    customer = np.array([0, 0, 0, 0, 1, 1])
    year = np.array([2024, 2024, 2024, 2025, 2024, 2025])
    kwh = np.array([2_000, 700, 2_300, 300, 3_000, 1_000]) * 100  # centi-kWh
    before = year_to_date_before(customer, year, kwh)
    assert (before // 100).tolist() == [0, 2_000, 2_700, 0, 0, 0]
    block2, block3 = block_kwh(before, kwh, ref.block_limit_e2[res_flat, 0], ref.block_limit_e2[res_flat, 1])
    assert (block2 // 100).tolist() == [0, 0, 2_040, 0, 240, 0]
    assert (block3 // 100).tolist() == [0, 0, 200, 0, 0, 0]
    # surcharges in 1e-4 yuan/kWh: 0.05 and 0.30; December's energy charge of customer 0:
    # 2,300 x 0.56 + 2,040 x 0.05 + 200 x 0.30 = 1,288 + 102 + 60 = 1,450.00 yuan
    assert ref.block_surcharge_e4[res_flat].tolist() == [500, 3_000]
    energy_e6 = kwh[2] * ref.price_e4[res_flat, 2] + block2[2] * 500 + block3[2] * 3_000
    assert energy_e6 == 1_450_00 * 10_000
    # a tariff without blocks never reaches a limit
    lgi = ref.tariff_index("lgi_10kv")
    none2, none3 = block_kwh(before, kwh * 1_000, ref.block_limit_e2[lgi, 0], ref.block_limit_e2[lgi, 1])
    assert none2.sum() == 0 and none3.sum() == 0


def test_block_surcharges_occur_in_the_sample(bill_comparison, sample_raw_dir):
    # the rule must be exercised by the sample: households past 2,760 kWh in a year, and prepaid ones among them
    expected, _, _ = bill_comparison
    customers = {row["customer_id"]: row for row in read_rows(sample_raw_dir / "customers.csv")}
    tariffs = {row["tariff_code"]: row for row in read_rows(REPO_ROOT / "seeds" / "tariffs.csv")}
    yearly: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for (customer_id, month), bill in expected.items():
        yearly[(customer_id, month[:4])] += bill["kwh_total"]
    over = {cid for (cid, _), kwh in yearly.items()
            if Decimal(tariffs[customers[cid]["tariff_code"]]["block1_limit_kwh_year"]) > 0 and kwh > 2760}
    assert len(over) >= 20
    assert any(customers[cid]["payment_mode"] == "prepaid" for cid in over)
    assert any(customers[cid]["tariff_code"] == "res_tou" for cid in over)


def test_demand_basic_charge_worked_by_hand():
    # lgi_10kv: 44 yuan/kW-month. 1,000 kVA, so the floor is 400 kW. A full 30-day month:
    #  a) contract 500 kW, recorded 510 kW (<= 525 = 105%): 500 x 44 = 22,000.00
    #  b) contract 500 kW, recorded 600 kW: 22,000 + (600 - 525) x 88 = 22,000 + 6,600 = 28,600.00
    #  c) contract 300 kW is below the floor, billed 400 kW; recorded 430 kW (> 420): 17,600 +
    #     10 x 88 = 18,480.00
    #  d) no contract value (-1): the floor, 400 kW; recorded 100 kW: 17,600.00
    #  e) as b) in a part month, 10 days of a 31-day month: 28,600 x 10 / 30 = 9,533.333.. -> 9,533.33
    #  f) capacity basis, 1,000 kVA x 24 yuan = 24,000.00; g) no basic charge: 0
    from powerlens.generator.billing import basic_charge
    from powerlens.generator.reference import load_reference

    ref = load_reference()
    lgi = ref.tariff_index("lgi_10kv")
    basis = np.array([1, 1, 1, 1, 1, 0, 2])
    capacity = np.full(7, 1_000)
    contract = np.array([500, 500, 300, -1, 500, -1, -1]) * 100  # centi-kW, -1 x 100 is still "none"
    contract = np.where(contract < 0, -1, contract)
    recorded = np.array([510, 600, 430, 100, 600, 600, 600]) * 100
    active = np.array([30, 30, 30, 30, 10, 30, 30])
    days = np.array([30, 30, 30, 30, 31, 30, 30])
    got = basic_charge(basis, capacity, contract, recorded, active, days,
                       np.full(7, ref.basic_per_kva_e4[lgi]), np.full(7, ref.basic_per_kw_e4[lgi]))
    assert got.tolist() == [2_200_000, 2_860_000, 1_848_000, 1_760_000, 953_333, 2_400_000, 0]


def test_part_month_basic_charge_worked_by_hand():
    # Capacity basis, 1,000 kVA x 24 yuan = 24,000 a month; a part month pays 1/30 of it (800)
    # per day of use, the opening and the closing day counting whole. By hand:
    #   opens 2025-01-01 (and stays): 31 of 31 days, a full month        24,000.00
    #   opens 2025-01-15: 15th..31st = 17 days x 800                      13,600.00
    #   opens 2025-01-31 (the last day): 1 day                               800.00
    #   opened before, closes 2025-03-01 (the 1st): 1 day                    800.00
    #   opened before, closes 2025-04-15: 15 days x 800                   12,000.00
    #   opened before, closes 2025-02-28 (the last day): a full month     24,000.00
    #   opens 2024-02-15 in a leap February: 15th..29th = 15 days         12,000.00
    #   opens 2025-01-02: 30 days of 31, still a part month: 30 x 800     24,000.00
    #   opens 2025-06-15, closes 2025-06-15: 1 day                           800.00
    from powerlens.generator.billing import basic_charge, days_of_use
    from powerlens.generator.reference import load_reference

    def day(text):
        return int(np.datetime64(text, "D").astype(np.int64))

    cases = [("2025-01-01", None, "2025-01"), ("2025-01-15", None, "2025-01"), ("2025-01-31", None, "2025-01"),
             ("2020-01-01", "2025-03-01", "2025-03"), ("2020-01-01", "2025-04-15", "2025-04"),
             ("2020-01-01", "2025-02-28", "2025-02"), ("2024-02-15", None, "2024-02"),
             ("2025-01-02", None, "2025-01"), ("2025-06-15", "2025-06-15", "2025-06")]
    open_day = np.array([day(o) for o, _, _ in cases])
    close_day = np.array([day(c) if c else -1 for _, c, _ in cases])
    first = np.array([day(m + "-01") for _, _, m in cases])
    last = np.array([int((np.datetime64(m, "M") + 1).astype("datetime64[D]").astype(np.int64)) - 1 for _, _, m in cases])
    used = days_of_use(open_day, close_day, first, last)
    assert used.tolist() == [31, 17, 1, 1, 15, 28, 15, 30, 1]
    ref = load_reference()
    lgi = ref.tariff_index("lgi_10kv")
    n = len(cases)
    got = basic_charge(np.zeros(n, dtype=np.int64), np.full(n, 1_000), np.full(n, -1), np.zeros(n, dtype=np.int64),
                       used, last - first + 1, np.full(n, ref.basic_per_kva_e4[lgi]), np.full(n, ref.basic_per_kw_e4[lgi]))
    assert got.tolist() == [2_400_000, 1_360_000, 80_000, 80_000, 1_200_000, 2_400_000, 1_200_000, 2_400_000, 80_000]


def test_late_fees_worked_by_hand():
    # Supply business rules: households 0.1% a day of the overdue amount; others 0.2% a day in
    # the year the bill fell due and 0.3% from the next 1 January; from the day after the due
    # date to the payment day; rounded to the cent once; at least 1 yuan. By hand:
    #  a) household 200.00, due 2025-03-18, paid 03-28: 10 days x 0.1% x 200 = 2.00
    #  b) household 50.00, 5 days: 0.25, raised to the minimum 1.00
    #  c) commercial 1,000.00, due 2025-06-13, paid 06-20: 7 x 0.2% x 1,000 = 14.00
    #  d) commercial 1,000.00, due 2024-12-13, paid 2025-01-10: 14-31 Dec = 18 days x 0.2% = 36.00,
    #     1-10 Jan = 10 days x 0.3% = 30.00, 66.00
    #  e) household 1,000.00, due 2024-12-18, paid 2025-01-07: 20 days x 0.1% = 20.00 (no year rule)
    #  f) commercial 1,000.00 due 2025-06-13 in two parts: 400 on 06-15 (2 days: 1.60) and 600 on
    #     06-23 (10 days: 12.00), 13.60
    #  g) 400 on 06-10 (before the due date: nothing) and 600 on 06-16 (3 days): 3.60
    #  h) paid on the due date: no fee
    #  i) commercial 1,234.57, 3 days: 1,234.57 x 0.006 = 7.40742 -> 7.41
    from powerlens.generator.payments import late_fee_cents

    def day(text):
        return int(np.datetime64(text, "D").astype(np.int64))

    due = np.array([day(d) for d in ("2025-03-18", "2025-03-18", "2025-06-13", "2024-12-13", "2024-12-18",
                                      "2025-06-13", "2025-06-13", "2025-06-13", "2025-06-13")])
    residential = np.array([True, True, False, False, True, False, False, False, False])
    first = (np.array([20_000, 5_000, 100_000, 100_000, 100_000, 40_000, 40_000, 100_000, 123_457]),
             np.array([day(d) for d in ("2025-03-28", "2025-03-23", "2025-06-20", "2025-01-10", "2025-01-07",
                                        "2025-06-15", "2025-06-10", "2025-06-13", "2025-06-16")]))
    second = (np.array([0, 0, 0, 0, 0, 60_000, 60_000, 0, 0]),
              np.array([day(d) for d in ("2025-03-28", "2025-03-23", "2025-06-20", "2025-01-10", "2025-01-07",
                                         "2025-06-23", "2025-06-16", "2025-06-13", "2025-06-16")]))
    got = late_fee_cents(due, residential, [first, second])
    assert got.tolist() == [200, 100, 1_400, 6_600, 2_000, 1_360, 360, 0, 741]


def test_seasonal_sharp_hours_worked_by_hand():
    # seeds/tou_periods.csv: 19:00-21:00 are sharp in January, July, August and December and
    # peak in the other months. lgi_10kv prices sharp 1.23, peak 1.02, flat 0.62, valley 0.25.
    # 100 kWh in each period: July 123 + 102 + 62 + 25 = 312.00; April (sharp kWh, e.g. from a
    # meter keeping its sharp register all year, priced at peak) 102 + 102 + 62 + 25 = 291.00
    from powerlens.generator.billing import period_prices
    from powerlens.generator.reference import load_reference

    ref = load_reference()
    lgi = ref.tariff_index("lgi_10kv")
    assert [m + 1 for m in range(12) if ref.sharp_priced_as[m] == 0] == [1, 7, 8, 12]
    price = period_prices(ref, np.array([lgi, lgi]), np.array([6, 3]))  # July, April (0-based months)
    assert (np.full((2, 4), 100 * 100) * price).sum(axis=1).tolist() == [312_000_000, 291_000_000]
    # and the meters follow the map: on 19:00-21:00 of an April day the interval loads are peak
    assert ref.month_hour_period[3, 19] == 1 and ref.month_hour_period[6, 19] == 0


def test_no_sharp_kwh_outside_the_sharp_months(sample_raw_dir):
    import duckdb
    con = duckdb.connect()
    by_season = dict(con.execute(f"""
        select month(reading_date::date) in (1, 7, 8, 12), sum(kwh_sharp::double)
        from read_csv('{sample_raw_dir / "meter_readings.csv"}', all_varchar = true) group by all""").fetchall())
    assert by_season[True] > 0 and by_season[False] == 0
