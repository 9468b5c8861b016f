from powerlens.scoring import artefact
from powerlens.scoring.churn import train_churn_models
from powerlens.scoring.features import typed_frame


def model(dbt, session):
    dbt.config(materialized="table")
    # dbt hands a Python model only the config keys it reads literally
    config = {"churn_window_months": dbt.config.get("churn_window_months"),
              "churn_evaluation_periods": dbt.config.get("churn_evaluation_periods"),
              "churn_high_risk_threshold": dbt.config.get("churn_high_risk_threshold"),
              "churn_random_seed": dbt.config.get("churn_random_seed"),
              "churn_max_training_rows": dbt.config.get("churn_max_training_rows"),
              "churn_bootstrap_repeats": dbt.config.get("churn_bootstrap_repeats")}
    features = dbt.ref("py_churn_snapshot_features")
    model_dir = artefact.model_dir_for(dbt.config.get("churn_model_dir"),
                                       artefact.session_database_path(session))
    # trains only when asked, when the artefact is missing, too old or built on other features
    # (py_churn_snapshot_features made the same decision and holds every snapshot then)
    training, metadata, _ = artefact.train_or_load(
        model_dir, lambda: typed_frame(features.order("snapshot_date, customer_id").df()),
        artefact.training_settings(config.get), artefact.as_bool(dbt.config.get("churn_retrain")),
        float(dbt.config.get("churn_model_max_age_days")), train_churn_models,
        frame_rows=lambda: features.aggregate("count(*)").fetchall()[0][0])
    return artefact.with_version(training.metrics, metadata)
