"""The generator's output honours the raw data contract (DESIGN.md) and looks like a real utility.

Runs on the session's standard sample (conftest.sample_raw_dir: 1,000 customers x 24 months,
seed 42) plus a few tiny extra runs for determinism and the Parquet format.
"""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, bin_path, run_command

# written from DESIGN.md's raw data contract, not from the generator's code
CONTRACT = {
    "customers": ["customer_id", "customer_name", "phone", "address", "customer_type", "sector", "industry_code",
                  "region_code", "urban_rural", "voltage_kv", "contract_capacity_kva", "tariff_code",
                  "basic_charge_basis", "contract_demand_kw", "payment_mode", "has_pv", "own_generation", "open_date",
                  "close_date", "close_reason"],
    "meter_readings": ["customer_id", "reading_date", "kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley", "kvarh",
                       "max_demand_kw"],
    "interval_readings": ["customer_id", "interval_start", "kw"],
    "bills": ["bill_id", "customer_id", "billing_month", "issue_date", "due_date", "kwh_total", "power_factor",
              "basic_charge", "energy_charge", "pf_adjustment", "surcharge", "total_amount"],
    "payments": ["payment_id", "customer_id", "bill_id", "paid_at", "amount", "channel", "payment_type"],
    "service_tickets": ["ticket_id", "customer_id", "channel", "ticket_type", "category", "created_at",
                        "first_response_at", "resolved_at", "satisfaction", "description"],
    "surveys": ["survey_id", "customer_id", "survey_date", "overall", "reliability", "power_quality", "billing",
                "staff", "channels", "energy_saving_actions"],
    "programme_enrollments": ["customer_id", "programme", "enrolled_date"],
}
DATE = r"^\d{4}-\d{2}-\d{2}$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
TWO_DECIMALS = r"^-?\d+\.\d{2}$"
# (table, column): pattern every non-empty value matches, and whether the column may be empty
FORMATS = {
    ("customers", "voltage_kv"): (r"^(0\.22|0\.4|10|35|110|220)$", False),
    ("customers", "contract_capacity_kva"): (r"^\d+$", False),
    ("customers", "contract_demand_kw"): (r"^\d+\.00$", True),
    ("customers", "has_pv"): (r"^(true|false)$", False),
    ("customers", "open_date"): (DATE, False),
    ("customers", "close_date"): (DATE, True),
    ("customers", "industry_code"): (r"^[A-T]$", True),
    ("meter_readings", "reading_date"): (DATE, False),
    **{("meter_readings", c): (TWO_DECIMALS, False)
       for c in ("kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley", "kvarh", "max_demand_kw")},
    ("interval_readings", "interval_start"): (r"^\d{4}-\d{2}-\d{2} \d{2}:(00|15|30|45):00$", False),
    ("interval_readings", "kw"): (TWO_DECIMALS, False),
    ("bills", "billing_month"): (r"^\d{4}-(0[1-9]|1[0-2])$", False),
    ("bills", "issue_date"): (DATE, False),
    ("bills", "due_date"): (DATE, False),
    ("bills", "power_factor"): (r"^(0\.\d{2}|1\.00)$", True),
    **{("bills", c): (TWO_DECIMALS, False)
       for c in ("kwh_total", "basic_charge", "energy_charge", "pf_adjustment", "surcharge", "total_amount")},
    ("payments", "paid_at"): (TIMESTAMP, False),
    ("payments", "amount"): (r"^\d+\.\d{2}$", False),
    ("payments", "bill_id"): (r"^B\d+$", True),
    ("service_tickets", "created_at"): (TIMESTAMP, False),
    ("service_tickets", "first_response_at"): (TIMESTAMP, True),
    ("service_tickets", "resolved_at"): (TIMESTAMP, True),
    ("service_tickets", "satisfaction"): (r"^[1-5]$", True),
    ("service_tickets", "description"): ("[\u4e00-\u9fff]", False),  # Chinese text
    ("surveys", "survey_date"): (DATE, False),
    **{("surveys", c): (r"^([1-9]|10)$", False)
       for c in ("overall", "reliability", "power_quality", "billing", "staff", "channels")},
    ("programme_enrollments", "enrolled_date"): (DATE, False),
    # '|'-joined habit codes; empty where the form did not ask
    ("surveys", "energy_saving_actions"): (r"^[a-z_]+(\|[a-z_]+)*$", True),
}
# raw column -> code set of seeds/code_labels.csv
CODE_COLUMNS = {
    ("customers", "customer_type"): "customer_type", ("customers", "sector"): "sector",
    ("customers", "industry_code"): "industry_code", ("customers", "urban_rural"): "urban_rural",
    ("customers", "basic_charge_basis"): "basic_charge_basis", ("customers", "payment_mode"): "payment_mode",
    ("customers", "close_reason"): "close_reason", ("payments", "channel"): "payment_channel",
    ("payments", "payment_type"): "payment_type", ("service_tickets", "channel"): "ticket_channel",
    ("service_tickets", "ticket_type"): "ticket_type", ("service_tickets", "category"): "ticket_category",
    ("programme_enrollments", "programme"): "programme", ("customers", "own_generation"): "own_generation",
}


def connect(raw_dir: Path, file_format: str = "csv") -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for table in CONTRACT:
        if file_format == "csv":
            source = f"read_csv('{raw_dir / (table + '.csv')}', all_varchar=true, header=true)"
        else:
            source = f"read_parquet('{raw_dir / (table + '.parquet')}')"
        con.execute(f"create view {table} as select * from {source}")
    for seed in ("code_labels", "regions", "tariffs"):
        con.execute(f"create view seed_{seed} as select * from read_csv('{REPO_ROOT / 'seeds' / (seed + '.csv')}', all_varchar=true)")
    return con


@pytest.fixture(scope="module")
def con(sample_raw_dir):
    return connect(sample_raw_dir)


def scalar(con, sql: str):
    return con.execute(sql).fetchone()[0]


def test_every_contract_table_is_written_with_its_columns_in_order(sample_raw_dir):
    for table, columns in CONTRACT.items():
        with open(sample_raw_dir / f"{table}.csv", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == columns, table


@pytest.mark.parametrize("table_column", sorted(FORMATS), ids=lambda tc: ".".join(tc))
def test_values_have_the_contract_format(con, table_column):
    table, column = table_column
    pattern, may_be_empty = FORMATS[table_column]
    bad = scalar(con, f"select count(*) from {table} where {column} is not null and not regexp_matches({column}, '{pattern}')")
    assert bad == 0
    if not may_be_empty:
        assert scalar(con, f"select count(*) from {table} where {column} is null") == 0
    assert scalar(con, f"select count(*) from {table} where {column} is not null") > 0


def test_dates_and_timestamps_are_real_calendar_values(con):
    for table, column in [(t, c) for (t, c), (p, _) in FORMATS.items() if p in (DATE, TIMESTAMP)]:
        kind = "date" if FORMATS[(table, column)][0] == DATE else "timestamp"
        assert scalar(con, f"select count(*) from {table} where {column} is not null and try_cast({column} as {kind}) is null") == 0


@pytest.mark.parametrize("table_column", sorted(CODE_COLUMNS), ids=lambda tc: ".".join(tc))
def test_codes_are_listed_in_code_labels(con, table_column):
    table, column = table_column
    unknown = con.execute(f"""
        select distinct {column} from {table} where {column} is not null
        except select code from seed_code_labels where code_set = '{CODE_COLUMNS[table_column]}'""").fetchall()
    assert unknown == []


def test_regions_and_tariffs_come_from_the_seeds(con):
    assert scalar(con, "select count(*) from customers where region_code not in (select region_code from seed_regions)") == 0
    assert scalar(con, "select count(*) from customers where tariff_code not in (select tariff_code from seed_tariffs)") == 0
    # the tariff's customer type is the customer's
    assert scalar(con, "select count(*) from customers c join seed_tariffs t using (tariff_code) where t.customer_type <> c.customer_type") == 0


@pytest.mark.parametrize("table,key", [
    ("customers", "customer_id"), ("bills", "bill_id"), ("payments", "payment_id"), ("service_tickets", "ticket_id"),
    ("surveys", "survey_id"), ("meter_readings", "customer_id || reading_date"),
    ("interval_readings", "customer_id || interval_start"), ("programme_enrollments", "customer_id || programme"),
    ("bills", "customer_id || billing_month"),
])
def test_keys_are_unique(con, table, key):
    assert scalar(con, f"select count(*) - count(distinct {key}) from {table}") == 0


def test_every_row_belongs_to_a_customer_and_falls_in_its_active_life(con):
    for table in CONTRACT:
        if table != "customers":
            assert scalar(con, f"select count(*) from {table} where customer_id not in (select customer_id from customers)") == 0
    outside = scalar(con, """
        select count(*) from meter_readings r join customers c using (customer_id)
        where r.reading_date < c.open_date or (c.close_date is not null and r.reading_date > c.close_date)""")
    assert outside == 0
    assert scalar(con, "select count(*) from programme_enrollments e join customers c using (customer_id) "
                       "where e.enrolled_date::date < c.open_date::date") == 0
    assert scalar(con, "select count(*) from customers where close_date is not null and close_date <= open_date") == 0
    # close_reason exactly when closed
    assert scalar(con, "select count(*) from customers where (close_date is null) <> (close_reason is null)") == 0


def test_no_date_before_the_staging_lower_bound(con):
    # dbt_project.yml min_valid_date: staging rejects earlier dates, so the generator must not write them
    assert scalar(con, "select min(open_date) from customers") >= "2000-01-01"


def test_daily_max_demand_is_never_below_the_days_mean_load(con):
    # a day's highest load cannot be lower than its average load (kWh / 24 h); compared in exact
    # decimals, so that only a real contradiction fails, not float rounding
    below_mean = scalar(con, """
        select count(*) from meter_readings
        where max_demand_kw::decimal(18,2) * 24
              < kwh_sharp::decimal(18,2) + kwh_peak::decimal(18,2) + kwh_flat::decimal(18,2) + kwh_valley::decimal(18,2)""")
    assert below_mean == 0, below_mean


def test_daily_max_demand_stays_within_the_contract_capacity(con):
    # kVA read as kW: the generator caps demand there, so energy has to fit under the same cap
    over_capacity = scalar(con, """
        select count(*) from meter_readings r join customers c using (customer_id)
        where r.max_demand_kw::decimal(18,2) > c.contract_capacity_kva::decimal(18,2)""")
    assert over_capacity == 0, over_capacity


def test_payments_reference_bills_except_prepaid_topups(con):
    assert scalar(con, "select count(*) from payments where (bill_id is null) <> (payment_type = 'prepaid_topup')") == 0
    assert scalar(con, "select count(*) from payments where bill_id not in (select bill_id from bills)") == 0
    assert scalar(con, """select count(*) from payments p join customers c using (customer_id)
                          where p.payment_type = 'prepaid_topup' and c.payment_mode <> 'prepaid'""") == 0


def test_tou_optin_customers_are_exactly_the_res_tou_tariff(con):
    mismatched = scalar(con, """
        select count(*) from customers c
        full join (select customer_id from programme_enrollments where programme = 'tou_optin') e using (customer_id)
        where (c.tariff_code = 'res_tou') <> (e.customer_id is not null)""")
    assert mismatched == 0
    assert scalar(con, "select count(*) from customers where tariff_code = 'res_tou'") > 0


def generate(out: Path, seed: int, customers: int = 150, months: int = 3, file_format: str = "csv") -> Path:
    run_command([bin_path("powerlens"), "generate", "--customers", str(customers), "--start", "2025-01",
                 "--months", str(months), "--seed", str(seed), "--out", str(out), "--format", file_format, "--quiet"])
    return out


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_byte_identical_files_and_another_seed_differs(tmp_path):
    first = digests(generate(tmp_path / "a", seed=5))
    again = digests(generate(tmp_path / "b", seed=5))
    other = digests(generate(tmp_path / "c", seed=6))
    assert len(first) == len(CONTRACT) + 1  # the tables and _truth/planted_bill_errors.csv
    assert first == again
    assert all(first[name] != other[name] for name in first if not name.startswith("_truth"))


def test_parquet_holds_the_same_data_as_csv(tmp_path):
    csv_con = connect(generate(tmp_path / "csv", seed=9))
    parquet_con = connect(generate(tmp_path / "parquet", seed=9, file_format="parquet"), "parquet")
    for table, columns in CONTRACT.items():
        assert [d[0] for d in parquet_con.execute(f"select * from {table} limit 0").description] == columns
        assert scalar(csv_con, f"select count(*) from {table}") == scalar(parquet_con, f"select count(*) from {table}")
    assert scalar(csv_con, "select sum(total_amount::decimal(18,2)) from bills") == \
        scalar(parquet_con, "select sum(total_amount) from bills")
    assert scalar(csv_con, "select sum(kwh_peak::decimal(18,2)) from meter_readings") == \
        scalar(parquet_con, "select sum(kwh_peak) from meter_readings")



def test_generation_casts_no_nan_or_overflow_to_integers(tmp_path):
    # numpy reports a NaN, infinity or out-of-range float cast to integers only as a RuntimeWarning
    # (the value written would be garbage); made fatal here for the whole run
    out = tmp_path / "raw"
    run_command([bin_path("powerlens"), "generate", "--customers", "300", "--start", "2025-01", "--months", "3",
                 "--seed", "5", "--out", str(out), "--quiet"], env={"PYTHONWARNINGS": "error::RuntimeWarning"})
    # the run holds the edge case of the power factor: months without energy (empty homes), 0 / 0
    assert scalar(connect(out), "select count(*) from bills where kwh_total::decimal(18,2) = 0 and power_factor is null") > 0

# --- realistic proportions -------------------------------------------------------------------

def test_residential_dominates_by_count_and_large_industry_by_kwh(con):
    shares = dict(con.execute("""
        select customer_type, count(*) / sum(count(*)) over () from customers group by 1""").fetchall())
    assert shares["residential"] > 0.90
    assert shares["large_industrial"] < 0.01
    kwh = dict(con.execute("""
        select c.customer_type, sum(b.kwh_total::double) / sum(sum(b.kwh_total::double)) over ()
        from bills b join customers c using (customer_id) group by 1""").fetchall())
    assert max(kwh, key=kwh.get) == "large_industrial"
    assert kwh["large_industrial"] > 0.35


def test_sector_mix_by_kwh_resembles_the_national_table(con):
    share = dict(con.execute("""
        select c.sector, sum(b.kwh_total::double) / sum(sum(b.kwh_total::double)) over ()
        from bills b join customers c using (customer_id) group by 1""").fetchall())
    # NEA 2024: primary 1.4%, secondary 64.8%, tertiary 18.6%, residential 15.2%
    assert share["primary"] < 0.05
    assert 0.45 < share["secondary"] < 0.80
    assert 0.08 < share["tertiary"] < 0.32
    assert 0.07 < share["residential"] < 0.25


def test_customer_types_have_sensible_supply_and_tariffs(con):
    rows = con.execute("""
        select customer_type, min(voltage_kv::double), max(voltage_kv::double), min(contract_capacity_kva::int),
               list(distinct basic_charge_basis order by basic_charge_basis)
        from customers group by 1""").fetchall()
    by_type = {r[0]: r[1:] for r in rows}
    assert by_type["large_industrial"][0] >= 10 and by_type["large_industrial"][2] >= 315
    assert set(by_type["large_industrial"][3]) == {"capacity", "demand"}
    assert by_type["residential"][1] <= 0.4
    assert all(by_type[t][3] == ["none"] for t in by_type if t != "large_industrial")
    prepaid = dict(con.execute("select customer_type, count(*) from customers where payment_mode = 'prepaid' group by 1").fetchall())
    assert prepaid.get("residential", 0) / sum(prepaid.values()) > 0.8
    assert scalar(con, "select count(*) from customers where has_pv = 'true'") > 0
    urban_share = dict(con.execute("select customer_type, avg((urban_rural = 'urban')::int) from customers group by 1").fetchall())
    assert urban_share["agricultural"] < urban_share["residential"]


def test_churn_is_a_few_percent_a_year_and_highest_for_commercial(con):
    rate = dict(con.execute("""
        select customer_type, count(close_date) / count(*) / 2.0 from customers group by 1""").fetchall())
    overall = scalar(con, "select count(close_date) / count(*) / 2.0 from customers")
    # households (nine in ten accounts) close when they move, 5-6% a year; commercial churn is higher
    assert 0.04 <= overall <= 0.10
    assert rate["general_commercial"] > rate["residential"]
    reasons = dict(con.execute("""
        select customer_type = 'residential', mode(close_reason) from customers where close_reason is not null group by 1""").fetchall())
    assert reasons[True] == "relocated" and reasons[False] == "switched_retailer"
    new_per_month = con.execute("""
        select count(distinct strftime(open_date::date, '%Y-%m')) from customers where open_date >= '2024-01-01'""").fetchone()[0]
    assert new_per_month >= 20  # new accounts in (nearly) every month of the 24


def test_seasonal_and_weekly_patterns(con):
    monthly = dict(con.execute("""
        select month(r.reading_date::date), avg(r.kwh_sharp::double + r.kwh_peak::double + r.kwh_flat::double + r.kwh_valley::double)
        from meter_readings r join customers c using (customer_id) where c.customer_type = 'residential' group by 1""").fetchall())
    summer, winter = (monthly[7] + monthly[8]) / 2, (monthly[12] + monthly[1]) / 2
    shoulder = (monthly[4] + monthly[5] + monthly[10] + monthly[11]) / 4
    assert summer > 1.2 * shoulder and winter > 1.1 * shoulder
    weekly = dict(con.execute("""
        select (dayofweek(r.reading_date::date) in (0, 6)), avg(r.kwh_sharp::double + r.kwh_peak::double + r.kwh_flat::double + r.kwh_valley::double)
        from meter_readings r join customers c using (customer_id) where c.customer_type = 'general_commercial' group by 1""").fetchall())
    assert weekly[True] < 0.9 * weekly[False]


def test_tou_shares_differ_by_customer_type(con):
    shares = {row[0]: row[1:] for row in con.execute("""
        select c.customer_type,
               sum(kwh_sharp::double + kwh_peak::double) / sum(kwh_sharp::double + kwh_peak::double + kwh_flat::double + kwh_valley::double),
               sum(kwh_valley::double) / sum(kwh_sharp::double + kwh_peak::double + kwh_flat::double + kwh_valley::double)
        from meter_readings r join customers c using (customer_id) group by 1""").fetchall()}
    assert shares["ev_charging"][1] > 0.45          # charging at night
    assert shares["residential"][0] > shares["large_industrial"][0]  # evening peak
    assert shares["large_industrial"][1] > shares["general_commercial"][1]  # industry runs round the clock


def test_payment_behaviour_mix(con):
    late = scalar(con, """select count(distinct p.bill_id) from payments p join bills b using (bill_id)
                          where p.payment_type = 'bill' and p.paid_at::timestamp >= b.due_date::date + 1""")
    split = scalar(con, "select count(*) from (select bill_id from payments where payment_type = 'bill' group by 1 having count(*) > 1)")
    fees = scalar(con, "select count(*) from payments where payment_type = 'late_fee'")
    never = scalar(con, """select count(*) from bills b join customers c using (customer_id)
                           where c.payment_mode = 'postpaid' and b.total_amount::decimal(18,2) > 0
                           and b.bill_id not in (select bill_id from payments where bill_id is not null)""")
    topups = scalar(con, "select count(*) from payments where payment_type = 'prepaid_topup'")
    assert late > 100 and split > 20 and fees > 50 and never > 5 and topups > 1000
    online = dict(con.execute("""
        select paid_at < '2024-07-01', avg((channel in ('app', 'wechat', 'alipay'))::int) from payments
        where paid_at < '2024-07-01' or paid_at >= '2025-07-01' group by 1""").fetchall())
    assert online[False] > online[True] + 0.05


def test_service_tickets_look_like_95598(con):
    channels = dict(con.execute("select channel, count(*) from service_tickets group by 1").fetchall())
    assert max(channels, key=channels.get) == "hotline_95598"
    on_time = scalar(con, """
        select avg((t.first_response_at::timestamp - t.created_at::timestamp
                    <= case when c.urban_rural = 'urban' then interval 45 minute else interval 90 minute end)::int)
        from service_tickets t join customers c using (customer_id) where t.ticket_type = 'fault_repair'""")
    assert 0.75 < on_time < 0.99  # mostly on time, with a tail that misses
    unrated = scalar(con, "select avg((satisfaction is null)::int) from service_tickets")
    assert 0.15 < unrated < 0.6
    assert scalar(con, "select count(*) from service_tickets where resolved_at < first_response_at or first_response_at < created_at") == 0
    complaint_vs_praise = dict(con.execute("""
        select ticket_type, avg(satisfaction::int) from service_tickets where ticket_type in ('complaint', 'praise') group by 1""").fetchall())
    assert complaint_vs_praise["complaint"] < complaint_vs_praise["praise"]


def test_survey_scores_follow_service_experience(con):
    # a bad experience in the year before the survey: a complaint, a missed commitment or a low rating
    means = dict(con.execute("""
        select exists (select 1 from service_tickets t join customers c using (customer_id)
                       where t.customer_id = s.customer_id
                         and t.created_at::date between s.survey_date::date - 365 and s.survey_date::date
                         and (t.ticket_type = 'complaint' or t.satisfaction::int <= 2
                              or (t.ticket_type = 'fault_repair' and t.first_response_at::timestamp - t.created_at::timestamp
                                  > case when c.urban_rural = 'urban' then interval 45 minute else interval 90 minute end))),
               avg((overall::int + reliability::int + power_quality::int + billing::int + staff::int + channels::int) / 6)
        from surveys s group by 1""").fetchall())
    assert means[True] < means[False] - 0.3, means


def test_own_generation_agrees_with_has_pv_and_includes_some_wind(con):
    assert scalar(con, """select count(*) from customers
        where (has_pv = 'true') <> (own_generation in ('solar', 'solar_wind'))""") == 0
    wind = dict(con.execute("""select customer_type, count(*) filter (where own_generation in ('wind', 'solar_wind'))
        from customers group by 1""").fetchall())
    assert wind["agricultural"] + wind["large_industrial"] + wind["residential"] > 0


def test_energy_saving_habits_are_known_codes_and_follow_behaviour(con):
    unknown = con.execute("""
        select distinct action from (select unnest(string_split(energy_saving_actions, '|')) as action from surveys)
        except select code from seed_code_labels where code_set = 'energy_saving_action'""").fetchall()
    assert unknown == []
    assert scalar(con, "select count(*) from surveys where energy_saving_actions like '%none%|%'"
                       " or energy_saving_actions like '%|none%'") == 0
    not_asked = scalar(con, "select avg(case when energy_saving_actions is null then 1.0 else 0 end) from surveys")
    assert 0.05 < not_asked < 0.30
    # time-of-use households shift to the valley far more often than flat-tariff ones
    shift = dict(con.execute("""
        select c.tariff_code, avg(case when s.energy_saving_actions like '%shift_to_valley%' then 1.0 else 0 end)
        from surveys s join customers c using (customer_id)
        where s.energy_saving_actions is not null and c.tariff_code in ('res_tou', 'res_flat') group by 1""").fetchall())
    assert shift["res_tou"] > 2 * shift["res_flat"]
