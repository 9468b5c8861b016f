"""`powerlens run` end to end over the shared sample: what a published run leaves behind.

The helpers here are shared with test_publish.py and test_pii.py: the sample is published once
per session into a warehouse folder under pytest's base temp folder.
"""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, bin_path, dbt_env, run_command
from powerlens.analyst.column_units import is_numeric

# The sample covers 2024-01 .. 2025-12: as of early 2026 it is fresh and nothing is "future".
SAMPLE_AS_OF = "2026-01-10"


def powerlens_run(raw_dir: Path, warehouse_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_command([bin_path("powerlens"), "run", "--raw", str(raw_dir), "--warehouse",
                        str(warehouse_dir), *extra], check=False)


def published_sample(tmp_path_factory, sample_raw_dir: Path) -> Path:
    """The warehouse folder holding the sample published by `powerlens run` (built once)."""
    warehouse = tmp_path_factory.getbasetemp() / "published_sample"
    if not (warehouse / "powerlens.duckdb").exists():
        result = powerlens_run(sample_raw_dir, warehouse, "--as-of", SAMPLE_AS_OF)
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return warehouse


def mart_row_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1").fetchall()]
        return {table: con.execute(f"select count(*) from marts.{table}").fetchone()[0]
                for table in tables}


def run_records(warehouse: Path) -> list[dict]:
    return [json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((warehouse / "runs").glob("*/run.json"))]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    return published_sample(tmp_path_factory, sample_raw_dir)


def test_published_run_is_recorded_in_the_quality_schema(warehouse):
    with duckdb.connect(str(warehouse / "powerlens.duckdb"), read_only=True) as con:
        published = con.execute(
            "select run_id, failed_error_checks, data_docs from quality.runs "
            "where status = 'published'").fetchall()
        assert len(published) >= 1
        run_id, failed_errors, data_docs = published[-1]
        assert failed_errors == 0
        stages = dict(con.execute(
            "select stage, count(*) from quality.check_results where run_id = ? group by 1",
            [run_id]).fetchall())
        # both suites ran: raw (reconciliation, row counts) and staging (schema, codes, profiles)
        assert stages.get("raw", 0) >= 5 and stages.get("staging", 0) >= 30
        error_failures = con.execute(
            "select count(*) from quality.failed_checks where run_id = ? and severity = 'error'",
            [run_id]).fetchone()[0]
        assert error_failures == 0
        metrics = dict(con.execute(
            "select metric, count(*) from quality.run_metrics where run_id = ? group by 1",
            [run_id]).fetchall())
        assert metrics["raw_rows"] >= 5 and metrics["mean_daily_kwh"] >= 4
    index = Path(data_docs)
    assert index.name == "index.html" and index.exists()
    assert "staging.stg_cis__customers.schema" in index.read_text(encoding="utf-8")


def test_parquet_export_holds_every_mart_with_the_same_rows(warehouse):
    counts = mart_row_counts(warehouse / "powerlens.duckdb")
    assert counts, "no marts were published"
    current = warehouse / "parquet" / "current"
    assert current.is_symlink()
    # one file per mart; the daily grain one file per month in a folder of its own
    exported = {path.stem: str(path) for path in current.glob("*.parquet")}
    exported |= {path.name: str(path / "*.parquet") for path in current.iterdir() if path.is_dir()}
    # and the reference tables that label the marts' codes
    assert set(exported) == set(counts) | {"code_labels", "regions"}
    assert len(list((current / "fct_daily_usage").glob("*.parquet"))) == 24
    with duckdb.connect() as con:
        for table, path in exported.items():
            rows = con.execute("select count(*) from read_parquet(?)", [path]).fetchone()[0]
            assert rows == counts.get(table, rows) and rows > 0, table


def test_the_two_build_steps_cover_every_node_exactly_once(tmp_path):
    """The gate splits `dbt build` in two; together the steps must run every node and data test
    (the unit tests check code, not data: a data run leaves them to CI's full build)."""
    from powerlens.pipeline.dbt import PRODUCTION_EXCLUSIONS, STAGING_SELECTION

    env = dbt_env(tmp_path)

    def listed(*selection: str, types: tuple[str, ...] = ("model", "seed", "test", "unit_test")) -> set[str]:
        result = run_command([bin_path("dbt"), "ls", "--output", "name", "--quiet",
                              "--resource-types", *types, *selection], env=env)
        return {line.strip() for line in result.stdout.splitlines() if line.strip()}

    everything = listed()
    unit_tests = listed(types=("unit_test",))
    assert unit_tests, "the project has dbt unit tests"
    before_gate = listed("--select", *STAGING_SELECTION, "--indirect-selection", "cautious",
                         *PRODUCTION_EXCLUSIONS)
    after_gate = listed("--exclude", *STAGING_SELECTION, "--indirect-selection", "buildable",
                        *PRODUCTION_EXCLUSIONS)
    assert before_gate & after_gate == set()
    assert before_gate | after_gate == everything - unit_tests
    assert any(name.startswith("stg_") for name in before_gate)
    assert not any(name.startswith("stg_") for name in after_gate
                   if not name.startswith(("not_null", "unique", "relationships",
                                           "accepted_values")))


def test_unknown_encoding_is_a_clear_usage_error(tmp_path):
    result = powerlens_run(tmp_path, tmp_path / "wh", "--encoding", "customers=klingon")
    assert result.returncode == 2
    assert "unknown encoding 'klingon'" in result.stderr and "Traceback" not in result.stderr


def test_repo_root_is_where_dbt_runs():
    from powerlens.pipeline.dbt import REPO_ROOT as PIPELINE_ROOT

    assert PIPELINE_ROOT == REPO_ROOT and (PIPELINE_ROOT / "dbt_project.yml").exists()
    assert os.access(bin_path("dbt"), os.X_OK)


def test_every_parquet_column_carries_its_description(warehouse):
    """BI tools see what a column means: each exported file holds its mart's description and a
    description of every column (from the models' yml) in its key-value metadata, and every
    numeric column its unit (powerlens/analyst/column_units.py)."""
    current = warehouse / "parquet" / "current"
    files = sorted(current.glob("*.parquet")) + sorted(current.glob("*/*.parquet"))
    assert files
    undescribed, without_unit, numeric_columns = [], [], 0
    with duckdb.connect() as con:
        for path in files:
            metadata = {key: value for key, value in con.execute(
                "select decode(key), decode(value) from parquet_kv_metadata(?)", [str(path)]).fetchall()}
            columns = [name for (name,) in con.execute(
                "select name from parquet_schema(?) where num_children is null", [str(path)]).fetchall()]
            described = json.loads(metadata.get("powerlens.column_descriptions", "{}"))
            units = json.loads(metadata.get("powerlens.column_units", "{}"))
            numeric = [name for name, kind in con.execute(
                "select column_name, column_type from (describe select * from read_parquet(?))",
                [str(path)]).fetchall() if is_numeric(kind)]
            assert metadata.get("powerlens.description"), path.name
            undescribed += [f"{path.name}: {column}" for column in columns
                            if not described.get(column)]
            without_unit += [f"{path.name}: {column}" for column in numeric if not units.get(column)]
            numeric_columns += len(numeric)
    assert undescribed == []
    assert numeric_columns > 300 and without_unit == []
    with duckdb.connect() as con:
        units = json.loads(dict(con.execute(
            "select decode(key), decode(value) from parquet_kv_metadata(?)",
            [str(current / "mart_ch3_arrears_monthly.parquet")]).fetchall())["powerlens.column_units"])
    assert units["arrears_amount"] == "yuan" and units["arrears_share"] == "fraction (0-1)"


def test_one_switch_publishes_the_analysts_file_the_export_and_the_restricted_file(warehouse):
    """`current` names the published run's folder; the analysts' file, the Parquet export and
    the data team's file are reached through it and all say they are that run."""
    from powerlens.pipeline import publish

    run_id = publish.current_release(warehouse)
    release = warehouse / "releases" / run_id
    assert run_id and (warehouse / "current").resolve() == release
    assert (warehouse / "parquet" / "current").resolve() == release / "parquet"
    assert (warehouse / "powerlens.duckdb").resolve() == release / "restricted" / "powerlens.duckdb"
    for database in (publish.analyst_file(warehouse), publish.restricted_file(warehouse)):
        with duckdb.connect(str(database), read_only=True) as con:
            assert con.execute("select run_id from quality.runs where status = 'published' "
                               "order by finished_at desc limit 1").fetchone()[0] == run_id


def test_the_analysts_file_has_every_mart_and_no_restricted_schema(warehouse):
    from powerlens.pipeline import publish

    analysts, restricted = publish.analyst_file(warehouse), publish.restricted_file(warehouse)
    assert mart_row_counts(analysts) == mart_row_counts(restricted)
    with duckdb.connect(str(analysts), read_only=True) as con:
        schemas = {name for (name,) in con.execute(
            "select schema_name from duckdb_schemas() where not internal").fetchall()}
        rejected = con.execute("select count(*) from audit.rejected_rows").fetchone()[0]
        reconciliation = con.execute("select count(*) from audit.row_reconciliation").fetchone()[0]
    assert {"marts", "scoring", "reference", "quality", "audit"} <= schemas
    assert not schemas & set(publish.RESTRICTED_SCHEMAS + publish.BUILD_ONLY_SCHEMAS)
    with duckdb.connect(str(restricted), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_audit__rejected_rows").fetchone()[0] \
            == rejected > 0
        assert con.execute("select count(*) from staging.stg_audit__row_reconciliation"
                           ).fetchone()[0] == reconciliation


def test_the_churn_model_is_kept_with_the_warehouse_for_the_next_run(warehouse):
    """The saved model lives in <warehouse>/churn_model/, not in the run's folder (pruned after
    five runs and new every run), so the next run scores with it instead of training again."""
    saved = sorted((warehouse / "churn_model").glob("churn_model_*.json"))
    assert saved, "no churn model artefact in the warehouse folder"
    assert not list((warehouse / "runs").glob("*/churn_model/*.json"))
