"""Payments: bill payments of postpaid customers (on time, late, split, partial, never), late
fees, and prepaid top-ups; channels shift toward online over time."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powerlens.generator.billing import Bills, div_half_up
from powerlens.generator.calendar import SECONDS_PER_DAY, Period, weekday
from powerlens.generator.customers import AGR, RES, Customers

CHANNELS = ("counter", "bank_withholding", "app", "wechat", "alipay", "website", "bank_counter")
PAYMENT_TYPES = ("bill", "prepaid_topup", "late_fee")
# channel mix at the start and at the end of the period (households move to apps fastest)
HOUSEHOLD_MIX = (np.array([0.14, 0.18, 0.16, 0.20, 0.14, 0.03, 0.15]),
                 np.array([0.07, 0.17, 0.24, 0.27, 0.17, 0.02, 0.06]))
BUSINESS_MIX = (np.array([0.15, 0.33, 0.08, 0.03, 0.01, 0.12, 0.28]),
                np.array([0.10, 0.33, 0.15, 0.05, 0.02, 0.15, 0.20]))
# probability a bill is paid late / never paid, per payer habit (on time, late, arrears-prone), and
# the mean days late before collection steps in. A bill that stays unpaid is rare and mostly a
# household's in the months before it moves away; a business must settle before its account
# closes or passes to a retailer (and the utility holds its deposit), so its debts are collected
LATE_BY_PAYER = np.array([0.04, 0.25, 0.6])
UNPAID_BY_PAYER = np.array([0.0001, 0.0003, 0.003])
DAYS_LATE_MEAN_BY_PAYER = np.array([5, 7, 14])
UNPAID_WHEN_STRESSED_HOUSEHOLD = 0.02
# collection (supply business rules): a bill more than 30 days overdue gets a reminder and a notice
# of suspension (7 days ahead for households, 3 for others); the customer pays to keep or restore
# supply a few days after the notice runs out, so lasting arrears are rare
SUSPENSION_AFTER_DAYS = 30
NOTICE_DAYS_RESIDENTIAL, NOTICE_DAYS_OTHER = 7, 3
DAYS_TO_PAY_AFTER_NOTICE_MEAN = 4
# the bank's direct-debit runs: the first on day 8 of the month (after the bills of the 3rd), retries
# for an empty account on days 18 and 28; each run books its debits at 06:00
WITHHOLDING_RUN_DAYS = (8, 18, 28)
WITHHOLDING_SECOND = 6 * 3600
# counters (utility and bank) open 08:30-17:30 and mostly stay shut on Sundays: a Sunday visit
# usually waits for Monday
COUNTER_HOUR_WEIGHTS = np.array([0] * 8 + [0.5, 1.2, 1.3, 1.1, 0.6, 0.7, 1.0, 1.1, 1.0, 0.4] + [0] * 6, dtype=float)
SUNDAY_COUNTER_TO_MONDAY = 0.8
# app, WeChat, Alipay and website payments by hour: quiet at night, a lunchtime bump, the evening peak
ONLINE_HOUR_WEIGHTS = np.array([0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.3, 0.7, 0.9, 0.9, 0.9, 1.0,
                                1.3, 1.0, 0.8, 0.8, 0.8, 0.9, 1.2, 1.7, 2.0, 2.0, 1.5, 0.7])
COUNTERS = (0, 6)
WITHHOLDING = 1
# share of prepaid months topped up below the month's use
PREPAID_SHORT_MONTH_SHARE = 0.03
# daily late fee (违约金) in 1e-4 of the overdue amount (supply business rules): households 0.1%;
# others 0.2% in the year the arrears fell due, 0.3% once carried into a later year; at least 1 yuan
LATE_FEE_RESIDENTIAL_E4, LATE_FEE_CURRENT_YEAR_E4, LATE_FEE_LATER_YEAR_E4 = 10, 20, 30
LATE_FEE_MINIMUM_CENTS = 100


@dataclass
class Payments:
    customer: np.ndarray
    bill: np.ndarray           # index into the chunk's bills, -1 for top-ups
    paid_second: np.ndarray
    amount: np.ndarray         # cents
    channel: np.ndarray
    payment_type: np.ndarray


def in_signal(c: Customers, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
    start = c.signal_start[customer]
    return (start >= 0) & (day >= start) & (day <= c.signal_end[customer])


def pick_channels(c: Customers, customer: np.ndarray, day: np.ndarray, period: Period, rng) -> np.ndarray:
    progress = np.clip((day - period.first_day) / max(period.end_day - period.first_day, 1), 0, 1)[:, None]
    household = np.isin(c.ctype[customer], (RES, AGR))[:, None]
    mix = np.where(household, HOUSEHOLD_MIX[0] + progress * (HOUSEHOLD_MIX[1] - HOUSEHOLD_MIX[0]),
                   BUSINESS_MIX[0] + progress * (BUSINESS_MIX[1] - BUSINESS_MIX[0]))
    cumulative = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(len(customer))[:, None] > cumulative).sum(axis=1).clip(0, len(CHANNELS) - 1)


def seconds_of_day(channel: np.ndarray, rng) -> np.ndarray:
    """A time of day for each payment by its channel's hours (withholding at the run's 06:00)."""
    counter_hour = rng.choice(24, len(channel), p=COUNTER_HOUR_WEIGHTS / COUNTER_HOUR_WEIGHTS.sum())
    online_hour = rng.choice(24, len(channel), p=ONLINE_HOUR_WEIGHTS / ONLINE_HOUR_WEIGHTS.sum())
    # counters open at 08:30 and close at 17:30: the first and last hours are half hours
    within = rng.integers(0, 3600, len(channel))
    within = np.where(counter_hour == 8, 1800 + within // 2, np.where(counter_hour == 17, within // 2, within))
    counter_second = counter_hour * 3600 + within
    online_second = online_hour * 3600 + rng.integers(0, 3600, len(channel))
    return np.select([channel == WITHHOLDING, np.isin(channel, COUNTERS)],
                     [WITHHOLDING_SECOND, counter_second], default=online_second)


def counter_days(day: np.ndarray, channel: np.ndarray, last_day: np.ndarray, rng) -> np.ndarray:
    """A counter payment drawn on a Sunday usually happens on the Monday (when that is still allowed)."""
    moved = (np.isin(channel, COUNTERS) & (weekday(day) == 6) & (rng.random(len(day)) < SUNDAY_COUNTER_TO_MONDAY)
             & (day + 1 <= last_day))
    return day + moved


def next_withholding_run(day: np.ndarray) -> np.ndarray:
    """The first direct-debit run on or after each day."""
    month_start = day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    next_month = (day.astype("datetime64[D]").astype("datetime64[M]") + 1).astype("datetime64[D]").astype(np.int64)
    runs = [month_start + d - 1 for d in WITHHOLDING_RUN_DAYS] + [next_month + WITHHOLDING_RUN_DAYS[0] - 1]
    return np.select([day <= run for run in runs[:-1]], runs[:-1], default=runs[-1])


def generate_payments(c: Customers, bills: Bills, period: Period, rng: np.random.Generator) -> Payments:
    parts = [bill_payments(c, bills, period, rng), topups(c, bills, period, rng)]
    merged = Payments(*(np.concatenate([getattr(p, f) for p in parts]) for f in Payments.__dataclass_fields__))
    keep = merged.paid_second < (period.export_day + 1) * SECONDS_PER_DAY
    order = np.lexsort((merged.payment_type[keep], merged.paid_second[keep], merged.customer[keep]))
    return Payments(*(getattr(merged, f)[keep][order] for f in Payments.__dataclass_fields__))


def bill_payments(c: Customers, bills: Bills, period: Period, rng) -> Payments:
    total = bills.total
    owed = np.flatnonzero(~c.prepaid[bills.customer] & (total > 0))
    customer = bills.customer[owed]
    due = bills.due_day[owed]
    issue = bills.issue_day[owed]
    stressed = in_signal(c, customer, issue)
    payer = c.payer[customer]
    residential = c.ctype[customer] == RES
    household = np.isin(c.ctype[customer], (RES, AGR))
    late = rng.random(len(owed)) < np.clip(LATE_BY_PAYER[payer] + 0.5 * stressed, 0, 0.95)
    unpaid = rng.random(len(owed)) < UNPAID_BY_PAYER[payer] + UNPAID_WHEN_STRESSED_HOUSEHOLD * stressed * household
    partial = unpaid & (rng.random(len(owed)) < 0.3)  # pays part, the rest stays in arrears
    # a customer pays a bill's parts through one channel; a direct debit takes the whole bill
    channel = pick_channels(c, customer, due, period, rng)
    split = ~unpaid & (rng.random(len(owed)) < np.where(late, 0.2, 0.04)) & (channel != WITHHOLDING)

    days_late = 1 + rng.geometric(1 / DAYS_LATE_MEAN_BY_PAYER[payer])
    # past 30 days the reminder, the notice and the threat of suspension bring the payment in
    notice = np.where(residential, NOTICE_DAYS_RESIDENTIAL, NOTICE_DAYS_OTHER)
    collected = SUSPENSION_AFTER_DAYS + notice + rng.geometric(1 / DAYS_TO_PAY_AFTER_NOTICE_MEAN, len(owed))
    days_late = np.where(days_late > SUSPENSION_AFTER_DAYS, collected, days_late)
    final_day = np.where(late, due + days_late, issue + 1 + (rng.random(len(owed)) * (due - issue)).astype(np.int64))
    first_share = rng.uniform(0.3, 0.7, len(owed))
    first_amount = np.round(total[owed] * first_share).astype(np.int64)
    first_day = issue + 1 + (rng.random(len(owed)) * np.maximum(final_day - issue - 1, 1)).astype(np.int64)
    # direct debits land on the bank's run days: the first run for a bill paid on time, a retry run
    # for one paid late (the account was empty)
    debited = channel == WITHHOLDING
    final_day = np.where(debited, np.where(late, next_withholding_run(final_day), next_withholding_run(issue + 1)),
                         final_day)
    first_day = np.where(debited, next_withholding_run(first_day), first_day)
    final_day = counter_days(final_day, channel, final_day + 1, rng)
    first_day = counter_days(first_day, channel, final_day, rng)

    # rows: a single full payment, or a first part (split or partial) and, for splits, the rest
    single = ~unpaid & ~split
    firsts = split | partial
    seconds = split
    bill_index = np.concatenate([owed[single], owed[firsts], owed[seconds]])
    day = np.concatenate([final_day[single], first_day[firsts], final_day[seconds]])
    amount = np.concatenate([total[owed][single], first_amount[firsts], (total[owed] - first_amount)[seconds]])
    row_channel = np.concatenate([channel[single], channel[firsts], channel[seconds]])

    # a bill settled after its due date carries the late fee, charged with the settling payment;
    # each part of the bill accrues until the day it was paid
    first_part = np.where(split, first_amount, 0)
    fee = late_fee_cents(due, residential, [(first_part, first_day), (total[owed] - first_part, final_day)])
    with_fee = ~unpaid & (fee > 0)
    bill_index = np.concatenate([bill_index, owed[with_fee]])
    day = np.concatenate([day, final_day[with_fee]])
    amount = np.concatenate([amount, fee[with_fee]])
    row_channel = np.concatenate([row_channel, channel[with_fee]])
    payment_type = np.concatenate([np.zeros(len(bill_index) - with_fee.sum(), dtype=np.int64),
                                   np.full(with_fee.sum(), 2, dtype=np.int64)])
    customer = bills.customer[bill_index]
    time_of_day = seconds_of_day(row_channel, rng)
    paid_second = settle_fees_with_payments(bill_index, day, day * SECONDS_PER_DAY + time_of_day, payment_type)
    return Payments(customer=customer, bill=bill_index, paid_second=paid_second, amount=amount,
                    channel=row_channel, payment_type=payment_type)


def settle_fees_with_payments(bill_index, day, paid_second, payment_type) -> np.ndarray:
    """A late fee is paid one second after the bill's last payment of the same day (its settling one)."""
    fee_rows = np.flatnonzero(payment_type == 2)
    bill_rows = np.flatnonzero(payment_type == 0)
    # latest bill payment per (bill, day): sort by key then time, take the last of each key
    key_bill = bill_index[bill_rows] * 100_000 + day[bill_rows]
    order = np.lexsort((paid_second[bill_rows], key_bill))
    keys, last = key_bill[order], paid_second[bill_rows][order]
    ends = np.r_[keys[1:] != keys[:-1], True]
    keys, last = keys[ends], last[ends]
    position = np.searchsorted(keys, bill_index[fee_rows] * 100_000 + day[fee_rows])
    paid_second = paid_second.copy()
    paid_second[fee_rows] = last[position] + 1
    return paid_second


def overdue_rate_days_e4(due_day: np.ndarray, paid_day: np.ndarray, residential: np.ndarray) -> np.ndarray:
    """Sum of the daily late-fee rates (1e-4 of the amount) over the days from the day after the
    due date to the payment day, both included."""
    year_end = ((due_day.astype("datetime64[D]").astype("datetime64[Y]") + 1).astype("datetime64[D]")
                .astype(np.int64) - 1)
    current_year = np.maximum(np.minimum(paid_day, year_end) - due_day, 0)
    later_years = np.maximum(paid_day - np.maximum(due_day, year_end), 0)
    return np.where(residential, LATE_FEE_RESIDENTIAL_E4 * np.maximum(paid_day - due_day, 0),
                    LATE_FEE_CURRENT_YEAR_E4 * current_year + LATE_FEE_LATER_YEAR_E4 * later_years)


def late_fee_cents(due_day: np.ndarray, residential: np.ndarray, parts) -> np.ndarray:
    """The late fee of a bill in cents from its parts (amount in cents, day paid): accumulated daily
    on the overdue amount, rounded half up to the cent once, at least 1 yuan when anything was late."""
    accrued = sum(amount * overdue_rate_days_e4(due_day, day, residential) for amount, day in parts)
    return np.where(accrued > 0, np.maximum(div_half_up(accrued, 10_000), LATE_FEE_MINIMUM_CENTS), 0)


def topups(c: Customers, bills: Bills, period: Period, rng) -> Payments:
    """Prepaid customers top up 1-3 times a month, in round sums of 10 yuan, a little more than they
    use (the meter cuts supply when the balance runs out), in a few months less, which the balance
    built up before usually covers."""
    months = np.flatnonzero(c.prepaid[bills.customer])
    count = rng.choice([1, 2, 3], len(months), p=[0.55, 0.3, 0.15])
    cover = np.where(rng.random(len(months)) < PREPAID_SHORT_MONTH_SHARE, rng.uniform(0.6, 0.95, len(months)),
                     rng.uniform(1.0, 1.3, len(months)))
    row_bill = np.repeat(months, count)
    customer = bills.customer[row_bill]
    spend = np.maximum(bills.total[row_bill], 1000) * np.repeat(cover / count, count)
    amount = np.maximum(np.ceil(spend / 1000).astype(np.int64), 1) * 1000
    month_start = period.month_starts[bills.month[row_bill]]
    month_end = period.month_starts[bills.month[row_bill] + 1] - 1
    first = np.maximum(month_start, c.open_day[customer])
    last = np.where(c.close_day[customer] >= 0, np.minimum(month_end, c.close_day[customer]), month_end)
    day = first + (rng.random(len(row_bill)) * (last - first + 1)).astype(np.int64)
    channel = pick_channels(c, customer, day, period, rng)
    channel = np.where(channel == WITHHOLDING, 2, channel)  # a top-up is never a direct debit
    day = counter_days(day, channel, last, rng)
    return Payments(customer=customer, bill=np.full(len(row_bill), -1, dtype=np.int64),
                    paid_second=day * SECONDS_PER_DAY + seconds_of_day(channel, rng), amount=amount,
                    channel=channel, payment_type=np.ones(len(row_bill), dtype=np.int64))
