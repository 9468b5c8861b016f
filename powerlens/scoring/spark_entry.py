"""The dbt Python models' tables (schema ``scoring``) scored on Apache Spark (docs/spark.md,
"Scoring on Spark").

dbt-spark runs Python models only on Databricks; on a plain Spark cluster this module writes the
same tables from the same SQL models' tables, so the chapter 5 and 6 marts that ref them build
unchanged. The logic is the pandas code the dbt Python models call; Spark only partitions:

- churn features: the inputs of every customer go to one partition (hashed on customer_id) and
  each partition runs ``features.build_training_frame`` at the current snapshot; the median of
  each customer type (the one whole-table figure) is then a Spark aggregate;
- churn scores: ``churn.score_current_snapshot`` per partition, the saved model broadcast once;
- the training outputs (metrics, summary, importance) come from the artefact: Spark never
  trains. ``py_churn_snapshot_features`` is empty, as in a DuckDB build that reuses the model;
- value: the percentile ranks and the tier positions need the whole base; Spark computes them
  (the average rank of each distinct value, a row number over the composite) and each
  partition scores with ``value.value_components`` / ``value.tiers_from_position``;
- profiles: each partition counts its customers per category (``profile.category_counts``);
  the sums are a few dozen rows that ``profile.profile_from_counts`` turns into the profile.

No table is pulled to the driver; only the artefact's small frames and the profile counts.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from powerlens.scoring import artefact
from powerlens.scoring.features import (ADJUSTED_FEATURES, CATEGORICAL_FEATURES, NUMERIC_FEATURES,
                                        TYPE_NORMS, ChurnInputs, build_training_frame,
                                        typed_frame)
from powerlens.scoring.warehouse import CHURN_INPUT_COLUMNS

SCHEMA = "scoring"
REPO_ROOT = Path(__file__).resolve().parents[2]
# the SQL models the dbt Python models ref (models/python/*.py), as schema.table
CHURN_INPUT_TABLES = {
    "customer_months": "intermediate.int_consumption__customer_months",
    "customers": "staging.stg_cis__customers",
    "bills": "staging.stg_cis__bills",
    "payments": "staging.stg_cis__payments",
    "tickets": "staging.stg_service__service_tickets",
    "surveys": "staging.stg_service__surveys",
    "programmes": "staging.stg_cis__programme_enrollments",
    "region_competition": "reference.region_retail_competition",
}
VALUE_INPUT_TABLE = "intermediate.int_value__customer_value_inputs"
ADJUSTED = list(ADJUSTED_FEATURES)
FEATURE_COLUMNS = (["snapshot_date", "customer_id"]
                   + [f for f in NUMERIC_FEATURES if f not in ADJUSTED] + CATEGORICAL_FEATURES
                   + ["annual_revenue_yuan", "churned"] + ADJUSTED)
FEATURES_DDL = ", ".join(
    f"{column} {'date' if column == 'snapshot_date' else 'string' if column in ('customer_id', *CATEGORICAL_FEATURES) else 'boolean' if column == 'churned' else 'double'}"
    for column in FEATURE_COLUMNS)
SCORES_DDL = ("customer_id string, snapshot_date timestamp, model_name string, "
              "churn_probability double, risk_tier string, "
              + "".join(f"driver_{n} string, driver_{n}_contribution double, " for n in (1, 2, 3))
              + "annual_revenue_yuan double, revenue_at_risk_yuan double, "
              "retention_action string, model_version string")
COUNTS_DDL = "dimension string, category string, base_customers bigint, group_customers bigint"
COMPOSITE = "_value_composite"


class ScoringUnavailable(RuntimeError):
    """No usable churn model artefact: Spark scores with a saved model, it does not train."""


def project_vars() -> dict:
    import yaml

    return yaml.safe_load((REPO_ROOT / "dbt_project.yml").read_text())["vars"]


def resolve_model_dir(model_dir: Path | str | None, variables: dict) -> Path:
    """The argument, else POWERLENS_CHURN_MODEL_DIR, else the churn_model_dir var, else
    artefact.model_dir_for's default ($DBT_TARGET_PATH/churn_model)."""
    configured = (model_dir or os.environ.get("POWERLENS_CHURN_MODEL_DIR")
                  or variables.get("churn_model_dir"))
    return artefact.model_dir_for(str(configured) if configured else "", None)


def load_artefact(model_dir: Path, variables: dict):
    """(training, metadata) of the newest artefact, refused where a DuckDB build would retrain."""
    reason = artefact.retrain_reason_in(
        model_dir, variables.get("churn_retrain", False),
        variables.get("churn_model_max_age_days", 35), variables["churn_window_months"],
        variables["churn_evaluation_periods"])
    if reason is not None:
        raise ScoringUnavailable(
            f"cannot score on Spark with the churn model in {model_dir}: {reason}. Train it "
            "on one machine first (a DuckDB build, docs/ch5_churn.md \"Training apart from "
            "scoring\") and pass its folder with --model-dir.")
    return artefact.load(model_dir)


# --- per-partition functions (plain pandas; Spark hands each one a whole partition) ---------

def _partition_frame(batches) -> pd.DataFrame:
    frames = [batch for batch in batches if len(batch)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def churn_features_partition(rows: pd.DataFrame, region_competition: pd.DataFrame,
                             current_snapshot: pd.Timestamp, window_months: int) -> pd.DataFrame:
    """The current snapshot's churn features of the customers in ``rows`` (every input row of
    those customers, ``source`` naming its ChurnInputs field). The type-adjusted features are
    the partition's own: the caller replaces them with the whole base's."""
    frames = {name: rows.loc[rows["source"] == name, _input_names(name)].reset_index(drop=True)
              for name in ("customers", "monthly_usage", "bills", "payments", "tickets",
                           "surveys", "programmes")}
    inputs = ChurnInputs(**frames, region_competition=region_competition)
    frame = build_training_frame(inputs, [current_snapshot], current_snapshot, window_months)
    frame["snapshot_date"] = frame["snapshot_date"].dt.date
    return frame[FEATURE_COLUMNS]


def _input_names(name: str) -> list[str]:
    if name == "monthly_usage":
        return ["customer_id", "usage_month", "kwh", "max_demand_kw"]
    return [part.rsplit(" as ", 1)[-1].strip() for part in _split_columns(CHURN_INPUT_COLUMNS[name])]


def _split_columns(columns: str) -> list[str]:
    """The select list's items (commas inside cast(...) do not occur at the top level)."""
    items, depth, current = [], 0, ""
    for char in columns:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(current.strip())
            current = ""
        else:
            current += char
    return items + [current.strip()]


# --- Spark --------------------------------------------------------------------------------

def _input_rows(spark, partitions: int):
    """Every churn input row of a customer in one partition: the tables' typed columns
    (warehouse.CHURN_INPUT_COLUMNS) side by side, ``source`` saying which table a row is from."""
    from pyspark.sql import functions as F

    usage = (spark.table(CHURN_INPUT_TABLES["customer_months"]).where("reading_days > 0")
             .selectExpr("customer_id", "usage_month", "cast(kwh_total as double) as kwh",
                         "cast(max_demand_kw as double) as max_demand_kw"))
    sources = {"monthly_usage": usage}
    for name in ("customers", "bills", "payments", "tickets", "surveys", "programmes"):
        sources[name] = spark.table(CHURN_INPUT_TABLES[name]).selectExpr(
            *_split_columns(CHURN_INPUT_COLUMNS[name]))
    combined = None
    for name, frame in sources.items():
        # dates and timestamps reach pandas as wall-clock values, as DuckDB hands them over
        frame = frame.select(*[F.col(f.name).cast("timestamp_ntz").alias(f.name)
                               if f.dataType.typeName() in ("date", "timestamp") else F.col(f.name)
                               for f in frame.schema.fields]).withColumn("source", F.lit(name))
        combined = frame if combined is None else combined.unionByName(
            frame, allowMissingColumns=True)
    return combined.repartition(partitions, "customer_id")


def churn_current_features(spark, window_months: int, partitions: int):
    """py_churn_current_features as a Spark DataFrame."""
    from pyspark.sql import functions as F

    last_month = (spark.table(CHURN_INPUT_TABLES["customer_months"]).where("reading_days > 0")
                  .agg(F.max("usage_month")).first()[0])
    current = pd.Timestamp(last_month) + pd.DateOffset(months=1)
    # the seed: a row per region, sent to every task with the function
    region_competition = spark.table(CHURN_INPUT_TABLES["region_competition"]).selectExpr(
        *_split_columns(CHURN_INPUT_COLUMNS["region_competition"])).toPandas()

    def per_partition(batches):
        rows = _partition_frame(batches)
        if len(rows) and (rows["source"] == "customers").any():
            yield churn_features_partition(rows, region_competition, current, window_months)

    partial = _input_rows(spark, partitions).mapInPandas(per_partition, FEATURES_DDL)
    partial.createOrReplaceTempView("pl_partition_features")
    kept = ", ".join(f"f.{column}" for column in FEATURE_COLUMNS if column not in ADJUSTED)
    adjusted = ", ".join(f"cast({expr} as double) as {name}"
                         for name, expr in ADJUSTED_FEATURES.items())
    norms = ", ".join(f"percentile({column}, 0.5) as {name}" for name, column in TYPE_NORMS.items())
    # the type's median over the whole base at the snapshot (features.features_sql, type_norms)
    return spark.sql(f"""
        with type_norms as (
            select snapshot_date, customer_type, {norms}
            from pl_partition_features
            group by snapshot_date, customer_type
        )
        select {kept}, {adjusted}
        from pl_partition_features as f
        left join type_norms as n
            on f.snapshot_date = n.snapshot_date and f.customer_type <=> n.customer_type""")


def churn_scores(features, training, metadata, high: float, medium: float):
    """py_churn_scores: the saved model broadcast once, each partition scored by
    churn.score_current_snapshot."""
    from powerlens.scoring.churn import score_current_snapshot

    model = features.sparkSession.sparkContext.broadcast(training)

    def per_partition(batches):
        current = _partition_frame(batches)
        if len(current):
            scores = score_current_snapshot(typed_frame(current), model.value, high, medium)
            yield artefact.with_version(scores, metadata).astype({"model_version": object})

    return features.mapInPandas(per_partition, SCORES_DDL)


def _counts(frame, to_counts):
    """The summed category counts of ``to_counts(partition)`` over all partitions (small)."""
    def per_partition(batches):
        rows = _partition_frame(batches)
        if len(rows):
            yield to_counts(rows)

    summed = (frame.mapInPandas(per_partition, COUNTS_DDL)
              .groupBy("dimension", "category")
              .agg({"base_customers": "sum", "group_customers": "sum"})
              .toDF("dimension", "category", "base_customers", "group_customers").toPandas())
    return summed


def _profile(counts: pd.DataFrame, dimensions: list[str], group_name: str) -> pd.DataFrame:
    from powerlens.scoring.profile import profile_from_counts

    counts = counts.assign(order=counts["dimension"].map(dimensions.index)).sort_values(
        ["order", "category"]).drop(columns="order").reset_index(drop=True)
    first = counts.loc[counts["dimension"] == dimensions[0]]
    # every customer is in one category of each dimension: the first one's sums are the totals
    return profile_from_counts(counts, int(first["base_customers"].sum()),
                               int(first["group_customers"].sum()), group_name)


def churn_high_risk_profile(scores, features, training, min_churners: int) -> pd.DataFrame:
    from powerlens.scoring.profile import (CHURN_PROFILE_DIMENSIONS, CHURN_PROFILE_GROUP,
                                           category_counts, churn_profile_customers,
                                           with_observed_churners)

    def to_counts(rows):
        categories, in_group = churn_profile_customers(rows, rows)
        return category_counts(categories, in_group, CHURN_PROFILE_DIMENSIONS)

    joined = scores.select("customer_id", "risk_tier").join(features, "customer_id")
    profile = _profile(_counts(joined, to_counts), CHURN_PROFILE_DIMENSIONS, CHURN_PROFILE_GROUP)
    return with_observed_churners(profile, getattr(training, "observed_churners", None),
                                  min_churners)


def _pandas_typed(frame):
    """Decimals as doubles and dates as timestamps: the types a DuckDB relation's .df() gives
    the dbt Python model."""
    from pyspark.sql import functions as F

    cast = {"decimal": "double", "date": "timestamp"}
    return frame.select(*[F.col(f.name).cast(cast[f.dataType.typeName()]).alias(f.name)
                          if f.dataType.typeName() in cast else F.col(f.name)
                          for f in frame.schema.fields])


def customer_value(spark, partitions: int):
    """py_customer_value: the base's ranks as Spark aggregates, the scores per partition."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from powerlens.scoring.value import (RANKED_VALUES, tiers_from_position, value_components)

    inputs = _pandas_typed(spark.table(VALUE_INPUT_TABLE))
    columns = inputs.columns
    counts, ranked = {}, inputs
    for name, (column, higher_is_better) in RANKED_VALUES.items():
        value = F.col(column) if higher_is_better else -F.col(column)
        values = inputs.select(value.alias("value")).where("value is not null")
        distinct = values.groupBy("value").count()
        # average rank of a value: the values below it plus the middle of its ties (one task
        # sorts the distinct values: the statistic needs them in order)
        below = F.coalesce(F.sum("count").over(Window.orderBy("value").rowsBetween(
            Window.unboundedPreceding, -1)), F.lit(0))
        ranks = distinct.select("value", (below + (F.col("count") + 1) / 2).alias(f"_rank_{name}"))
        counts[name] = values.count()
        ranked = ranked.withColumn("_value", value).join(
            ranks.withColumnRenamed("value", "_value"), "_value", "left").drop("_value")
    ranked = ranked.repartition(partitions, "customer_id")

    score_columns = ["consumption_score", "stability_score", "credit_score", "growth_score",
                     "value_score"]
    ddl = ", ".join([f"{f.name} {f.dataType.simpleString()}" for f in inputs.schema.fields]
                    + [f"{c} double" for c in score_columns] + [f"{COMPOSITE} double"])

    def components(batches):
        rows = _partition_frame(batches)
        if len(rows):
            ranks = {name: (rows[f"_rank_{name}"], count) for name, count in counts.items()}
            scored, composite = value_components(rows[columns], ranks=ranks)
            scored[COMPOSITE] = composite
            yield scored

    scored = ranked.mapInPandas(components, ddl)
    total = scored.count()
    # the tiers cut the ranking of the composite, ties in customer order (value.value_tiers)
    positioned = scored.withColumn("_position", F.row_number().over(
        Window.orderBy(F.col(COMPOSITE).desc(), "customer_id")))

    def tiers(batches):
        for rows in batches:
            rows = rows.assign(value_tier=tiers_from_position(rows["_position"].astype(float),
                                                              total).to_numpy())
            yield rows.drop(columns=[COMPOSITE, "_position"])

    return positioned.mapInPandas(tiers, ddl.replace(f", {COMPOSITE} double", "")
                                  + ", value_tier string")


def high_value_profile(values) -> pd.DataFrame:
    from powerlens.scoring.profile import (VALUE_PROFILE_DIMENSIONS, VALUE_PROFILE_GROUP,
                                           category_counts, value_profile_customers)

    def to_counts(rows):
        customers, in_group = value_profile_customers(rows)
        return category_counts(customers, in_group, VALUE_PROFILE_DIMENSIONS)

    return _profile(_counts(values, to_counts), VALUE_PROFILE_DIMENSIONS, VALUE_PROFILE_GROUP)


def _spark_frame(spark, frame: pd.DataFrame):
    """A small pandas frame (an artefact's table, a profile) as a Spark DataFrame, typed as
    DuckDB types it (nullable integers as bigint, datetimes as timestamp, text as string)."""
    def spark_type(dtype) -> str:
        kind = str(dtype).lower()
        if kind.startswith("datetime"):
            return "timestamp"
        if kind in ("bool", "boolean"):
            return "boolean"
        if kind.startswith("int"):
            return "bigint"
        if kind.startswith("float"):
            return "double"
        return "string"

    ddl = ", ".join(f"`{c}` {spark_type(t)}" for c, t in frame.dtypes.items())
    records = [[None if pd.isna(v) else (v.to_pydatetime() if isinstance(v, pd.Timestamp) else
                                         v.item() if hasattr(v, "item") else v)
                for v in row] for row in frame.astype(object).itertuples(index=False)]
    return spark.createDataFrame(records, ddl)


def _local_workers_use_this_python(spark) -> None:
    """Local Spark starts its Python workers with PYSPARK_PYTHON, else `python3` from PATH,
    which need not be the interpreter with pandas and the model's scikit-learn: unless told
    otherwise, a local session's workers run this interpreter (a cluster sets its own)."""
    context = spark.sparkContext
    if context.master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        context.pythonExec = sys.executable


def _write(frame, table: str) -> str:
    name = f"{SCHEMA}.{table}"
    frame.write.mode("overwrite").format("parquet").saveAsTable(name)
    return name


def score_warehouse(spark, model_dir: Path | str | None = None, partitions: int | None = None,
                    variables: dict | None = None) -> list[str]:
    """Write the nine tables of models/python into ``scoring`` from the Spark tables of the SQL
    models they ref, with the saved churn model; returns the tables written."""
    variables = {**project_vars(), **(variables or {})}
    _local_workers_use_this_python(spark)
    partitions = partitions or int(spark.conf.get("spark.sql.shuffle.partitions"))
    training, metadata = load_artefact(resolve_model_dir(model_dir, variables), variables)
    spark.sql(f"create database if not exists {SCHEMA}")
    written = []
    for table, frame in (("py_churn_model_metrics", training.metrics),
                         ("py_churn_model_summary", training.summary),
                         ("py_churn_feature_importance", training.importance)):
        written.append(_write(_spark_frame(spark, artefact.with_version(frame, metadata)), table))

    features = churn_current_features(spark, int(variables["churn_window_months"]), partitions)
    written.append(_write(features, "py_churn_current_features"))
    features = spark.table(f"{SCHEMA}.py_churn_current_features")
    # Spark does not train: the training snapshots stay empty, as in a DuckDB build that
    # reuses the artefact
    written.append(_write(features.limit(0), "py_churn_snapshot_features"))
    scores = churn_scores(features, training, metadata,
                          float(variables["churn_high_risk_threshold"]),
                          float(variables["churn_medium_risk_threshold"]))
    written.append(_write(scores, "py_churn_scores"))
    profile = churn_high_risk_profile(spark.table(f"{SCHEMA}.py_churn_scores"), features,
                                      training, int(variables["churn_profile_min_churners"]))
    written.append(_write(_spark_frame(spark, profile), "py_churn_high_risk_profile"))

    written.append(_write(customer_value(spark, partitions), "py_customer_value"))
    profile = high_value_profile(spark.table(f"{SCHEMA}.py_customer_value"))
    written.append(_write(_spark_frame(spark, profile), "py_value_high_value_profile"))
    return written
