from powerlens.scoring.warehouse import churn_feature_relation


def model(dbt, session):
    dbt.config(materialized="table")
    # the customers to score: the current snapshot only (a few seconds at 100,000 customers),
    # computed in DuckDB by the same SQL as every training snapshot
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
        all_snapshots=False)
