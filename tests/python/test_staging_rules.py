"""Staging end to end: planted bad rows are rejected with the right rule, good rows are staged.

The fixture tests/fixtures/raw_small holds a handful of valid rows per raw table. Each test
copies it to a tmp folder, plants rows (one per rule kind in every table where the rule applies,
plus good rows written in the accepted alternative formats), runs
`dbt build --select +staging` on a private DuckDB file and reads the result back.
Expected rules, columns and parsed values are written here by hand from docs/staging.md.
The build reads the folder as `powerlens run` hands it to staging: after the preflight and its
rewrite (powerlens/quality/preflight.py), which marks rows with the wrong number of fields.
"""
from __future__ import annotations

import csv
import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, bin_path, dbt_env, run_command
from powerlens.quality.preflight import normalise, preflight

FIXTURE_DIR = REPO_ROOT / "tests" / "fixtures" / "raw_small"
AS_OF_DATE = "2026-01-05"
STAGED_MODELS = {
    "customers": "stg_cis__customers",
    "bills": "stg_cis__bills",
    "payments": "stg_cis__payments",
    "programme_enrollments": "stg_cis__programme_enrollments",
    "meter_readings": "stg_mdm__meter_readings",
    "interval_readings": "stg_mdm__interval_readings",
    "service_tickets": "stg_service__service_tickets",
    "surveys": "stg_service__surveys",
}
GOOD = frozenset()  # a planted row expected to be staged


def rules(*pairs: str) -> frozenset[tuple[str, str]]:
    """{'bad_number:voltage_kv', ...} -> {(rule, column), ...}"""
    return frozenset(tuple(pair.split(":")) for pair in pairs)


# table -> [(overrides of the table's first fixture row, expected (rule, column) pairs)]
PLANTED: dict[str, list[tuple[dict[str, str], frozenset]]] = {
    "customers": [
        ({"customer_id": "C9001", "voltage_kv": "ten"}, rules("bad_number:voltage_kv")),
        ({"customer_id": "C9002", "open_date": "2024-02-30"}, rules("bad_date:open_date")),
        ({"customer_id": "C9003", "contract_capacity_kva": "-315"},
         rules("negative_value:contract_capacity_kva")),
        ({"customer_id": "C9004", "customer_type": "industrial"}, rules("unknown_code:customer_type")),
        ({"customer_id": "C9005", "region_code": "atlantis"}, rules("unknown_code:region_code")),
        ({"customer_id": "C9006", "tariff_code": "lgi_999kv"}, rules("unknown_code:tariff_code")),
        ({"customer_id": "C9007", "has_pv": "maybe"}, rules("bad_boolean:has_pv")),
        ({"customer_id": ""}, rules("missing_key:customer_id")),
        ({"customer_id": "C0002"}, rules("duplicate_key:customer_id")),
        ({"customer_id": "C9008", "open_date": "1999-12-31"}, rules("date_out_of_period:open_date")),
        ({"customer_id": "C9009", "close_date": "2026-01-06", "close_reason": "relocated"},
         rules("date_out_of_period:close_date")),
        ({"customer_id": "C9010", "voltage_kv": "1O", "sector": "quaternary"},
         rules("bad_number:voltage_kv", "unknown_code:sector")),
        # null-like and Excel-mangled keys (the contract's key_pattern)
        ({"customer_id": "NULL"}, rules("bad_key:customer_id")),
        ({"customer_id": "1.2E+10"}, rules("bad_key:customer_id")),
        ({"customer_id": "N/A"}, rules("bad_key:customer_id")),
        ({"customer_id": "C9101", "contract_capacity_kva": "1,250.5", "voltage_kv": "１０",
          "open_date": "2019/04/01", "has_pv": "TRUE"}, GOOD),
        ({"customer_id": " C9102 ", "open_date": "20190401", "close_date": "2026-01-05",
          "close_reason": "merged"}, GOOD),
    ],
    "bills": [
        ({"bill_id": "B9001", "billing_month": "2024-03", "kwh_total": "12.3.4"}, rules("bad_number:kwh_total")),
        ({"bill_id": "B9002", "billing_month": "2024-04", "issue_date": "2024-02-31"}, rules("bad_date:issue_date")),
        ({"bill_id": "B9003", "billing_month": "2024-13"}, rules("bad_date:billing_month")),
        ({"bill_id": "B9004", "billing_month": "2024-05", "energy_charge": "-1.00"},
         rules("negative_value:energy_charge")),
        ({"bill_id": "B9005", "billing_month": "2024-06", "power_factor": "1.20"}, rules("out_of_range:power_factor")),
        ({"bill_id": "", "billing_month": "2024-07"}, rules("missing_key:bill_id")),
        ({"bill_id": "B0002", "billing_month": "2024-08"}, rules("duplicate_key:bill_id")),
        ({"bill_id": "B9006"}, rules("duplicate_key:customer_id, billing_month")),
        ({"bill_id": "B9007", "customer_id": "C9999"}, rules("orphan_customer:customer_id")),
        ({"bill_id": "B9008", "customer_id": "C9001"}, rules("orphan_customer:customer_id")),
        ({"bill_id": "B9009", "billing_month": "1999-12"}, rules("date_out_of_period:billing_month")),
        ({"bill_id": "B9010", "billing_month": "2026-02"}, rules("date_out_of_period:billing_month")),
        ({"bill_id": "null", "billing_month": "2024-09"}, rules("bad_key:bill_id")),
        ({"bill_id": "B9101", "customer_id": "C0002", "billing_month": "2024/02", "kwh_total": "４２１０",
          "total_amount": "3,595.76", "pf_adjustment": "-17.26"}, GOOD),
        ({"bill_id": "B9102", "customer_id": "C0002", "billing_month": "202512", "issue_date": "2026-01-03",
          "due_date": "2026-01-13"}, GOOD),
    ],
    "payments": [
        ({"payment_id": "P9001", "amount": "abc"}, rules("bad_number:amount")),
        ({"payment_id": "P9002", "paid_at": "2024-02-10 25:00:00"}, rules("bad_date:paid_at")),
        ({"payment_id": "P9003", "amount": "-5"}, rules("negative_value:amount")),
        ({"payment_id": "P9004", "channel": "cash"}, rules("unknown_code:channel")),
        ({"payment_id": ""}, rules("missing_key:payment_id")),
        ({"payment_id": "P0002"}, rules("duplicate_key:payment_id")),
        ({"payment_id": "P9005", "customer_id": "C9999"}, rules("orphan_customer:customer_id")),
        ({"payment_id": "P9006", "bill_id": "B9999"}, rules("orphan_bill:bill_id")),
        ({"payment_id": "P9007", "paid_at": "1999-01-01 10:00:00"}, rules("date_out_of_period:paid_at")),
        ({"payment_id": "-"}, rules("bad_key:payment_id")),
        ({"payment_id": "P9101", "paid_at": "2024-02-10T09:30", "amount": "１,２３４.５０"}, GOOD),
        ({"payment_id": "P9102", "paid_at": "2024/02/11 08:00:00", "bill_id": ""}, GOOD),
    ],
    "programme_enrollments": [
        ({"customer_id": "C0002", "programme": "solar_roof"}, rules("unknown_code:programme")),
        ({"customer_id": ""}, rules("missing_key:customer_id")),
        ({"programme": ""}, rules("missing_key:programme")),
        ({}, rules("duplicate_key:customer_id, programme")),
        ({"customer_id": "C9999"}, rules("orphan_customer:customer_id")),
        ({"customer_id": "C0003", "enrolled_date": "2023-5-x"}, rules("bad_date:enrolled_date")),
        ({"customer_id": "C0004", "enrolled_date": "1980-01-01"}, rules("date_out_of_period:enrolled_date")),
        ({"customer_id": "C0003", "programme": "tou_optin", "enrolled_date": "20230101"}, GOOD),
    ],
    "meter_readings": [
        ({"reading_date": "2024-01-10", "kwh_peak": "n/a"}, rules("bad_number:kwh_peak")),
        ({"reading_date": "2024-01-32"}, rules("bad_date:reading_date")),
        ({"reading_date": "2024-01-11", "kvarh": "-1"}, rules("negative_value:kvarh")),
        ({"customer_id": ""}, rules("missing_key:customer_id")),
        ({"reading_date": "2024/01/02"}, rules("duplicate_key:customer_id, reading_date")),
        ({"customer_id": "C9999"}, rules("orphan_customer:customer_id")),
        ({"reading_date": "2026-02-01"}, rules("date_out_of_period:reading_date")),
        ({"customer_id": "C0002", "reading_date": "2024-01-02", "kwh_flat": "1,050.30"}, GOOD),
    ],
    "interval_readings": [
        ({"interval_start": "2024-01-01 01:00:00", "kw": "1O0"}, rules("bad_number:kw")),
        ({"interval_start": "2024-01-01 24:15:00"}, rules("bad_date:interval_start")),
        ({"interval_start": "2024-01-01 01:15:00", "kw": "-3"}, rules("negative_value:kw")),
        ({"interval_start": ""}, rules("missing_key:interval_start")),
        ({"interval_start": "2024-01-01T00:15"}, rules("duplicate_key:customer_id, interval_start")),
        ({"customer_id": "C9999"}, rules("orphan_customer:customer_id")),
        ({"interval_start": "2027-01-01 00:00:00"}, rules("date_out_of_period:interval_start")),
        ({"customer_id": "C0005", "interval_start": "2024-01-01 00:15", "kw": "95.5"}, GOOD),
    ],
    "service_tickets": [
        ({"ticket_id": "T9001", "satisfaction": "good"}, rules("bad_number:satisfaction")),
        ({"ticket_id": "T9002", "created_at": "yesterday"}, rules("bad_date:created_at")),
        ({"ticket_id": "T9003", "satisfaction": "6"}, rules("out_of_range:satisfaction")),
        ({"ticket_id": "T9004", "satisfaction": "0"}, rules("out_of_range:satisfaction")),
        ({"ticket_id": "T9005", "category": "weather"}, rules("unknown_code:category")),
        ({"ticket_id": "T9006", "channel": "email"}, rules("unknown_code:channel")),
        ({"ticket_id": ""}, rules("missing_key:ticket_id")),
        ({"ticket_id": "T0002"}, rules("duplicate_key:ticket_id")),
        ({"ticket_id": "T9007", "customer_id": "C9999"}, rules("orphan_customer:customer_id")),
        ({"ticket_id": "T9008", "resolved_at": "2030-01-01 00:00:00"}, rules("date_out_of_period:resolved_at")),
        ({"ticket_id": "#N/A"}, rules("bad_key:ticket_id")),
        ({"ticket_id": "T9101", "satisfaction": "５", "description": "  需要发票  "}, GOOD),
    ],
    "surveys": [
        ({"survey_id": "S9001", "overall": "eight"}, rules("bad_number:overall")),
        ({"survey_id": "S9002", "overall": "7.5"}, rules("bad_number:overall")),
        ({"survey_id": "S9003", "reliability": "11"}, rules("out_of_range:reliability")),
        ({"survey_id": "S9004", "staff": "0"}, rules("out_of_range:staff")),
        ({"survey_id": "S9005", "survey_date": "03/01/2024"}, rules("bad_date:survey_date")),
        ({"survey_id": ""}, rules("missing_key:survey_id")),
        ({"survey_id": "S0002"}, rules("duplicate_key:survey_id")),
        ({"survey_id": "S9006", "customer_id": "C9999"}, rules("orphan_customer:customer_id")),
        ({"survey_id": "S9007", "survey_date": "2026-06-01"}, rules("date_out_of_period:survey_date")),
        ({"survey_id": "1.23457E+11"}, rules("bad_key:survey_id")),
        ({"survey_id": "S9101", "overall": "１０"}, GOOD),
    ],
}
# customers' planted rows go to a second part file: row numbers restart at 1 there
PART_FILE_TABLES = {"customers"}
# raw lines written after the planted rows: more or fewer fields than the header. The preflight
# marks them in its rewrite and staging rejects them (field_count, the column the count breaks at)
FIELD_COUNT_LINES: dict[str, list[tuple[str, frozenset]]] = {
    "customers": [
        ("C9201,江川精密机械有限公司,13800000001,江川市东城区工业路1号,large_industrial,secondary,C,"
         "dongcheng,urban,10,1250,lgi_10kv,capacity,postpaid,false,2015-03-01,,,surplus,fields",
         rules("field_count:close_reason")),
        ("C9202,王某,13800009202", rules("field_count:address")),
    ],
    "meter_readings": [
        ("C0001,2024-01-20,1.00,2.00,3.00,4.00,5.00,6.00,7.00", rules("field_count:max_demand_kw")),
    ],
}


def read_fixture(table: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(FIXTURE_DIR / f"{table}.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def plant_raw_folder(raw_dir: Path) -> dict[tuple[str, str, int], frozenset]:
    """Writes fixture + planted rows; returns (table, file name, 1-based row) -> expected rules."""
    raw_dir.mkdir(parents=True)
    expected: dict[tuple[str, str, int], frozenset] = {}
    for table in STAGED_MODELS:
        header, fixture_rows = read_fixture(table)
        planted_rows = [{**fixture_rows[0], **overrides} for overrides, _ in PLANTED[table]]
        if table in PART_FILE_TABLES:
            write_csv(raw_dir / f"{table}.csv", header, fixture_rows)
            write_csv(raw_dir / f"{table}_part2.csv", header, planted_rows)
            planted_file, first_planted_row = f"{table}_part2.csv", 1
        else:
            write_csv(raw_dir / f"{table}.csv", header, fixture_rows + planted_rows)
            planted_file, first_planted_row = f"{table}.csv", len(fixture_rows) + 1
        for row_number in range(1, len(fixture_rows) + 1):
            expected[(table, f"{table}.csv", row_number)] = GOOD
        for offset, (_, expected_rules) in enumerate(PLANTED[table]):
            expected[(table, planted_file, first_planted_row + offset)] = expected_rules
        with open(raw_dir / planted_file, "a", encoding="utf-8", newline="") as handle:
            for offset, (line, expected_rules) in enumerate(FIELD_COUNT_LINES.get(table, [])):
                handle.write(line + "\r\n")  # csv's DictWriter ends lines with CRLF
                expected[(table, planted_file, first_planted_row + len(PLANTED[table]) + offset)] = \
                    expected_rules
    return expected


def preflighted(raw_dir: Path, out_dir: Path) -> Path:
    """The folder `powerlens run` hands to staging: checked, and rewritten where needed."""
    report = preflight(raw_dir)
    assert report.errors == [], [finding.describe() for finding in report.errors]
    normalise(report, raw_dir, out_dir)
    return out_dir


def build_staging(workdir: Path, raw_dir: Path, as_of_date: str = AS_OF_DATE) -> duckdb.DuckDBPyConnection:
    """Builds staging over raw_dir; as_of_date "" means the build date (the project default)."""
    env = dbt_env(workdir)
    # cautious: a test that also reads a mart (not built here) is left out instead of failing
    run_command([bin_path("dbt"), "build", "--select", "+staging", "--indirect-selection", "cautious",
                 "--vars", f"{{raw_dir: '{raw_dir}', as_of_date: '{as_of_date}'}}"], env=env)
    return duckdb.connect(env["POWERLENS_DB"], read_only=True)


@pytest.fixture(scope="module")
def planted_build(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("staging_planted")
    raw_dir = workdir / "raw"
    expected = plant_raw_folder(raw_dir)
    con = build_staging(workdir, preflighted(raw_dir, workdir / "run_raw"))
    yield con, expected
    con.close()


def file_name(path: str) -> str:
    return Path(path).name


def test_every_planted_bad_row_is_rejected_with_its_rules(planted_build):
    con, expected = planted_build
    rejected = {}
    for table, source_file, source_row, rule, column_name in con.execute(
        "select source_table, source_file, source_row, rule, column_name from staging.stg_audit__rejected_rows"
    ).fetchall():
        key = (table, file_name(source_file), source_row)
        assert key not in rejected, f"{key} rejected twice"
        rejected[key] = frozenset(zip(rule.split("; "), column_name.split("; ")))
    expected_rejects = {key: rules_ for key, rules_ in expected.items() if rules_}
    assert rejected == expected_rejects


def test_every_good_row_is_staged_once(planted_build):
    con, expected = planted_build
    for table, model in STAGED_MODELS.items():
        staged = con.execute(f"select _source_file, _source_row from staging.{model}").fetchall()
        staged_keys = sorted((table, file_name(path), row) for path, row in staged)
        expected_good = sorted(key for key, rules_ in expected.items() if key[0] == table and not rules_)
        assert staged_keys == expected_good, table


def test_raw_rows_equal_staged_plus_rejected(planted_build):
    con, expected = planted_build
    reconciliation = {table: (raw, staged, rejected) for table, raw, staged, rejected in con.execute(
        "select source_table, raw_rows, staged_rows, rejected_rows from staging.stg_audit__row_reconciliation"
    ).fetchall()}
    assert set(reconciliation) == set(STAGED_MODELS)
    for table, (raw, staged, rejected) in reconciliation.items():
        rows_written = sum(1 for key in expected if key[0] == table)
        bad_rows = sum(1 for key, rules_ in expected.items() if key[0] == table and rules_)
        assert (raw, staged, rejected) == (rows_written, rows_written - bad_rows, bad_rows), table


def test_alternative_formats_parse_to_the_right_values(planted_build):
    con, _ = planted_build
    customer = con.execute(
        "select contract_capacity_kva, voltage_kv, open_date, has_pv from staging.stg_cis__customers"
        " where customer_id = 'C9101'").fetchone()
    assert customer == (1250.5, 10.0, dt.date(2019, 4, 1), True)
    # surrounding spaces are trimmed from ids; YYYYMMDD is a date; the as_of_date itself is in period
    assert con.execute("select open_date, close_date from staging.stg_cis__customers"
                       " where customer_id = 'C9102'").fetchone() == (dt.date(2019, 4, 1), dt.date(2026, 1, 5))
    bill = con.execute("select billing_month, kwh_total, total_amount, pf_adjustment from staging.stg_cis__bills"
                       " where bill_id = 'B9101'").fetchone()
    assert bill == (dt.date(2024, 2, 1), 4210.0, Decimal("3595.76"), Decimal("-17.26"))
    # a due date after as_of_date is allowed
    assert con.execute("select billing_month, due_date from staging.stg_cis__bills where bill_id = 'B9102'"
                       ).fetchone() == (dt.date(2025, 12, 1), dt.date(2026, 1, 13))
    payments = dict(con.execute("select payment_id, paid_at from staging.stg_cis__payments"
                                " where payment_id in ('P9101', 'P9102')").fetchall())
    assert payments == {"P9101": dt.datetime(2024, 2, 10, 9, 30), "P9102": dt.datetime(2024, 2, 11, 8, 0)}
    assert con.execute("select amount, bill_id from staging.stg_cis__payments where payment_id = 'P9101'"
                       ).fetchone() == (Decimal("1234.50"), "B0001")
    assert con.execute("select bill_id from staging.stg_cis__payments where payment_id = 'P9102'"
                       ).fetchone() == (None,)
    assert con.execute("select kwh_flat from staging.stg_mdm__meter_readings"
                       " where customer_id = 'C0002' and reading_date = date '2024-01-02'").fetchone() == (1050.3,)
    assert con.execute("select satisfaction, description from staging.stg_service__service_tickets"
                       " where ticket_id = 'T9101'").fetchone() == (5, "需要发票")
    assert con.execute("select overall from staging.stg_service__surveys where survey_id = 'S9101'"
                       ).fetchone() == (10,)


def test_duplicate_keeps_the_first_occurrence(planted_build):
    con, _ = planted_build
    # C0002 is row 2 of customers.csv and again row 9 of customers_part2.csv: the first stays
    assert con.execute("select _source_row from staging.stg_cis__customers where customer_id = 'C0002'"
                       ).fetchall() == [(2,)]
    detail = con.execute("select detail from staging.stg_cis__customers__rejected where record_key = 'C0002'"
                         ).fetchone()[0]
    assert detail.startswith("same customer_id as row 2 of ") and detail.endswith("customers.csv")


def test_rejected_row_keeps_its_raw_text(planted_build):
    con, _ = planted_build
    raw_record, detail = con.execute(
        "select raw_record, detail from staging.stg_cis__customers__rejected where record_key = 'C9001'").fetchone()
    assert '"voltage_kv":"ten"' in raw_record
    assert detail == "cannot read 'ten' as double"


def test_parquet_export_without_interval_readings(tmp_path):
    """The same fixture as Parquet files with no interval_readings export builds, empty."""
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    con = duckdb.connect()
    expected_rows = {}
    for table in STAGED_MODELS:
        if table == "interval_readings":
            continue
        source = FIXTURE_DIR / f"{table}.csv"
        con.execute(f"copy (select * from read_csv('{source}', header=true)) to '{raw_dir / table}.parquet'")
        expected_rows[table] = len(read_fixture(table)[1])
    con.close()
    built = build_staging(tmp_path, raw_dir)
    reconciliation = {table: (raw, staged, rejected) for table, raw, staged, rejected in built.execute(
        "select source_table, raw_rows, staged_rows, rejected_rows from staging.stg_audit__row_reconciliation"
    ).fetchall()}
    built.close()
    assert reconciliation == {table: (expected_rows.get(table, 0), expected_rows.get(table, 0), 0)
                              for table in STAGED_MODELS}


def generator_available() -> bool:
    return run_command([bin_path("powerlens"), "generate", "--help"], check=False).returncode == 0


@pytest.mark.skipif(not generator_available(), reason="powerlens generate is not available yet")
def test_generated_sample_stages_without_rejects(tmp_path):
    raw_dir = tmp_path / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", "300", "--start", "2024-01",
                 "--months", "24", "--seed", "7", "--out", str(raw_dir)])
    # the sample's last bills fall due and are paid after its last month: the default as_of_date
    con = build_staging(tmp_path, raw_dir, as_of_date="")
    reconciliation = con.execute(
        "select source_table, raw_rows, staged_rows, rejected_rows from staging.stg_audit__row_reconciliation"
    ).fetchall()
    rejects = con.execute("select source_table, rule, count(*) from staging.stg_audit__rejected_rows"
                          " group by all order by all").fetchall()
    con.close()
    assert rejects == []
    for table, raw, staged, rejected in reconciliation:
        assert raw == staged and rejected == 0, table
    assert dict((table, raw) for table, raw, _, _ in reconciliation)["customers"] == 300


def test_malformed_csv_line_fails_the_build_loudly(tmp_path):
    """A line with more fields than the header is neither guessed at nor dropped: the read fails."""
    raw_dir = tmp_path / "raw"
    shutil.copytree(FIXTURE_DIR, raw_dir)
    with open(raw_dir / "customers.csv", "a", encoding="utf-8") as handle:
        handle.write("C0099,extra,fields" + ",x" * 20 + "\n")
    result = run_command([bin_path("dbt"), "build", "--select", "+base_cis__customers",
                          "--indirect-selection", "cautious", "--vars", f"{{raw_dir: '{raw_dir}'}}"],
                         env=dbt_env(tmp_path), check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "customers.csv" in output and "CSV" in output


def test_an_export_without_the_optional_columns_stages_them_derived_or_empty(planted_build):
    """The fixture predates own_generation and energy_saving_actions: it stages, with
    own_generation following has_pv (solar when true, none when false) and no habits."""
    con, _ = planted_build
    assert dict(con.execute("select customer_id, own_generation from staging.stg_cis__customers"
                            " where customer_id in ('C0001', 'C0002')").fetchall()) == {"C0001": "none", "C0002": "solar"}
    assert con.execute("select count(*), count(energy_saving_actions) from staging.stg_service__surveys"
                       ).fetchone()[1] == 0
