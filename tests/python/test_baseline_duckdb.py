"""The hand-written DuckDB baseline (benchmarks/baseline_duckdb.py) computes the same core results
as the warehouse, so `powerlens bench` compares like with like: on a small generated sample its
staged readings, monthly usage, recomputed bills and month-end arrears equal the dbt models'."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, bin_path, dbt_env, run_command

AS_OF = "2025-01-31"  # the export date of a 12-month sample from 2024-01

# (warehouse model names, first one found is used; baseline table; columns compared row by row)
COMPARED = [
    (("stg_mdm__meter_readings",), "readings",
     "customer_id, reading_date, kwh_sharp, kwh_peak, kwh_flat, kwh_valley, kvarh, max_demand_kw"),
    (("int_consumption__customer_months",), "customer_months",
     "customer_id, usage_month, days_in_month, active_days, reading_days, kwh_sharp, kwh_peak, "
     "kwh_flat, kwh_valley, kwh_total, kvarh, max_demand_kw"),
    (("int_billing__recomputed_bills",), "recomputed_bills",
     "customer_id, billing_month, pf_standard, power_factor, pf_adjustment_pct, basic_charge, "
     "energy_charge, pf_adjustment, surcharge, total_amount"),
    (("int_credit__payment_allocations",), "payment_allocations",
     "payment_id, bill_id, settled_at, allocated_amount, allocation_method"),
    (("fct_bill_month_end_balances", "int_credit__bill_month_end_balances"), "bill_month_end_balances",
     "bill_id, customer_id, billing_month, due_date, month_end, amount_outstanding, days_past_due, "
     "ageing_bucket"),
]


def load_baseline():
    spec = importlib.util.spec_from_file_location("baseline_duckdb",
                                                  REPO_ROOT / "benchmarks" / "baseline_duckdb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """A 200 x 12 sample, the warehouse models the comparison needs built by dbt, and the
    baseline run on the same raw files: (connection with both attached as wh and bl, baseline report)."""
    workdir = tmp_path_factory.mktemp("baseline")
    raw = workdir / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", "200", "--start", "2024-01",
                 "--months", "12", "--seed", "3", "--out", str(raw), "--quiet"])
    env = dbt_env(workdir)
    selection = ["+" + names[0] for names, _, _ in COMPARED]
    run_command([bin_path("dbt"), "build", "--select", *selection, "--indirect-selection", "cautious",
                 "--vars", f"{{raw_dir: '{raw}', as_of_date: '{AS_OF}'}}"], env=env)
    report = load_baseline().run_baseline(raw, workdir / "baseline.duckdb", as_of=AS_OF, threads=2)
    con = duckdb.connect()
    con.execute(f"attach '{env['POWERLENS_DB']}' as wh (read_only)")
    con.execute(f"attach '{workdir / 'baseline.duckdb'}' as bl (read_only)")
    yield con, report
    con.close()


def warehouse_table(con, names: tuple[str, ...]) -> str:
    for name in names:
        # tables or views: the staged models are views over their base tables
        found = con.execute("select table_schema from information_schema.tables "
                            "where table_catalog = 'wh' and table_name = ?", [name]).fetchall()
        if found:
            return f"wh.{found[0][0]}.{name}"
    raise AssertionError(f"none of {names} is in the warehouse")


@pytest.mark.parametrize("names, baseline_table, columns", COMPARED,
                         ids=[baseline for _, baseline, _ in COMPARED])
def test_baseline_rows_equal_the_warehouse(sample, names, baseline_table, columns):
    con, report = sample
    warehouse = warehouse_table(con, names)
    rows = con.execute(f"select count(*) from bl.main.{baseline_table}").fetchone()[0]
    assert rows > 0
    only_warehouse = con.execute(f"select {columns} from {warehouse} except all "
                                 f"select {columns} from bl.main.{baseline_table} limit 5").fetchall()
    only_baseline = con.execute(f"select {columns} from bl.main.{baseline_table} except all "
                                f"select {columns} from {warehouse} limit 5").fetchall()
    assert only_warehouse == [] and only_baseline == [], (
        f"{warehouse} and the baseline's {baseline_table} differ:\n"
        f"only in the warehouse: {only_warehouse}\nonly in the baseline: {only_baseline}")


def test_bill_totals_and_arrears_by_ageing_add_up_to_the_warehouse(sample):
    con, _ = sample
    bills = warehouse_table(con, ("int_billing__recomputed_bills",))
    assert con.execute(f"select count(*), sum(total_amount) from {bills}").fetchone() == \
        con.execute("select count(*), sum(total_amount) from bl.main.recomputed_bills").fetchone()
    balances = warehouse_table(con, ("fct_bill_month_end_balances", "int_credit__bill_month_end_balances"))
    warehouse_ageing = con.execute(
        f"select month_end, ageing_bucket, count(*), count(distinct customer_id), sum(amount_outstanding) "
        f"from {balances} group by all order by all").fetchall()
    baseline_ageing = con.execute(
        "select month_end, ageing_bucket, bills, customers, amount_outstanding "
        "from bl.main.arrears_by_ageing order by all").fetchall()
    assert warehouse_ageing == baseline_ageing
    assert any(bucket == "over_90" for _, bucket, *_ in baseline_ageing)


def test_rows_reconcile_and_the_report_is_complete(sample):
    con, report = sample
    raw_readings = con.execute("select count(*) from read_csv(?, header=true, all_varchar=true)",
                               [str(Path(report["raw_dir"]) / "meter_readings.csv")]).fetchone()[0]
    assert report["rows"]["readings"] + report["rows"]["readings_rejected"] == raw_readings
    assert report["seconds"] > 0 and all(seconds >= 0 for seconds in report["steps"].values())
    assert report["threads"] == 2


def test_rejects_rows_by_the_staging_rules(tmp_path):
    """Bad rows go to readings_rejected with every failed rule, the first raw row keeps a key."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "customers.csv").write_text(
        "customer_id,customer_type,sector,region_code,urban_rural,voltage_kv,contract_capacity_kva,"
        "tariff_code,basic_charge_basis,payment_mode,has_pv,open_date\n"
        "C1,residential,residential,xicheng,urban,0.22,8,res_flat,none,postpaid,false,2020-01-01\n",
        encoding="utf-8")
    header = "customer_id,reading_date,kwh_sharp,kwh_peak,kwh_flat,kwh_valley,kvarh,max_demand_kw\n"
    (raw / "meter_readings.csv").write_text(header + "\n".join([
        "C1,2024-01-01,1,1,1,1,1,1",
        "C1,2024-01-01,2,2,2,2,2,2",      # duplicate key: the later row is rejected
        "C1,2024-01-02,-1,1,abc,1,1,1",   # negative and unreadable
        "C9,2024-01-03,1,1,1,1,1,1",      # orphan customer
        "C1,2031-01-01,1,1,1,1,1,1",      # after the as-of date
        ",2024-01-04,1,1,1,1,1,1",        # missing key
        "C1,2024-01-05,1,1,1,1,1,",       # an empty max demand is allowed
    ]) + "\n", encoding="utf-8")
    report = load_baseline().run_baseline(raw, tmp_path / "b.duckdb", as_of="2025-01-31", threads=1)
    assert report["rows"]["readings"] == 2 and report["rows"]["readings_rejected"] == 5
    con = duckdb.connect(str(tmp_path / "b.duckdb"), read_only=True)
    rules = dict(con.execute("select record_key, rule from readings_rejected").fetchall())
    con.close()
    assert rules == {
        "C1|2024-01-01": "duplicate_key",
        "C1|2024-01-02": "negative_value; bad_number",
        "C9|2024-01-03": "orphan_customer",
        "C1|2031-01-01": "date_out_of_period",
        "2024-01-04": "missing_key",
    }
