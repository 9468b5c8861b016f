from powerlens.scoring import artefact
from powerlens.scoring.warehouse import churn_feature_relation


def model(dbt, session):
    dbt.config(materialized="table")
    current = dbt.ref("py_churn_current_features")
    # every snapshot only when this build retrains (the slow part of a build at scale); a
    # build that reuses the model artefact leaves this table empty, with its columns
    reason = artefact.retrain_reason_for_build(
        dbt.config.get("churn_model_dir"), session, dbt.config.get("churn_retrain"),
        dbt.config.get("churn_model_max_age_days"), dbt.config.get("churn_window_months"),
        dbt.config.get("churn_evaluation_periods"))
    if reason is None:
        return current.filter("false")
    # the same inputs as py_churn_current_features: dbt reads each model's refs literally
    return churn_feature_relation(session, {
        "customer_months": dbt.ref("int_consumption__customer_months"),
        "customers": dbt.ref("stg_cis__customers"),
        "bills": dbt.ref("stg_cis__bills"),
        "payments": dbt.ref("stg_cis__payments"),
        "tickets": dbt.ref("stg_service__service_tickets"),
        "surveys": dbt.ref("stg_service__surveys"),
        "programmes": dbt.ref("stg_cis__programme_enrollments"),
        "region_competition": dbt.ref("region_retail_competition"),
    }, dbt.config.get("churn_min_history_months"), dbt.config.get("churn_window_months"),
        all_snapshots=True)
