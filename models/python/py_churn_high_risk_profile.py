from powerlens.scoring.profile import churn_high_risk_profile


def model(dbt, session):
    dbt.config(materialized="table")
    scores = dbt.ref("py_churn_scores").order("customer_id").df()
    features = dbt.ref("py_churn_snapshot_features").order("customer_id").df()
    current = features.loc[features["snapshot_date"] == features["snapshot_date"].max()]
    return churn_high_risk_profile(scores, current)
