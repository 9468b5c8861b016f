"""The bad-input suite: malformed raw files fed to `powerlens run`, one outcome per case.

Each case ends either in a clear error naming the file, line/row and column (file-level defects,
found by the preflight before anything is built), or in a staged value or a rejected row with a
reason (row-level defects, handled by staging). Never a traceback, never a silently dropped row.

File-level cases stop at the preflight, so each gets its own quick run. The tolerated and
row-level cases share one full run over a small generated export carrying all of them at once.
The observed outcome of every case is collected into a Markdown table (docs/quality.md
reproduces it); set POWERLENS_BAD_INPUT_REPORT=<file> to have it written there.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import bin_path, run_command
from test_pipeline import powerlens_run

AS_OF = "2026-03-01"
ORPHAN_CUSTOMER = "C99999999"
OUTCOMES: dict[str, tuple[str, str]] = {}


def record(case: str, outcome: str, message: str) -> None:
    OUTCOMES[case] = (outcome, " ".join(message.split())[:300])


@pytest.fixture(scope="module", autouse=True)
def outcome_table(tmp_path_factory):
    yield
    lines = ["| case | outcome | message |", "|---|---|---|"]
    lines += [f"| {case} | {outcome} | {message.replace('|', '/')} |"
              for case, (outcome, message) in OUTCOMES.items()]
    table = "\n".join(lines) + "\n"
    (tmp_path_factory.getbasetemp() / "bad_input_outcomes.md").write_text(table, encoding="utf-8")
    if os.environ.get("POWERLENS_BAD_INPUT_REPORT"):
        Path(os.environ["POWERLENS_BAD_INPUT_REPORT"]).write_text(table, encoding="utf-8")


@pytest.fixture(scope="module")
def base_raw(tmp_path_factory) -> Path:
    """A small clean export: 100 customers over July to December 2025 (enough for a few
    service tickets and surveys, which staging requires)."""
    out = tmp_path_factory.mktemp("bad_input_base") / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", "100", "--start", "2025-07",
                 "--months", "6", "--seed", "11", "--out", str(out), "--quiet"])
    return out


def read_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def raw_copy(base: Path, target: Path) -> Path:
    shutil.copytree(base, target, ignore=shutil.ignore_patterns("_truth"))
    return target


def assert_clear_error(result, file_name: str, *fragments: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == 2, output[-3000:]
    assert "Traceback" not in output
    assert file_name in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    return next(line.strip(" -") for line in result.stderr.splitlines() if file_name in line)


# --- file-level cases: a clear error, nothing built --------------------------------------------

def test_gbk_without_declared_encoding_is_a_clear_error(base_raw, tmp_path):
    raw = raw_copy(base_raw, tmp_path / "raw")
    path = raw / "customers.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    result = powerlens_run(raw, tmp_path / "wh", "--as-of", AS_OF)
    # the first customer's name is the first non-ASCII text: line 2, data row 1
    message = assert_clear_error(result, "customers.csv", "line 2", "data row 1",
                                 "column customer_name", "not valid utf-8",
                                 "--encoding customers=gbk")
    assert not (tmp_path / "wh" / "powerlens.duckdb").exists()
    record("GBK-encoded CSV, encoding not declared", "error (exit 2)", message)


def test_missing_column_is_a_clear_error(base_raw, tmp_path):
    raw = raw_copy(base_raw, tmp_path / "raw")
    rows = read_rows(raw / "customers.csv")
    drop = rows[0].index("phone")
    (raw / "customers.csv").write_text(csv_text([r[:drop] + r[drop + 1:] for r in rows]),
                                       encoding="utf-8")
    result = powerlens_run(raw, tmp_path / "wh", "--as-of", AS_OF)
    message = assert_clear_error(result, "customers.csv", "line 1", "column phone",
                                 "missing column(s) phone")
    record("missing column (customers.phone)", "error (exit 2)", message)


def test_empty_file_is_a_clear_error(base_raw, tmp_path):
    raw = raw_copy(base_raw, tmp_path / "raw")
    (raw / "bills.csv").write_bytes(b"")
    result = powerlens_run(raw, tmp_path / "wh", "--as-of", AS_OF)
    message = assert_clear_error(result, "bills.csv", "file is empty")
    record("empty file (bills.csv, 0 bytes)", "error (exit 2)", message)


def test_header_only_file_is_a_clear_error(base_raw, tmp_path):
    raw = raw_copy(base_raw, tmp_path / "raw")
    rows = read_rows(raw / "meter_readings.csv")
    (raw / "meter_readings.csv").write_text(csv_text(rows[:1]), encoding="utf-8")
    result = powerlens_run(raw, tmp_path / "wh", "--as-of", AS_OF)
    message = assert_clear_error(result, "meter_readings.csv", "header but no data rows")
    record("header-only file (meter_readings.csv)", "error (exit 2)", message)


def test_truncated_last_line_is_a_clear_error(base_raw, tmp_path):
    raw = raw_copy(base_raw, tmp_path / "raw")
    path = raw / "bills.csv"
    text = path.read_text(encoding="utf-8")
    data_rows = text.count("\n") - 1
    # the export stopped in the middle of the last row: after its third field
    last_line_start = text.rstrip("\n").rindex("\n") + 1
    cut = last_line_start + len(",".join(text[last_line_start:].split(",")[:3])) + 2
    path.write_text(text[:cut], encoding="utf-8")
    result = powerlens_run(raw, tmp_path / "wh", "--as-of", AS_OF)
    message = assert_clear_error(result, "bills.csv", f"line {data_rows + 1}",
                                 f"data row {data_rows}", "last line is truncated",
                                 "4 of 12 fields")
    record("truncated last line (bills.csv)", "error (exit 2)", message)


# --- tolerated and row-level cases: one full run ------------------------------------------------

@pytest.fixture(scope="module")
def defects_run(base_raw, tmp_path_factory):
    """One export carrying every tolerated and row-level defect; returns what the cases need."""
    work = tmp_path_factory.mktemp("bad_input_defects")
    raw = raw_copy(base_raw, work / "raw")
    planted: dict[str, object] = {}

    customers = read_rows(raw / "customers.csv")
    header = customers[0]
    good = next(row for row in customers[1:]
                if row[header.index("open_date")] >= "2000-01-01"
                and not row[header.index("close_date")])
    good_id = good[header.index("customer_id")]
    unknown_code_row = next(i for i, row in enumerate(customers) if i > 0 and row is not good)
    customers[unknown_code_row][header.index("customer_type")] = "mega_industrial"
    planted["unknown_code_row"] = unknown_code_row
    planted["names"] = {row[0]: row[header.index("customer_name")] for row in customers[1:]}
    # GBK, declared on the command line
    (raw / "customers.csv").write_bytes(csv_text(customers).encode("gbk"))

    readings = read_rows(raw / "meter_readings.csv")
    columns = {name: i for i, name in enumerate(readings[0])}
    mine = [i for i, row in enumerate(readings) if i > 0 and row[columns["customer_id"]] == good_id]
    thousands, fullwidth, slashed, compact, negative, future, duplicated = mine[:7]
    readings[thousands][columns["kwh_flat"]] = "1,234.50"
    readings[fullwidth][columns["kwh_peak"]] = "１２.５０"
    planted["slashed_date"] = readings[slashed][columns["reading_date"]]
    readings[slashed][columns["reading_date"]] = planted["slashed_date"].replace("-", "/")
    planted["compact_date"] = readings[compact][columns["reading_date"]]
    readings[compact][columns["reading_date"]] = planted["compact_date"].replace("-", "")
    readings[negative][columns["kwh_valley"]] = "-3.20"
    readings[future][columns["reading_date"]] = "2099-01-01"
    orphan = list(readings[duplicated])
    orphan[columns["customer_id"]] = ORPHAN_CUSTOMER
    readings += [list(readings[duplicated]), orphan]
    (raw / "meter_readings.csv").write_text(csv_text(readings), encoding="utf-8")
    planted["readings"] = {"thousands": thousands, "fullwidth": fullwidth, "slashed": slashed,
                           "compact": compact, "negative": negative, "future": future,
                           "duplicated": duplicated, "duplicate": len(readings) - 2,
                           "orphan": len(readings) - 1}

    bills = (raw / "bills.csv").read_bytes()
    (raw / "bills.csv").write_bytes(b"\xef\xbb\xbf" + bills)
    planted["first_bill_id"] = read_rows(base_raw / "bills.csv")[1][0]

    payments = read_rows(raw / "payments.csv")
    payments[0].append("operator_note")
    for row in payments[1:]:
        row.append("checked")
    empty_key_row = 1
    payments[empty_key_row][payments[0].index("payment_id")] = ""
    (raw / "payments.csv").write_text(csv_text(payments), encoding="utf-8")
    planted["empty_key_row"] = empty_key_row

    warehouse = work / "wh"
    # the tiny tables carry many defects by design: allow rejected shares up to half
    result = powerlens_run(raw, warehouse, "--encoding", "customers=gbk", "--as-of", AS_OF,
                           "--max-rejected-share", "0.5")
    output = result.stdout + result.stderr
    # the defects must pass the preflight, staging and the gate, and the rest of the build
    # (marts and the Python scoring, which handle a short history) must publish
    assert result.returncode == 0, output[-4000:]
    assert "Traceback" not in output
    run_dir = sorted((warehouse / "runs").glob("*/run.json"))[-1].parent
    database = warehouse / "powerlens.duckdb"
    return {"db": database, "run_dir": run_dir, "stdout": result.stdout, **planted}


def staged_reading(run, row: int) -> dict | None:
    with duckdb.connect(str(run["db"]), read_only=True) as con:
        found = con.execute("select * from staging.stg_mdm__meter_readings "
                            "where _source_row = ?", [row]).df()
    return found.iloc[0].to_dict() if len(found) else None


def rejected(run, table: str, row: int) -> dict | None:
    with duckdb.connect(str(run["db"]), read_only=True) as con:
        found = con.execute("select rule, column_name, detail from staging.stg_audit__rejected_rows"
                            " where source_table = ? and source_row = ?", [table, row]).df()
    return found.iloc[0].to_dict() if len(found) else None


def describe_rejection(found: dict) -> str:
    return f"rule {found['rule']}, column {found['column_name']}: {found['detail']}"


def test_nothing_is_silently_dropped(defects_run):
    with duckdb.connect(str(defects_run["db"]), read_only=True) as con:
        unbalanced = con.execute("select source_table from staging.stg_audit__row_reconciliation "
                                 "where raw_rows <> staged_rows + rejected_rows").fetchall()
    assert unbalanced == []


def test_declared_gbk_is_decoded(defects_run):
    with duckdb.connect(str(defects_run["db"]), read_only=True) as con:
        staged = dict(con.execute("select customer_id, customer_name from "
                                  "staging.stg_cis__customers").fetchall())
    assert staged and all(defects_run["names"][cid] == name for cid, name in staged.items())
    assert any(ord(ch) > 0x4E00 for name in staged.values() for ch in name)
    example = next(iter(staged.values()))
    record("GBK-encoded CSV with Chinese names, `--encoding customers=gbk`",
           "decoded to UTF-8, loaded",
           f"{len(staged)} customers staged with names equal to the source (e.g. {example})")


def test_utf8_bom_is_stripped(defects_run):
    assert "byte-order mark removed" in defects_run["stdout"]
    with duckdb.connect(str(defects_run["db"]), read_only=True) as con:
        first = con.execute("select bill_id from staging.stg_cis__bills where _source_row = 1 "
                            "union all select record_key from staging.stg_cis__bills__rejected "
                            "where source_row = 1").fetchall()
    assert first == [(defects_run["first_bill_id"],)]
    record("UTF-8 BOM (bills.csv)", "warning, BOM removed, loaded",
           "bills.csv, line 1: UTF-8 byte-order mark removed before loading")


def test_extra_column_is_ignored_with_a_warning(defects_run):
    line = next(l for l in defects_run["stdout"].splitlines() if "operator_note" in l)
    assert "not in the raw contract" in line
    record("extra column (payments.operator_note)", "warning, column ignored, rows loaded",
           line.removeprefix("warning: "))


@pytest.mark.parametrize("case, rows_key, column, expected", [
    ("thousands separator (kwh_flat \"1,234.50\")", "thousands", "kwh_flat", 1234.5),
    ("full-width digits (kwh_peak \"１２.５０\")", "fullwidth", "kwh_peak", 12.5),
])
def test_number_forms_are_parsed(defects_run, case, rows_key, column, expected):
    row = defects_run["readings"][rows_key]
    staged = staged_reading(defects_run, row)
    assert staged is not None, rejected(defects_run, "meter_readings", row)
    assert staged[column] == pytest.approx(expected)
    record(case, "staged, value parsed", f"meter_readings.csv data row {row}: {column} = {expected}")


@pytest.mark.parametrize("case, rows_key, original_key", [
    ("mixed date formats (YYYY/MM/DD)", "slashed", "slashed_date"),
    ("mixed date formats (YYYYMMDD)", "compact", "compact_date"),
])
def test_date_forms_are_parsed(defects_run, case, rows_key, original_key):
    row = defects_run["readings"][rows_key]
    staged = staged_reading(defects_run, row)
    assert staged is not None, rejected(defects_run, "meter_readings", row)
    assert str(staged["reading_date"])[:10] == defects_run[original_key]
    record(case, "staged, date parsed",
           f"meter_readings.csv data row {row}: reading_date = {defects_run[original_key]}")


@pytest.mark.parametrize("case, table, rows_key, rule", [
    ("duplicate key (meter reading repeated)", "meter_readings", "duplicate", "duplicate_key"),
    ("negative value (kwh_valley -3.20)", "meter_readings", "negative", "negative_value"),
    ("future date (reading_date 2099-01-01)", "meter_readings", "future", "date_out_of_period"),
    ("orphan row (customer_id C99999999)", "meter_readings", "orphan", "orphan_customer"),
])
def test_bad_rows_are_rejected_with_a_reason(defects_run, case, table, rows_key, rule):
    row = defects_run["readings"][rows_key]
    found = rejected(defects_run, table, row)
    assert found is not None, f"{case}: data row {row} was not rejected"
    assert rule in found["rule"].split("; ")
    assert staged_reading(defects_run, row) is None
    record(case, f"rejected ({rule})", f"{table} data row {row}: {describe_rejection(found)}")


def test_the_first_of_duplicates_is_kept(defects_run):
    assert staged_reading(defects_run, defects_run["readings"]["duplicated"]) is not None


def test_empty_key_is_rejected(defects_run):
    found = rejected(defects_run, "payments", defects_run["empty_key_row"])
    assert found is not None and "missing_key" in found["rule"].split("; ")
    record("empty key (payments.payment_id)", "rejected (missing_key)",
           f"payments data row {defects_run['empty_key_row']}: {describe_rejection(found)}")


def test_unknown_code_is_rejected(defects_run):
    found = rejected(defects_run, "customers", defects_run["unknown_code_row"])
    assert found is not None and "unknown_code" in found["rule"].split("; ")
    record("unknown code (customer_type mega_industrial)", "rejected (unknown_code)",
           f"customers data row {defects_run['unknown_code_row']}: {describe_rejection(found)}")


def test_run_record_lists_the_warnings(defects_run):
    record_json = json.loads((defects_run["run_dir"] / "run.json").read_text(encoding="utf-8"))
    checks = {c["check"] for c in record_json["checks"] if c["stage"] == "preflight"}
    assert {"byte_order_mark", "header_columns"} <= checks
