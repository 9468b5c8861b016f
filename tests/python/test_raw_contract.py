"""The raw data contract is written once (the dbt sources yml) and every reader agrees with it.

Readers: the generator's Arrow schemas, the preflight's tables, the quality gate's staged tables
and column types, the staging base models (a compile-time check in staging_checked_rows), the
audit's list of raw tables and docs/raw_contract.md. The dbt part compiles a copy of the
project's staging layer in a tmp folder, with hand-broken base models next to intact ones.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from conftest import REPO_ROOT, bin_path, dbt_env, run_command
from powerlens import contract
from powerlens.generator import output
from powerlens.quality import raw_contract, suites
from powerlens.quality.preflight import RawFile, _check_header

# What the report needs from the contract, written here from docs/raw_contract.md, not read
# from the yml: the tables, which must have rows, and the personal-data columns.
TABLES = {"customers", "bills", "payments", "programme_enrollments", "meter_readings",
          "interval_readings", "service_tickets", "surveys"}
REQUIRED = {"customers", "bills", "meter_readings"}
PII = ("customer_name", "phone", "address")


def test_contract_lists_the_tables_required_flags_and_pii():
    assert set(contract.RAW_TABLES) == TABLES
    assert {name for name, table in contract.RAW_TABLES.items() if table.required} == REQUIRED
    assert contract.PII_COLUMNS == PII
    for table in contract.RAW_TABLES.values():
        assert set(table.grain) <= set(table.column_names)
        assert all(column.type in contract.STAGED_SQL_TYPES for column in table.columns)
        assert all(column.description for column in table.columns), table.name


def test_generator_writes_the_contract_columns_in_order():
    assert list(output.SCHEMAS) == list(contract.RAW_TABLES)
    for name, table in contract.RAW_TABLES.items():
        schema = output.SCHEMAS[name]
        assert tuple(schema.names) == table.column_names
        for column in table.columns:
            arrow_type = schema.field(column.name).type
            if column.type in ("text", "month"):
                assert pa.types.is_string(arrow_type)
            elif column.type in ("double", "money", "power_factor"):
                assert pa.types.is_decimal(arrow_type) or pa.types.is_floating(arrow_type) \
                    or pa.types.is_integer(arrow_type)
            else:
                assert arrow_type == output.ARROW_TYPES[column.type], (name, column.name)


def test_preflight_checks_the_contract_columns_and_required_tables():
    assert list(raw_contract.RAW_TABLES) == list(contract.RAW_TABLES)
    for name, table in contract.RAW_TABLES.items():
        checked = raw_contract.RAW_TABLES[name]
        assert checked.columns == table.column_names
        assert checked.required == table.required
    assert raw_contract.REQUIRED_TABLES == REQUIRED
    assert raw_contract.PII_COLUMNS == PII


def test_preflight_lets_a_file_lack_an_optional_column_only(tmp_path):
    table = raw_contract.RawTable("surveys", ("survey_id", "customer_id", "nps"), required=False,
                                  optional_columns=("nps",))
    path = tmp_path / "surveys.csv"
    assert _check_header(RawFile(table, path, header=["survey_id", "customer_id"]), line=1) == []
    [finding] = _check_header(RawFile(table, path, header=["survey_id", "nps"]), line=1)
    assert finding.severity == "error" and finding.column == "customer_id"


def test_gate_expects_the_contract_columns_with_their_staged_types():
    assert [(t.raw_table, t.columns) for t in suites.STAGED_TABLES] == \
        [(name, table.column_names) for name, table in contract.RAW_TABLES.items()]
    for table in contract.RAW_TABLES.values():
        assert table.staged_model in {t.model for t in suites.STAGED_TABLES}
        for column in table.columns:
            assert suites.STAGING_COLUMN_TYPES[column.name] == contract.STAGED_SQL_TYPES[column.type]


def test_python_type_map_matches_the_staging_macro():
    macro = (REPO_ROOT / "macros" / "staging" / "staging_checked_rows.sql").read_text(encoding="utf-8")
    in_macro = dict(re.findall(r"'(\w+)': \{'sql_type': '([^']+)'", macro))
    assert {name: sql_type.upper() for name, sql_type in in_macro.items()} == contract.STAGED_SQL_TYPES


def test_docs_show_the_contract_as_written_in_the_yml():
    text = (REPO_ROOT / "docs" / "raw_contract.md").read_text(encoding="utf-8")
    block = text.split("<!-- contract:begin -->\n", 1)[1].split("<!-- contract:end -->", 1)[0]
    assert block.strip() == contract.markdown().strip(), \
        "docs/raw_contract.md is out of date: paste `python -m powerlens.contract` between its markers"


def test_a_missing_or_incomplete_contract_fails_with_a_clear_message(tmp_path):
    with pytest.raises(contract.ContractError, match="raw data contract was not found"):
        contract.load_contract(tmp_path)
    folder = tmp_path / "cis"
    folder.mkdir()
    source = (REPO_ROOT / "models" / "staging" / "cis" / "_cis__sources.yml").read_text(encoding="utf-8")
    (folder / "_cis__sources.yml").write_text(
        source.replace("- name: phone\n      description: 'Contact phone (PII: masked in marts).'\n"
                       "      config:\n        meta: {type: text, pii: true}",
                       "- name: phone\n      description: Contact phone."), encoding="utf-8")
    with pytest.raises(contract.ContractError, match="column phone: config.meta.type is None"):
        contract.load_contract(tmp_path)


# (file under the project, (old, new) edit, model compiled, text its compile error must contain)
BROKEN = [
    ("models/staging/cis/base/base_cis__bills.sql",
     ("        {'name': 'surcharge', 'type': 'money', 'nonnegative': true},\n", ""), "base_cis__bills",
     "base_cis__bills (raw table cis.bills, contract in models/staging/cis/_cis__sources.yml): "
     "contract column surcharge is missing from the base model's column list"),
    ("models/staging/cis/base/base_cis__customers.sql",
     ("{'name': 'has_pv', 'type': 'boolean'}", "{'name': 'has_pv'}"), "base_cis__customers",
     "base_cis__customers (raw table cis.customers, contract in models/staging/cis/_cis__sources.yml): "
     "column has_pv is typed text in the base model but boolean in the contract"),
    ("models/staging/service/base/base_service__surveys.sql",
     ("{'name': 'channels',", "{'name': 'nps', 'type': 'integer'},\n        {'name': 'channels',"),
     "base_service__surveys",
     "base_service__surveys (raw table service.surveys, contract in "
     "models/staging/service/_service__sources.yml): column nps is not in the contract"),
    ("models/staging/mdm/base/base_mdm__meter_readings.sql",
     ("        {'name': 'kvarh', 'type': 'double', 'nonnegative': true},\n", ""), "base_mdm__meter_readings",
     "contract column kvarh is missing from the base model's column list"),
    ("models/staging/cis/base/base_cis__payments.sql",
     ("unique_keys=[['payment_id']]", "unique_keys=[['payment_id', 'customer_id']]"), "base_cis__payments",
     "the first unique key payment_id, customer_id is not the contract's grain payment_id"),
    ("macros/staging/staging_outputs.sql", ("        ('service', 'surveys'),\n", ""),
     "stg_audit__row_reconciliation",
     "raw table service.surveys is in the contract (sources yml) but not in staging_raw_tables()"),
]


@pytest.fixture(scope="module")
def staging_copy(tmp_path_factory) -> Path:
    """The dbt project with only its staging layer, in a tmp folder the tests may break."""
    project = tmp_path_factory.mktemp("contract") / "project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(REPO_ROOT / name, project / name)
    for folder in ("macros", "seeds", "models/staging", "tests/generic", "tests/staging"):
        shutil.copytree(REPO_ROOT / folder, project / folder)
    return project


def _compile(project: Path, select: str) -> tuple[int, str]:
    result = run_command(
        [bin_path("dbt"), "compile", "--select", select, "--vars",
         f"{{raw_dir: '{REPO_ROOT / 'tests' / 'fixtures' / 'raw_small'}', as_of_date: '2026-01-05'}}"],
        env={**dbt_env(project.parent), "DBT_PROFILES_DIR": str(project)}, cwd=project, check=False)
    return result.returncode, " ".join((result.stdout + result.stderr).split())


def test_staging_base_models_and_audit_compile_against_the_contract(staging_copy):
    returncode, log = _compile(staging_copy, "staging.cis.base staging.mdm.base staging.service.base "
                                             "stg_audit__row_reconciliation")
    assert returncode == 0, log[-3000:]


@pytest.mark.parametrize("path, edit, model, message", BROKEN, ids=[case[2] for case in BROKEN])
def test_a_spec_differing_from_the_contract_fails_the_compile_naming_table_and_column(
        staging_copy, path, edit, model, message):
    file = staging_copy / path
    original = file.read_text(encoding="utf-8")
    assert edit[0] in original, f"{path} no longer holds {edit[0]!r}: update the test's edit"
    file.write_text(original.replace(edit[0], edit[1]), encoding="utf-8")
    try:
        returncode, log = _compile(staging_copy, model)
    finally:
        file.write_text(original, encoding="utf-8")
    assert returncode != 0
    assert f"Compilation Error in model {model}" in log and message in log, log[-3000:]


# Each table's own id carries a key pattern (docs/raw_contract.md): real ids pass, null-like
# values and Excel's scientific notation do not
OWN_IDS = {("customers", "customer_id"), ("bills", "bill_id"), ("payments", "payment_id"),
           ("service_tickets", "ticket_id"), ("surveys", "survey_id")}


def test_each_tables_own_id_has_a_key_pattern_rejecting_null_like_and_excel_keys():
    patterned = {(table.name, column.name) for table in contract.RAW_TABLES.values()
                 for column in table.columns if column.key_pattern}
    assert patterned == OWN_IDS
    for table, column in OWN_IDS:
        pattern = re.compile(contract.RAW_TABLES[table].column(column).key_pattern)
        for good in ("C00000799", "B00000001202507", "P000000010001", "0123456789", "HZ-2024_001"):
            assert pattern.fullmatch(good), (table, column, good)
        for bad in ("NULL", "null", "None", "N/A", "#N/A", "-", "NaN", "1.2E+10", "1.23457E+11",
                    "12,345", "C 1"):
            assert not pattern.fullmatch(bad), (table, column, bad)


def test_a_key_pattern_that_is_no_regular_expression_fails_the_contract(tmp_path):
    folder = tmp_path / "cis"
    folder.mkdir()
    source = (REPO_ROOT / "models" / "staging" / "cis" / "_cis__sources.yml").read_text(encoding="utf-8")
    broken = source.replace("key_pattern: '[0-9A-Za-z_-]*[0-9][0-9A-Za-z_-]*'", "key_pattern: '[0-9'", 1)
    assert broken != source
    (folder / "_cis__sources.yml").write_text(broken, encoding="utf-8")
    with pytest.raises(contract.ContractError, match="column customer_id: config.meta.key_pattern"):
        contract.load_contract(tmp_path)
