"""No unmasked name, phone or address anywhere analysts, BI tools or run records reach.

Scanned against the raw values of the generated sample (and the pattern of a mobile number):
every column of every table and view in every schema of the analysts' file
(`current/powerlens.duckdb`), every file of the Parquet export, and every file of the run
folders (logs, dbt's run results, run.json, data docs), after a run that dbt could not finish
because of a malformed customers row beyond DuckDB's sniffing sample (DuckDB quotes such a row
in its error). The restricted file is where the values may be, and the same scan finds them
there, so it can fail. The restricted files and run folders are readable by their owner only.
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from powerlens.pipeline import publish
from powerlens.quality.raw_contract import PII_COLUMNS
from powerlens.quality.store import sql_literal
from test_pipeline import SAMPLE_AS_OF, powerlens_run, published_sample

# a mobile number: 11 digits from 13..., not part of a longer number or of a hex digest or id,
# nor the digits of a decimal fraction (dbt's run results hold timings such as 0.13330078125)
MOBILE = re.compile(r"(?<![0-9A-Za-z])(?<![0-9]\.)1[3-9]\d{9}(?![0-9A-Za-z])(?!\.[0-9])")
MOBILE_IN_SQL = "(^|[^0-9A-Za-z])1[3-9][0-9]{9}($|[^0-9A-Za-z])"
# DuckDB samples 20,480 rows to sniff a CSV file; a row beyond that fails the read itself
BEYOND_THE_SNIFFING_SAMPLE = 22_000


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, sample_raw_dir) -> Path:
    return published_sample(tmp_path_factory, sample_raw_dir)


@pytest.fixture(scope="module")
def raw_values(sample_raw_dir) -> dict[str, set[str]]:
    with (sample_raw_dir / "customers.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {column: {row[column].strip() for row in rows if row[column].strip()}
            for column in PII_COLUMNS}


@pytest.fixture(scope="module")
def checker(raw_values):
    """An in-memory DuckDB holding the raw PII values as table `pii(kind, value)`."""
    con = duckdb.connect()
    con.execute("create table pii (kind varchar, value varchar)")
    con.executemany("insert into pii values (?, ?)",
                    [[kind, value] for kind, values in raw_values.items() for value in values])
    yield con
    con.close()


@pytest.fixture(scope="module")
def failed_run(warehouse, sample_raw_dir, tmp_path_factory) -> dict:
    """In a copy of the published sample: a full run over an export whose customers file has a
    malformed row far beyond DuckDB's sniffing sample, then a run over the same export
    without that row, which publishes and takes the first run's record into `quality.runs`."""
    root = tmp_path_factory.mktemp("malformed")
    copy = shutil.copytree(warehouse, root / "warehouse", symlinks=True)
    raw, fixed = root / "raw", root / "fixed"
    for folder in (raw, fixed):
        folder.mkdir()
        for path in sample_raw_dir.iterdir():
            if path.name != "customers.csv":
                (folder / path.name).symlink_to(path)
    with (sample_raw_dir / "customers.csv").open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    copies = BEYOND_THE_SNIFFING_SAMPLE // len(rows) + 1
    # the same people under other account numbers
    body = [[f"C9{copy:02d}{row[0][4:]}" if copy else row[0], *row[1:]]
            for copy in range(copies) for row in rows]
    for folder, bad_line in ((raw, malformed_line(rows[5])), (fixed, "")):
        with (folder / "customers.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerows([header, *body])
            handle.write(bad_line)
            writer.writerow([f"C98{rows[7][0][4:]}", *rows[7][1:]])
    result = powerlens_run(raw, copy, "--as-of", SAMPLE_AS_OF, "--full-refresh")
    run_dir = sorted(path for path in (copy / "runs").iterdir()
                     if path.is_dir() and not path.is_symlink())[-1]
    published = powerlens_run(fixed, copy, "--as-of", SAMPLE_AS_OF)
    assert published.returncode == 0, published.stdout[-3000:] + published.stderr[-3000:]
    return {"result": result, "run_dir": run_dir, "output": result.stdout + result.stderr,
            "malformed_row": rows[5], "warehouse": copy}


def malformed_line(row: list[str]) -> str:
    """The row with an opening quote before the name that never closes: DuckDB reads on into
    the next rows and quotes them all in its error."""
    return ",".join([row[0], '"' + row[1], *row[2:]]) + "\n"


@pytest.fixture(scope="module")
def scanned(failed_run) -> Path:
    """The warehouse after those runs: the one every scan below reads."""
    return failed_run["warehouse"]


def leaks(con, relation: str) -> list[str]:
    """Columns of ``relation`` holding a raw PII value, whole or inside a longer text."""
    columns = [name for name, data_type in con.execute(
        f"select column_name, column_type from (describe select * from {relation})").fetchall()
        if data_type == "VARCHAR"]
    found = []
    for column in columns:
        hits = con.execute(f"""
            with published_values as (select distinct "{column}" as value from {relation}
                                      where "{column}" is not null)
            select pii.kind, any_value(published_values.value)
            from published_values
            inner join pii on contains(published_values.value, pii.value)
            group by pii.kind
        """).fetchall()
        phones = con.execute(f"""select any_value("{column}") from {relation}
                                 where regexp_matches("{column}", ?)""",
                             [MOBILE_IN_SQL]).fetchone()[0]
        found += [f"{relation}.{column}: {kind} e.g. {example!r}" for kind, example in hits]
        found += [f"{relation}.{column}: a mobile number e.g. {phones!r}"] if phones else []
    return found


def every_relation(con, catalog: str) -> list[str]:
    return [f'{catalog}."{schema}"."{name}"' for schema, name in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = ? order by all", [catalog]).fetchall()]


def text_leaks(text: str, raw_values: dict[str, set[str]]) -> list[str]:
    found = [f"a mobile number {match!r}" for match in MOBILE.findall(text)[:3]]
    for kind, values in raw_values.items():
        # two-character names are also ordinary words (高峰 is "peak"); longer ones are not
        hits = [value for value in values if (kind != "customer_name" or len(value) > 2)
                and value in text]
        found += [f"{kind} {hits[0]!r} ({len(hits)} values)"] if hits else []
    return found


def test_the_sample_has_pii_to_find(checker):
    counts = dict(checker.execute("select kind, count(*) from pii group by 1").fetchall())
    assert set(counts) == set(PII_COLUMNS) and min(counts.values()) >= 100


def test_the_restricted_file_holds_the_unmasked_values(scanned, checker):
    """The check can fail: run against the restricted file it finds every kind of PII."""
    checker.execute(f"attach {sql_literal(str(publish.restricted_file(scanned)))} "
                    "as restricted (read_only)")
    try:
        found = leaks(checker, "restricted.staging.stg_cis__customers")
    finally:
        checker.execute("detach restricted")
    assert {line.split(":")[1].split()[0] for line in found} >= set(PII_COLUMNS)


def test_no_schema_of_the_analysts_file_holds_pii(scanned, checker):
    checker.execute(f"attach {sql_literal(str(publish.analyst_file(scanned)))} "
                    "as analysts (read_only)")
    try:
        relations = every_relation(checker, "analysts")
        schemas = {relation.split(".")[1].strip('"') for relation in relations}
        assert {"marts", "quality", "audit"} <= schemas
        assert not schemas & set(publish.RESTRICTED_SCHEMAS)
        found = [leak for relation in relations for leak in leaks(checker, relation)]
    finally:
        checker.execute("detach analysts")
    assert found == []


def test_no_parquet_export_column_holds_pii(scanned, checker):
    files = sorted((scanned / "parquet" / "current").glob("**/*.parquet"))
    assert files, "no Parquet export"
    found = [leak for path in files
             for leak in leaks(checker, f"read_parquet({sql_literal(str(path))})")]
    assert found == []


def test_the_malformed_row_is_named_by_file_and_line_without_its_values(failed_run, raw_values):
    result, output = failed_run["result"], failed_run["output"]
    # stopped with the file named (staging's read, or a preflight that finds the row), or the
    # row rejected by a rule
    assert result.returncode in (0, 2, 3), output[-3000:]
    if result.returncode:
        assert "customers" in output and "Traceback" not in output
    if result.returncode == 3:  # staging's read of the file stopped: DuckDB's text, withheld
        assert "Original Line: (withheld" in output
    assert text_leaks(output, raw_values) == []


def test_no_log_run_record_or_run_folder_file_holds_pii(scanned, failed_run, raw_values):
    files, found = 0, []
    for path in sorted((scanned / "runs").rglob("*")):
        if not path.is_file() or path.name.startswith(publish.PUBLISHED_FILE):
            continue
        files += 1
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found += [f"{path.relative_to(scanned)}: {leak}" for leak in text_leaks(text, raw_values)]
    assert files > 20
    assert found == []
    # the failed run's record is in the published history, naming what failed, without values
    with duckdb.connect(str(publish.analyst_file(scanned)), read_only=True) as con:
        message = con.execute("select message from quality.runs where run_id = ?",
                              [failed_run["run_dir"].name]).fetchone()
    assert message is not None and text_leaks(message[0] or "", raw_values) == []


def test_a_mobile_number_is_masked_and_a_decimal_fraction_is_not():
    from powerlens.pipeline.scrub import scrub

    assert scrub("phone 13812345678, 电话13912345678.") == "phone 138****5678, 电话139****5678."
    # the digits of a timing or an amount are not a phone number, whatever they look like
    timings = "took 0.13330078125 s; amount 13812345678.25; id x13812345678"
    assert scrub(timings) == timings


def test_a_duckdb_error_quoting_raw_lines_is_scrubbed(tmp_path, raw_values, sample_raw_dir):
    """The text DuckDB gives for a malformed row beyond its sniffing sample quotes the raw
    line (and, after an open quote, the lines after it); the pipeline withholds them."""
    from powerlens.pipeline.scrub import scrub

    with (sample_raw_dir / "customers.csv").open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    messages = []
    # an open quote, and a row with 6 of 18 fields
    for number, bad_line in enumerate((malformed_line(rows[5]), ",".join(rows[5][:6]) + "\n")):
        path = tmp_path / f"customers_{number}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerows([header, *rows * (BEYOND_THE_SNIFFING_SAMPLE // len(rows) + 1)])
            handle.write(bad_line)
            writer.writerows(rows[6:9])
        with pytest.raises(duckdb.Error) as error:
            duckdb.sql(f"select count(*) from read_csv({sql_literal(str(path))}, header = true, "
                       "all_varchar = true, quote = '\"')").fetchall()
        messages.append(str(error.value))
    assert all(text_leaks(message, raw_values) for message in messages), "nothing to withhold"
    assert [text_leaks(scrub(message), raw_values) for message in messages] == [[], []]
    assert all("Original Line: (withheld" in scrub(message) for message in messages)


def test_the_scan_of_files_can_fail(raw_values):
    name = sorted(value for value in raw_values["customer_name"] if len(value) > 2)[0]
    address = sorted(raw_values["address"])[0]
    assert len(text_leaks(f"x,{name},{address}", raw_values)) == 2
    assert text_leaks("call 13912345678", raw_values) != []
    assert text_leaks("id 95f4382e-aaee-a14489081027, 138****1234", raw_values) == []


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_restricted_files_and_run_folders_are_for_their_owner_only(scanned):
    warehouse = scanned
    restricted = publish.restricted_file(warehouse)
    assert mode(restricted) == 0o600 and mode(restricted.resolve().parent) == 0o700
    assert mode(warehouse / "runs") == 0o700
    assert mode(publish.analyst_file(warehouse)) == 0o644
    for path in (warehouse / "runs").rglob("*"):
        if path.is_symlink():
            continue
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path
    for path in (warehouse / "current" / "parquet").rglob("*"):
        assert mode(path) == (0o755 if path.is_dir() else 0o644), path


def test_run_folders_keep_no_raw_copies_and_at_most_the_last_failed_build(scanned):
    runs = sorted(path for path in (scanned / "runs").iterdir()
                  if path.is_dir() and not path.is_symlink())
    assert not any((run / "raw").exists() for run in runs)
    builds = [run.name for run in runs if (run / publish.PUBLISHED_FILE).exists()]
    records = {run.name: json.loads((run / "run.json").read_text(encoding="utf-8"))
               for run in runs}
    # only the last run may keep its build, and only when it failed
    assert all(name == runs[-1].name and records[name]["status"] == "failed" for name in builds)


def test_rejected_customer_rows_reach_analysts_masked(tmp_path):
    """A rejected customers row (cut in the wrong place: the address is in customer_type)
    reaches the analysts' file with its key, rule and column, every other value masked."""
    build = tmp_path / "build" / "powerlens.duckdb"
    build.parent.mkdir()
    record = {"customer_id": "C00000042", "customer_name": "欧阳建国", "phone": "13912345678",
              "address": "江川市解放路1号", "customer_type": "解放路1号"}
    with duckdb.connect(str(build)) as con:
        con.execute("create schema staging")
        con.execute("create table staging.stg_audit__rejected_rows (source_table varchar, "
                    "source_file varchar, source_row bigint, record_key varchar, rule varchar, "
                    "column_name varchar, detail varchar, raw_record varchar)")
        con.execute("insert into staging.stg_audit__rejected_rows values "
                    "('customers', 'customers.csv', 7, 'C00000042', 'unknown_code', "
                    "'customer_type', '''解放路1号'' is not a customer_type code', ?), "
                    "('payments', 'payments.csv', 3, 'P1', 'negative_value', 'amount', "
                    "'-3.2 is below zero', '{\"payment_id\":\"P1\",\"amount\":\"-3.2\"}')",
                    [json.dumps(record, ensure_ascii=False)])
        con.execute("create table staging.stg_audit__row_reconciliation as "
                    "select 'customers' as source_table, 1 as raw_rows")
    target = tmp_path / "analysts" / "powerlens.duckdb"
    target.parent.mkdir()
    publish.write_analyst_file(build, target, tmp_path / "no_export")
    with duckdb.connect(str(target), read_only=True) as con:
        rows = con.execute("select source_table, source_row, rule, column_name, detail, raw_record "
                           "from audit.rejected_rows order by source_table").fetchall()
        schemas = {name for (name,) in con.execute(
            "select schema_name from duckdb_schemas() where not internal").fetchall()}
    customers, payments = rows
    assert customers[:4] == ("customers", 7, "unknown_code", "customer_type")
    masked = json.loads(customers[5])
    assert masked["customer_id"] == "C00000042"
    assert {value for key, value in masked.items() if key != "customer_id"} == {publish.MASK}
    assert "解放路" not in customers[4] and "customer_type code" in customers[4]
    assert payments[4:] == ("-3.2 is below zero", '{"payment_id":"P1","amount":"-3.2"}')
    assert "staging" not in schemas
