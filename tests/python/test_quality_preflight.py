"""Unit tests of the raw-file preflight and normalisation on small hand-made files (no dbt)."""
from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

import pytest

from powerlens.quality.preflight import normalise, parse_encodings, preflight
from powerlens.quality.raw_contract import RAW_TABLES

# two customers by column name; a contract column not given here (one added later) is empty
CUSTOMER_VALUES = [
    {"customer_id": "C0001", "customer_name": "张伟", "phone": "13800000001",
     "address": "江川市东城区人民路1号", "customer_type": "residential", "sector": "residential",
     "region_code": "dongcheng", "urban_rural": "urban", "voltage_kv": "0.22",
     "contract_capacity_kva": "8", "tariff_code": "res_single", "basic_charge_basis": "none",
     "payment_mode": "postpaid", "has_pv": "false", "open_date": "2020-01-05"},
    {"customer_id": "C0002", "customer_name": "李娜", "phone": "13800000002",
     "address": "江川市西城区解放路2号", "customer_type": "residential", "sector": "residential",
     "region_code": "xicheng", "urban_rural": "urban", "voltage_kv": "0.22",
     "contract_capacity_kva": "8", "tariff_code": "res_single", "basic_charge_basis": "none",
     "payment_mode": "prepaid", "has_pv": "true", "open_date": "2021-03-01"},
]
CUSTOMER_ROWS = [[values.get(column, "") for column in RAW_TABLES["customers"].columns]
                 for values in CUSTOMER_VALUES]
WIDTH = len(RAW_TABLES["customers"].columns)


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
    # cut the file inside the last row's address: 4 fields remain
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("解放路")], encoding="utf-8")
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert error.check == "complete_last_line" and error.severity == "error"
    assert (error.line, error.row) == (3, 2)
    assert f"4 of {WIDTH} fields" in error.message


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


# --- rows are never silently changed (issue 14) -----------------------------------------------

CUSTOMER_HEADER = list(RAW_TABLES["customers"].columns)


def normalised_rows(report, raw_dir: Path, out_dir: Path, name: str = "customers.csv"):
    normalise(report, raw_dir, out_dir)
    with (out_dir / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_rows_with_the_wrong_field_count_in_a_rewritten_file_are_marked_not_cut_or_padded(
        raw_dir, tmp_path):
    too_many = CUSTOMER_ROWS[0] + ["extra", "more"]
    too_few = CUSTOMER_ROWS[1][:5]
    write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER,
              [CUSTOMER_ROWS[0], too_many, CUSTOMER_ROWS[1], too_few], bom=True)
    report = preflight(raw_dir)
    assert report.errors == []
    [bom, field_count] = findings_for(report, "customers.csv")
    assert (bom.check, field_count.check, field_count.severity) == (
        "byte_order_mark", "field_count", "warn")
    # the first defective row: line 3, data row 2; both rows are named with their counts
    assert (field_count.line, field_count.row) == (3, 2)
    assert "2 row(s)" in field_count.message and f"header's {WIDTH}" in field_count.message
    assert f"data row 2: {WIDTH + 2} fields" in field_count.message
    assert "data row 4: 5 fields" in field_count.message
    rows = normalised_rows(report, raw_dir, tmp_path / "run_raw")
    # every data row keeps its row number; the marker column tells staging found/expected/column
    assert rows[0] == CUSTOMER_HEADER + ["_field_count"]
    assert [row[-1] for row in rows[1:]] == ["", f"{WIDTH + 2}/{WIDTH}/close_reason", "",
                                             f"5/{WIDTH}/sector"]
    assert rows[1][:-1] == CUSTOMER_ROWS[0] and rows[3][:-1] == CUSTOMER_ROWS[1]


def test_a_malformed_row_past_duckdbs_sample_is_found_without_showing_personal_data(
        raw_dir, tmp_path):
    """An untouched UTF-8 file: DuckDB would stop on the row with the whole line (name, phone,
    address) in its error; the preflight finds it, names line and row only, and the rewrite
    marks it for staging."""
    rows = [[f"C{i:06d}", *CUSTOMER_ROWS[0][1:]] for i in range(25_000)]
    secret = ["C999999", "欧阳秘密", "13912345678", "江川市保密路99号", "residential"]
    rows.append(secret)
    write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, rows)
    report = preflight(raw_dir)
    [finding] = findings_for(report, "customers.csv")
    assert (finding.check, finding.line, finding.row) == ("field_count", 25_002, 25_001)
    text = finding.describe()
    assert "5 fields" in text
    assert not any(value in text for value in secret[1:4])
    [raw_file] = [f for f in report.files if f.path.name == "customers.csv"]
    assert raw_file.needs_rewrite and raw_file.field_count_rows == 1
    written = normalised_rows(report, raw_dir, tmp_path / "run_raw")
    assert len(written) == 25_002 and written[-1][-1] == f"5/{WIDTH}/sector"


def test_a_clean_file_is_not_parsed_row_by_row_nor_rewritten(raw_dir, tmp_path):
    report = preflight(raw_dir)
    [raw_file] = [f for f in report.files if f.path.name == "customers.csv"]
    assert not raw_file.needs_rewrite and raw_file.field_count_rows == 0
    normalise(report, raw_dir, tmp_path / "run_raw")
    assert (tmp_path / "run_raw" / "customers.csv").is_symlink()


def test_crlf_rows_appended_to_an_lf_file_are_read_as_rows(raw_dir, tmp_path):
    path = raw_dir / "customers.csv"
    lf = write_csv(path, CUSTOMER_HEADER, CUSTOMER_ROWS[:1]).read_bytes()
    crlf_row = ",".join(CUSTOMER_ROWS[1]).encode("utf-8") + b"\r\n"
    path.write_bytes(lf + crlf_row + crlf_row.replace(b"C0002", b"C0003"))
    report = preflight(raw_dir)
    assert report.errors == []
    [finding] = findings_for(report, "customers.csv")
    assert (finding.check, finding.severity, finding.line) == ("line_endings", "warn", 3)
    assert "2 CRLF, 2 LF" in finding.message
    rows = normalised_rows(report, raw_dir, tmp_path / "run_raw")
    assert rows[1:] == [CUSTOMER_ROWS[0], CUSTOMER_ROWS[1],
                        ["C0003", *CUSTOMER_ROWS[1][1:]]]
    assert b"\r" not in (tmp_path / "run_raw" / "customers.csv").read_bytes()


def test_a_crlf_file_is_read_as_it_is(raw_dir, tmp_path):
    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    report = preflight(raw_dir)
    assert findings_for(report, "customers.csv") == []
    normalise(report, raw_dir, tmp_path / "run_raw")
    assert (tmp_path / "run_raw" / "customers.csv").is_symlink()


@pytest.mark.parametrize("final_newline", [True, False])
def test_a_cr_only_file_is_read_not_called_truncated(raw_dir, tmp_path, final_newline):
    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS,
                     final_newline=final_newline)
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    report = preflight(raw_dir)
    assert report.errors == []
    [finding] = findings_for(report, "customers.csv")
    assert finding.check == "line_endings" and "CR only" in finding.message
    assert normalised_rows(report, raw_dir, tmp_path / "run_raw")[1:] == CUSTOMER_ROWS


def test_blank_lines_are_no_rows_in_the_rewrite_as_in_duckdb(raw_dir, tmp_path):
    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS, bom=True)
    text = path.read_bytes().replace(b"\nC0002", b"\n\nC0002") + b"\n"
    path.write_bytes(text)
    report = preflight(raw_dir)
    assert report.errors == []
    assert normalised_rows(report, raw_dir, tmp_path / "run_raw")[1:] == CUSTOMER_ROWS


def test_a_binary_file_is_an_error_naming_the_file_and_line(raw_dir):
    import gzip

    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS)
    path.write_bytes(gzip.compress(path.read_bytes()))
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert (error.severity, error.check, error.line) == ("error", "text_file", 1)
    assert "not a text CSV export" in error.message


def test_a_nul_byte_inside_the_file_names_line_row_and_column(raw_dir):
    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS)
    path.write_bytes(path.read_bytes().replace(b"13800000002", b"138\x00\x0000002"))
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert (error.check, error.line, error.row, error.column) == ("text_file", 3, 2, "phone")


def test_undeclared_utf16_is_an_error_saying_how_to_declare_it(raw_dir):
    write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS, encoding="utf-16")
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert (error.severity, error.check, error.line) == ("error", "text_file", 1)
    assert "--encoding customers=utf-16" in error.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_declared_utf16_is_rewritten_as_utf8(raw_dir, tmp_path, encoding):
    write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS, encoding=encoding)
    report = preflight(raw_dir, parse_encodings([f"customers={encoding}"]))
    assert findings_for(report, "customers.csv") == []
    assert normalised_rows(report, raw_dir, tmp_path / "run_raw") == [CUSTOMER_HEADER,
                                                                      *CUSTOMER_ROWS]


def test_declared_utf16_truncated_last_line_is_still_found(raw_dir):
    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS,
                     final_newline=False)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text[: text.rindex("解放路")].encode("utf-16"))
    [error] = findings_for(preflight(raw_dir, parse_encodings(["customers=utf-16"])),
                           "customers.csv")
    assert error.check == "complete_last_line" and (error.line, error.row) == (3, 2)


def test_an_unclosed_quote_inside_the_file_is_an_error_naming_line_row_and_column(raw_dir):
    rows = [CUSTOMER_ROWS[0], CUSTOMER_ROWS[1], ["C0003", *CUSTOMER_ROWS[1][1:]]]
    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, rows)
    path.write_text(path.read_text(encoding="utf-8").replace(",李娜,", ',"李娜,', 1),
                    encoding="utf-8")
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert (error.severity, error.check) == ("error", "quotes_closed")
    assert (error.line, error.row, error.column) == (3, 2, "customer_name")
    assert "李娜" not in error.describe()


def test_a_decoding_error_in_a_personal_data_column_does_not_show_its_bytes(raw_dir):
    write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS, encoding="gbk")
    [error] = findings_for(preflight(raw_dir), "customers.csv")
    assert error.column == "customer_name"
    assert "b'" not in error.message and "\\x" not in error.message


@pytest.mark.parametrize("data, declared, line, reason", [
    # UTF-16 without its byte-order mark, declared as plain utf-16
    (lambda text: text.encode("utf-16-le"), "utf-16", 1, "does not start with BOM"),
    # a lone byte at the end: the last row is cut inside a character
    (lambda text: text.encode("utf-16") + b"\x00", "utf-16", 4, "truncated data"),
])
def test_undecodable_utf16_is_an_error_naming_its_line(raw_dir, data, declared, line, reason):
    path = write_csv(raw_dir / "customers.csv", CUSTOMER_HEADER, CUSTOMER_ROWS)
    path.write_bytes(data(path.read_text(encoding="utf-8")))
    [error] = findings_for(preflight(raw_dir, parse_encodings([f"customers={declared}"])),
                           "customers.csv")
    assert (error.severity, error.check, error.line) == ("error", "encoding", line)
    assert reason in error.message and "check the declared encoding" in error.message


def fully_quoted(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return buffer.getvalue()


def test_a_fully_quoted_clean_file_is_read_as_it_is(raw_dir, tmp_path):
    (raw_dir / "customers.csv").write_text(fully_quoted([CUSTOMER_HEADER, *CUSTOMER_ROWS]),
                                           encoding="utf-8")
    report = preflight(raw_dir)
    assert findings_for(report, "customers.csv") == []
    normalise(report, raw_dir, tmp_path / "run_raw")
    assert (tmp_path / "run_raw" / "customers.csv").is_symlink()


def test_a_lost_closing_quote_in_a_fully_quoted_file_is_found(raw_dir):
    """The quotes no longer pair up, so the file is parsed row by row: the row the quote broke
    is found with its field count (rejected by staging), not left to DuckDB."""
    text = fully_quoted([CUSTOMER_HEADER, *CUSTOMER_ROWS, ["C0003", *CUSTOMER_ROWS[1][1:]]])
    (raw_dir / "customers.csv").write_text(text.replace('"李娜",', '"李娜,', 1), encoding="utf-8")
    [finding] = findings_for(preflight(raw_dir), "customers.csv")
    assert (finding.check, finding.line, finding.row) == ("field_count", 3, 2)
