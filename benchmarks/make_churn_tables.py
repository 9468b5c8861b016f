"""Writes the churn tables `powerlens churn-eval` is measured on: tests/fixtures/churn_tables/.

No public churn table is available offline (no installed package ships one), so two tables of
other domains are generated here with a stated process, plus one from PowerLens's own synthetic
customers. Run once with a fixed seed; the CSVs are committed so tests and docs read fixed files:

    .venv/bin/python benchmarks/make_churn_tables.py

telecom_subscriptions.csv (3,000 mobile subscribers, snapshot 2024-06-30, label
`churned_next_90d` yes/no). Log-odds of churning in the next 90 days:
    -3.7
    + 1.5   if tenure (snapshot - activation_date) is under 6 months
    + 1.9   if the contract ends within 0-2 months after the snapshot (contract_end_date)
    + 0.9   if the contract already ended (out of contract, rolling month to month)
    + 0.6   if activated in December (holiday promotion customers)
    + 0.3   for prepaid plans (no contract_end_date at all)
    + 0.3 * support_calls_90d
    + 0.5   without autopay
    + 1.5 * (monthly_fee / plan list price - 1)   paying above the plan's list price
    + 0.4   in region RG-S
    + normal noise with sd 0.5
  last_plan_change, data_gb and minutes carry no effect of their own.

saas_subscriptions.csv (2,500 software accounts, snapshot 2025-03-31, label `churned` 1/0).
Log-odds of not renewing:
    -3.9
    + 2.0   for annual billing with the renewal_date within 1.5 months after the snapshot
    + 0.7   for monthly billing
    + 1.3   if signed up (signup_date) less than 4 months before the snapshot
    + 0.9 * months since last_login (capped at 4; never logged in counts as 4)
    + 1.0   if the price changed (last_price_change) within 3 months before the snapshot
    - 2.5 * (active_seat_share - 0.5)
    + 0.5   for the sales channel with code "lmkebamcaaclubfxadlmueccxoimlema"
    + normal noise with sd 0.5
  account_key is a unique hash (an identifier); country, tier, seats, tickets_90d and
  integrations carry no effect of their own.

powerlens_sample.csv (PowerLens's synthetic customers, powerlens/scoring/synthetic.py, 3,000
customers, 24 months from 2024-01, seed 7): the snapshot features at 2025-07-01 as the warehouse
computes them, with tenure_months replaced by the account's open_date, and `churned` = the
account closes within 6 months after the snapshot (the warehouse's label, features.churn_label).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "churn_tables"
SEED = 20240630


def _logistic(log_odds: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-log_odds))


def _months(days: np.ndarray) -> np.ndarray:
    return days / (365.25 / 12)


def _iso(dates: pd.DatetimeIndex | pd.Series) -> pd.Series:
    return pd.Series(pd.to_datetime(dates)).dt.strftime("%Y-%m-%d").where(
        pd.Series(pd.to_datetime(dates)).notna(), "")


def telecom_subscriptions(rng: np.random.Generator, rows: int = 3000
                          ) -> tuple[np.ndarray, pd.DataFrame]:
    """(true churn probability, table)."""
    snapshot = pd.Timestamp("2024-06-30")
    plans = np.array(["prepaid", "postpaid_s", "postpaid_m", "postpaid_unlimited"])
    list_price = {"prepaid": 15.0, "postpaid_s": 25.0, "postpaid_m": 40.0,
                  "postpaid_unlimited": 65.0}
    plan = rng.choice(plans, size=rows, p=[0.25, 0.3, 0.3, 0.15])
    # a rare region (about 0.5% of rows) exercises the pooling of rare levels
    region = rng.choice(["RG-N", "RG-S", "RG-E", "RG-W", "RG-C", "RG-X"], size=rows,
                        p=[0.25, 0.25, 0.2, 0.15, 0.145, 0.005])
    tenure_days = np.minimum(rng.exponential(30 * 30.4, size=rows), 3650).astype(int) + 1
    activation = snapshot - pd.to_timedelta(tenure_days, unit="D")
    tenure_months = _months(tenure_days)

    # postpaid customers sign 12- or 24-month contracts; 15% of them are past their end date
    # and roll on month to month; prepaid customers have no contract end at all
    postpaid = plan != "prepaid"
    term_days = np.where(rng.random(rows) < 0.5, 365, 730)
    out_of_contract = postpaid & (rng.random(rows) < 0.15)
    days_to_end = np.where(out_of_contract, -rng.integers(1, 365, size=rows),
                           rng.integers(0, term_days))
    contract_end = pd.Series(snapshot + pd.to_timedelta(days_to_end, unit="D")).where(postpaid)
    months_to_end = _months(days_to_end)

    changed = rng.random(rows) < 0.4
    change_days = (rng.random(rows) * tenure_days).astype(int)
    last_plan_change = pd.Series(snapshot - pd.to_timedelta(change_days, unit="D")).where(changed)

    fee = np.array([list_price[p] for p in plan]) * rng.lognormal(0, 0.12, size=rows)
    support_calls = rng.poisson(0.6, size=rows)
    autopay = rng.random(rows) < 0.6
    log_odds = (-3.7
                + 1.5 * (tenure_months < 6)
                + 1.9 * (postpaid & ~out_of_contract & (months_to_end <= 2))
                + 0.9 * out_of_contract
                + 0.6 * (activation.month == 12)
                + 0.3 * ~postpaid
                + 0.3 * support_calls
                + 0.5 * ~autopay
                + 1.5 * (fee / np.array([list_price[p] for p in plan]) - 1)
                + 0.4 * (region == "RG-S")
                + rng.normal(0, 0.5, size=rows))
    probability = _logistic(log_odds)
    churned = rng.random(rows) < probability
    return probability, pd.DataFrame({
        "subscriber_id": [f"S{100000 + i}" for i in range(rows)],
        "plan": plan, "region": region,
        "activation_date": _iso(activation),
        "contract_end_date": _iso(contract_end),
        "last_plan_change": _iso(last_plan_change),
        "monthly_fee": fee.round(2),
        "data_gb": rng.gamma(2, 4, size=rows).round(1),
        "minutes": rng.poisson(300, size=rows),
        "support_calls_90d": support_calls,
        "autopay": np.where(autopay, "yes", "no"),
        "churned_next_90d": np.where(churned, "yes", "no"),
    })


def saas_subscriptions(rng: np.random.Generator, rows: int = 2500
                       ) -> tuple[np.ndarray, pd.DataFrame]:
    """(true churn probability, table)."""
    snapshot = pd.Timestamp("2025-03-31")
    tier = rng.choice(["starter", "team", "business", "enterprise"], size=rows,
                      p=[0.35, 0.35, 0.2, 0.1])
    annual = rng.random(rows) < np.where(tier == "starter", 0.2, 0.6)
    # opaque 32-letter channel codes, the way some CRMs export them
    channels = ["lmkebamcaaclubfxadlmueccxoimlema", "foosdfpfkusacimwkcsosbicdxkicaua",
                "usilxuppasemubllopkaafesmlibmsdf", "ewpakwlliwisiwduibdlfmalxowmwpci",
                "epumfxlbckeskwekxbiuasklxalciiuu"]
    channel = rng.choice(channels, size=rows, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    countries = np.array(["US", "DE", "GB", "FR", "NL", "SE", "ES", "IT", "CA", "AU", "JP",
                          "BR", "IN", "PL", "NZ"])
    country = rng.choice(countries, size=rows,
                         p=np.array([30, 12, 12, 8, 6, 5, 5, 5, 5, 4, 3, 2, 1.5, 1, 0.5]) / 100)
    signup_days = np.minimum(rng.exponential(20 * 30.4, size=rows), 2500).astype(int) + 1
    signup = snapshot - pd.to_timedelta(signup_days, unit="D")
    months_since_signup = _months(signup_days)
    # the next renewal: within a month for monthly billing, within a year for annual billing
    renewal_days = np.where(annual, rng.integers(1, 366, size=rows), rng.integers(1, 31, size=rows))
    renewal = snapshot + pd.to_timedelta(renewal_days, unit="D")
    never_logged_in = rng.random(rows) < 0.05
    login_minutes = (rng.exponential(25, size=rows) * 24 * 60).astype(int)
    last_login = pd.Series(snapshot - pd.to_timedelta(login_minutes, unit="min")).where(
        ~never_logged_in)
    months_since_login = np.where(never_logged_in, 4.0, np.minimum(_months(login_minutes / 1440), 4))
    price_changed = rng.random(rows) < 0.3
    price_change_days = rng.integers(1, 720, size=rows)
    last_price_change = pd.Series(snapshot - pd.to_timedelta(price_change_days, unit="D")).where(
        price_changed)
    recent_price_change = price_changed & (_months(price_change_days) <= 3)
    median_seats = pd.Series(tier).map({"starter": 3, "team": 10, "business": 40,
                                        "enterprise": 200}).to_numpy()
    seats = np.maximum(1, rng.lognormal(np.log(median_seats), 0.5)).round()
    price_per_seat = pd.Series(tier).map({"starter": 8, "team": 15, "business": 25,
                                          "enterprise": 40}).to_numpy()
    monthly_price = seats * price_per_seat * np.where(annual, 0.85, 1.0)
    active_seat_share = rng.beta(4, 2, size=rows)
    log_odds = (-3.9
                + 2.0 * (annual & (_months(renewal_days) <= 1.5))
                + 0.7 * ~annual
                + 1.3 * (months_since_signup < 4)
                + 0.9 * months_since_login
                + 1.0 * recent_price_change
                - 2.5 * (active_seat_share - 0.5)
                + 0.5 * (channel == channels[0])
                + rng.normal(0, 0.5, size=rows))
    probability = _logistic(log_odds)
    churned = rng.random(rows) < probability
    return probability, pd.DataFrame({
        "account_key": [f"{high:016x}{low:016x}" for high, low
                        in rng.integers(2**60, 2**63, size=(rows, 2))],
        "tier": tier, "billing_cycle": np.where(annual, "annual", "monthly"),
        "country": country, "sales_channel": channel,
        "signup_date": _iso(signup),
        "renewal_date": _iso(renewal),
        "last_login": pd.Series(last_login).dt.strftime("%Y-%m-%d %H:%M").where(
            pd.Series(last_login).notna(), ""),
        "last_price_change": _iso(last_price_change),
        "seats": seats.astype(int), "monthly_price": monthly_price.round(2),
        "active_seat_share": active_seat_share.round(3),
        "tickets_90d": rng.poisson(1.0, size=rows),
        "integrations": rng.poisson(2.0, size=rows),
        "churned": churned.astype(int),
    })


def powerlens_sample() -> pd.DataFrame:
    from powerlens.scoring.features import build_snapshot_features, churn_label
    from powerlens.scoring.synthetic import synthetic_inputs

    snapshot = pd.Timestamp("2025-07-01")
    inputs = synthetic_inputs(3000, 24, 7, start="2024-01")
    features = build_snapshot_features(inputs, snapshot)
    label = churn_label(inputs.customers, snapshot, 6)
    opened = inputs.customers.set_index("customer_id")["open_date"]
    table = features.drop(columns=["tenure_months", "annual_revenue_yuan"]).round(4)
    table.insert(0, "open_date", opened.reindex(table.index).dt.strftime("%Y-%m-%d"))
    table["churned"] = label.reindex(table.index).map({True: "t", False: "f"})
    return table.rename_axis("customer_id").reset_index()


def main() -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    tables = {"telecom_subscriptions.csv": telecom_subscriptions(rng),
              "saas_subscriptions.csv": saas_subscriptions(rng),
              "powerlens_sample.csv": (None, powerlens_sample())}
    for name, (probability, table) in tables.items():
        table.to_csv(OUT / name, index=False)
        churned = table[table.columns[-1]].isin(["yes", 1, "t"]).to_numpy()
        line = f"{OUT / name}: {len(table)} rows, churn rate {churned.mean():.3f}"
        if probability is not None:
            # the ceiling: how well the true probability of the generative process ranks the
            # drawn labels (no model can do better than this on average)
            line += (f", true probability ROC-AUC {roc_auc_score(churned, probability):.3f}"
                     f" PR-AUC {average_precision_score(churned, probability):.3f}")
        print(line)


if __name__ == "__main__":
    main()
