"""The quality gate: Great Expectations suites over frames that DuckDB computes from a build file.

Great Expectations runs on its pandas integration. Its SQL path through duckdb-engine is not
usable on DuckDB: every metric bundle fails with "IndexError: list index out of range" in
SqlAlchemyExecutionEngine.resolve_metric_bundle (great-expectations/great_expectations#10738),
and duckdb-engine itself broke with DuckDB 1.4 (Mause/duckdb_engine#1344). So DuckDB computes
each frame (a schema listing, rejections by rule, a one-row profile, a per-type mean) and Great
Expectations validates the frame; see powerlens.quality.suites for what is checked and why.

On Spark (`powerlens run --target spark`, docs/spark.md) the same frames are Spark SQL
aggregates over the Spark build's staging tables (SparkQueries): only the small aggregated
frames come to the driver, never a table.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from powerlens.quality.suites import ERROR, STAGED_TABLES, STAGING_COLUMN_TYPES, WARN, \
    GateSettings, StagedTable

# Great Expectations would otherwise send usage statistics (no network here) and draw progress bars.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

STAGING_SCHEMA = "staging"
RECONCILIATION_MODEL = "stg_audit__row_reconciliation"
REJECTED_MODEL = "stg_audit__rejected_rows"
CUSTOMERS_MODEL = "stg_cis__customers"
READINGS_MODEL = "stg_mdm__meter_readings"
ENERGY_COLUMNS = ("kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley")


@dataclass(frozen=True)
class CheckResult:
    suite: str
    frame: str
    check: str
    severity: str
    success: bool
    observed: str


@dataclass(frozen=True)
class Metric:
    """A figure the next run compares against (row counts, means, the latest reading date)."""

    metric: str
    subject: str
    value: float


@dataclass
class GateOutcome:
    results: list[CheckResult] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    data_docs_index: Path | None = None

    @property
    def failed_errors(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == ERROR]

    @property
    def failed_warnings(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success and r.severity == WARN]


@dataclass
class Frame:
    """A frame to validate and its expectations: (check name, severity, expectation, label column)."""

    suite: str
    name: str
    data: pd.DataFrame
    label_column: str | None = None
    expectations: list[tuple[str, str, object]] = field(default_factory=list)


class DuckDBQueries:
    """The gate's queries on a DuckDB build file."""

    rule_items = "unnest(string_split(rule, '; '))"

    def __init__(self, con):
        self.con = con

    def frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def table_exists(self, model: str) -> bool:
        return self.con.execute(
            "select count(*) from information_schema.tables where table_schema = ? "
            "and table_name = ?", [STAGING_SCHEMA, model]).fetchone()[0] > 0

    def column_types(self, model: str) -> list[str]:
        return [f"{name} {data_type}" for name, data_type in self.con.execute(
            "select column_name, data_type from information_schema.columns where "
            "table_schema = ? and table_name = ? order by ordinal_position",
            [STAGING_SCHEMA, model]).fetchall()]


class SparkQueries:
    """The gate's queries on a Spark build, as Spark SQL aggregates; column types are named
    as DuckDB names them, the staging contract's names (powerlens.quality.suites)."""

    rule_items = "explode(split(rule, '; '))"
    TYPE_NAMES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE",
                  "date": "DATE", "timestamp": "TIMESTAMP", "timestamp_ntz": "TIMESTAMP",
                  "boolean": "BOOLEAN", "smallint": "SMALLINT", "float": "FLOAT"}

    def __init__(self, spark):
        self.spark = spark

    def frame(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toPandas()

    def table_exists(self, model: str) -> bool:
        return self.spark.catalog.tableExists(f"{STAGING_SCHEMA}.{model}")

    def column_types(self, model: str) -> list[str]:
        return [f"{field.name} {self._type_name(field.dataType.simpleString())}"
                for field in self.spark.table(f"{STAGING_SCHEMA}.{model}").schema.fields]

    @classmethod
    def _type_name(cls, spark_type: str) -> str:
        if spark_type.startswith("decimal"):
            return spark_type.upper()
        return cls.TYPE_NAMES.get(spark_type, spark_type.upper())


def run_gate(build_db: Path, docs_dir: Path, *, as_of: dt.date, settings: GateSettings,
             previous: dict[tuple[str, str], float]) -> GateOutcome:
    """Validate the raw and staging layers of ``build_db``; write GE data docs under ``docs_dir``."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        return validate(DuckDBQueries(con), docs_dir, as_of=as_of, settings=settings,
                        previous=previous)


def validate(queries, docs_dir: Path, *, as_of: dt.date, settings: GateSettings,
             previous: dict[tuple[str, str], float]) -> GateOutcome:
    """The gate over ``queries`` (DuckDBQueries or SparkQueries)."""
    import great_expectations as gx

    outcome = GateOutcome()
    frames, outcome.metrics = build_frames(queries, gx, as_of=as_of, settings=settings,
                                           previous=previous)
    context = _file_context(gx, docs_dir)
    sources = {}
    for frame in frames:
        if frame.suite not in sources:
            sources[frame.suite] = context.data_sources.add_or_update_pandas(frame.suite)
        outcome.results.extend(_validate(context, gx, frame, sources[frame.suite]))
    context.build_data_docs()
    index = docs_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    outcome.data_docs_index = index if index.exists() else None
    return outcome


def _file_context(gx, docs_dir: Path):
    docs_dir.mkdir(parents=True, exist_ok=True)
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="file", project_root_dir=str(docs_dir))
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _validate(context, gx, frame: Frame, source) -> list[CheckResult]:
    if not frame.expectations:
        return []
    asset = source.add_dataframe_asset(frame.name)
    batch = asset.add_batch_definition_whole_dataframe("whole")
    suite = context.suites.add_or_update(gx.ExpectationSuite(name=f"{frame.suite}.{frame.name}"))
    checks = {}
    for check_name, severity, expectation in frame.expectations:
        expectation.meta = {"check": check_name, "severity": severity}
        suite.add_expectation(expectation)
        checks[expectation.id] = (check_name, severity)
    suite.save()
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=f"{frame.suite}.{frame.name}", data=batch, suite=suite))
    result_format = {"result_format": "COMPLETE"}
    if frame.label_column:
        result_format["unexpected_index_column_names"] = [frame.label_column]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validation = definition.run(batch_parameters={"dataframe": frame.data},
                                    result_format=result_format)
    results = []
    for expectation_result in validation.results:
        config = expectation_result.expectation_config
        check_name, severity = checks.get(config.id, (config.type, ERROR))
        results.append(CheckResult(frame.suite, frame.name, check_name, severity,
                                   bool(expectation_result.success),
                                   _observed(expectation_result, frame)))
    return results


def _observed(expectation_result, frame: Frame) -> str:
    """A short human statement of what was found, naming the offending rows when it failed."""
    if expectation_result.exception_info and expectation_result.exception_info.get(
            "raised_exception"):
        return "expectation raised: " + str(
            expectation_result.exception_info.get("exception_message"))[:300]
    result = expectation_result.result or {}
    if expectation_result.success:
        if "observed_value" in result:
            return f"observed {result['observed_value']}"
        return f"{result.get('element_count', len(frame.data))} row(s) as expected"
    if "partial_missing_list" in result:
        return f"missing: {sorted(result['partial_missing_list'])}"[:600]
    if "observed_value" in result:
        return f"observed {result['observed_value']}"
    unexpected = result.get("unexpected_list") or result.get("partial_unexpected_list") or []
    labels = [row.get(frame.label_column) for row in result.get("unexpected_index_list") or []
              if isinstance(row, dict)] if frame.label_column else []
    if labels:
        pairs = ", ".join(f"{label}: {_short(value)}" for label, value in zip(labels, unexpected))
        return f"{len(labels)} unexpected: {pairs}"[:600]
    return f"{result.get('unexpected_count', len(unexpected))} unexpected: {unexpected[:20]}"[:600]


def _short(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def build_frames(con, gx, *, as_of: dt.date, settings: GateSettings,
                 previous: dict[tuple[str, str], float]) -> tuple[list[Frame], list[Metric]]:
    frames: list[Frame] = []
    metrics: list[Metric] = []
    frames.append(_reconciliation_frame(con, gx, settings, previous, metrics))
    frames.append(_rejection_rules_frame(con, gx))
    for table in STAGED_TABLES:
        if not con.table_exists(table.model):
            continue
        frames.append(_schema_frame(con, gx, table))
        frames.append(_profile_frame(con, gx, table, as_of, settings, previous, metrics))
    if con.table_exists(READINGS_MODEL) and con.table_exists(CUSTOMERS_MODEL):
        frames.append(_distribution_frame(con, gx, settings, previous, metrics))
    return frames, metrics


def _relative_change(current: float, before: float | None) -> float | None:
    if before is None or before == 0:
        return None
    return current / before - 1


def _reconciliation_frame(con, gx, settings, previous, metrics) -> Frame:
    data = con.frame(f"""
        select
            source_table,
            raw_rows,
            staged_rows,
            rejected_rows,
            staged_rows + rejected_rows as accounted_rows,
            case when raw_rows > 0 then rejected_rows / raw_rows else 0 end as rejected_share
        from {STAGING_SCHEMA}.{RECONCILIATION_MODEL}
        order by source_table
    """)
    data["previous_raw_rows"] = [previous.get(("raw_rows", table)) for table in data.source_table]
    data["raw_rows_change"] = [_relative_change(rows, before) for rows, before
                               in zip(data.raw_rows, data.previous_raw_rows)]
    data["raw_rows_change"] = data["raw_rows_change"].astype("float64")
    metrics.extend(Metric("raw_rows", table, float(rows))
                   for table, rows in zip(data.source_table, data.raw_rows))
    e = gx.expectations
    return Frame("raw", "row_reconciliation", data, "source_table", [
        ("every raw row is staged or rejected (raw = staged + rejected)", ERROR,
         e.ExpectColumnPairValuesToBeEqual(column_A="raw_rows", column_B="accounted_rows")),
        (f"rejected share at most {settings.rejected_share_error:.0%}", ERROR,
         e.ExpectColumnValuesToBeBetween(column="rejected_share", min_value=0,
                                         max_value=settings.rejected_share_error)),
        (f"rejected share at most {settings.rejected_share_warn:.0%}", WARN,
         e.ExpectColumnValuesToBeBetween(column="rejected_share", min_value=0,
                                         max_value=settings.rejected_share_warn)),
        (f"raw rows dropped by less than {settings.row_count_drop_error:.0%} "
         "against the previous run", ERROR,
         e.ExpectColumnValuesToBeBetween(column="raw_rows_change",
                                         min_value=-settings.row_count_drop_error)),
        (f"raw rows within ±{settings.row_count_change_warn:.0%} of the previous run", WARN,
         e.ExpectColumnValuesToBeBetween(column="raw_rows_change",
                                         min_value=-settings.row_count_change_warn,
                                         max_value=settings.row_count_change_warn)),
    ])


# Staging's rejection rules grouped into what the raw export got wrong (macros/staging).
RULE_FAMILIES: dict[str, tuple[tuple[str, ...], str]] = {
    "empty_key_rows": (("missing_key",), "no empty keys"),
    "bad_key_rows": (("bad_key",), "keys match their key pattern"),
    "field_count_rows": (("field_count",), "rows have the header's number of fields"),
    "duplicate_key_rows": (("duplicate_key",), "keys unique"),
    "unknown_code_rows": (("unknown_code",), "codes in their value sets (seeds)"),
    "orphan_rows": (("orphan_customer", "orphan_bill"), "foreign keys resolve (no orphans)"),
    "unparseable_rows": (("bad_number", "bad_date", "bad_boolean"), "values parse"),
    "out_of_range_rows": (("negative_value", "out_of_range"), "values in range"),
    "out_of_period_rows": (("date_out_of_period",), "dates in the data's period (not future)"),
    "conflicting_values_rows": (("conflicting_values",), "related columns agree (own_generation with has_pv)"),
}


def _rejection_rules_frame(con, gx) -> Frame:
    counts = ",\n".join(
        f"count(rejected.rule) filter (where rejected.rule in "
        f"({', '.join(repr(rule) for rule in rules)})) as {name}"
        for name, (rules, _) in RULE_FAMILIES.items())
    data = con.frame(f"""
        with rejected_rules as (
            select source_table, {con.rule_items} as rule
            from {STAGING_SCHEMA}.{REJECTED_MODEL}
        )
        select reconciliation.source_table, {counts}
        from {STAGING_SCHEMA}.{RECONCILIATION_MODEL} as reconciliation
        left join rejected_rules as rejected on rejected.source_table = reconciliation.source_table
        group by reconciliation.source_table
        order by reconciliation.source_table
    """)
    return Frame("raw", "rows_by_rejection_rule", data, "source_table", [
        (f"raw export: {title}", WARN,
         gx.expectations.ExpectColumnValuesToBeBetween(column=name, min_value=0, max_value=0))
        for name, (_, title) in RULE_FAMILIES.items()
    ])


def _schema_frame(con, gx, table: StagedTable) -> Frame:
    data = pd.DataFrame({"column_type": con.column_types(table.model)})
    expected = [f"{column} {STAGING_COLUMN_TYPES[column]}"
                for column in (*table.columns, "_source_file", "_source_row")]
    return Frame("staging", f"{table.model}.schema", data, None, [
        ("columns and types of the staging contract", ERROR,
         gx.expectations.ExpectColumnDistinctValuesToContainSet(column="column_type",
                                                                value_set=expected)),
    ])


def _profile_frame(con, gx, table: StagedTable, as_of: dt.date, settings: GateSettings,
                   previous, metrics) -> Frame:
    measures = ["count(*) as row_count"]
    for limit in table.ranges:
        measures += [f"cast(min({limit.column}) as double) as min_{limit.column}",
                     f"cast(max({limit.column}) as double) as max_{limit.column}"]
    if table.model == READINGS_MODEL:
        measures.append("max(reading_date) as latest_reading_date")
    data = con.frame(f"select {', '.join(measures)} from {STAGING_SCHEMA}.{table.model}")
    data.insert(0, "model", table.model)
    e = gx.expectations
    expectations = []
    for limit in table.ranges:
        if limit.minimum is not None:
            expectations.append((f"{limit.column} at least {limit.minimum:g}", limit.severity,
                                 e.ExpectColumnValuesToBeBetween(column=f"min_{limit.column}",
                                                                 min_value=limit.minimum)))
        if limit.maximum is not None:
            expectations.append((f"{limit.column} at most {limit.maximum:g}", limit.severity,
                                 e.ExpectColumnValuesToBeBetween(column=f"max_{limit.column}",
                                                                 max_value=limit.maximum)))
    if table.model == READINGS_MODEL and data.latest_reading_date.notna().all():
        latest = pd.Timestamp(data.latest_reading_date.iloc[0]).date()
        data["latest_reading_date"] = pd.to_datetime(data.latest_reading_date)
        metrics.append(Metric("latest_reading_date_ordinal", table.model,
                              float(latest.toordinal())))
        oldest_fresh = as_of - dt.timedelta(days=settings.freshness_max_days)
        expectations.append((f"latest reading within {settings.freshness_max_days} days of "
                             f"the as-of date {as_of}", WARN,
                             e.ExpectColumnValuesToBeBetween(
                                 column="latest_reading_date",
                                 min_value=pd.Timestamp(oldest_fresh))))
        before = previous.get(("latest_reading_date_ordinal", table.model))
        if before is not None:
            expectations.append(("latest reading not older than the previous run's", WARN,
                                 e.ExpectColumnValuesToBeBetween(
                                     column="latest_reading_date",
                                     min_value=pd.Timestamp(dt.date.fromordinal(int(before)))))
                                )
    return Frame("staging", f"{table.model}.profile", data, "model", expectations)


def _distribution_frame(con, gx, settings: GateSettings, previous, metrics) -> Frame:
    daily_kwh = " + ".join(f"coalesce(reading.{column}, 0)" for column in ENERGY_COLUMNS)
    data = con.frame(f"""
        select customer.customer_type, avg({daily_kwh}) as mean_daily_kwh
        from {STAGING_SCHEMA}.{READINGS_MODEL} as reading
        inner join {STAGING_SCHEMA}.{CUSTOMERS_MODEL} as customer
            on customer.customer_id = reading.customer_id
        group by customer.customer_type
        order by customer.customer_type
    """)
    metrics.extend(Metric("mean_daily_kwh", customer_type, float(mean))
                   for customer_type, mean in zip(data.customer_type, data.mean_daily_kwh))
    data["previous_mean_daily_kwh"] = [previous.get(("mean_daily_kwh", customer_type))
                                       for customer_type in data.customer_type]
    data["relative_change"] = pd.Series(
        [_relative_change(mean, before) for mean, before
         in zip(data.mean_daily_kwh, data.previous_mean_daily_kwh)], dtype="float64")
    factor = settings.mean_kwh_factor_error
    e = gx.expectations
    return Frame("staging", "mean_daily_kwh_by_customer_type", data, "customer_type", [
        (f"mean daily kWh per customer type within ±{settings.mean_kwh_change_warn:.0%} "
         "of the previous run", WARN,
         e.ExpectColumnValuesToBeBetween(column="relative_change",
                                         min_value=-settings.mean_kwh_change_warn,
                                         max_value=settings.mean_kwh_change_warn)),
        (f"mean daily kWh per customer type within a factor {factor:g} of the previous run "
         "(a unit change, e.g. Wh for kWh)", ERROR,
         e.ExpectColumnValuesToBeBetween(column="relative_change", min_value=1 / factor - 1,
                                         max_value=factor - 1)),
    ])
