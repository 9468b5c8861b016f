from powerlens.scoring import artefact
from powerlens.scoring.profile import churn_high_risk_profile


def model(dbt, session):
    dbt.config(materialized="table")
    scores = dbt.ref("py_churn_scores").order("customer_id").df()
    features = dbt.ref("py_churn_current_features").order("customer_id").df()
    # the churners each category has seen in training, from the artefact that scored them
    training, _ = artefact.load_built(dbt.ref("py_churn_model_metrics").df(),
                                      dbt.config.get("churn_model_dir"), session)
    return churn_high_risk_profile(scores, features, getattr(training, "observed_churners", None),
                                   int(dbt.config.get("churn_profile_min_churners")))
