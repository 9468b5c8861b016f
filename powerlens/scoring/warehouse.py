"""Reading the scoring inputs from warehouse relations (DuckDB relations in a dbt Python model).

Only the columns the features need are read, money and energy as double: ``close_reason`` is
not among them, so it cannot reach a model even by mistake.
"""
from __future__ import annotations

import pandas as pd

from powerlens.scoring.features import ChurnInputs

CHURN_INPUT_COLUMNS = {
    "customers": ("customer_id, customer_type, region_code, urban_rural, payment_mode, "
                  "cast(contract_capacity_kva as double) as contract_capacity_kva, "
                  "cast(voltage_kv as double) as voltage_kv, has_pv, open_date, close_date"),
    "monthly_usage": "customer_id, usage_month, cast(kwh as double) as kwh, "
                     "cast(max_demand_kw as double) as max_demand_kw",
    "bills": ("bill_id, customer_id, billing_month, issue_date, due_date, "
              "cast(kwh_total as double) as kwh_total, "
              "cast(total_amount as double) as total_amount"),
    "payments": ("payment_id, customer_id, bill_id, paid_at, cast(amount as double) as amount, "
                 "payment_type"),
    "tickets": ("ticket_id, customer_id, ticket_type, category, created_at, resolved_at, "
                "cast(satisfaction as double) as satisfaction"),
    "surveys": ("survey_id, customer_id, survey_date, cast(overall as double) as overall, "
                "cast(billing as double) as billing"),
    "programmes": "customer_id, programme, enrolled_date",
    "region_competition": "region_code, cast(competition_index as double) as competition_index",
}


def read_relation(relation, columns: str, order_by: str) -> pd.DataFrame:
    # a fixed row order makes everything downstream (ties, model fits) repeatable
    return relation.project(columns).order(order_by).df()


def churn_inputs(relations: dict) -> ChurnInputs:
    """``relations`` maps each ChurnInputs field to a DuckDB relation with staging columns."""
    keys = {"customers": "customer_id", "monthly_usage": "customer_id, usage_month",
            "bills": "bill_id", "payments": "payment_id", "tickets": "ticket_id",
            "surveys": "survey_id", "programmes": "customer_id, programme",
            "region_competition": "region_code"}
    frames = {name: read_relation(relations[name], CHURN_INPUT_COLUMNS[name], keys[name])
              for name in CHURN_INPUT_COLUMNS}
    return ChurnInputs(**frames).normalised()


def data_months(monthly_usage: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The first usage month and the current snapshot (the day after the last month ends)."""
    first = monthly_usage["usage_month"].min()
    current = monthly_usage["usage_month"].max() + pd.DateOffset(months=1)
    return pd.Timestamp(first), pd.Timestamp(current)



def churn_feature_relation(session, relations: dict, min_history_months, window_months,
                           all_snapshots: bool):
    """The churn features as a DuckDB relation on the warehouse (``features_sql``): every
    snapshot with its label, or only the current snapshot (the customers to score).

    ``relations`` holds the dbt relations of ``int_consumption__customer_months`` (key
    ``customer_months``) and of the staged customers, bills, payments, tickets, surveys and
    programmes and of the seed ``region_retail_competition`` (key ``region_competition``; the
    ``ChurnInputs`` names). Monthly usage is the one warehouse definition (the
    months that have readings); the current snapshot is the day after the last usage month.
    """
    from powerlens.scoring.features import snapshot_dates, training_relation

    usage = (relations["customer_months"].filter("reading_days > 0")
             .project("customer_id, usage_month, kwh_total as kwh, max_demand_kw"))
    first_month, last_month = usage.aggregate("min(usage_month), max(usage_month)").fetchall()[0]
    current_snapshot = pd.Timestamp(last_month) + pd.DateOffset(months=1)
    snapshots = (snapshot_dates(first_month, current_snapshot, int(min_history_months))
                 if all_snapshots else [current_snapshot])
    sources = {name: relation for name, relation in relations.items()
               if name != "customer_months"}
    return training_relation(session, {**sources, "monthly_usage": usage}, snapshots,
                             current_snapshot, int(window_months))
