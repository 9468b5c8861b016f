"""Unit tests of the raw-file preflight and normalisation on small hand-made files (no dbt)."""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from powerlens.quality.preflight import normalise, parse_encodings, preflight
from powerlens.quality.raw_contract import RAW_TABLES

CUSTOMER_ROWS = [
    ["C0001", "张伟", "13800000001", "江川市东城区人民路1号", "residential", "residential", "",
     "dongcheng", "urban", "0.22", "8", "res_single", "none", "postpaid", "false", "2020-01-05",
     "", ""],
    ["C0002", "李娜", "13800000002", "江川市西城区解放路2号", "residential", "residential", "",
     "xicheng", "urban", "0.22", "8", "res_single", "none", "prepaid", "true", "2021-03-01",
     "", ""],
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8",
              bom: bool = False, final_newline: bool = True) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    text = buffer.getvalue()
    if not final_newline:
        text = text.rstrip("\n")
    data = text.encode(encoding)
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + data)
    return path


@pytest.fixture
def raw_dir(tmp_path) -> Path:
    """A raw folder with every required table present and valid (only customers has real rows)."""
    folder = tmp_path / "raw"
    folder.mkdir()
    write_csv(folder / "customers.csv", list(RAW_TABLES["customers"].columns), CUSTOMER_ROWS)
    for table in RAW_TABLES.values():
        if table.required and table.name != "customers":
            write_csv(folder / f"{table.name}.csv", list(table.columns),
                      [["x"] * len(table.columns)])
    return folder


def findings_for(report, file_name: str):
    return [f for f in report.findings if Path(f.file).name == file_name]


def test_clean_folder_has_no_error(raw_dir):
    report = preflight(raw_dir)
    assert report.errors == []
    # the optional tables are missing: recorded as warnings, not errors
    assert {Path(f.file).name for f in report.warnings} == {
        f"{name}.csv" for name, table in RAW_TABLES.items() if not table.required}


def test_gbk_file_without_declared_encoding_names_file_line_row_and_column(raw_dir):
    write_csv(raw_dir / "customers.csv", list(RAW_TABLES["customers"].columns), CUSTOMER_ROWS,
              encoding="gbk")
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert error.severity == "error" and error.check == "encoding"
    # the first undecodable byte is in the first data row (line 2), in customer_name
    assert (error.line, error.row, error.column) == (2, 1, "customer_name")
    assert "not valid utf-8" in error.message and "--encoding customers=gbk" in error.message


def test_gbk_file_with_declared_encoding_is_rewritten_as_utf8(raw_dir, tmp_path):
    write_csv(raw_dir / "customers.csv", list(RAW_TABLES["customers"].columns), CUSTOMER_ROWS,
              encoding="gbk")
    report = preflight(raw_dir, parse_encodings(["customers=gbk"]))
    assert report.errors == []
    normalise(report, raw_dir, tmp_path / "run_raw")
    rows = list(csv.reader((tmp_path / "run_raw" / "customers.csv").open(encoding="utf-8")))
    assert rows[1:] == CUSTOMER_ROWS


def test_bom_is_a_warning_and_is_stripped(raw_dir, tmp_path):
    write_csv(raw_dir / "customers.csv", list(RAW_TABLES["customers"].columns), CUSTOMER_ROWS,
              bom=True)
    report = preflight(raw_dir)
    assert report.errors == []
    assert [f.check for f in findings_for(report, "customers.csv")] == ["byte_order_mark"]
    normalise(report, raw_dir, tmp_path / "run_raw")
    data = (tmp_path / "run_raw" / "customers.csv").read_bytes()
    assert not data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8").splitlines()[0] == ",".join(RAW_TABLES["customers"].columns)


def test_missing_column_is_an_error_naming_it(raw_dir):
    columns = [c for c in RAW_TABLES["customers"].columns if c != "phone"]
    rows = [[v for c, v in zip(RAW_TABLES["customers"].columns, row) if c != "phone"]
            for row in CUSTOMER_ROWS]
    write_csv(raw_dir / "customers.csv", columns, rows)
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert error.severity == "error" and error.column == "phone" and error.line == 1
    assert "missing column(s) phone" in error.message


def test_extra_column_is_a_warning_and_dropped_keeping_rows(raw_dir, tmp_path):
    columns = [*RAW_TABLES["customers"].columns, "wechat_id"]
    write_csv(raw_dir / "customers.csv", columns, [row + ["wx1"] for row in CUSTOMER_ROWS])
    report = preflight(raw_dir)
    assert report.errors == []
    [warning] = findings_for(report, "customers.csv")
    assert warning.column == "wechat_id"
    normalise(report, raw_dir, tmp_path / "run_raw")
    rows = list(csv.reader((tmp_path / "run_raw" / "customers.csv").open(encoding="utf-8")))
    assert rows == [list(RAW_TABLES["customers"].columns), *CUSTOMER_ROWS]


def test_untouched_files_are_linked_not_copied(raw_dir, tmp_path):
    report = preflight(raw_dir)
    normalise(report, raw_dir, tmp_path / "run_raw")
    linked = tmp_path / "run_raw" / "customers.csv"
    assert linked.is_symlink() and linked.resolve() == (raw_dir / "customers.csv").resolve()


def test_empty_file_is_an_error(raw_dir):
    (raw_dir / "bills.csv").write_bytes(b"")
    [error] = findings_for(preflight(raw_dir), "bills.csv")
    assert error.severity == "error" and "file is empty" in error.message


def test_header_only_is_an_error_for_a_required_table_and_a_warning_otherwise(raw_dir):
    write_csv(raw_dir / "customers.csv", list(RAW_TABLES["customers"].columns), [])
    write_csv(raw_dir / "interval_readings.csv", list(RAW_TABLES["interval_readings"].columns),
              [])
    report = preflight(raw_dir)
    [customers] = findings_for(report, "customers.csv")
    [intervals] = findings_for(report, "interval_readings.csv")
    assert (customers.severity, customers.check) == ("error", "has_rows")
    assert (intervals.severity, intervals.check) == ("warn", "has_rows")


def test_truncated_last_line_is_an_error_with_its_line_and_row(raw_dir):
    path = write_csv(raw_dir / "customers.csv", list(RAW_TABLES["customers"].columns),
                     CUSTOMER_ROWS, final_newline=False)
    # cut the file inside the last row's address: 4 fields of 18 remain
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("解放路")], encoding="utf-8")
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert error.check == "complete_last_line" and error.severity == "error"
    assert (error.line, error.row) == (3, 2)
    assert "4 of 18 fields" in error.message


def test_complete_last_line_without_newline_is_fine(raw_dir):
    write_csv(raw_dir / "customers.csv", list(RAW_TABLES["customers"].columns), CUSTOMER_ROWS,
              final_newline=False)
    assert findings_for(preflight(raw_dir), "customers.csv") == []


def test_missing_required_table_is_an_error(raw_dir):
    (raw_dir / "bills.csv").unlink()
    [error] = findings_for(preflight(raw_dir), "bills.csv")
    assert error.severity == "error" and "no file for table bills" in error.message


def test_parse_encodings_rejects_unknown_table_and_codec():
    assert parse_encodings(["gbk", "bills=utf-8"]) == {"*": "gbk", "bills": "utf-8"}
    with pytest.raises(ValueError, match="unknown table"):
        parse_encodings(["clients=gbk"])
    with pytest.raises(ValueError, match="unknown encoding"):
        parse_encodings(["customers=klingon"])
