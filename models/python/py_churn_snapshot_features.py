from powerlens.scoring.features import snapshot_dates, training_relation


def model(dbt, session):
    dbt.config(materialized="table")
    # the one monthly-usage definition; the churn features see the months that have readings
    usage = (dbt.ref("int_consumption__customer_months").filter("reading_days > 0")
             .project("customer_id, usage_month, kwh_total as kwh, max_demand_kw"))
    first_month, last_month = usage.aggregate("min(usage_month), max(usage_month)").fetchall()[0]
    import pandas as pd
    current_snapshot = pd.Timestamp(last_month) + pd.DateOffset(months=1)
    snapshots = snapshot_dates(first_month, current_snapshot,
                               int(dbt.config.get("churn_min_history_months")))
    # computed in DuckDB from the warehouse relations (powerlens/scoring/features.py)
    return training_relation(session, {
        "customers": dbt.ref("stg_cis__customers"),
        "monthly_usage": usage,
        "bills": dbt.ref("stg_cis__bills"),
        "payments": dbt.ref("stg_cis__payments"),
        "tickets": dbt.ref("stg_service__service_tickets"),
        "surveys": dbt.ref("stg_service__surveys"),
        "programmes": dbt.ref("stg_cis__programme_enrollments"),
    }, snapshots, current_snapshot, int(dbt.config.get("churn_window_months")))
