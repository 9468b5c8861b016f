from powerlens.scoring.churn import feature_importance


def model(dbt, session):
    dbt.config(materialized="table")
    frame = dbt.ref("py_churn_snapshot_features").order("snapshot_date, customer_id").df()
    return feature_importance(frame,
                              window_months=int(dbt.config.get("churn_window_months")),
                              seed=int(dbt.config.get("churn_random_seed")))
