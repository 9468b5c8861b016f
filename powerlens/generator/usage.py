"""Daily meter readings (and 15-minute loads for interval-metered customers) of a chunk of customers."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powerlens.generator.calendar import Period, calendar_month, weekday
from powerlens.generator.customers import EV, LI, Customers
from powerlens.generator.reference import Reference

# demand relative to the year's mean per calendar month, rows LI, GC, RES, AGR (farms other than
# irrigation: livestock, greenhouses), EV, then the seasonal loads of customers.SEASON_*: summer
# cooling and winter heating peaks, the Spring Festival dip in February for industry; irrigation
# pumps run from April to August and stand almost idle in winter; electric heating (boilers, heat
# pumps) peaks in December-February; cooling-heavy premises (cold stores, air-conditioned halls) in
# July-August
SEASON = np.array([
    [0.96, 0.80, 1.00, 1.00, 1.00, 1.02, 1.07, 1.08, 1.02, 1.00, 1.00, 1.03],
    [1.06, 0.90, 0.92, 0.90, 0.95, 1.10, 1.30, 1.32, 1.10, 0.92, 0.95, 1.08],
    [1.25, 1.20, 0.95, 0.85, 0.88, 1.05, 1.40, 1.45, 1.10, 0.85, 0.90, 1.15],
    [1.05, 1.00, 0.95, 0.95, 1.00, 1.05, 1.10, 1.10, 1.00, 0.95, 0.95, 1.00],
    [1.10, 0.95, 1.00, 0.98, 0.98, 1.00, 1.05, 1.05, 1.00, 0.98, 1.00, 1.08],
    [0.25, 0.30, 0.70, 1.40, 1.80, 1.70, 2.00, 1.90, 1.20, 0.50, 0.30, 0.25],
    [1.90, 1.70, 1.20, 0.70, 0.55, 0.60, 0.70, 0.70, 0.60, 0.75, 1.30, 1.80],
    [0.65, 0.60, 0.70, 0.80, 1.00, 1.35, 1.80, 1.85, 1.35, 0.85, 0.70, 0.65],
])
# Monday..Sunday: businesses slow down at weekends, households and EV charging pick up
WEEKDAY = np.array([
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.90, 0.85],
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 0.80],
    [0.97, 0.97, 0.97, 0.97, 0.98, 1.07, 1.07],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.97, 0.97, 0.97, 0.97, 1.0, 1.06, 1.08],
])
# yearly growth of an account's use (REFERENCE.md: EV charging is the fastest-growing use; the
# number of EV accounts grows too, customers.NEW_ACCOUNT_SHARE_PER_MONTH)
ANNUAL_GROWTH = np.array([0.03, 0.05, 0.06, 0.03, 0.15])
# direction in which a day's TOU shares move (sharp, peak, flat, valley): evening against night
SHARE_SHIFT = np.array([1.0, 0.5, -0.2, -0.6])
# highest mean load of a day as a share of the contract capacity (kVA read as kW, as the demand
# cap reads it): a meter cannot pass more energy than the supply running flat out, and a small
# commercial account on a busy day would otherwise show a mean load above its capped maximum demand
MAX_MEAN_LOAD_OF_CAPACITY = 0.9
# relative load within the hours of one TOU period, per hour of day, for interval-metered types
HOURLY_SHAPE = {
    LI: np.array([0.9, 0.9, 0.88, 0.88, 0.9, 0.92, 0.95, 1.0, 1.05, 1.1, 1.1, 1.05, 0.95, 1.0, 1.08, 1.1,
                  1.08, 1.05, 1.02, 1.0, 0.98, 0.96, 0.94, 0.92]),
    EV: np.array([1.3, 1.4, 1.4, 1.3, 1.2, 1.0, 0.8, 0.6, 0.7, 0.8, 0.8, 0.9, 1.0, 0.9, 0.8, 0.8,
                  0.9, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 1.2]),
}


@dataclass
class Readings:
    """Daily rows (customer-major, then date) in integer hundredths (centi-kWh, centi-kvarh, centi-kW)."""
    customer: np.ndarray   # index into the chunk
    day: np.ndarray
    kwh: np.ndarray        # (rows, 4) sharp, peak, flat, valley
    kvarh: np.ndarray
    max_demand: np.ndarray


@dataclass
class Intervals:
    customer: np.ndarray
    start_second: np.ndarray
    kw: np.ndarray         # centi-kW


def signal_weight(c: Customers, day: np.ndarray) -> np.ndarray:
    """0 outside the pre-closing pattern, rising linearly to 1 at its end (customers x days)."""
    start = c.signal_start[:, None]
    end = c.signal_end[:, None]
    inside = (start >= 0) & (day[None, :] >= start) & (day[None, :] <= end)
    return np.where(inside, (day[None, :] - start) / np.maximum(end - start, 1), 0.0)


def active_mask(c: Customers, day: np.ndarray) -> np.ndarray:
    return (day[None, :] >= c.open_day[:, None]) & ((c.close_day[:, None] < 0) | (day[None, :] <= c.close_day[:, None]))


def daily_readings(c: Customers, period: Period, ref: Reference, rng: np.random.Generator,
                   interval_months: int) -> tuple[Readings, Intervals]:
    day = period.days
    n, d = len(c), len(day)
    active = active_mask(c, day)
    month_index = period.month_of_day(day)
    years = (day - period.first_day) / 365.25

    # the shape of the year (the customer's season profile x its type's weekday and growth), then
    # scaled per customer
    type_profile = WEEKDAY[:, weekday(day)] * (1 + ANNUAL_GROWTH)[:, None] ** years[None, :]
    level = c.base_kwh_day[:, None] * SEASON[:, calendar_month(day) - 1][c.season] * type_profile[c.ctype]
    has_signal = np.flatnonzero(c.signal_start >= 0)
    level[has_signal] *= 1 - c.signal_depth[has_signal, None] * signal_weight(c.take(has_signal), day)
    month_noise = rng.lognormal(0, 0.08, (n, period.months))[:, month_index]
    level *= month_noise * rng.lognormal(0, 0.18, (n, d))
    level[c.vacant] = 0
    rows = np.flatnonzero(active.ravel())
    total = level.ravel()[rows]
    customer = rows // d
    day_of_row = day[rows % d]

    # day-to-day weather and habits move consumption between the evening and the night
    shift = rng.standard_normal(len(rows)) * 0.06
    centi_total = total * 100
    kwh = np.empty((len(rows), 4), dtype=np.int64)
    for p in range(4):
        kwh[:, p] = np.rint(centi_total * c.tou_share[customer, p] * (1 + SHARE_SHIFT[p] * shift))
    # outside the sharp months the sharp hours belong to another period (the seasonal TOU map),
    # and the meter registers their energy there
    off_season = ref.sharp_priced_as[calendar_month(day_of_row) - 1]
    moved = np.flatnonzero(off_season != 0)
    kwh[moved, off_season[moved]] += kwh[moved, 0]
    kwh[moved, 0] = 0
    kwh_total = kwh.sum(axis=1)
    energy_cap = (c.capacity_kva[customer] * 100 * 24 * MAX_MEAN_LOAD_OF_CAPACITY).astype(np.int64)
    over_cap = np.flatnonzero(kwh_total > energy_cap)
    # scaled down in integers, so the periods keep their shares and still add up to at most the cap
    kwh[over_cap] = kwh[over_cap] * energy_cap[over_cap, None] // kwh_total[over_cap, None]
    kwh_total = kwh.sum(axis=1)

    pf = c.pf_mean[customer] + rng.normal(0, 0.012, (n, period.months))[customer, month_index[rows % d]]
    fixed = (c.pf_fix_day[customer] >= 0) & (day_of_row >= c.pf_fix_day[customer])
    pf = np.where(fixed, np.maximum(pf, c.pf_standard[customer] / 100 + 0.04), pf)
    pf = np.clip(pf + rng.normal(0, 0.01, len(rows)), 0.5, 0.999)
    kvarh = np.round(kwh_total * np.sqrt(1 / pf**2 - 1)).astype(np.int64)

    daily_load_factor = np.clip(c.load_factor[customer] * rng.lognormal(0, 0.08, len(rows)), 0.1, 0.95)
    max_demand = np.round(kwh_total / 24 / daily_load_factor).astype(np.int64)
    # never below the day's mean load, whatever the rounding of small loads (ceiling of kWh / 24)
    max_demand = np.maximum(max_demand, -(-kwh_total // 24))
    # the energy cap keeps the mean load below the capacity, so this cap cannot undo the line above
    max_demand = np.minimum(max_demand, c.capacity_kva[customer] * 100)

    readings = Readings(customer=customer, day=day_of_row, kwh=kwh, kvarh=kvarh, max_demand=max_demand)
    intervals = interval_loads(c, readings, period, ref, rng, interval_months)
    return readings, intervals


def interval_loads(c: Customers, readings: Readings, period: Period, ref: Reference,
                   rng: np.random.Generator, interval_months: int) -> Intervals:
    """15-minute kW for large industrial and EV charging customers over the last months.

    Each TOU period's daily energy is spread over that period's quarter hours, so that
    sum(kw * 0.25) equals the day's kWh within rounding; the day's max_demand_kw is then set
    to the largest 15-minute kW, as an interval meter records it.
    """
    window_start = int(period.month_starts[max(period.months - interval_months, 0)])
    metered = np.isin(c.ctype[readings.customer], (LI, EV)) & (readings.day >= window_start)
    rows = np.flatnonzero(metered)
    if interval_months <= 0 or len(rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Intervals(empty, empty, empty)
    ctype = c.ctype[readings.customer[rows]]
    hour_of_quarter = np.arange(96) // 4
    # (rows, 96): the period of each quarter hour on that day's month (the map is seasonal)
    period_of_quarter = ref.month_hour_period[calendar_month(readings.day[rows]) - 1][:, hour_of_quarter]
    shape = np.where((ctype == LI)[:, None], HOURLY_SHAPE[LI][hour_of_quarter][None, :],
                     HOURLY_SHAPE[EV][hour_of_quarter][None, :])
    weights = shape * rng.lognormal(0, 0.12, (len(rows), 96))
    weight_sum = np.zeros((len(rows), 4))
    for p in range(4):
        weight_sum[:, p] = np.where(period_of_quarter == p, weights, 0).sum(axis=1)
    row_index = np.arange(len(rows))[:, None]
    energy = readings.kwh[rows][row_index, period_of_quarter] / 100  # kWh of the quarter's period
    kw = energy * weights / np.maximum(weight_sum[row_index, period_of_quarter], 1e-12) / 0.25
    kw_centi = np.round(kw * 100).astype(np.int64)
    readings.max_demand[rows] = kw_centi.max(axis=1)
    start = (readings.day[rows][:, None] * 86_400 + np.arange(96)[None, :] * 900)
    return Intervals(customer=np.repeat(readings.customer[rows], 96), start_second=start.ravel(),
                     kw=kw_centi.ravel())
