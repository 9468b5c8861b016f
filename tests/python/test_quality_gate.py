"""Unit tests of the gate's Great Expectations plumbing on small hand-made frames (no dbt)."""
from __future__ import annotations

import pandas as pd
import pytest

from powerlens.quality.gate import Frame, _relative_change, _validate, _file_context
from powerlens.quality.suites import ERROR, WARN


@pytest.fixture(scope="module")
def gx_context(tmp_path_factory):
    import great_expectations as gx

    context = _file_context(gx, tmp_path_factory.mktemp("gx"))
    return gx, context, context.data_sources.add_or_update_pandas("unit")


def test_failures_keep_their_severity_and_name_the_offending_rows(gx_context):
    gx, context, source = gx_context
    data = pd.DataFrame({"source_table": ["customers", "bills", "payments"],
                         "rejected_share": [0.0, 0.02, 0.30]})
    frame = Frame("raw", "shares", data, "source_table", [
        ("share at most 5%", ERROR,
         gx.expectations.ExpectColumnValuesToBeBetween(column="rejected_share", min_value=0,
                                                       max_value=0.05)),
        ("share at most 0%", WARN,
         gx.expectations.ExpectColumnValuesToBeBetween(column="rejected_share", min_value=0,
                                                       max_value=0.0)),
        ("share never negative", ERROR,
         gx.expectations.ExpectColumnValuesToBeBetween(column="rejected_share", min_value=0)),
    ])
    results = {r.check: r for r in _validate(context, gx, frame, source)}
    assert results["share at most 5%"].severity == ERROR
    assert not results["share at most 5%"].success
    assert "payments: 0.3" in results["share at most 5%"].observed
    assert "bills" not in results["share at most 5%"].observed
    assert results["share at most 0%"].severity == WARN
    assert not results["share at most 0%"].success
    assert "bills: 0.02" in results["share at most 0%"].observed
    assert results["share never negative"].success


def test_missing_schema_columns_are_listed(gx_context):
    gx, context, source = gx_context
    data = pd.DataFrame({"column_type": ["customer_id VARCHAR", "open_date VARCHAR"]})
    frame = Frame("staging", "schema", data, None, [
        ("contract", ERROR, gx.expectations.ExpectColumnDistinctValuesToContainSet(
            column="column_type", value_set=["customer_id VARCHAR", "open_date DATE"])),
    ])
    [result] = _validate(context, gx, frame, source)
    assert not result.success
    assert result.observed == "missing: ['open_date DATE']"


def test_comparison_with_no_previous_run_is_not_a_failure(gx_context):
    gx, context, source = gx_context
    # a first run has no previous figure: the change is null and a between-check skips it
    data = pd.DataFrame({"source_table": ["customers", "bills"],
                         "raw_rows_change": pd.Series([None, -0.6], dtype="float64")})
    frame = Frame("raw", "row_counts", data, "source_table", [
        ("dropped less than half", ERROR, gx.expectations.ExpectColumnValuesToBeBetween(
            column="raw_rows_change", min_value=-0.5)),
    ])
    [result] = _validate(context, gx, frame, source)
    assert not result.success and "bills: -0.6" in result.observed
    assert "customers" not in result.observed


def test_relative_change():
    assert _relative_change(150, 100) == pytest.approx(0.5)
    assert _relative_change(40, 100) == pytest.approx(-0.6)
    assert _relative_change(10, None) is None
    assert _relative_change(10, 0) is None
