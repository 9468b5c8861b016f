from powerlens.scoring.churn import evaluate_out_of_time


def model(dbt, session):
    dbt.config(materialized="table")
    frame = dbt.ref("py_churn_snapshot_features").order("snapshot_date, customer_id").df()
    return evaluate_out_of_time(frame,
                                window_months=int(dbt.config.get("churn_window_months")),
                                periods=int(dbt.config.get("churn_evaluation_periods")),
                                threshold=float(dbt.config.get("churn_high_risk_threshold")),
                                seed=int(dbt.config.get("churn_random_seed")))
