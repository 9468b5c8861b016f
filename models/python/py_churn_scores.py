from powerlens.scoring.churn import score_current_snapshot


def model(dbt, session):
    dbt.config(materialized="table")
    return score_current_snapshot(
        frame=dbt.ref("py_churn_snapshot_features").order("snapshot_date, customer_id").df(),
        metrics=dbt.ref("py_churn_model_metrics").df(),
        importance=dbt.ref("py_churn_feature_importance").df(),
        seed=int(dbt.config.get("churn_random_seed")),
        high_threshold=float(dbt.config.get("churn_high_risk_threshold")),
        medium_threshold=float(dbt.config.get("churn_medium_risk_threshold")),
    )
