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

from conftest import bin_path, dbt_env, run_command
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


def damaged_run(base_raw: Path, tmp_path: Path, file_name: str, damage):
    """`powerlens run` over a copy of the clean export with one file changed by damage(path)."""
    raw = raw_copy(base_raw, tmp_path / "raw")
    damage(raw / file_name)
    return powerlens_run(raw, tmp_path / "wh", "--as-of", AS_OF)


def test_binary_file_is_a_clear_error(base_raw, tmp_path):
    import gzip

    result = damaged_run(base_raw, tmp_path, "customers.csv",
                         lambda path: path.write_bytes(gzip.compress(path.read_bytes())))
    message = assert_clear_error(result, "customers.csv", "line 1", "a NUL byte",
                                 "not a text CSV export")
    record("binary file (customers.csv holds a gzip archive)", "error (exit 2)", message)


def test_undeclared_utf16_is_a_clear_error(base_raw, tmp_path):
    result = damaged_run(base_raw, tmp_path, "surveys.csv", lambda path: path.write_bytes(
        path.read_text(encoding="utf-8").encode("utf-16")))
    message = assert_clear_error(result, "surveys.csv", "line 1", "looks like UTF-16",
                                 "--encoding surveys=utf-16")
    record("UTF-16 CSV, encoding not declared (surveys.csv)", "error (exit 2)", message)


def test_unclosed_quote_inside_the_file_is_a_clear_error_without_personal_data(base_raw, tmp_path):
    rows = read_rows(base_raw / "customers.csv")
    name = rows[5][rows[0].index("customer_name")]

    def open_a_quote(path: Path) -> None:
        text = csv_text(rows)
        position = text.index("," + name + ",", text.index(rows[5][0] + ",")) + 1
        path.write_text(text[:position] + '"' + text[position:], encoding="utf-8")

    result = damaged_run(base_raw, tmp_path, "customers.csv", open_a_quote)
    message = assert_clear_error(result, "customers.csv", "line 6", "data row 5",
                                 "column customer_name", "unclosed quote")
    assert name not in result.stdout + result.stderr
    record("unclosed quote inside the file (customers.csv, a name opening a quote)",
           "error (exit 2)", message)


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
    # keys a hand-edited or Excel-saved export carries: null-like, scientific notation
    customers[-1][0], customers[-2][0] = "NULL", "1.2E+10"
    planted["bad_key_rows"] = {"NULL": len(customers) - 1, "1.2E+10": len(customers) - 2}
    # a row with two fields too many, carrying personal data no message may show
    secret = {"customer_name": "欧阳秘密", "phone": "13912340000", "address": "江川市保密路99号"}
    for column, value in secret.items():
        customers[-4][header.index(column)] = value
    customers[-4] += ["surplus", "fields"]
    planted["secret"] = secret
    # an address no longer than its district: the mask must not show it whole, nor fail the run
    customers[-6][header.index("address")] = "-"
    planted["dash_address_customer"] = customers[-6][0]
    planted["customers_too_many_row"] = len(customers) - 4
    planted["customers_width"] = len(header)
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
    # a row with one field too many, in a file nothing else would make the preflight rewrite
    too_many = list(readings[mine[7]])
    too_many[columns["reading_date"]] = "2025-06-28"
    too_many.append("9.99")
    # two of the customer's readings move to the end of the file with CRLF line ends, as in a
    # file concatenated from two exports
    moved = [readings[mine[8]], readings[mine[9]]]
    readings = [row for i, row in enumerate(readings) if i not in (mine[8], mine[9])]
    readings += [list(readings[duplicated]), orphan, too_many]
    crlf_text = "".join(",".join(row) + "\r\n" for row in moved)
    (raw / "meter_readings.csv").write_text(csv_text(readings) + crlf_text, encoding="utf-8",
                                            newline="")
    planted["readings"] = {"thousands": thousands, "fullwidth": fullwidth, "slashed": slashed,
                           "compact": compact, "negative": negative, "future": future,
                           "duplicated": duplicated, "duplicate": len(readings) - 3,
                           "orphan": len(readings) - 2, "too_many": len(readings) - 1}
    planted["crlf_rows"] = {len(readings) + offset: (row[columns["reading_date"]],
                                                      float(row[columns["max_demand_kw"]]))
                            for offset, row in enumerate(moved)}
    planted["readings_width"] = len(readings[0])

    bills = read_rows(raw / "bills.csv")
    # a row with fields missing at the end, in a file rewritten for its byte-order mark
    bills[3] = bills[3][:5]
    planted["bills_too_few_row"] = 3
    planted["bills_width"] = len(bills[0])
    (raw / "bills.csv").write_bytes(b"\xef\xbb\xbf" + csv_text(bills).encode("utf-8"))
    planted["first_bill_id"] = read_rows(base_raw / "bills.csv")[1][0]

    # CR-only line ends (classic Mac OS) and a declared UTF-16 file are read as they are meant
    enrollments = raw / "programme_enrollments.csv"
    planted["enrollment_rows"] = len(read_rows(enrollments)) - 1
    enrollments.write_bytes(enrollments.read_bytes().replace(b"\n", b"\r"))
    surveys = raw / "surveys.csv"
    planted["survey_rows"] = len(read_rows(surveys)) - 1
    surveys.write_bytes(surveys.read_text(encoding="utf-8").encode("utf-16"))

    payments = read_rows(raw / "payments.csv")
    payments[0].append("operator_note")
    for row in payments[1:]:
        row.append("checked")
    empty_key_row = 1
    payments[empty_key_row][payments[0].index("payment_id")] = ""
    # in a file rewritten for its extra column: one row a field too many, one two fields short
    width = len(payments[0])
    payments[2].append("second note")
    payments[4] = payments[4][:-2]
    (raw / "payments.csv").write_text(csv_text(payments), encoding="utf-8")
    planted["empty_key_row"] = empty_key_row
    planted["payments_field_count_rows"] = {
        2: f"row has {width + 1} fields, the header has {width}",
        4: f"row has {width - 2} fields, the header has {width}"}

    warehouse = work / "wh"
    # the tiny tables carry many defects by design: allow rejected shares up to half
    result = powerlens_run(raw, warehouse, "--encoding", "customers=gbk", "--encoding",
                           "surveys=utf-16", "--as-of", AS_OF, "--max-rejected-share", "0.5")
    output = result.stdout + result.stderr
    # the defects must pass the preflight, staging and the gate, and the rest of the build
    # (marts and the Python scoring, which handle a short history) must publish
    assert result.returncode == 0, output[-4000:]
    assert "Traceback" not in output
    run_dir = sorted((warehouse / "runs").glob("*/run.json"))[-1].parent
    database = warehouse / "powerlens.duckdb"
    return {"db": database, "run_dir": run_dir, "stdout": result.stdout,
            "output": output, **planted}


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


# --- rows are never silently changed (issue 14) -------------------------------------------------

def field_count_cases(run) -> list[tuple[str, str, int, str]]:
    """(case, table, data row, expected detail) of every row planted with the wrong field count."""
    cases = [
        ("too many fields in a declared-GBK file (customers, 2 extra)", "customers",
         run["customers_too_many_row"],
         f"row has {run['customers_width'] + 2} fields, the header has {run['customers_width']}"),
        ("too few fields in a file with a BOM (bills, 5 fields)", "bills", run["bills_too_few_row"],
         f"row has 5 fields, the header has {run['bills_width']}"),
        ("too many fields in an otherwise untouched file (meter_readings, 1 extra)",
         "meter_readings", run["readings"]["too_many"],
         f"row has {run['readings_width'] + 1} fields, the header has {run['readings_width']}"),
    ]
    for row, detail in run["payments_field_count_rows"].items():
        kind = "too many" if int(detail.split()[2]) > int(detail.split()[-1]) else "too few"
        cases.append((f"{kind} fields in a file with an extra column (payments)", "payments",
                      row, detail))
    return cases


def test_rows_with_the_wrong_field_count_are_rejected_not_cut_or_padded(defects_run):
    for case, table, row, detail in field_count_cases(defects_run):
        with duckdb.connect(str(defects_run["db"]), read_only=True) as con:
            found = con.execute(
                "select rule, column_name, detail from staging.stg_audit__rejected_rows"
                " where source_table = ? and source_row = ?", [table, row]).fetchall()
        assert len(found) == 1, (case, found)
        rules, columns, details = (part.split("; ") for part in found[0])
        assert rules[0] == "field_count" and details[0] == detail, (case, found)
        record(case, "rejected (field_count)",
               f"{table} data row {row}: rule field_count, column {columns[0]}: {detail}")
    assert "rejected by staging with rule field_count" in defects_run["stdout"]


def test_crlf_rows_appended_to_an_lf_file_are_staged(defects_run):
    assert "mixed line endings" in defects_run["stdout"]
    for row, (reading_date, max_demand_kw) in defects_run["crlf_rows"].items():
        staged = staged_reading(defects_run, row)
        assert staged is not None, rejected(defects_run, "meter_readings", row)
        assert str(staged["reading_date"])[:10] == reading_date
        assert staged["max_demand_kw"] == pytest.approx(max_demand_kw)
    row = max(defects_run["crlf_rows"])
    record("CRLF rows appended to an LF file (meter_readings, 2 rows)",
           "warning, line ends normalised, rows staged",
           f"meter_readings.csv data row {row}: staged, reading_date = "
           f"{defects_run['crlf_rows'][row][0]}; the preflight warns: mixed line endings "
           "(2 CRLF, ...): every line ended with LF in the run's copy")


def reconciled(run, table: str) -> tuple[int, int, int]:
    with duckdb.connect(str(run["db"]), read_only=True) as con:
        return con.execute("select raw_rows, staged_rows, rejected_rows from "
                           "staging.stg_audit__row_reconciliation where source_table = ?",
                           [table]).fetchone()


def field_count_rejects(run, table: str) -> int:
    with duckdb.connect(str(run["db"]), read_only=True) as con:
        return con.execute("select count(*) from staging.stg_audit__rejected_rows where "
                           "source_table = ? and rule like '%field_count%'", [table]).fetchone()[0]


def test_cr_only_file_is_read_row_by_row(defects_run):
    raw_rows, staged_rows, _ = reconciled(defects_run, "programme_enrollments")
    assert raw_rows == defects_run["enrollment_rows"] and staged_rows > 0
    assert field_count_rejects(defects_run, "programme_enrollments") == 0
    assert "lines end in CR only" in defects_run["stdout"]
    record("CR-only line ends (programme_enrollments.csv)", "warning, read as lines, loaded",
           f"all {raw_rows} rows read, {staged_rows} staged; programme_enrollments.csv, line 1: "
           "lines end in CR only (classic Mac OS)")


def test_declared_utf16_is_read(defects_run):
    raw_rows, staged_rows, _ = reconciled(defects_run, "surveys")
    assert raw_rows == defects_run["survey_rows"] and staged_rows > 0
    assert field_count_rejects(defects_run, "surveys") == 0
    record("UTF-16 CSV, `--encoding surveys=utf-16`", "decoded to UTF-8, loaded",
           f"all {raw_rows} surveys read, {staged_rows} staged")


@pytest.mark.parametrize("key", ["NULL", "1.2E+10"])
def test_null_like_and_excel_mangled_keys_are_rejected(defects_run, key):
    row = defects_run["bad_key_rows"][key]
    found = rejected(defects_run, "customers", row)
    assert found is not None and found["rule"].split("; ")[0] == "bad_key", found
    assert f"'{key}' does not match the key pattern of customer_id" in found["detail"]
    with duckdb.connect(str(defects_run["db"]), read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_cis__customers where customer_id = ?",
                           [key]).fetchone() == (0,)
    record(f"key {key} (customers.customer_id)", "rejected (bad_key)",
           f"customers data row {row}: {describe_rejection(found)}")


def test_the_gate_warns_of_bad_keys_and_field_counts(defects_run):
    """The gate counts raw rows by rejection rule; the new rules have their own warnings."""
    with duckdb.connect(str(defects_run["db"]), read_only=True) as con:
        checks = dict(con.execute("""
            select check_name, success from quality.check_results
            where frame = 'rows_by_rejection_rule' and severity = 'warn'
              and run_id = (select max(run_id) from quality.runs)""").fetchall())
    assert checks["raw export: keys match their key pattern"] is False
    assert checks["raw export: rows have the header's number of fields"] is False


def test_the_address_mask_never_stands_for_as_much_as_the_address(tmp_path):
    """An address of '-' made the marts' masking test (the mask must be shorter than the address)
    fail the whole run. Given the address, the mask is NULL for an address no longer than its
    district."""
    result = run_command([bin_path("dbt"), "compile", "--quiet", "--inline",
                          "select {{ mask_address_to_district('city', 'district', 'address') }}"
                          " as masked, {{ mask_address_to_district('city', 'district') }} as plain"
                          " from addresses"], env=dbt_env(tmp_path))
    sql = result.stdout[result.stdout.index("select"):]
    cases = [("-", None), ("江川市东城区", None), ("不详", None),
             ("江川市东城区人民路12号", "江川市东城区"), (None, "江川市东城区")]
    with duckdb.connect() as con:
        con.execute("create table addresses (city varchar, district varchar, address varchar)")
        con.executemany("insert into addresses values ('江川市', '东城区', ?)",
                        [[address] for address, _ in cases])
        masked = con.execute(sql).fetchall()
    assert masked == [(expected, "江川市东城区") for _, expected in cases]


def test_an_address_of_a_dash_is_masked_as_null_and_the_run_publishes(defects_run):
    customer = defects_run["dash_address_customer"]
    with duckdb.connect(str(defects_run["db"]), read_only=True) as con:
        masked = con.execute("select address_masked, phone_masked from marts.dim_customers "
                             "where customer_id = ?", [customer]).fetchall()
        others = con.execute("select count(*) from marts.dim_customers where address_masked is "
                             "null and customer_id <> ?", [customer]).fetchone()[0]
    assert masked and masked[0][0] is None and masked[0][1]
    assert others == 0
    record("address '-' (customers)", "staged; published with address_masked NULL",
           "mask_address_to_district(city, district, address): NULL for an address no longer "
           "than its district ('-', '不详'), so the district never shows a whole address")


def test_no_message_or_run_record_shows_a_malformed_rows_personal_data(defects_run):
    run_record = (defects_run["run_dir"] / "run.json").read_text(encoding="utf-8")
    for value in defects_run["secret"].values():
        assert value not in defects_run["output"]
        assert value not in run_record
    line = next(line for line in defects_run["stdout"].splitlines()
                if "customers.csv" in line and "field_count" in line)
    record("malformed customers row (2 extra fields; name, phone, address in it)",
           "warning naming line and row, row rejected (field_count)",
           line.strip(" -").removeprefix("warning: "))
