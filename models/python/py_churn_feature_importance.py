from powerlens.scoring import artefact


def model(dbt, session):
    dbt.config(materialized="table")
    # read from the model artefact the metrics table was measured for (trained or reused)
    training, metadata = artefact.load_built(dbt.ref("py_churn_model_metrics").df(),
                                             dbt.config.get("churn_model_dir"), session)
    return artefact.with_version(training.importance, metadata)
