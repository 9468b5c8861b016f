from powerlens.scoring.features import build_training_frame, snapshot_dates
from powerlens.scoring.warehouse import churn_inputs, data_months


def model(dbt, session):
    dbt.config(materialized="table")
    inputs = churn_inputs({
        "customers": dbt.ref("stg_cis__customers"),
        # the one monthly-usage definition; the churn features see the months that have readings
        "monthly_usage": dbt.ref("int_consumption__customer_months")
            .filter("reading_days > 0").project("customer_id, usage_month, kwh_total as kwh, max_demand_kw"),
        "bills": dbt.ref("stg_cis__bills"),
        "payments": dbt.ref("stg_cis__payments"),
        "tickets": dbt.ref("stg_service__service_tickets"),
        "surveys": dbt.ref("stg_service__surveys"),
        "programmes": dbt.ref("stg_cis__programme_enrollments"),
    })
    first_month, current_snapshot = data_months(inputs.monthly_usage)
    snapshots = snapshot_dates(first_month, current_snapshot,
                               int(dbt.config.get("churn_min_history_months")))
    return build_training_frame(inputs, snapshots, current_snapshot,
                                int(dbt.config.get("churn_window_months")))
