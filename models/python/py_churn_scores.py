from powerlens.scoring import artefact
from powerlens.scoring.churn import score_current_snapshot
from powerlens.scoring.features import typed_frame


def model(dbt, session):
    dbt.config(materialized="table")
    dbt.ref("py_churn_feature_importance")  # scored after the importance table is written
    training, metadata = artefact.load_built(dbt.ref("py_churn_model_metrics").df(),
                                             dbt.config.get("churn_model_dir"), session)
    current = typed_frame(dbt.ref("py_churn_current_features").order("customer_id").df())
    scores = score_current_snapshot(current, training,
                                    float(dbt.config.get("churn_high_risk_threshold")),
                                    float(dbt.config.get("churn_medium_risk_threshold")))
    return artefact.with_version(scores, metadata)
