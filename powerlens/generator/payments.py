"""Payments: bill payments of postpaid customers (on time, late, split, partial, never), late
fees, and prepaid top-ups; channels shift toward online over time."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powerlens.generator.billing import Bills, div_half_up
from powerlens.generator.calendar import SECONDS_PER_DAY, Period
from powerlens.generator.customers import AGR, PAYER_ARREARS, RES, Customers

CHANNELS = ("counter", "bank_withholding", "app", "wechat", "alipay", "website", "bank_counter")
PAYMENT_TYPES = ("bill", "prepaid_topup", "late_fee")
# channel mix at the start and at the end of the period (households move to apps fastest)
HOUSEHOLD_MIX = (np.array([0.14, 0.18, 0.16, 0.20, 0.14, 0.03, 0.15]),
                 np.array([0.07, 0.17, 0.24, 0.27, 0.17, 0.02, 0.06]))
BUSINESS_MIX = (np.array([0.15, 0.33, 0.08, 0.03, 0.01, 0.12, 0.28]),
                np.array([0.10, 0.33, 0.15, 0.05, 0.02, 0.15, 0.20]))
# probability a bill is paid late / never paid, per payer habit (on time, late, lasting arrears)
LATE_BY_PAYER = np.array([0.05, 0.55, 0.70])
UNPAID_BY_PAYER = np.array([0.002, 0.02, 0.25])
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


def daytime_seconds(rng, size) -> np.ndarray:
    """A time of day between 07:00 and 22:00."""
    return rng.integers(7 * 3600, 22 * 3600, size)


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
    late = rng.random(len(owed)) < np.clip(LATE_BY_PAYER[payer] + 0.5 * stressed, 0, 0.95)
    unpaid = rng.random(len(owed)) < UNPAID_BY_PAYER[payer] + 0.2 * stressed
    partial = unpaid & (rng.random(len(owed)) < 0.3)  # pays part, the rest stays in arrears
    split = ~unpaid & (rng.random(len(owed)) < np.where(late, 0.2, 0.04))

    days_late = np.minimum(1 + rng.geometric(1 / (8 + 10 * (payer == PAYER_ARREARS)), len(owed)), 150)
    final_day = np.where(late, due + days_late, issue + 1 + (rng.random(len(owed)) * (due - issue)).astype(np.int64))
    first_share = rng.uniform(0.3, 0.7, len(owed))
    first_amount = np.round(total[owed] * first_share).astype(np.int64)
    first_day = issue + 1 + (rng.random(len(owed)) * np.maximum(final_day - issue - 1, 1)).astype(np.int64)

    # rows: a single full payment, or a first part (split or partial) and, for splits, the rest
    single = ~unpaid & ~split
    firsts = split | partial
    seconds = split
    bill_index = np.concatenate([owed[single], owed[firsts], owed[seconds]])
    day = np.concatenate([final_day[single], first_day[firsts], final_day[seconds]])
    amount = np.concatenate([total[owed][single], first_amount[firsts], (total[owed] - first_amount)[seconds]])

    # a bill settled after its due date carries the late fee, charged with the settling payment;
    # each part of the bill accrues until the day it was paid
    paid_late = ~unpaid & late
    residential = c.ctype[customer] == RES
    first_part = np.where(split, first_amount, 0)
    fee = late_fee_cents(due, residential, [(first_part, first_day), (total[owed] - first_part, final_day)])
    with_fee = paid_late & (fee > 0)
    bill_index = np.concatenate([bill_index, owed[with_fee]])
    day = np.concatenate([day, final_day[with_fee]])
    amount = np.concatenate([amount, fee[with_fee]])
    payment_type = np.concatenate([np.zeros(len(bill_index) - with_fee.sum(), dtype=np.int64),
                                   np.full(with_fee.sum(), 2, dtype=np.int64)])
    customer = bills.customer[bill_index]
    channel = pick_channels(c, customer, day, period, rng)
    seconds_of_day = np.where(channel == 1, 6 * 3600, daytime_seconds(rng, len(day)))  # withholding runs at 06:00
    # the fee is settled together with the late payment, one second after it
    paid_second = day * SECONDS_PER_DAY + seconds_of_day + (payment_type == 2)
    return Payments(customer=customer, bill=bill_index, paid_second=paid_second, amount=amount,
                    channel=channel, payment_type=payment_type)


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
    """Prepaid customers top up 1-3 times a month, about what they use, in round sums of 10 yuan."""
    months = np.flatnonzero(c.prepaid[bills.customer])
    count = rng.choice([1, 2, 3], len(months), p=[0.55, 0.3, 0.15])
    row_bill = np.repeat(months, count)
    customer = bills.customer[row_bill]
    spend = np.maximum(bills.total[row_bill], 1000) * rng.lognormal(0, 0.2, len(row_bill)) / np.repeat(count, count)
    amount = np.maximum(np.round(spend / 1000).astype(np.int64), 1) * 1000
    month_start = period.month_starts[bills.month[row_bill]]
    month_end = period.month_starts[bills.month[row_bill] + 1] - 1
    first = np.maximum(month_start, c.open_day[customer])
    last = np.where(c.close_day[customer] >= 0, np.minimum(month_end, c.close_day[customer]), month_end)
    day = first + (rng.random(len(row_bill)) * (last - first + 1)).astype(np.int64)
    channel = pick_channels(c, customer, day, period, rng)
    channel = np.where(channel == 1, 2, channel)  # a top-up is never a direct debit
    return Payments(customer=customer, bill=np.full(len(row_bill), -1, dtype=np.int64),
                    paid_second=day * SECONDS_PER_DAY + daytime_seconds(rng, len(day)), amount=amount,
                    channel=channel, payment_type=np.ones(len(row_bill), dtype=np.int64))
