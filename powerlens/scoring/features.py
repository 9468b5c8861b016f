"""Churn features per active customer at a snapshot date.

Point in time is the whole point of this module: every feature for snapshot ``s`` is computed from
rows dated strictly before ``s`` (a usage month that ended before ``s``, a bill issued before ``s``,
a payment made before ``s``, a ticket created before ``s`` whose outcome is only used when it was
known before ``s``). ``close_date`` decides who is active at ``s`` and the label, and
``close_reason`` is never read here at all.

Inputs are pandas frames with the staging column names (see docs/DEVELOPING.md), except the
monthly usage, which is the meter readings summed per customer and month
(``int_churn__monthly_usage``: customer_id, usage_month, kwh, max_demand_kw).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CATEGORICAL_FEATURES = ["customer_type", "region_code", "urban_rural", "payment_mode"]
NUMERIC_FEATURES = [
    "tenure_months",
    "contract_capacity_kva",
    "voltage_kv",
    "has_pv",
    "kwh_avg_3m",
    "kwh_avg_12m",
    "kwh_trend_3m_vs_12m",
    "kwh_volatility_12m",
    "zero_usage_months_3m",
    "max_demand_3m_kw",
    "demand_trend_3m_vs_12m",
    "demand_utilisation_3m",
    "bill_avg_3m",
    "bill_amount_12m",
    "bill_trend_3m_vs_12m",
    "yuan_per_kwh_12m",
    "late_payments_12m",
    "late_fees_12m",
    "arrears_amount",
    "oldest_arrears_days",
    "tickets_12m",
    "outage_tickets_12m",
    "complaints_3m",
    "complaints_12m",
    "unresolved_complaints",
    "dissatisfied_complaints_12m",
    "ticket_satisfaction_12m",
    "latest_survey_overall",
    "latest_survey_billing",
    "programmes_enrolled",
]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES

# columns a caller must never hand to a model: they describe the future
FORBIDDEN_FEATURES = {"close_date", "close_reason"}

# a payment made on the due date is on time; money compared to the cent
CENT = 0.005


@dataclass
class ChurnInputs:
    customers: pd.DataFrame
    monthly_usage: pd.DataFrame
    bills: pd.DataFrame
    payments: pd.DataFrame
    tickets: pd.DataFrame
    surveys: pd.DataFrame
    programmes: pd.DataFrame

    def normalised(self) -> "ChurnInputs":
        """Copies with date columns as datetimes, so callers may pass strings or dates."""
        dates = {
            "customers": ["open_date", "close_date"],
            "monthly_usage": ["usage_month"],
            "bills": ["billing_month", "issue_date", "due_date"],
            "payments": ["paid_at"],
            "tickets": ["created_at", "resolved_at"],
            "surveys": ["survey_date"],
            "programmes": ["enrolled_date"],
        }
        frames = {}
        for name, columns in dates.items():
            frame = getattr(self, name).copy()
            for column in columns:
                frame[column] = pd.to_datetime(frame[column])
            frames[name] = frame
        return ChurnInputs(**frames)


def months_between(start: pd.Series, end: pd.Timestamp) -> pd.Series:
    """Whole calendar months from the month of ``start`` to the month of ``end``."""
    return (end.year - start.dt.year) * 12 + (end.month - start.dt.month)


def active_customers(customers: pd.DataFrame, snapshot: pd.Timestamp) -> pd.DataFrame:
    """Customers whose account was open before the snapshot and not yet closed on it."""
    is_open = customers["open_date"] < snapshot
    not_closed = customers["close_date"].isna() | (customers["close_date"] >= snapshot)
    return customers.loc[is_open & not_closed]


def churn_label(customers: pd.DataFrame, snapshot: pd.Timestamp, window_months: int) -> pd.Series:
    """True where the account closes within ``window_months`` after the snapshot, any reason."""
    active = active_customers(customers, snapshot)
    window_end = snapshot + pd.DateOffset(months=window_months)
    churned = active["close_date"].notna() & (active["close_date"] < window_end)
    return pd.Series(churned.to_numpy(), index=active["customer_id"].to_numpy(), name="churned")


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator > 0)).astype(float)


def _usage_features(usage: pd.DataFrame, base: pd.DataFrame, snapshot: pd.Timestamp) -> pd.DataFrame:
    months_open = months_between(base["open_date"], snapshot).clip(lower=1)
    out = pd.DataFrame(index=base.index)
    for months, suffix in ((3, "3m"), (12, "12m")):
        window = usage.loc[(usage["usage_month"] < snapshot)
                           & (usage["usage_month"] >= snapshot - pd.DateOffset(months=months))]
        grouped = window.groupby("customer_id")
        # months without readings count as zero use: the account was open but drew nothing
        n_months = months_open.clip(upper=months)
        kwh_sum = grouped["kwh"].sum().reindex(base.index, fill_value=0.0)
        out[f"kwh_avg_{suffix}"] = kwh_sum / n_months
        out[f"_max_demand_{suffix}"] = grouped["max_demand_kw"].max().reindex(base.index)
        if months == 3:
            used_months = (window["kwh"] > 0).groupby(window["customer_id"]).sum()
            out["zero_usage_months_3m"] = n_months - used_months.reindex(base.index, fill_value=0)
        else:
            square_sum = (window["kwh"] ** 2).groupby(window["customer_id"]).sum()
            mean = out["kwh_avg_12m"]
            variance = square_sum.reindex(base.index, fill_value=0.0) / n_months - mean ** 2
            out["kwh_volatility_12m"] = _ratio(np.sqrt(variance.clip(lower=0.0)), mean)
    out["kwh_trend_3m_vs_12m"] = _ratio(out["kwh_avg_3m"], out["kwh_avg_12m"])
    out["max_demand_3m_kw"] = out["_max_demand_3m"]
    out["demand_trend_3m_vs_12m"] = _ratio(out["_max_demand_3m"], out["_max_demand_12m"])
    out["demand_utilisation_3m"] = _ratio(out["_max_demand_3m"], base["contract_capacity_kva"])
    return out.drop(columns=["_max_demand_3m", "_max_demand_12m"])


def _bill_features(bills: pd.DataFrame, base: pd.DataFrame, snapshot: pd.Timestamp) -> pd.DataFrame:
    out = pd.DataFrame(index=base.index)
    issued = bills.loc[bills["issue_date"] < snapshot]
    sums = {}
    for months, suffix in ((3, "3m"), (12, "12m")):
        window = issued.loc[issued["issue_date"] >= snapshot - pd.DateOffset(months=months)]
        grouped = window.groupby("customer_id")
        sums[suffix] = (grouped["total_amount"].sum().reindex(base.index),
                        grouped["total_amount"].count().reindex(base.index),
                        grouped["kwh_total"].sum().reindex(base.index))
    amount_3m, count_3m, _ = sums["3m"]
    amount_12m, count_12m, kwh_12m = sums["12m"]
    out["bill_avg_3m"] = _ratio(amount_3m, count_3m)
    out["bill_amount_12m"] = amount_12m.fillna(0.0)
    out["bill_trend_3m_vs_12m"] = _ratio(out["bill_avg_3m"], _ratio(amount_12m, count_12m))
    out["yuan_per_kwh_12m"] = _ratio(amount_12m, kwh_12m)
    return out


def _payment_features(bills: pd.DataFrame, payments: pd.DataFrame, base: pd.DataFrame,
                      snapshot: pd.Timestamp) -> pd.DataFrame:
    out = pd.DataFrame(index=base.index)
    postpaid = base.index[base["payment_mode"] == "postpaid"]
    paid_before = payments.loc[payments["paid_at"] < snapshot]

    # postpaid: each bill is settled by payments that name it
    due = bills.loc[(bills["due_date"] < snapshot) & bills["customer_id"].isin(postpaid)]
    bill_payments = paid_before.loc[paid_before["payment_type"] == "bill"].merge(
        due[["bill_id", "due_date"]], on="bill_id")
    on_time = bill_payments["paid_at"] < bill_payments["due_date"] + pd.Timedelta(days=1)
    paid_by_due = bill_payments.loc[on_time].groupby("bill_id")["amount"].sum()
    paid_by_snapshot = bill_payments.groupby("bill_id")["amount"].sum()
    due = due.assign(
        paid_by_due=due["bill_id"].map(paid_by_due).fillna(0.0),
        outstanding=(due["total_amount"] - due["bill_id"].map(paid_by_snapshot).fillna(0.0)),
    )
    late = due.loc[(due["paid_by_due"] < due["total_amount"] - CENT)
                   & (due["due_date"] >= snapshot - pd.DateOffset(months=12))]
    out["late_payments_12m"] = late.groupby("customer_id").size().reindex(base.index, fill_value=0)
    open_bills = due.loc[due["outstanding"] > CENT]
    postpaid_arrears = open_bills.groupby("customer_id")["outstanding"].sum()
    oldest_due = open_bills.groupby("customer_id")["due_date"].min()

    # prepaid: top-ups buy credit in advance, so arrears is the bills issued beyond it
    prepaid = base.index[base["payment_mode"] != "postpaid"]
    issued = bills.loc[(bills["issue_date"] < snapshot) & bills["customer_id"].isin(prepaid)]
    topups = paid_before.loc[paid_before["payment_type"] != "late_fee"]
    prepaid_balance = (issued.groupby("customer_id")["total_amount"].sum()
                       .sub(topups.groupby("customer_id")["amount"].sum(), fill_value=0.0)
                       .reindex(prepaid))
    prepaid_arrears = prepaid_balance.clip(lower=0.0)

    arrears = pd.concat([postpaid_arrears, prepaid_arrears.dropna()])
    out["arrears_amount"] = arrears.reindex(base.index).fillna(0.0)
    out["oldest_arrears_days"] = ((snapshot - oldest_due).dt.days
                                  .reindex(base.index).fillna(0).astype(float))
    fees = paid_before.loc[(paid_before["payment_type"] == "late_fee")
                           & (paid_before["paid_at"] >= snapshot - pd.DateOffset(months=12))]
    out["late_fees_12m"] = fees.groupby("customer_id").size().reindex(base.index, fill_value=0)
    return out


def _ticket_features(tickets: pd.DataFrame, base: pd.DataFrame,
                     snapshot: pd.Timestamp) -> pd.DataFrame:
    out = pd.DataFrame(index=base.index)
    created = tickets.loc[tickets["created_at"] < snapshot]
    # an outcome (resolution, satisfaction) counts only once it was known before the snapshot
    resolved = created["resolved_at"].notna() & (created["resolved_at"] < snapshot)
    created = created.assign(resolved_before=resolved,
                             known_satisfaction=created["satisfaction"].where(resolved))
    is_complaint = created["ticket_type"] == "complaint"
    last_12m = created["created_at"] >= snapshot - pd.DateOffset(months=12)
    last_3m = created["created_at"] >= snapshot - pd.DateOffset(months=3)

    def count(mask: pd.Series) -> pd.Series:
        return created.loc[mask].groupby("customer_id").size().reindex(base.index, fill_value=0)

    out["tickets_12m"] = count(last_12m)
    out["outage_tickets_12m"] = count(last_12m & (created["category"] == "outage"))
    out["complaints_3m"] = count(last_3m & is_complaint)
    out["complaints_12m"] = count(last_12m & is_complaint)
    out["unresolved_complaints"] = count(is_complaint & ~created["resolved_before"])
    out["dissatisfied_complaints_12m"] = count(last_12m & is_complaint
                                               & (created["known_satisfaction"] <= 2))
    out["ticket_satisfaction_12m"] = (created.loc[last_12m].groupby("customer_id")
                                      ["known_satisfaction"].mean().reindex(base.index)
                                      .astype(float))
    return out


def _survey_features(surveys: pd.DataFrame, base: pd.DataFrame,
                     snapshot: pd.Timestamp) -> pd.DataFrame:
    known = surveys.loc[surveys["survey_date"] < snapshot].sort_values(["survey_date", "survey_id"])
    latest = known.groupby("customer_id").last()
    return pd.DataFrame({
        "latest_survey_overall": latest["overall"].reindex(base.index).astype(float),
        "latest_survey_billing": latest["billing"].reindex(base.index).astype(float),
    }, index=base.index)


def build_snapshot_features(inputs: ChurnInputs, snapshot) -> pd.DataFrame:
    """One row per customer active at ``snapshot`` (index customer_id), columns ``FEATURES``.

    ``inputs`` must be normalised (``ChurnInputs.normalised``).
    """
    snapshot = pd.Timestamp(snapshot)
    base = active_customers(inputs.customers, snapshot).set_index("customer_id").sort_index()
    features = pd.DataFrame(index=base.index)
    features["tenure_months"] = (snapshot - base["open_date"]).dt.days / 30.4375
    features["contract_capacity_kva"] = base["contract_capacity_kva"].astype(float)
    features["voltage_kv"] = base["voltage_kv"].astype(float)
    features["has_pv"] = base["has_pv"].astype("boolean").astype(float)
    features = features.join([
        _usage_features(inputs.monthly_usage, base, snapshot),
        _bill_features(inputs.bills, base, snapshot),
        _payment_features(inputs.bills, inputs.payments, base, snapshot),
        _ticket_features(inputs.tickets, base, snapshot),
        _survey_features(inputs.surveys, base, snapshot),
    ])
    enrolled = inputs.programmes.loc[inputs.programmes["enrolled_date"] < snapshot]
    features["programmes_enrolled"] = (enrolled.groupby("customer_id").size()
                                       .reindex(base.index, fill_value=0))
    for column in CATEGORICAL_FEATURES:
        features[column] = base[column].astype(object)
    # annualised billed revenue: what the utility loses if the customer leaves (not a feature)
    months_open = months_between(base["open_date"], snapshot).clip(lower=1, upper=12)
    features["annual_revenue_yuan"] = features["bill_amount_12m"] * 12 / months_open
    features[NUMERIC_FEATURES] = features[NUMERIC_FEATURES].astype(float)
    features.index.name = "customer_id"
    return features


def snapshot_dates(first_month, current_snapshot, min_history_months: int) -> list[pd.Timestamp]:
    """Monthly snapshots from ``min_history_months`` after the data starts up to the current one.

    The current snapshot is always one of them, even when the data is shorter than
    ``min_history_months``: its customers are the ones to score (or to mark unscored).
    """
    first = pd.Timestamp(first_month).to_period("M").to_timestamp()
    current = pd.Timestamp(current_snapshot)
    start = min(first + pd.DateOffset(months=min_history_months), current)
    return list(pd.date_range(start, current, freq="MS"))


def build_training_frame(inputs: ChurnInputs, snapshots, current_snapshot,
                         window_months: int) -> pd.DataFrame:
    """Features for every snapshot with ``snapshot_date`` and ``churned``.

    ``churned`` is empty (NA) where the window after the snapshot reaches past the data
    (``current_snapshot``), because the outcome is not yet known there.
    """
    inputs = inputs.normalised()
    current_snapshot = pd.Timestamp(current_snapshot)
    frames = []
    for snapshot in snapshots:
        snapshot = pd.Timestamp(snapshot)
        features = build_snapshot_features(inputs, snapshot)
        observed = snapshot + pd.DateOffset(months=window_months) <= current_snapshot
        label = churn_label(inputs.customers, snapshot, window_months).reindex(features.index)
        features["churned"] = label.astype("boolean") if observed else pd.NA
        features["churned"] = features["churned"].astype("boolean")
        features.insert(0, "snapshot_date", snapshot)
        frames.append(features.reset_index())
    return pd.concat(frames, ignore_index=True)
