"""Monthly bills exactly per docs/billing_rules.md, in integer arithmetic, plus planted errors.

Units: energy in centi-kWh, prices in 1e-4 yuan, money in cents. Every division rounds half up
(away from zero) on exact integers, as the tariff engine's decimal(18,6) round does.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powerlens.generator.calendar import Period
from powerlens.generator.customers import AGR, RES, Customers
from powerlens.generator.reference import Reference
from powerlens.generator.usage import Readings

ERROR_KINDS = ("wrong_period_split", "wrong_pf_adjustment", "wrong_basic_charge")
ERROR_COMPONENT = {"wrong_period_split": "energy_charge", "wrong_pf_adjustment": "pf_adjustment",
                   "wrong_basic_charge": "basic_charge"}


def div_half_up(numerator: np.ndarray, denominator) -> np.ndarray:
    """round(numerator / denominator) with halves away from zero; denominator > 0."""
    numerator = np.asarray(numerator, dtype=np.int64)
    magnitude = (2 * np.abs(numerator) + denominator) // (2 * denominator)
    return np.sign(numerator) * magnitude


def monthly_power_factor(kwh: np.ndarray, kvarh: np.ndarray) -> np.ndarray:
    """round_half_up(kwh / sqrt(kwh^2 + kvarh^2), 2) in hundredths; -1 where kwh is 0.

    Floating point decides all but values within 1e-9 of a rounding boundary, which are
    settled exactly with Python integers: (200 K)^2 >= (2n - 1)^2 (K^2 + Q^2).
    """
    k = kwh.astype(np.float64)
    q = kvarh.astype(np.float64)
    scaled = 100 * k / np.where(kwh > 0, np.hypot(k, q), 1.0) + 0.5
    hundredths = np.floor(scaled).astype(np.int64)
    close_calls = np.flatnonzero((kwh > 0) & (np.abs(scaled - np.round(scaled)) < 1e-9))
    for i in close_calls:  # a handful of rows at most
        big_k, big_q = int(kwh[i]), int(kvarh[i])
        candidate = int(round(scaled[i]))
        hundredths[i] = candidate if (200 * big_k) ** 2 >= (2 * candidate - 1) ** 2 * (big_k**2 + big_q**2) else candidate - 1
    return np.where(kwh > 0, hundredths, -1)


@dataclass
class Bills:
    customer: np.ndarray
    month: np.ndarray          # period month index
    issue_day: np.ndarray
    due_day: np.ndarray
    kwh_total: np.ndarray
    power_factor: np.ndarray   # hundredths, -1 none
    basic: np.ndarray
    energy: np.ndarray
    pf_adjustment: np.ndarray
    surcharge: np.ndarray
    error_kind: np.ndarray     # index into ERROR_KINDS, -1 correct

    @property
    def total(self) -> np.ndarray:
        return self.basic + self.energy + self.pf_adjustment + self.surcharge


def adjustment_pct(ref: Reference, standard: np.ndarray, power_factor: np.ndarray) -> np.ndarray:
    """The seed's adjustment percent in hundredths for (standard, power factor); 0 when none applies."""
    pct = np.zeros(len(standard), dtype=np.int64)
    for value, table in ref.pf_adjustment_e2.items():
        rows = (standard == value) & (power_factor >= 0)
        pct[rows] = table[power_factor[rows]]
    return pct


def compute_bills(c: Customers, readings: Readings, period: Period, ref: Reference,
                  rng: np.random.Generator, error_rate: float) -> Bills:
    months = period.months
    month_of_row = period.month_of_day(readings.day)
    key = readings.customer * months + month_of_row
    size = len(c) * months
    kwh = np.stack([np.bincount(key, readings.kwh[:, p], minlength=size) for p in range(4)], axis=1)
    kwh = np.round(kwh).astype(np.int64)  # sums of integers held exactly in float64 (< 2**53)
    kvarh = np.round(np.bincount(key, readings.kvarh, minlength=size)).astype(np.int64)
    reading_days = np.bincount(key, minlength=size)
    max_demand = np.zeros(size, dtype=np.int64)
    np.maximum.at(max_demand, key, readings.max_demand)

    billed = np.flatnonzero(reading_days > 0)  # every day of an open account has a reading
    customer, month = billed // months, billed % months
    kwh, kvarh, max_demand = kwh[billed], kvarh[billed], max_demand[billed]
    tariff = c.tariff[customer]
    month_starts = period.month_starts
    days_in_month = (month_starts[1:] - month_starts[:-1])[month]
    active_days = days_of_use(c.open_day[customer], c.close_day[customer], month_starts[month],
                              month_starts[month + 1] - 1)

    kwh_total = kwh.sum(axis=1)
    year = (period.start_month.astype(np.int64) + month) // 12
    block2, block3 = block_kwh(year_to_date_before(customer, year, kwh_total), kwh_total,
                               ref.block_limit_e2[tariff, 0], ref.block_limit_e2[tariff, 1])
    block_e6 = block2 * ref.block_surcharge_e4[tariff, 0] + block3 * ref.block_surcharge_e4[tariff, 1]
    price = period_prices(ref, tariff, (period.start_month.astype(np.int64) + month) % 12)
    energy = div_half_up((kwh * price).sum(axis=1) + block_e6, 10_000)
    basic = basic_charge(c.basis[customer], c.capacity_kva[customer], c.contract_demand[customer], max_demand,
                         active_days, days_in_month, ref.basic_per_kva_e4[tariff], ref.basic_per_kw_e4[tariff])
    power_factor = monthly_power_factor(kwh_total, kvarh)
    standard = c.pf_standard[customer]
    pf_adjustment = div_half_up((basic + energy) * adjustment_pct(ref, standard, power_factor), 10_000)
    surcharge = div_half_up(kwh_total * ref.surcharge_e4[tariff], 10_000)

    issue_day = month_starts[month + 1] + 2
    grace = np.where(np.isin(c.ctype[customer], (RES, AGR)), 15, 10)
    bills = Bills(customer=customer, month=month, issue_day=issue_day, due_day=issue_day + grace,
                  kwh_total=kwh_total, power_factor=power_factor, basic=basic, energy=energy,
                  pf_adjustment=pf_adjustment, surcharge=surcharge,
                  error_kind=np.full(len(billed), -1, dtype=np.int64))
    plant_errors(bills, c, kwh, price, block_e6, ref, rng, error_rate, tariff, standard, max_demand, active_days,
                 days_in_month)
    return bills


def period_prices(ref: Reference, tariff: np.ndarray, calendar_month0: np.ndarray) -> np.ndarray:
    """[bill, period] energy prices in 1e-4 yuan: the tariff's, except that sharp kWh of a month
    without sharp hours (the seasonal TOU map) are priced as the period those hours are in then."""
    price = ref.price_e4[tariff].copy()
    price[:, 0] = price[np.arange(len(tariff)), ref.sharp_priced_as[calendar_month0]]
    return price


def year_to_date_before(customer: np.ndarray, year: np.ndarray, kwh_total: np.ndarray) -> np.ndarray:
    """kWh of the customer's earlier bills in the same calendar year (rows sorted by customer, then month)."""
    running = np.cumsum(kwh_total)
    starts = np.flatnonzero(np.r_[True, (customer[1:] != customer[:-1]) | (year[1:] != year[:-1])])
    run_lengths = np.diff(np.r_[starts, len(kwh_total)])
    before_run = np.repeat(running[starts] - kwh_total[starts], run_lengths)
    return running - kwh_total - before_run


def block_kwh(before: np.ndarray, kwh_total: np.ndarray, limit1: np.ndarray, limit2: np.ndarray):
    """The month's kWh in annual blocks 2 and 3, given the year's kWh before the month."""
    after = before + kwh_total
    block2 = np.maximum(np.minimum(after, limit2) - np.maximum(before, limit1), 0)
    block3 = np.maximum(after - np.maximum(before, limit2), 0)
    return block2, block3


def days_of_use(open_day, close_day, first_day, last_day) -> np.ndarray:
    """Days of the month the account was open: the opening and the closing day count whole
    (a part day is a day); close_day -1 while active."""
    end = np.where(close_day >= 0, np.minimum(close_day, last_day), last_day)
    return end - np.maximum(open_day, first_day) + 1


def billed_contract_demand(contract_demand, capacity_kva) -> np.ndarray:
    """The contract maximum demand billed, centi-kW: the contract value, never below 40% of the
    capacity (kVA read as kW); the floor itself where the contract has no value (-1)."""
    return np.maximum(contract_demand, capacity_kva * 40)


def demand_charge_month_e8(contract_demand, capacity_kva, max_demand, per_kw_e4) -> np.ndarray:
    """A full month's demand-basis basic charge in 1e-8 yuan: the price times the billed contract
    demand, plus the recorded maximum above 105% of it at twice the price."""
    contract = billed_contract_demand(contract_demand, capacity_kva)
    excess_e4 = np.maximum(max_demand * 100 - contract * 105, 0)  # 1e-4 kW
    return contract * per_kw_e4 * 100 + 2 * excess_e4 * per_kw_e4


def basic_charge(basis, capacity_kva, contract_demand, max_demand, active_days, days_in_month, per_kva_e4,
                 per_kw_e4) -> np.ndarray:
    """The basic charge in cents: a whole month's in a full month; in a part month (opening or
    closing) 1/30 of it per day of use."""
    full = active_days == days_in_month
    days = np.where(full, 1, active_days)
    per = np.where(full, 1, 30)
    by_capacity = div_half_up(capacity_kva * per_kva_e4 * days, per * 100)
    by_demand = div_half_up(demand_charge_month_e8(contract_demand, capacity_kva, max_demand, per_kw_e4) * days,
                            per * 1_000_000)
    return np.select([basis == 0, basis == 1], [by_capacity, by_demand], default=0)


def plant_errors(bills: Bills, c: Customers, kwh, price, block_e6, ref: Reference, rng, error_rate, tariff,
                 standard, max_demand, active_days, days_in_month) -> None:
    """Corrupt one component of a known share of bills; total_amount follows the wrong component."""
    target = int(round(error_rate * len(bills.customer)))
    if target == 0:
        return
    # wrong_period_split: 30-70% of the peak kWh billed at the flat price
    moved = np.round(kwh[:, 1] * rng.uniform(0.3, 0.7, len(kwh))).astype(np.int64)
    split_energy = div_half_up((kwh * price).sum(axis=1) + block_e6 - moved * (price[:, 1] - price[:, 2]), 10_000)
    # wrong_pf_adjustment: the adjustment with its sign flipped, or from a neighbouring standard
    wrong_standard = np.where(standard == 90, 85, np.where(standard == 85, 90, 85))
    wrong_pct = adjustment_pct(ref, wrong_standard, bills.power_factor)
    flip = rng.random(len(kwh)) < 0.5
    pf_wrong = np.where(flip, -bills.pf_adjustment,
                        div_half_up((bills.basic + bills.energy) * wrong_pct, 10_000))
    # wrong_basic_charge: the other basis, or the full month although the account was active part of it
    other_basis = np.where(c.basis[bills.customer] == 0, 1, 0)
    basic_wrong = basic_charge(other_basis, c.capacity_kva[bills.customer], c.contract_demand[bills.customer],
                               max_demand, np.where(active_days < days_in_month, days_in_month, active_days), days_in_month,
                               ref.basic_per_kva_e4[tariff], ref.basic_per_kw_e4[tariff])
    candidates = np.stack([split_energy != bills.energy, (standard > 0) & (pf_wrong != bills.pf_adjustment),
                           (c.basis[bills.customer] < 2) & (basic_wrong != bills.basic)], axis=1)
    # each kind gets a third of the errors, but at most 5% of the bills it can affect (basic-charge
    # errors only fit the few two-part-tariff bills); the period split takes the remainder
    chosen_parts, kinds = [], []
    taken = np.zeros(len(kwh), dtype=bool)
    for k in (2, 1, 0):
        eligible = np.flatnonzero(candidates[:, k] & ~taken)
        quota = target - sum(len(p) for p in chosen_parts) if k == 0 else min(target // 3, int(np.ceil(0.05 * len(eligible))))
        picked = rng.choice(eligible, size=min(quota, len(eligible)), replace=False)
        taken[picked] = True
        chosen_parts.append(picked)
        kinds.append(np.full(len(picked), k))
    chosen = np.concatenate(chosen_parts)
    kind = np.concatenate(kinds)
    bills.error_kind[chosen] = kind
    for k, (component, wrong) in enumerate((("energy", split_energy), ("pf_adjustment", pf_wrong),
                                            ("basic", basic_wrong))):
        rows = chosen[kind == k]
        getattr(bills, component)[rows] = wrong[rows]
