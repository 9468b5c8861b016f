"""A failed data test names its rows by key in the run's message, never other values
(powerlens/pipeline/dbt.py, failed_nodes)."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from powerlens.pipeline.dbt import failed_nodes

MASK_TEST_SQL = """
select customer_id, 'address_masked' as failing_mask, phone
from "powerlens"."marts"."dim_customers"
where address_masked = address
"""


def build_with_a_failing_row(tmp_path: Path) -> Path:
    build = tmp_path / "powerlens.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.dim_customers as select * from (values "
                    "('C00000002', '-', '-', '13912340000'), "
                    "('C00000001', '江川市东城区', '江川市东城区人民路1号', '13800001111')) "
                    "as t(customer_id, address_masked, address, phone)")
    return build


def run_results(tmp_path: Path, *results: dict) -> Path:
    path = tmp_path / "run_results.json"
    path.write_text(json.dumps({"results": list(results)}), encoding="utf-8")
    return path


def test_a_failed_test_names_its_rows_by_key_and_label_only(tmp_path):
    build = build_with_a_failing_row(tmp_path)
    results = run_results(tmp_path, {
        "unique_id": "test.powerlens.assert_dim_customers_shows_no_unmasked_pii",
        "status": "fail", "message": "Got 1 result, configured to fail if != 0",
        "compiled_code": MASK_TEST_SQL})
    [line] = failed_nodes(results, build)
    assert line.startswith("test.powerlens.assert_dim_customers_shows_no_unmasked_pii: fail: Got 1")
    assert line.endswith("rows: customer_id=C00000002, failing_mask=address_masked")
    assert "13912340000" not in line and "C00000001" not in line


def test_without_a_key_column_or_a_build_the_message_is_dbts(tmp_path):
    build = build_with_a_failing_row(tmp_path)
    no_key = {"unique_id": "test.powerlens.t", "status": "fail", "message": "Got 1 result",
              "compiled_code": 'select phone from "powerlens"."marts"."dim_customers"'}
    broken = {**no_key, "compiled_code": "select from nowhere"}
    error = {"unique_id": "model.powerlens.m", "status": "error", "message": "boom"}
    lines = failed_nodes(run_results(tmp_path, no_key, broken, error), build)
    assert lines == ["test.powerlens.t: fail: Got 1 result", "test.powerlens.t: fail: Got 1 result",
                     "model.powerlens.m: error: boom"]
    assert failed_nodes(run_results(tmp_path, no_key)) == ["test.powerlens.t: fail: Got 1 result"]
