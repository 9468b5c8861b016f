"""Hand-written DuckDB baseline: the warehouse's core results from the raw files, without dbt.

The yardstick `powerlens bench` holds the SQL models against ("the SQL models' time at most 1.5
times a hand-written DuckDB script that computes the same core results from the same raw
files"). It reads the same raw files the project reads (`<table>.csv`, `<table>_part*.csv`,
`<table>/*.csv`, and the same as `.parquet`) and the same seeds, and writes these tables into
a fresh DuckDB file:

(a) `readings`, `readings_rejected` (and the same pair for `customers`, `bills`, `payments`):
    every value cast, a row that fails a rule (missing key, unreadable value, negative energy,
    date outside the period, duplicate key, orphan customer or bill, unknown code) is rejected
    with its rules, never dropped; raw = accepted + rejected;
(b) `customer_months`: energy per TOU period, kvarh, maximum demand, active days per customer
    per month (the project's `int_consumption__customer_months`);
(c) `recomputed_bills`: the tariff engine of docs/billing_rules.md (power factor, the 1983
    adjustment table, capacity or demand basic charge, TOU energy charge, surcharge, total;
    the project's `int_billing__recomputed_bills`);
(d) `payment_allocations`, `bill_settlement`, `month_ends`, `bill_month_end_balances` and
    `arrears_by_ageing`: payments settled against bills (bill reference first, then balance
    first in first out), and what is outstanding at each month end by ageing bucket
    (docs/ch3_credit.md; the project's `int_credit__payment_allocations`, `fct_bill_settlement`
    and `fct_bill_month_end_balances`).

It is written as a careful engineer would write it by hand: SQL strings run through DuckDB's
Python API, DuckDB's threads and memory limit set explicitly, insertion order not preserved,
typed Parquet columns used as they come, duplicates ranked only among the keys that repeat,
and month-end balances found with an ASOF join on each bill's running settled amount. It
accepts the contract's formats (ISO dates, plain decimal numbers); the project's staging also
reads full-width digits, thousands separators and YYYY/MM/DD dates, which a clean export does
not contain.

    .venv/bin/python benchmarks/baseline_duckdb.py --raw data/raw --db /tmp/baseline.duckdb
    .venv/bin/python benchmarks/baseline_duckdb.py --raw RAW --db FILE --as-of 2026-01-31 --json

Prints one JSON line: seconds per step, the total, and row counts of the result tables.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT / "seeds"
MIN_VALID_DATE = "2000-01-01"

# (name, DuckDB type) of the raw columns this script reads, per table; types as the project's
# staging reads them ('double' energy, decimal money, dates, timestamps, text).
RAW_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "customers": [
        ("customer_id", "text"), ("customer_type", "text"), ("sector", "text"),
        ("industry_code", "text"), ("region_code", "text"), ("urban_rural", "text"),
        ("voltage_kv", "double"), ("contract_capacity_kva", "double"), ("tariff_code", "text"),
        ("basic_charge_basis", "text"), ("contract_demand_kw", "double"), ("payment_mode", "text"),
        ("has_pv", "boolean"),
        ("open_date", "date"), ("close_date", "date"), ("close_reason", "text"),
    ],
    "meter_readings": [
        ("customer_id", "text"), ("reading_date", "date"), ("kwh_sharp", "double"),
        ("kwh_peak", "double"), ("kwh_flat", "double"), ("kwh_valley", "double"),
        ("kvarh", "double"), ("max_demand_kw", "double"),
    ],
    "bills": [
        ("bill_id", "text"), ("customer_id", "text"), ("billing_month", "month"),
        ("issue_date", "date"), ("due_date", "date"), ("kwh_total", "double"),
        ("power_factor", "decimal(4,2)"), ("basic_charge", "decimal(18,2)"),
        ("energy_charge", "decimal(18,2)"), ("pf_adjustment", "decimal(18,2)"),
        ("surcharge", "decimal(18,2)"), ("total_amount", "decimal(18,2)"),
    ],
    "payments": [
        ("payment_id", "text"), ("customer_id", "text"), ("bill_id", "text"),
        ("paid_at", "timestamp"), ("amount", "decimal(18,2)"), ("channel", "text"),
        ("payment_type", "text"),
    ],
}

SEED_TYPES = {
    "code_labels": {"code_set": "varchar", "code": "varchar", "label_zh": "varchar",
                    "label_en": "varchar"},
    "regions": {"region_code": "varchar", "region_name_zh": "varchar", "region_name_en": "varchar",
                "city_zh": "varchar", "city_en": "varchar", "urban_rural_default": "varchar"},
    "tariffs": {"tariff_code": "varchar", "customer_type": "varchar", "tariff_class": "varchar",
                "voltage_class": "varchar", "description_zh": "varchar",
                "description_en": "varchar", "price_sharp": "decimal(10,4)",
                "price_peak": "decimal(10,4)", "price_flat": "decimal(10,4)",
                "price_valley": "decimal(10,4)", "basic_charge_per_kva_month": "decimal(10,4)",
                "basic_charge_per_kw_month": "decimal(10,4)", "surcharge_per_kwh": "decimal(10,4)",
                "block1_limit_kwh_year": "decimal(12,2)", "block2_limit_kwh_year": "decimal(12,2)",
                "block2_surcharge_per_kwh": "decimal(10,4)", "block3_surcharge_per_kwh": "decimal(10,4)"},
    "power_factor_adjustment": {"pf_standard": "decimal(4,2)", "power_factor": "decimal(4,2)",
                                "adjustment_pct": "decimal(6,2)"},
    "tou_periods": {"hour_of_day": "integer", "tou_period": "varchar", "season_months": "varchar",
                    "off_season_period": "varchar"},
}

AGEING_BUCKETS = [("1_30", 30), ("31_60", 60), ("61_90", 90)]  # then over_90


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(_sql_string(value) for value in values) + "]"


def table_files(raw_dir: Path, table: str) -> dict[str, list[str]]:
    """The project's file patterns, by format: <table>.<ext>, <table>_part*.<ext>, <table>/*.<ext>."""
    found: dict[str, list[str]] = {}
    for ext in ("csv", "parquet"):
        paths = [raw_dir / f"{table}.{ext}", *sorted(raw_dir.glob(f"{table}_part*.{ext}")),
                 *sorted((raw_dir / table).glob(f"*.{ext}"))]
        files = [str(path) for path in paths if path.is_file()]
        if files:
            found[ext] = files
    return found


def raw_relation(con: duckdb.DuckDBPyConnection, raw_dir: Path, table: str) -> str:
    """SQL for one raw table: the declared columns (NULL when a file lacks one), the file name and
    a row-order key; CSV is read as text, Parquet with the types it was written with."""
    columns = [name for name, _ in RAW_COLUMNS[table]]
    parts = []
    for ext, files in table_files(raw_dir, table).items():
        if ext == "csv":
            reader = (f"read_csv({_sql_list(files)}, header=true, skip=0, delim=',', quote='\"', "
                      "all_varchar=true, union_by_name=true, filename=true) with ordinality")
            order_key = "ordinality"
        else:
            reader = (f"read_parquet({_sql_list(files)}, union_by_name=true, filename=true, "
                      "file_row_number=true)")
            order_key = "file_row_number"
        present = {row[0] for row in con.execute(f"describe select * from {reader}").fetchall()}
        select = [(name if name in present else f"null as {name}") for name in columns]
        parts.append(f"select {', '.join(select)}, filename as _file, "
                     f"cast({order_key} as bigint) as _row from {reader}")
    if not parts:  # no file: an empty table, as the project reads a missing export
        select = [f"cast(null as varchar) as {name}" for name in columns]
        return f"(select {', '.join(select)}, '' as _file, 0::bigint as _row where false)"
    return "(" + " union all by name ".join(parts) + ")"


def _typed(name: str, kind: str) -> str:
    """Typed value of a raw column (text trimmed, empty text is NULL; NULL when unreadable)."""
    text = f"nullif(trim(cast({name} as varchar)), '')"
    if kind == "text":
        return text
    if kind == "double":
        return f"try_cast({name} as double)"
    if kind.startswith("decimal"):
        return f"try_cast({name} as {kind})"
    if kind == "boolean":
        return (f"case lower({text}) when 'true' then true when '1' then true "
                f"when 'false' then false when '0' then false end")
    if kind == "date":
        return f"try_cast({name} as date)"
    if kind == "timestamp":
        return f"try_cast({name} as timestamp)"
    if kind == "month":
        return f"cast(try_strptime({text}, '%Y-%m') as date)"
    raise ValueError(kind)


def checked_table_sql(table: str, relation: str, *, keys: list[list[str]], required: list[str],
                      rules: list[tuple[str, str]], as_of: str, future_ok: tuple[str, ...] = (),
                      nonnegative: tuple[str, ...] = ()) -> list[str]:
    """Statements that build `_checked_<table>`: typed columns plus `_failed_rules` (NULL when the
    row passes). ``rules`` are (condition, rule) pairs on the typed columns; the value, period,
    required-key and duplicate-key rules are added here from the column types."""
    columns = RAW_COLUMNS[table]
    typed_select = []
    for name, kind in columns:
        if kind == "text":
            typed_select.append(f"{_typed(name, kind)} as {name}")
        else:
            raw_text = f"nullif(trim(cast({name} as varchar)), '')" if kind in ("boolean", "month") else name
            typed_select.append(f"{raw_text} as _raw_{name}, {_typed(name, kind)} as {name}")
    conditions: list[tuple[str, str]] = []
    for name, kind in columns:
        if name in required:
            present = f"_raw_{name} is not null" if kind != "text" else f"{name} is not null"
            conditions.append((f"not ({present})", "missing_key"))
        if kind == "text":
            continue
        bad_rule = {"boolean": "bad_boolean", "date": "bad_date", "timestamp": "bad_date",
                    "month": "bad_date"}.get(kind, "bad_number")
        bad = f"_raw_{name} is not null and {name} is null"
        if kind == "double":
            bad += f" or not isfinite({name})"
        conditions.append((bad, bad_rule))
        if name in nonnegative:
            conditions.append((f"{name} < 0", "negative_value"))
        if kind in ("date", "timestamp", "month"):
            late = "" if name in future_ok else f" or {name} >= date '{as_of}' + interval 1 day"
            conditions.append((f"{name} < date '{MIN_VALID_DATE}'{late}", "date_out_of_period"))
    conditions += rules

    # views, not tables: the typed rows are read twice (the narrow duplicate check, then the
    # split), so each read takes only the columns it needs and the raw rows are written once
    statements = [f"create or replace temp view _typed_{table} as select {', '.join(typed_select)}, "
                  f"_file, _row from {relation}"]
    # duplicate keys: rank only the rows whose key repeats (the first raw row keeps it)
    dup_joins, dup_conditions = [], []
    for index, key in enumerate(keys, start=1):
        key_list = ", ".join(key)
        not_null = " and ".join(f"{column} is not null" for column in key)
        statements.append(
            f"create or replace temp table _dup{index}_{table} as "
            f"select _file, _row, row_number() over (partition by {key_list} order by _file, _row) as _rank "
            f"from _typed_{table} join (select {key_list} from _typed_{table} where {not_null} "
            f"group by {key_list} having count(*) > 1) as repeated_keys using ({key_list})")
        dup_joins.append(f"left join _dup{index}_{table} as d{index} using (_file, _row)")
        dup_conditions.append((f"d{index}._rank > 1", "duplicate_key"))
    failed = ", ".join(f"case when coalesce({condition}, false) then '{rule}' end"
                       for condition, rule in conditions + dup_conditions)
    statements.append(
        f"create or replace temp view _checked_{table} as select t.*, "
        f"nullif(concat_ws('; ', {failed}), '') as _failed_rules "
        f"from _typed_{table} as t {' '.join(dup_joins)}")
    return statements


def split_sql(table: str, target: str, record_key: list[str]) -> list[str]:
    """The accepted table (typed columns) and the rejected one (raw values and the failed rules)."""
    columns = ", ".join(name for name, _ in RAW_COLUMNS[table])
    kinds = dict(RAW_COLUMNS[table])
    key_text = ", ".join(f"cast({name if kinds[name] == 'text' else '_raw_' + name} as varchar)"
                         for name in record_key)
    raw_values = ", ".join(f"'{name}', cast({'_raw_' + name if kind != 'text' else name} as varchar)"
                           for name, kind in RAW_COLUMNS[table])
    return [
        f"create table {target} as select {columns} from _checked_{table} where _failed_rules is null",
        f"create table {target}_rejected as select '{table}' as source_table, _file as source_file, "
        f"_row as source_row_order, concat_ws('|', {key_text}) as record_key, "
        f"_failed_rules as rule, cast(json_object({raw_values}) as varchar) as raw_record "
        f"from _checked_{table} where _failed_rules is not null",
        f"drop view _checked_{table}",
        f"drop view _typed_{table}",
    ]


def _code(column: str, code_set: str) -> tuple[str, str]:
    return (f"{column} is not null and {column} not in "
            f"(select code from code_labels where code_set = '{code_set}')", "unknown_code")


def step_sql(con: duckdb.DuckDBPyConnection, raw_dir: Path, seeds_dir: Path,
             as_of: str) -> list[tuple[str, list[str]]]:
    """The script's steps in order, each a list of SQL statements."""
    steps: list[tuple[str, list[str]]] = []
    steps.append(("seeds", [
        f"create table {seed} as select * from read_csv({_sql_string(str(seeds_dir / (seed + '.csv')))}, "
        f"header=true, columns={{{', '.join(f'{_sql_string(k)}: {_sql_string(v)}' for k, v in types.items())}}})"
        for seed, types in SEED_TYPES.items()]))

    steps.append(("customers", [
        *checked_table_sql(
            "customers", raw_relation(con, raw_dir, "customers"), keys=[["customer_id"]],
            required=["customer_id"], as_of=as_of,
            nonnegative=("voltage_kv", "contract_capacity_kva", "contract_demand_kw"),
            rules=[_code("customer_type", "customer_type"), _code("sector", "sector"),
                   _code("industry_code", "industry_code"), _code("urban_rural", "urban_rural"),
                   _code("basic_charge_basis", "basic_charge_basis"),
                   _code("payment_mode", "payment_mode"), _code("close_reason", "close_reason"),
                   ("region_code is not null and region_code not in (select region_code from regions)",
                    "unknown_code"),
                   ("tariff_code is not null and tariff_code not in (select tariff_code from tariffs)",
                    "unknown_code")]),
        *split_sql("customers", "customers", ["customer_id"]),
    ]))

    orphan_customer = ("customer_id is not null and customer_id not in (select customer_id from customers)",
                       "orphan_customer")
    steps.append(("readings", [
        *checked_table_sql(
            "meter_readings", raw_relation(con, raw_dir, "meter_readings"),
            keys=[["customer_id", "reading_date"]], required=["customer_id", "reading_date"],
            as_of=as_of, rules=[orphan_customer],
            nonnegative=("kwh_sharp", "kwh_peak", "kwh_flat", "kwh_valley", "kvarh", "max_demand_kw")),
        *split_sql("meter_readings", "readings", ["customer_id", "reading_date"]),
    ]))

    steps.append(("bills", [
        *checked_table_sql(
            "bills", raw_relation(con, raw_dir, "bills"),
            keys=[["bill_id"], ["customer_id", "billing_month"]],
            required=["bill_id", "customer_id", "billing_month"], as_of=as_of,
            future_ok=("due_date",),
            nonnegative=("kwh_total", "basic_charge", "energy_charge", "surcharge", "total_amount"),
            rules=[orphan_customer, ("power_factor not between 0 and 1", "out_of_range")]),
        *split_sql("bills", "bills", ["bill_id"]),
    ]))

    steps.append(("payments", [
        *checked_table_sql(
            "payments", raw_relation(con, raw_dir, "payments"), keys=[["payment_id"]],
            required=["payment_id", "customer_id"], as_of=as_of, nonnegative=("amount",),
            rules=[orphan_customer,
                   ("bill_id is not null and bill_id not in (select bill_id from bills)", "orphan_bill"),
                   _code("channel", "payment_channel"), _code("payment_type", "payment_type")]),
        *split_sql("payments", "payments", ["payment_id"]),
    ]))

    steps.append(("customer_months", ["""
create table customer_months as
with monthly_readings as (
    select
        customer_id,
        cast(date_trunc('month', reading_date) as date) as usage_month,
        count(*) as reading_days,
        cast(sum(kwh_sharp) as decimal(18, 2)) as kwh_sharp,
        cast(sum(kwh_peak) as decimal(18, 2)) as kwh_peak,
        cast(sum(kwh_flat) as decimal(18, 2)) as kwh_flat,
        cast(sum(kwh_valley) as decimal(18, 2)) as kwh_valley,
        cast(sum(kvarh) as decimal(18, 2)) as kvarh,
        max(max_demand_kw) as max_demand_kw
    from readings
    group by all
),
reporting_months as (
    select usage_month, last_day(usage_month) as month_end_date
    from (select distinct usage_month from monthly_readings)
),
active_months as (
    select
        c.customer_id,
        m.usage_month,
        m.month_end_date,
        datediff('day', m.usage_month, m.month_end_date) + 1 as days_in_month,
        datediff('day', greatest(c.open_date, m.usage_month),
                 least(coalesce(c.close_date, m.month_end_date), m.month_end_date)) + 1 as active_days
    from customers as c
    join reporting_months as m
        on c.open_date <= m.month_end_date
       and (c.close_date is null or c.close_date >= m.usage_month)
)
select
    a.customer_id,
    a.usage_month,
    a.month_end_date,
    cast(a.days_in_month as integer) as days_in_month,
    cast(a.active_days as integer) as active_days,
    cast(coalesce(r.reading_days, 0) as integer) as reading_days,
    coalesce(r.kwh_sharp, 0) as kwh_sharp,
    coalesce(r.kwh_peak, 0) as kwh_peak,
    coalesce(r.kwh_flat, 0) as kwh_flat,
    coalesce(r.kwh_valley, 0) as kwh_valley,
    cast(coalesce(r.kwh_sharp, 0) + coalesce(r.kwh_peak, 0) + coalesce(r.kwh_flat, 0)
         + coalesce(r.kwh_valley, 0) as decimal(18, 2)) as kwh_total,
    coalesce(r.kvarh, 0) as kvarh,
    r.max_demand_kw
from active_months as a
left join monthly_readings as r using (customer_id, usage_month)
"""]))

    # round half up to 2 decimals on an exact decimal (docs/billing_rules.md "Rounding")
    def money(expression: str) -> str:
        return f"cast(round(cast({expression} as decimal(18, 6)), 2) as decimal(18, 2))"

    steps.append(("recomputed_bills", [f"""
create table recomputed_bills as
with blocked as (
    -- residential annual blocks on the calendar year's running kWh (a zero limit: no blocks)
    select
        m.*,
        coalesce(sum(m.kwh_total) over (partition by m.customer_id, year(m.usage_month) order by m.usage_month
                                        rows between unbounded preceding and 1 preceding), 0) as ytd_before,
        case when t.block1_limit_kwh_year > 0 then greatest(least(ytd_before + m.kwh_total, t.block2_limit_kwh_year)
            - greatest(ytd_before, t.block1_limit_kwh_year), 0) else 0 end as kwh_block2,
        case when t.block1_limit_kwh_year > 0 then greatest(ytd_before + m.kwh_total
            - greatest(ytd_before, t.block2_limit_kwh_year), 0) else 0 end as kwh_block3,
        -- demand basis: the contract maximum demand, at least 40% of the capacity (that floor when empty)
        greatest(coalesce(cast(c.contract_demand_kw as decimal(18, 4)), 0),
                 cast(c.contract_capacity_kva as decimal(18, 4)) * 0.4) as billed_demand,
        -- seasonal sharp hours: outside their months sharp kWh pay the price of the hours' period then
        case when s.months is null or list_contains(string_split(s.months, ','), cast(month(m.usage_month) as varchar))
            then t.price_sharp
            else case s.off_season when 'peak' then t.price_peak when 'flat' then t.price_flat
                 else t.price_valley end
        end as price_sharp_in_month
    from customer_months as m
    join customers as c using (customer_id)
    join tariffs as t using (tariff_code)
    cross join (select max(season_months) as months, max(off_season_period) as off_season
                from tou_periods where tou_period = 'sharp') as s
),
charged as (
    select
        m.customer_id,
        m.usage_month as billing_month,
        c.customer_type,
        c.tariff_code,
        c.basic_charge_basis,
        m.days_in_month,
        m.active_days,
        m.kwh_sharp, m.kwh_peak, m.kwh_flat, m.kwh_valley, m.kwh_total, m.kvarh, m.max_demand_kw,
        {money('m.kwh_sharp * cast(m.price_sharp_in_month as decimal(18, 6)) + m.kwh_peak * cast(t.price_peak as decimal(18, 6))'
               ' + m.kwh_flat * cast(t.price_flat as decimal(18, 6)) + m.kwh_valley * cast(t.price_valley as decimal(18, 6))'
               ' + m.kwh_block2 * cast(t.block2_surcharge_per_kwh as decimal(18, 6))'
               ' + m.kwh_block3 * cast(t.block3_surcharge_per_kwh as decimal(18, 6))')}
            as energy_charge,
        {money('''case c.basic_charge_basis
            when 'capacity' then cast(c.contract_capacity_kva as decimal(18, 4))
                * cast(t.basic_charge_per_kva_month as decimal(18, 6))
            when 'demand' then cast(t.basic_charge_per_kw_month as decimal(18, 6)) * (m.billed_demand
                + 2 * greatest(cast(coalesce(m.max_demand_kw, 0) as decimal(18, 4)) - 1.05 * m.billed_demand, 0))
            else 0 end
            * case when m.active_days = m.days_in_month then 1 else m.active_days / 30 end''')} as basic_charge,
        {money('m.kwh_total * cast(t.surcharge_per_kwh as decimal(18, 6))')} as surcharge,
        case
            when c.customer_type in ('large_industrial', 'general_commercial', 'ev_charging')
                and c.voltage_kv >= 10 and c.contract_capacity_kva >= 160 then cast(0.90 as decimal(4, 2))
            when c.customer_type = 'agricultural' and c.contract_capacity_kva >= 100 then cast(0.80 as decimal(4, 2))
            when c.customer_type <> 'residential' and c.contract_capacity_kva >= 100 then cast(0.85 as decimal(4, 2))
        end as pf_standard,
        case when m.kwh_total > 0 then cast(round(cast(
            m.kwh_total / sqrt(m.kwh_total * m.kwh_total + m.kvarh * m.kvarh) as decimal(18, 6)), 2) as decimal(4, 2))
        end as power_factor
    from blocked as m
    join customers as c using (customer_id)
    join tariffs as t using (tariff_code)
),
adjusted as (
    select
        charged.*,
        coalesce(p.adjustment_pct, 0) as pf_adjustment_pct,
        {money('(charged.basic_charge + charged.energy_charge) * coalesce(p.adjustment_pct, 0) / 100')} as pf_adjustment
    from charged
    left join power_factor_adjustment as p
        on charged.pf_standard = p.pf_standard and charged.power_factor = p.power_factor
)
select
    adjusted.*,
    cast(basic_charge + energy_charge + pf_adjustment + surcharge as decimal(18, 2)) as total_amount
from adjusted
"""]))

    steps.append(("payment_allocations", ["""
create table payment_allocations as
with due as (
    select bill_id, customer_id, issue_date, due_date, greatest(total_amount, 0) as amount_due
    from bills
),
principal as (
    select payment_id, customer_id, bill_id, paid_at, amount
    from payments
    where payment_type in ('bill', 'prepaid_topup') and amount > 0
),
referenced as (
    -- a payment naming one of the customer's bills pays it, oldest payment first, up to its amount
    select
        p.payment_id, p.customer_id, p.bill_id, p.paid_at, p.amount,
        least(p.cumulative_paid, due.amount_due) - least(p.cumulative_paid - p.amount, due.amount_due)
            as allocated_amount
    from (
        select principal.*, sum(amount) over (
            partition by bill_id order by paid_at, payment_id rows unbounded preceding) as cumulative_paid
        from principal
        where bill_id in (select bill_id from due)
    ) as p
    join due on p.bill_id = due.bill_id and p.customer_id = due.customer_id
),
credits as (
    -- the customer's balance: top-ups, payments naming none of their bills, excesses
    select payment_id, customer_id, paid_at as credited_at, amount as credit_amount
    from principal
    where not exists (select 1 from due where due.bill_id = principal.bill_id
                                          and due.customer_id = principal.customer_id)
    union all
    select payment_id, customer_id, paid_at, amount - allocated_amount
    from referenced
    where amount > allocated_amount
),
credit_ranges as (
    select *, sum(credit_amount) over (
        partition by customer_id order by credited_at, payment_id rows unbounded preceding) as range_end
    from credits
),
open_bills as (
    select due.bill_id, due.customer_id, due.issue_date, due.due_date,
           due.amount_due - coalesce(paid.allocated, 0) as amount_open
    from due
    left join (select bill_id, sum(allocated_amount) as allocated from referenced group by bill_id) as paid
        using (bill_id)
),
open_ranges as (
    select *, sum(amount_open) over (
        partition by customer_id order by due_date, issue_date, bill_id rows unbounded preceding) as range_end
    from open_bills
    where amount_open > 0
),
fifo as (
    -- the balance settles open bills oldest due date first, no earlier than the bill's issue date
    select
        c.payment_id, c.customer_id, b.bill_id,
        greatest(c.credited_at, cast(b.issue_date as timestamp)) as settled_at,
        least(c.range_end, b.range_end) - greatest(c.range_end - c.credit_amount, b.range_end - b.amount_open)
            as allocated_amount
    from credit_ranges as c
    join open_ranges as b
        on c.customer_id = b.customer_id
       and c.range_end - c.credit_amount < b.range_end
       and b.range_end - b.amount_open < c.range_end
)
select payment_id, customer_id, bill_id, paid_at as settled_at,
       cast(allocated_amount as decimal(18, 2)) as allocated_amount, 'bill_reference' as allocation_method
from referenced where allocated_amount > 0
union all
select payment_id, customer_id, bill_id, settled_at,
       cast(allocated_amount as decimal(18, 2)), 'balance_fifo'
from fifo where allocated_amount > 0
"""]))

    steps.append(("settlement", ["""
create table month_ends as
with period as (
    select
        (select min(billing_month) from bills) as first_month,
        greatest((select max(issue_date) from bills),
                 coalesce((select max(cast(paid_at as date)) from payments), (select max(issue_date) from bills)))
            as observation_end_date
)
select cast(month_start as date) as month_start, last_day(cast(month_start as date)) as month_end,
       observation_end_date
from period, unnest(generate_series(cast(first_month as timestamp), cast(observation_end_date as timestamp),
                                    interval 1 month)) as months(month_start)
where last_day(cast(month_start as date)) <= observation_end_date
""", """
create table bill_settlement as
with settled_by_day as (
    select bill_id, cast(settled_at as date) as settled_date, sum(allocated_amount) as amount
    from payment_allocations
    group by all
),
running as (
    select bill_id, settled_date, amount,
           sum(amount) over (partition by bill_id order by settled_date rows unbounded preceding)
               as cumulative_settled
    from settled_by_day
),
per_bill as (
    select r.bill_id, sum(r.amount) as amount_paid,
           min(case when r.cumulative_settled >= greatest(b.total_amount, 0) then r.settled_date end)
               as paid_in_full_date
    from running as r
    join bills as b using (bill_id)
    group by r.bill_id
)
select *,
    cast(case when paid_in_full_date is not null
         then greatest(datediff('day', due_date, paid_in_full_date), 0) end as integer) as days_late
from (
    select
        b.bill_id, b.customer_id, b.billing_month, b.issue_date, b.due_date, b.total_amount,
        cast(coalesce(p.amount_paid, 0) as decimal(18, 2)) as amount_paid,
        cast(greatest(b.total_amount, 0) - coalesce(p.amount_paid, 0) as decimal(18, 2)) as amount_outstanding,
        -- a bill that owes nothing is settled the day it is issued
        case when greatest(b.total_amount, 0) = 0 then b.issue_date else p.paid_in_full_date end
            as paid_in_full_date
    from bills as b
    left join per_bill as p using (bill_id)
)
"""]))

    bucket_case = " ".join(f"when days_past_due <= {limit} then '{name}'" for name, limit in AGEING_BUCKETS)
    steps.append(("month_end_balances", [f"""
create table bill_month_end_balances as
with running as (
    select bill_id, settled_date,
           sum(amount) over (partition by bill_id order by settled_date rows unbounded preceding)
               as cumulative_settled
    from (select bill_id, cast(settled_at as date) as settled_date, sum(allocated_amount) as amount
          from payment_allocations group by all)
),
bill_month_ends as (
    select s.bill_id, s.customer_id, s.billing_month, s.due_date, s.total_amount as amount_due, m.month_end
    from bill_settlement as s
    join month_ends as m
        on m.month_end >= s.issue_date
       and (s.paid_in_full_date is null or m.month_end < s.paid_in_full_date)
    where s.total_amount > 0
),
balances as (
    select e.bill_id, e.customer_id, e.billing_month, e.due_date, e.month_end,
           e.amount_due - coalesce(r.cumulative_settled, 0) as amount_outstanding,
           greatest(datediff('day', e.due_date, e.month_end), 0) as days_past_due
    from bill_month_ends as e
    asof left join running as r
        on e.bill_id = r.bill_id and r.settled_date <= e.month_end
)
select bill_id, customer_id, billing_month, due_date, month_end,
       cast(amount_outstanding as decimal(18, 2)) as amount_outstanding,
       cast(days_past_due as integer) as days_past_due,
       case when days_past_due <= 0 then 'not_due' {bucket_case} else 'over_90' end as ageing_bucket
from balances
where amount_outstanding > 0
""", """
create table arrears_by_ageing as
select month_end, ageing_bucket, count(*) as bills, count(distinct customer_id) as customers,
       sum(amount_outstanding) as amount_outstanding
from bill_month_end_balances
group by all
"""]))
    return steps


def default_memory_limit() -> str:
    """The warehouse build's own limit (profiles.yml: POWERLENS_MEMORY_LIMIT, default 6GB), so
    both sides of the comparison get the same memory."""
    return os.environ.get("POWERLENS_MEMORY_LIMIT", "6GB")


def run_baseline(raw_dir: Path, db_path: Path, *, as_of: str | None = None,
                 seeds_dir: Path = SEEDS_DIR, threads: int | None = None,
                 memory_limit: str | None = None) -> dict:
    """Build every result table into a fresh ``db_path``; returns seconds per step and row counts."""
    raw_dir, db_path = Path(raw_dir).resolve(), Path(db_path)
    as_of = as_of or dt.date.today().isoformat()
    for stale in (db_path, Path(str(db_path) + ".wal")):
        stale.unlink(missing_ok=True)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(str(db_path))
    threads = threads or os.cpu_count() or 1
    memory_limit = memory_limit or default_memory_limit()
    con.execute(f"set threads = {int(threads)}")
    con.execute(f"set memory_limit = {_sql_string(memory_limit)}")
    con.execute("set preserve_insertion_order = false")
    con.execute(f"set temp_directory = {_sql_string(str(db_path) + '.tmp')}")
    steps: dict[str, float] = {}
    try:
        for name, statements in step_sql(con, raw_dir, seeds_dir, as_of):
            step_started = time.perf_counter()
            for statement in statements:
                con.execute(statement)
            steps[name] = round(time.perf_counter() - step_started, 3)
        con.execute("checkpoint")
        total = round(time.perf_counter() - started, 3)
        tables = ["readings", "readings_rejected", "customers", "customers_rejected", "bills",
                  "bills_rejected", "payments", "payments_rejected", "customer_months",
                  "recomputed_bills", "payment_allocations", "bill_settlement",
                  "bill_month_end_balances", "arrears_by_ageing"]
        rows = {table: con.execute(f"select count(*) from {table}").fetchone()[0] for table in tables}
    finally:
        con.close()
    return {"benchmark": "baseline_duckdb", "raw_dir": str(raw_dir), "db": str(db_path),
            "as_of": as_of, "threads": threads, "memory_limit": memory_limit,
            "duckdb_version": duckdb.__version__, "steps": steps, "seconds": total, "rows": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, required=True, help="folder of raw export files")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to write (replaced)")
    parser.add_argument("--as-of", default=None,
                        help="the data's as-of date, YYYY-MM-DD: later dates are rejected (default: today)")
    parser.add_argument("--seeds", type=Path, default=SEEDS_DIR, help="folder of the seed CSVs")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: CPU count)")
    parser.add_argument("--memory-limit", default=None,
                        help="DuckDB memory limit, e.g. 4GB (default: 80%% of physical memory)")
    args = parser.parse_args(argv)
    if args.as_of:
        dt.date.fromisoformat(args.as_of)
    report = run_baseline(args.raw, args.db, as_of=args.as_of, seeds_dir=args.seeds,
                          threads=args.threads, memory_limit=args.memory_limit)
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
