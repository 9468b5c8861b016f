"""The churn model artefact: training kept apart from scoring.

A training run writes ``churn_model_<version>.joblib`` (the fitted model, the metrics, pooled
summary, importance, drivers' baseline) and ``churn_model_<version>.json`` (readable metadata:
version, when it was trained, the features, the training window, the chosen model, its
hyper-parameters and pooled metrics, the settings it must share with a build to be reused).
The version is the UTC training time, so the newest artefact sorts last.

A build reuses the newest artefact unless retraining is asked for (``churn_retrain``), there is
none, it is older than ``churn_model_max_age_days``, its features or settings differ from the
build's, or it holds no usable model (a short history: the next build tries again).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

import joblib
import pandas as pd
import sklearn

PREFIX = "churn_model_"
KEEP_VERSIONS = 5


def model_dir_for(configured: str | None, database_path: str | None) -> Path:
    """The configured folder, else ``churn_model/`` next to the DuckDB file (so a test's or a
    colleague's warehouse in its own folder never reads another's model), else target/."""
    if configured:
        return Path(configured)
    if database_path:
        return Path(database_path).resolve().parent / "churn_model"
    return Path(os.environ.get("DBT_TARGET_PATH", "target")) / "churn_model"


def session_database_path(session) -> str | None:
    rows = session.sql("select path from duckdb_databases() "
                       "where database_name = current_database()").fetchall()
    return rows[0][0] if rows and rows[0][0] else None


def save(model_dir: Path, training, fingerprint: dict, now: datetime | None = None) -> dict:
    now = now or datetime.now(timezone.utc)
    version = now.strftime("%Y%m%dT%H%M%S%fZ")
    model_dir = Path(model_dir)
    model_dir.mkdir(parents=True, exist_ok=True)
    summary = training.summary.loc[training.summary["is_chosen"].fillna(False)]
    metadata = {
        "version": version, "trained_at": now.isoformat(),
        "chosen_model": training.chosen,
        "has_model": training.model is not None,
        "hyperparameters": training.fit_info.get("params"),
        "final_fit": {k: v for k, v in training.fit_info.items() if k != "params"},
        "training_window": training.training_window,
        "pooled_metrics": (json.loads(summary.drop(columns=["is_chosen"]).to_json(orient="records"))[0]
                           if len(summary) else None),
        "driver_candidates": training.driver_candidates,
        "settings": fingerprint, "scikit_learn": sklearn.__version__,
        "model_file": f"{PREFIX}{version}.joblib",
    }
    joblib.dump(training, model_dir / metadata["model_file"], compress=3)
    # the metadata last: a reader only sees an artefact whose model file is complete
    (model_dir / f"{PREFIX}{version}.json").write_text(json.dumps(metadata, indent=2, default=str))
    for old in sorted(model_dir.glob(f"{PREFIX}*.json"))[:-KEEP_VERSIONS]:
        old.with_suffix(".joblib").unlink(missing_ok=True)
        old.unlink(missing_ok=True)
    return metadata


def latest_metadata(model_dir: Path) -> dict | None:
    files = sorted(Path(model_dir).glob(f"{PREFIX}*.json"))
    return json.loads(files[-1].read_text()) if files else None


def load(model_dir: Path, version: str | None = None):
    """(training, metadata) of ``version`` or of the newest artefact; None when there is none."""
    metadata = (json.loads((Path(model_dir) / f"{PREFIX}{version}.json").read_text())
                if version else latest_metadata(model_dir))
    if metadata is None:
        return None
    return joblib.load(Path(model_dir) / metadata["model_file"]), metadata


def retrain_reason(metadata: dict | None, fingerprint: dict, retrain: bool, max_age_days: float,
                   now: datetime | None = None) -> str | None:
    """Why this build must train a new model, or None to reuse the artefact."""
    now = now or datetime.now(timezone.utc)
    if retrain:
        return "retraining was asked for (churn_retrain)"
    if metadata is None:
        return "no model artefact yet"
    if metadata.get("settings") != fingerprint:
        return "the artefact's features or settings differ from this build's"
    if not metadata.get("has_model"):
        return "the artefact holds no usable model"
    age = now - datetime.fromisoformat(metadata["trained_at"])
    if age.total_seconds() > max_age_days * 86400:
        return f"the artefact is {age.days} days old (churn_model_max_age_days {max_age_days:g})"
    return None


def train_or_load(model_dir: Path, load_frame, settings, retrain: bool, max_age_days: float,
                  train, frame_rows=None):
    """(training, metadata, reason): the reusable artefact, or a fresh one trained on
    ``load_frame()`` by ``train(frame, settings)`` and saved (reason says why).

    ``frame_rows()`` (the warehouse) counts the rows of the training frame: it is empty when
    ``py_churn_snapshot_features`` found no reason to retrain, so a reason found now but not
    then (only a build that selects the metrics without the features) stops with an error
    instead of training on nothing."""
    fingerprint = json.loads(json.dumps(settings.fingerprint()))
    metadata = latest_metadata(model_dir)
    reason = retrain_reason(metadata, fingerprint, retrain, max_age_days)
    if reason is None:
        training, metadata = load(model_dir, metadata["version"])
        return training, metadata, None
    if frame_rows is not None and frame_rows() == 0:
        raise RuntimeError(f"the churn model must be retrained ({reason}) but "
                           "py_churn_snapshot_features is empty: build it in the same run "
                           "(dbt build --select py_churn_snapshot_features+)")
    training = train(load_frame(), settings)
    return training, save(model_dir, training, fingerprint), reason


def retrain_reason_for_build(configured_dir, session, retrain, max_age_days, window_months,
                             periods) -> str | None:
    """``retrain_reason`` for a warehouse build, from the Python models' config values: the
    same decision the metrics model makes, taken before the training snapshots are built."""
    return retrain_reason_in(model_dir_for(configured_dir, session_database_path(session)),
                             retrain, max_age_days, window_months, periods)


def retrain_reason_in(model_dir: Path, retrain, max_age_days, window_months,
                      periods) -> str | None:
    """``retrain_reason`` of the newest artefact in ``model_dir`` for a build's settings."""
    from powerlens.scoring.churn import TrainingSettings

    settings = TrainingSettings(window_months=int(window_months), periods=int(periods))
    fingerprint = json.loads(json.dumps(settings.fingerprint()))
    return retrain_reason(latest_metadata(model_dir), fingerprint, as_bool(retrain),
                          float(max_age_days))


def frame_version(frame: pd.DataFrame) -> str | None:
    values = frame["model_version"].dropna().unique() if "model_version" in frame else []
    return str(values[0]) if len(values) else None


def as_bool(value) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


def training_settings(get):
    """TrainingSettings from a dbt Python model's config (``dbt.config.get``)."""
    from powerlens.scoring.churn import TrainingSettings

    return TrainingSettings(window_months=int(get("churn_window_months")),
                            periods=int(get("churn_evaluation_periods")),
                            threshold=float(get("churn_high_risk_threshold")),
                            seed=int(get("churn_random_seed")),
                            max_training_rows=int(get("churn_max_training_rows")),
                            bootstrap_repeats=int(get("churn_bootstrap_repeats")))


def with_version(frame: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    frame = frame.copy()
    frame["model_version"] = pd.array([metadata["version"]] * len(frame), dtype="string")
    return frame


def load_built(metrics: pd.DataFrame, configured_dir: str | None, session):
    """(training, metadata) of the artefact the build's metrics table came from."""
    return load(model_dir_for(configured_dir, session_database_path(session)),
                frame_version(metrics))
