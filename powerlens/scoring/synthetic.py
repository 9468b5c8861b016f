"""Small, fast monthly-grain inputs for the scoring tests and the scoring benchmark.

The project's generator (`powerlens generate`) writes daily meter readings, which is the right
thing for the warehouse but far too slow for scoring 100,000 customers in a benchmark. This makes
the same frames ``build_snapshot_features`` reads, directly at monthly grain, with a planted
churn signal (falling use, late payments, complaints) so a model has something to find.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from powerlens.scoring.features import ChurnInputs

CUSTOMER_TYPES = np.array(["residential", "general_commercial", "large_industrial",
                           "agricultural", "ev_charging"])
TYPE_SHARES = np.array([0.85, 0.08, 0.02, 0.03, 0.02])


def synthetic_inputs(customers: int, months: int, seed: int, start: str = "2024-01") -> ChurnInputs:
    rng = np.random.default_rng(seed)
    first = pd.Timestamp(start + "-01")
    month_starts = pd.date_range(first, periods=months, freq="MS")
    ids = np.array([f"C{i:07d}" for i in range(customers)], dtype=object)
    kinds = rng.choice(CUSTOMER_TYPES, size=customers, p=TYPE_SHARES)
    open_dates = first - pd.to_timedelta(rng.integers(30, 3000, size=customers), unit="D")
    propensity = rng.normal(size=customers)  # the hidden reason some customers leave
    monthly_hazard = 0.004 * np.exp(0.9 * propensity)
    close_month = rng.geometric(np.clip(monthly_hazard, 1e-4, 0.5))
    closes = close_month < months
    close_dates = pd.Series(pd.NaT, index=range(customers), dtype="datetime64[ns]")
    close_dates[closes] = (first + pd.to_timedelta(close_month[closes] * 30.4 + 3, unit="D"))
    customer_frame = pd.DataFrame({
        "customer_id": ids, "customer_type": kinds,
        "region_code": rng.choice(["r01", "r02", "r03", "r04"], size=customers),
        "urban_rural": rng.choice(["urban", "rural"], size=customers, p=[0.7, 0.3]),
        "payment_mode": rng.choice(["postpaid", "prepaid"], size=customers, p=[0.7, 0.3]),
        "contract_capacity_kva": np.where(kinds == "residential", 8.0,
                                          rng.choice([50.0, 160.0, 400.0], size=customers)),
        "voltage_kv": np.where(kinds == "residential", 0.22, 10.0),
        "has_pv": rng.random(customers) < 0.05,
        "open_date": open_dates, "close_date": close_dates,
        "close_reason": np.where(closes, "switched_retailer", None),
    })

    # one row per customer and month while open; use falls in the months before leaving
    grid = pd.DataFrame({"customer_id": np.repeat(ids, months),
                         "usage_month": np.tile(month_starts, customers),
                         "row": np.repeat(np.arange(customers), months)})
    months_to_close = close_month[grid["row"]] - np.tile(np.arange(months), customers)
    still_open = months_to_close >= 0
    grid = grid.loc[still_open].reset_index(drop=True)
    months_to_close = months_to_close[still_open]
    rows = grid["row"].to_numpy()
    level = np.where(kinds[rows] == "residential", 250.0, 12000.0)
    fading = np.where(months_to_close <= 5, 1 - 0.25 * propensity[rows].clip(0, 2), 1.0)
    kwh = level * fading * rng.lognormal(0, 0.25, size=len(grid))
    usage = pd.DataFrame({"customer_id": grid["customer_id"], "usage_month": grid["usage_month"],
                          "kwh": kwh.round(2),
                          "max_demand_kw": (kwh / 200).round(2)})

    bills = pd.DataFrame({
        "bill_id": "B" + grid.index.astype(str), "customer_id": grid["customer_id"],
        "billing_month": grid["usage_month"], "kwh_total": usage["kwh"],
        "issue_date": grid["usage_month"] + pd.DateOffset(months=1) + pd.Timedelta(days=2),
        "total_amount": (usage["kwh"] * 0.62).round(2),
    })
    bills["due_date"] = bills["issue_date"] + pd.Timedelta(days=15)
    late_days = np.where(rng.random(len(bills)) < 0.05 + 0.15 * propensity[rows].clip(0),
                         rng.integers(3, 40, size=len(bills)), -rng.integers(0, 10, len(bills)))
    payments = pd.DataFrame({
        "payment_id": "P" + bills.index.astype(str), "customer_id": bills["customer_id"],
        "bill_id": bills["bill_id"], "amount": bills["total_amount"],
        "paid_at": bills["due_date"] + pd.to_timedelta(late_days, unit="D"),
        "payment_type": "bill",
    })

    ticket_count = rng.poisson(0.3 + 0.4 * propensity.clip(0), size=customers)
    owners = np.repeat(np.arange(customers), ticket_count)
    created = first + pd.to_timedelta(rng.integers(0, months * 30, size=len(owners)), unit="D")
    tickets = pd.DataFrame({
        "ticket_id": [f"T{i}" for i in range(len(owners))], "customer_id": ids[owners],
        "ticket_type": rng.choice(["complaint", "consultation", "fault_repair"], size=len(owners)),
        "category": rng.choice(["billing", "outage", "other"], size=len(owners)),
        "created_at": created, "resolved_at": created + pd.Timedelta(days=3),
        "satisfaction": rng.integers(1, 6, size=len(owners)).astype(float),
    })
    surveyed = rng.random(customers) < 0.2
    surveys = pd.DataFrame({
        "survey_id": [f"S{i}" for i in range(int(surveyed.sum()))],
        "customer_id": ids[surveyed],
        "survey_date": first + pd.Timedelta(days=200),
        "overall": np.clip(np.round(8 - propensity[surveyed]), 1, 10),
        "billing": np.clip(np.round(7 - propensity[surveyed]), 1, 10),
    })
    enrolled = rng.random(customers) < 0.1
    programmes = pd.DataFrame({"customer_id": ids[enrolled], "programme": "energy_audit",
                               "enrolled_date": first + pd.Timedelta(days=100)})
    # the competition of the four synthetic regions (no draw from rng, so the rest of the data
    # stays what it was for a seed); churn here does not depend on it
    competition = pd.DataFrame({"region_code": ["r01", "r02", "r03", "r04"],
                                "competition_index": [0.9, 0.55, 0.3, 0.1]})
    return ChurnInputs(customer_frame, usage, bills, payments, tickets, surveys, programmes,
                       competition)
