"""A monthly run that continues the published build equals a full rebuild (docs/incremental.md).

One small utility (300 customers, January to August 2024, monthly export files) is published as
it stood at the end of July, then its export folder moves on by a month in every way an export
can: a new month of files, a customer master with new accounts and closures, a corrected file
for an old month, a late file whose row repeats a key of a later file (so a row staged before
becomes the duplicate), a removed file, a customer whose readings were orphans now present,
and an as-of date that moves past rows rejected as future. The incremental run must stage only
some files and leave every staging, intermediate and mart table equal to a full rebuild of the
same folder.

The same two runs on local Apache Spark (`powerlens run --target spark`): the monthly run carries
the published release's incremental tables into its own and replaces only the partitions of the
changed files and months (docs/spark.md, "Monthly runs"); every table must equal the DuckDB
full rebuild.
"""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import bin_path, run_command

CUSTOMERS = 300
START = "2024-01"
MONTHS = 8
FIRST_AS_OF = "2024-07-25"  # rows dated 26-31 July are rejected as future in the first build
SECOND_AS_OF = "2024-09-10"
COMPARED_SCHEMAS = ("staging", "intermediate", "marts")


def powerlens(*args: str) -> None:
    run_command([bin_path("powerlens"), *args])


def publish(raw: Path, warehouse: Path, as_of: str) -> dict:
    # July's bills are issued in August, after the first as-of date: the gate would stop the
    # first run for the share of rows rejected as future, which this test wants
    powerlens("run", "--raw", str(raw), "--warehouse", str(warehouse), "--as-of", as_of,
              "--exclude-scoring", "--max-rejected-share", "0.5")
    records = sorted((warehouse / "runs").glob("*/run.json"))
    return json.loads(records[-1].read_text(encoding="utf-8"))


def rewrite_csv(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows = change(rows)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def comparable(con, catalog: str, schema: str, table: str, run_root: str) -> str:
    """The table with run folder paths made alike and doubles to 10 significant digits: DuckDB
    adds floating numbers in parallel in no fixed order, so two builds of the same rows may
    differ in the last bits of a double sum (decimals, integers, dates and text must be equal)."""
    columns = con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = ? "
        "and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, table]).fetchall()
    projection = []
    for name, data_type in columns:
        if data_type == "VARCHAR":
            projection.append(f"replace({name}, '{run_root}', '<run>') as {name}")
        elif data_type in ("DOUBLE", "FLOAT"):
            projection.append(f"case when {name} = 0 or not isfinite({name}) then {name} "
                              f"else round({name}, 9 - cast(ceil(log10(abs({name}))) as integer)) "
                              f"end as {name}")
        else:
            projection.append(name)
    return f"select {', '.join(projection)} from {catalog}.{schema}.{table}"


def differing_tables(incremental_db: Path, full_db: Path) -> dict[str, tuple[int, int]]:
    with duckdb.connect() as con:
        con.execute(f"attach '{incremental_db}' as incremental (read_only)")
        con.execute(f"attach '{full_db}' as full_build (read_only)")
        tables = {(schema, table): catalog for catalog, schema, table in con.execute(
            "select table_catalog, table_schema, table_name from information_schema.tables "
            f"where table_schema in {COMPARED_SCHEMAS}").fetchall()}
        names = {key for key in tables}
        assert len(names) > 60, names
        differences = {}
        for schema, table in sorted(names):
            left = comparable(con, "incremental", schema, table,
                              str(incremental_db.parent / "runs" / "current"))
            right = comparable(con, "full_build", schema, table,
                               str(full_db.parent / "runs" / "current"))
            only_left = con.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
            only_right = con.execute(f"select count(*) from ({right} except all {left})").fetchone()[0]
            if only_left or only_right:
                differences[f"{schema}.{table}"] = (only_left, only_right)
        return differences


@pytest.fixture(scope="module")
def months(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("incremental")
    generated = root / "generated"
    powerlens("generate", "--customers", str(CUSTOMERS), "--start", START, "--months", str(MONTHS),
              "--seed", "7", "--out", str(generated), "--quiet")
    powerlens("split-months", "--raw", str(generated), "--out", str(root / "july"),
              "--through", "2024-07")
    powerlens("split-months", "--raw", str(generated), "--out", str(root / "august"))
    return {"root": root, "july": root / "july", "august": root / "august"}


@pytest.fixture(scope="module")
def builds(months) -> dict:
    root = months["root"]
    live = root / "live"
    shutil.copytree(months["july"], live)
    # a customer missing from July's master: their readings are orphans until August's arrives
    # (the first account open all period, so it has months of readings whatever the generator draws)
    with (live / "customers.csv").open(newline="", encoding="utf-8") as handle:
        orphan = next(row["customer_id"] for row in csv.DictReader(handle)
                      if row["open_date"] < START + "-01" and not row["close_date"])
    orphaned: list[str] = []
    rewrite_csv(live / "customers.csv",
                lambda rows: [row for row in rows if not (row[0] == orphan and not orphaned.append(row[0]))])
    assert orphaned == [orphan]
    # a row with a field too many in a file that stays the same: the preflight rewrites the file
    # to mark it in every run, the unchanged file included (staging rejects it: field_count)
    malformed = live / "payments" / "2024-02.csv"

    def add_a_field(rows):
        rows[3] = rows[3] + ["surplus"]
        return rows

    rewrite_csv(malformed, add_a_field)
    malformed_bytes = malformed.read_bytes()
    # the export as it stood at the end of July, for the Spark runs below
    shutil.copytree(live, root / "july_export")
    first = publish(live, root / "warehouse", FIRST_AS_OF)
    with duckdb.connect(str(root / "warehouse" / "powerlens.duckdb"), read_only=True) as con:
        first_rejections = {
            "orphan_readings": con.execute(
                "select count(*) from staging.base_mdm__meter_readings where customer_id = ? "
                "and _failed_rules = 'orphan_customer'", [orphan]).fetchone()[0],
            "future_rows": con.execute(
                "select count(*) from staging.stg_audit__rejected_rows where detail "
                "like '%after as_of_date " + FIRST_AS_OF + "%'").fetchone()[0]}

    # the export a month later
    for path in months["august"].rglob("*"):
        if path.is_file():
            target = live / path.relative_to(months["august"])
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    malformed.write_bytes(malformed_bytes)  # the same bytes: an unchanged file
    corrected: dict = {}

    def correct_a_reading(rows):
        header = rows[0]
        corrected.update(dict(zip(header, rows[5])))
        rows[5][header.index("kwh_peak")] = "999.5"
        return rows

    rewrite_csv(live / "meter_readings" / "2024-03.csv", correct_a_reading)
    # a late file that sorts before 2024-04.csv and repeats one of its rows: the row staged
    # from 2024-04.csv in July becomes the duplicate
    with (live / "meter_readings" / "2024-04.csv").open(newline="", encoding="utf-8") as handle:
        april = list(csv.reader(handle))
    with (live / "meter_readings" / "2024-03-late.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([april[0], april[10]])
    (live / "surveys" / "2024-02.csv").unlink()

    second = publish(live, root / "warehouse", SECOND_AS_OF)
    with duckdb.connect(str(root / "warehouse" / "powerlens.duckdb"), read_only=True) as con:
        staged_readings = {Path(name).name for (name,) in con.execute(
            'select source_file from pipeline."base_mdm__meter_readings__staged_files"').fetchall()}
    full = publish(live, root / "full", SECOND_AS_OF)
    return {"first": first, "second": second, "full": full, "live": live, "root": root,
            "july_export": root / "july_export",
            "incremental_db": root / "warehouse" / "powerlens.duckdb",
            "full_db": root / "full" / "powerlens.duckdb", "late_row": april[10],
            "corrected": corrected, "first_rejections": first_rejections,
            "staged_readings": staged_readings,
            "orphan": orphan}


def test_an_unchanged_file_the_preflight_rewrote_is_rewritten_again(builds):
    """The row with a field too many stays rejected in the monthly run: the file is unchanged,
    but the last build had it rewritten, so the preflight checks it in full again (a plain
    DuckDB read of the raw file stops on the row)."""
    for database in (builds["incremental_db"], builds["full_db"]):
        with duckdb.connect(str(database), read_only=True) as con:
            rejected = con.execute(
                "select count(*) from staging.stg_audit__rejected_rows where source_table = "
                "'payments' and rule like 'field_count%' and source_file like '%2024-02.csv'"
            ).fetchone()[0]
        assert rejected == 1, database


def test_the_second_run_continues_the_published_build(builds):
    assert builds["first"]["build_mode"] == "full"
    assert builds["second"]["build_mode"] == "incremental", builds["second"]["build_mode_reason"]
    assert builds["full"]["build_mode"] == "full"
    # new: August's six monthly files (September payments too) and the late file; changed: the
    # two snapshot files and the corrected March readings; removed: February's surveys
    changes = builds["second"]["raw_file_changes"]
    assert changes["changed"] == 3 and changes["removed"] == 1
    assert changes["new"] >= 7


def test_the_monthly_run_keeps_dbt_parse_cache_across_as_of_dates(builds):
    """The as-of date moves every month; it reaches dbt as an environment variable, not a var,
    so the monthly run re-parses only the files that read it, not the whole project."""
    run_dir = Path(builds["incremental_db"]).parent / "runs" / builds["second"]["run_id"]
    staging_log = (run_dir / "dbt_staging.log").read_text(encoding="utf-8")
    assert "Found " in staging_log
    assert "Unable to do partial parsing" not in staging_log


def test_the_incremental_build_equals_a_full_rebuild(builds):
    assert differing_tables(builds["incremental_db"], builds["full_db"]) == {}


def test_only_the_touched_readings_files_were_staged_again(builds):
    with duckdb.connect(str(builds["incremental_db"]), read_only=True) as con:
        staged = sorted(Path(name).name for (name,) in con.execute(
            'select source_file from pipeline."base_mdm__meter_readings__staged_files"').fetchall())
        # March (corrected), the late file, April (shares a key with it), August (new) and the
        # files holding the orphan customer's readings and July's future-dated rows
        assert {"2024-03.csv", "2024-03-late.csv", "2024-04.csv", "2024-08.csv"} <= set(staged)
        month_files = len(list((builds["live"] / "meter_readings").glob("*.csv")))
        assert len(staged) <= month_files
        changed_months = {str(month) for (month,) in con.execute(
            'select changed_month from pipeline."base_mdm__meter_readings__changed_months"').fetchall()}
        assert {"2024-03-01", "2024-04-01", "2024-08-01"} <= changed_months


def test_the_scenario_exercised_every_kind_of_change(builds):
    """The equality above is only as strong as the changes it covered: check they happened."""
    late = builds["late_row"]
    with duckdb.connect(str(builds["incremental_db"]), read_only=True) as con:
        duplicate = con.execute(
            "select _failed_rules, _source_file from staging.base_mdm__meter_readings "
            "where customer_id = ? and reading_date = ? order by _source_file",
            [late[0], late[1]]).fetchall()
        assert [Path(file).name for _, file in duplicate] == ["2024-03-late.csv", "2024-04.csv"]
        assert duplicate[0][0] is None and duplicate[1][0] == "duplicate_key"
        peak = con.execute(
            "select kwh_peak from staging.stg_mdm__meter_readings where customer_id = ? "
            "and reading_date = ?", [builds["corrected"]["customer_id"],
                                      builds["corrected"]["reading_date"]]).fetchone()
        assert peak == (999.5,)
        orphans = con.execute(
            "select count(*) from staging.base_mdm__meter_readings where customer_id = ? "
            "and _failed_rules is not null", [builds["orphan"]]).fetchone()[0]
        staged = con.execute("select count(*) from staging.stg_mdm__meter_readings "
                             "where customer_id = ?", [builds["orphan"]]).fetchone()[0]
        # every reading the first build rejected as an orphan is staged now
        assert orphans == 0 and staged >= builds["first_rejections"]["orphan_readings"]
        future = con.execute(
            "select count(*) from staging.stg_audit__rejected_rows "
            "where detail like '%after as_of_date " + FIRST_AS_OF + "%'").fetchone()[0]
        assert future == 0
        surveys_from_february = con.execute(
            "select count(*) from staging.base_service__surveys "
            "where _source_file like '%/surveys/2024-02.csv'").fetchone()[0]
        assert surveys_from_february == 0


def test_the_first_build_had_the_rows_the_second_must_change(builds):
    """The first build really rejected the orphan's readings and July's last days as future."""
    assert builds["first_rejections"]["orphan_readings"] > 100
    assert builds["first_rejections"]["future_rows"] > 0


def test_a_run_without_changes_stages_nothing(builds):
    warehouse = builds["incremental_db"].parent
    third = publish(builds["live"], warehouse, SECOND_AS_OF)
    assert third["build_mode"] == "incremental", third["build_mode_reason"]
    assert third["raw_file_changes"] == {"new": 0, "changed": 0, "removed": 0}
    with duckdb.connect(str(builds["incremental_db"]), read_only=True) as con:
        staged = con.execute(
            'select count(*) from pipeline."base_mdm__meter_readings__staged_files"').fetchone()[0]
        assert staged == 0
    assert differing_tables(builds["incremental_db"], builds["full_db"]) == {}
    # the daily grain's Parquet months are the previous export's files, linked, not rewritten
    months = sorted((warehouse / "parquet" / "current" / "fct_daily_usage").glob("*.parquet"))
    assert len(months) == MONTHS
    assert all(month.stat().st_nlink >= 2 for month in months)


def test_the_parquet_export_of_the_daily_grain_equals_the_warehouse(builds):
    export = builds["incremental_db"].parent / "parquet" / "current" / "fct_daily_usage"
    with duckdb.connect(str(builds["incremental_db"]), read_only=True) as con:
        differing = con.execute(
            f"select count(*) from ((select * from read_parquet('{export}/*.parquet') except all "
            "select * from marts.fct_daily_usage) union all (select * from marts.fct_daily_usage "
            f"except all select * from read_parquet('{export}/*.parquet')))").fetchone()[0]
    assert differing == 0


@pytest.fixture(scope="module")
def spark_builds(builds) -> dict:
    """July's export, then August's, through `powerlens run --target spark` into one warehouse."""
    warehouse = builds["root"] / "spark"
    records = []
    for raw, as_of in ((builds["july_export"], FIRST_AS_OF), (builds["live"], SECOND_AS_OF)):
        powerlens("run", "--target", "spark", "--raw", str(raw), "--warehouse", str(warehouse),
                  "--as-of", as_of, "--exclude-scoring", "--max-rejected-share", "0.5")
        records.append(json.loads(sorted((warehouse / "runs").glob("2*/run.json"))[-1]
                                  .read_text(encoding="utf-8")))
    return {"first": records[0], "second": records[1], "warehouse": warehouse,
            "home": warehouse / "current" / "spark"}


@pytest.fixture(scope="module")
def spark(spark_builds):
    from powerlens.spark.session import local_session

    session = local_session(spark_builds["home"])
    yield session
    session.stop()


def test_the_spark_monthly_run_continues_the_published_release(spark_builds):
    assert spark_builds["first"]["build_mode"] == "full"
    second = spark_builds["second"]
    assert second["build_mode"] == "incremental", second["build_mode_reason"]
    assert second["raw_file_changes"]["changed"] == 3
    assert second["raw_file_changes"]["removed"] == 1


def test_the_spark_monthly_run_staged_only_the_touched_files(builds, spark_builds, spark):
    staged = {Path(row["source_file"]).name for row in spark.sql(
        "select source_file from pipeline.`base_mdm__meter_readings__staged_files`").collect()}
    # the same files as DuckDB's monthly run chose (staging_incremental.sql on both engines)
    assert staged == builds["staged_readings"]
    assert {"2024-03.csv", "2024-03-late.csv", "2024-04.csv", "2024-08.csv"} <= staged
    changed_months = {str(row[0]) for row in spark.sql(
        "select changed_month from pipeline.`base_mdm__meter_readings__changed_months`").collect()}
    assert {"2024-03-01", "2024-04-01", "2024-08-01"} <= changed_months
    # the base table is partitioned by raw file: the removed file's partition is gone
    partitions = [row[0] for row in spark.sql(
        "show partitions staging.base_service__surveys").collect()]
    assert partitions and not any("2024-02.csv" in partition for partition in partitions)


def test_the_spark_monthly_run_left_the_published_release_as_it_was(spark_builds):
    """The first release keeps its own files: the monthly run wrote through hard links only
    into its own release (a replaced partition gets new files, the links go)."""
    first_home = (spark_builds["warehouse"] / "releases" / spark_builds["first"]["run_id"]
                  / "spark")
    march = [path for path in first_home.rglob("*.parquet")
             if "base_mdm__meter_readings" in str(path) and "2024-03.csv" in str(path)]
    assert march, "the first release lost its March readings"


def test_the_spark_monthly_run_equals_the_duckdb_full_rebuild(builds, spark_builds, spark):
    from powerlens.spark.compare import compare_table

    with duckdb.connect(str(builds["full_db"]), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_schema "
            f"in {COMPARED_SCHEMAS} order by all").fetchall()
    assert len(tables) > 60
    raw_folders = {str(warehouse / "runs" / "current" / "raw"): "<raw>"
                   for warehouse in (builds["full_db"].parent, spark_builds["warehouse"])}
    differences = [compare_table(builds["full_db"], spark, schema, table,
                                 replacements=raw_folders) for schema, table in tables]
    assert [difference.describe() for difference in differences if not difference.equal] == []
