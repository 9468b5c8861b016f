"""Churn features per active customer at a snapshot date.

Point in time is the whole point of this module: every feature for snapshot ``s`` is computed from
rows dated strictly before ``s`` (a usage month that ended before ``s``, a bill issued before ``s``,
a payment made before ``s``, a ticket created before ``s`` whose outcome is only used when it was
known before ``s``). ``close_date`` decides who is active at ``s`` and the label, and
``close_reason`` is never read here at all.

Inputs are pandas frames with the staging column names (see docs/DEVELOPING.md), except the
monthly usage, which is the meter readings summed per customer and month
(``int_churn__monthly_usage``: customer_id, usage_month, kwh, max_demand_kw).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CATEGORICAL_FEATURES = ["customer_type", "region_code", "urban_rural", "payment_mode"]
NUMERIC_FEATURES = [
    "tenure_months",
    "contract_capacity_kva",
    "voltage_kv",
    "has_pv",
    "kwh_avg_3m",
    "kwh_avg_12m",
    "kwh_trend_3m_vs_12m",
    "kwh_volatility_12m",
    "zero_usage_months_3m",
    "kwh_yoy_3m",
    "kwh_seasonal_trend_last_year",
    "kwh_trend_vs_type",
    "kwh_volatility_vs_type",
    "max_demand_3m_kw",
    "demand_trend_3m_vs_12m",
    "demand_yoy_3m",
    "demand_trend_vs_type",
    "demand_utilisation_3m",
    "bill_avg_3m",
    "bill_amount_12m",
    "bill_trend_3m_vs_12m",
    "yuan_per_kwh_12m",
    "late_payments_12m",
    "late_fees_12m",
    "arrears_amount",
    "oldest_arrears_days",
    "tickets_12m",
    "outage_tickets_12m",
    "complaints_3m",
    "complaints_12m",
    "unresolved_complaints",
    "dissatisfied_complaints_12m",
    "ticket_satisfaction_12m",
    "latest_survey_overall",
    "latest_survey_billing",
    "programmes_enrolled",
    "competition_index",
]
# Raw seasonal-blind figures stay in the feature table for readers, but the models see their
# seasonally adjusted forms instead: a farm's winter dip (use 0.6 of its 12-month mean, demand
# 0.5) looked exactly like a customer fading away, and with a few dozen farms against thousands
# of households the models learned "dip = leaving" for everyone (docs/ch5_churn.md, "Seasonal
# customers").
SEASON_BLIND_FEATURES = ["kwh_trend_3m_vs_12m", "kwh_volatility_12m", "demand_trend_3m_vs_12m"]
MODEL_NUMERIC_FEATURES = [f for f in NUMERIC_FEATURES if f not in SEASON_BLIND_FEATURES]
FEATURES = NUMERIC_FEATURES + CATEGORICAL_FEATURES
MODEL_FEATURES = MODEL_NUMERIC_FEATURES + CATEGORICAL_FEATURES

# columns a caller must never hand to a model: they describe the future
FORBIDDEN_FEATURES = {"close_date", "close_reason"}

# a payment made on the due date is on time; money compared to the cent
CENT = 0.005


@dataclass
class ChurnInputs:
    customers: pd.DataFrame
    monthly_usage: pd.DataFrame
    bills: pd.DataFrame
    payments: pd.DataFrame
    tickets: pd.DataFrame
    surveys: pd.DataFrame
    programmes: pd.DataFrame
    # region_code, competition_index (the seed region_retail_competition); None: not known,
    # the feature is then empty for everyone
    region_competition: pd.DataFrame | None = None

    def normalised(self) -> "ChurnInputs":
        """Copies with date columns as datetimes, so callers may pass strings or dates."""
        dates = {
            "customers": ["open_date", "close_date"],
            "monthly_usage": ["usage_month"],
            "bills": ["billing_month", "issue_date", "due_date"],
            "payments": ["paid_at"],
            "tickets": ["created_at", "resolved_at"],
            "surveys": ["survey_date"],
            "programmes": ["enrolled_date"],
        }
        frames = {}
        for name, columns in dates.items():
            frame = getattr(self, name).copy()
            for column in columns:
                frame[column] = pd.to_datetime(frame[column])
            frames[name] = frame
        return ChurnInputs(**frames, region_competition=self.region_competition)


def months_between(start: pd.Series, end: pd.Timestamp) -> pd.Series:
    """Whole calendar months from the month of ``start`` to the month of ``end``."""
    return (end.year - start.dt.year) * 12 + (end.month - start.dt.month)


def active_customers(customers: pd.DataFrame, snapshot: pd.Timestamp) -> pd.DataFrame:
    """Customers whose account was open before the snapshot and not yet closed on it."""
    is_open = customers["open_date"] < snapshot
    not_closed = customers["close_date"].isna() | (customers["close_date"] >= snapshot)
    return customers.loc[is_open & not_closed]


def churn_label(customers: pd.DataFrame, snapshot: pd.Timestamp, window_months: int) -> pd.Series:
    """True where the account closes within ``window_months`` after the snapshot, any reason."""
    active = active_customers(customers, snapshot)
    window_end = snapshot + pd.DateOffset(months=window_months)
    churned = active["close_date"].notna() & (active["close_date"] < window_end)
    return pd.Series(churned.to_numpy(), index=active["customer_id"].to_numpy(), name="churned")


# Typed projections of the inputs. The same SQL serves the dbt model (DuckDB relations of the
# warehouse) and the tests and benchmark (pandas frames registered in an in-memory DuckDB), so
# there is one implementation of every feature. close_reason is not among the columns.
INPUT_COLUMNS = {
    "customers": ("customer_id::varchar as customer_id, customer_type::varchar as customer_type, "
                  "region_code::varchar as region_code, urban_rural::varchar as urban_rural, "
                  "payment_mode::varchar as payment_mode, "
                  "cast(contract_capacity_kva as double) as contract_capacity_kva, "
                  "cast(voltage_kv as double) as voltage_kv, cast(has_pv as boolean) as has_pv, "
                  "cast(open_date as timestamp) as open_date, "
                  "cast(close_date as timestamp) as close_date"),
    "monthly_usage": ("customer_id::varchar as customer_id, "
                      "cast(date_trunc('month', cast(usage_month as timestamp)) as date) as usage_month, "
                      "cast(kwh as double) as kwh, cast(max_demand_kw as double) as max_demand_kw"),
    "bills": ("bill_id::varchar as bill_id, customer_id::varchar as customer_id, "
              "cast(issue_date as timestamp) as issue_date, cast(due_date as timestamp) as due_date, "
              "cast(kwh_total as double) as kwh_total, "
              "cast(total_amount as double) as total_amount"),
    "payments": ("payment_id::varchar as payment_id, customer_id::varchar as customer_id, "
                 "bill_id::varchar as bill_id, cast(paid_at as timestamp) as paid_at, "
                 "cast(amount as double) as amount, payment_type::varchar as payment_type"),
    "tickets": ("ticket_id::varchar as ticket_id, customer_id::varchar as customer_id, "
                "ticket_type::varchar as ticket_type, category::varchar as category, "
                "cast(created_at as timestamp) as created_at, "
                "cast(resolved_at as timestamp) as resolved_at, "
                "cast(satisfaction as double) as satisfaction"),
    "surveys": ("survey_id::varchar as survey_id, customer_id::varchar as customer_id, "
                "cast(survey_date as timestamp) as survey_date, "
                "cast(overall as double) as overall, cast(billing as double) as billing"),
    "programmes": ("customer_id::varchar as customer_id, programme::varchar as programme, "
                   "cast(enrolled_date as timestamp) as enrolled_date"),
    "region_competition": ("region_code::varchar as region_code, "
                           "cast(competition_index as double) as competition_index"),
}
NO_COMPETITION = pd.DataFrame({"region_code": pd.Series(dtype=object),
                               "competition_index": pd.Series(dtype=float)})
VIEW_PREFIX = "pl_churn_in_"


def _ratio_sql(numerator: str, denominator: str) -> str:
    return f"case when ({denominator}) > 0 then ({numerator}) / ({denominator}) end"


def _month_offsets(column: str, last: int) -> str:
    """Each dated row contributes to the snapshots (first days of months) 1..``last`` months
    after its month: a row dated in month m is before snapshot s and within the ``k`` months
    before it exactly when s = m + k months, 1 <= k (a windowed aggregate without a range join)."""
    snapshot = f"cast(date_trunc('month', {column}) + to_months(k) as date)"
    # rows too old or too new for every snapshot are skipped before they are multiplied
    join = (f"cross join range(1, {last + 1}) as offsets(k) "
            f"where {column} >= (select min(snapshot_date) from snapshots) - to_months({last}) "
            f"and {column} < (select max(snapshot_date) from snapshots) "
            f"and {snapshot} in (select snapshot_date from snapshots)")
    return join, snapshot


def features_sql(window_months: int) -> str:
    """SELECT of the training frame from the ``pl_churn_in_*`` views and ``pl_churn_snapshots``
    (snapshot_date date, labelled boolean). Every aggregate for snapshot ``s`` reads only rows
    dated before ``s``; outcomes (resolution, rating, settlement) only when known before ``s``."""
    v = VIEW_PREFIX
    usage_join, usage_snapshot = _month_offsets("usage_month", 15)
    bill_join, bill_snapshot = _month_offsets("issue_date", 12)
    due_join, due_snapshot = _month_offsets("due_date", 12)
    fee_join, fee_snapshot = _month_offsets("paid_at", 12)
    ticket_join, ticket_snapshot = _month_offsets("created_at", 12)
    numeric = ",\n        ".join(f"cast({expr} as double) as {name}"
                                 for name, expr in _numeric_expressions().items())
    categorical = ", ".join(f"base.{name}" for name in CATEGORICAL_FEATURES)
    adjusted = ",\n    ".join(f"cast({expr} as double) as {name}"
                              for name, expr in ADJUSTED_FEATURES.items())
    return f"""
with snapshots as (
    select cast(snapshot_date as date) as snapshot_date, labelled from pl_churn_snapshots
),
base as (
    -- the region's retail competition is today's (the seed has no history), like the
    -- customer record's attributes: a documented simplification, not a later fact about
    -- the customer
    select s.snapshot_date, s.labelled, c.*, rc.competition_index,
        greatest(1, (year(s.snapshot_date) - year(c.open_date)) * 12
                    + month(s.snapshot_date) - month(c.open_date)) as months_open
    from {v}customers as c
    inner join snapshots as s
        on c.open_date < s.snapshot_date
        and (c.close_date is null or c.close_date >= s.snapshot_date)
    left join {v}region_competition as rc on c.region_code = rc.region_code
),
usage_agg as (
    select customer_id, {usage_snapshot} as snapshot_date,
        sum(kwh) filter (where k <= 3) as kwh_3,
        count(*) filter (where k <= 3 and kwh > 0) as used_3,
        sum(kwh) filter (where k <= 12) as kwh_12,
        sum(kwh * kwh) filter (where k <= 12) as kwh_sq_12,
        max(max_demand_kw) filter (where k <= 3) as demand_3,
        max(max_demand_kw) filter (where k <= 12) as demand_12,
        sum(kwh) filter (where k > 12) as kwh_last_year_3,
        count(*) filter (where k > 12) as months_last_year_3,
        max(max_demand_kw) filter (where k > 12) as demand_last_year_3
    from {v}monthly_usage {usage_join}
    group by all
),
bill_agg as (
    select customer_id, {bill_snapshot} as snapshot_date,
        sum(total_amount) filter (where k <= 3) as amount_3,
        count(total_amount) filter (where k <= 3) as bills_3,
        sum(total_amount) as amount_12,
        count(total_amount) as bills_12,
        sum(kwh_total) as billed_kwh_12
    from {v}bills {bill_join}
    group by all
),
postpaid_bills as (
    select b.bill_id, b.customer_id, b.due_date, b.total_amount
    from {v}bills as b
    inner join {v}customers as c on b.customer_id = c.customer_id
    where c.payment_mode = 'postpaid'
),
bill_payments as (
    select bill_id, paid_at, amount from {v}payments
    where payment_type = 'bill' and bill_id is not null
),
bill_status as (
    -- paid by the due date (a payment on the due date is on time); the due date is before
    -- every snapshot that counts the bill, so so are these payments
    select pb.bill_id, pb.customer_id, pb.due_date, pb.total_amount,
        coalesce(sum(bp.amount) filter (where bp.paid_at < pb.due_date + interval 1 day), 0)
            as paid_by_due
    from postpaid_bills as pb
    left join bill_payments as bp on pb.bill_id = bp.bill_id
    group by all
),
late_agg as (
    select customer_id, {due_snapshot} as snapshot_date, count(*) as late_payments
    from bill_status {due_join}
    and paid_by_due < total_amount - {CENT}
    group by all
),
payment_running as (
    select bp.bill_id, bp.paid_at,
        sum(bp.amount) over (partition by bp.bill_id order by bp.paid_at) as paid_so_far
    from bill_payments as bp
),
settled as (
    -- when the bill was paid to the cent; it is in arrears at every snapshot after its due
    -- date up to then
    select pr.bill_id, min(pr.paid_at) as settled_at
    from payment_running as pr
    inner join postpaid_bills as pb on pr.bill_id = pb.bill_id
    where pr.paid_so_far >= pb.total_amount - {CENT}
    group by all
),
open_bills as (
    select pb.customer_id, s.snapshot_date, pb.bill_id, pb.due_date, pb.total_amount
    from postpaid_bills as pb
    left join settled on pb.bill_id = settled.bill_id
    inner join snapshots as s
        on pb.due_date < s.snapshot_date
        and (settled.settled_at is null or settled.settled_at >= s.snapshot_date)
    where settled.settled_at is null
        or settled.settled_at >= date_trunc('month', pb.due_date) + interval 1 month
),
open_amounts as (
    select ob.customer_id, ob.snapshot_date, ob.bill_id, min(ob.due_date) as due_date,
        min(ob.total_amount)
            - coalesce(sum(bp.amount) filter (where bp.paid_at < ob.snapshot_date), 0) as outstanding
    from open_bills as ob
    left join bill_payments as bp on ob.bill_id = bp.bill_id
    group by ob.customer_id, ob.snapshot_date, ob.bill_id
),
arrears_agg as (
    select customer_id, snapshot_date, sum(outstanding) as postpaid_arrears,
        min(due_date) as oldest_due
    from open_amounts where outstanding > {CENT}
    group by all
),
prepaid_billed as (
    select b.customer_id, b.issue_date,
        sum(b.total_amount) over (partition by b.customer_id order by b.issue_date) as billed
    from {v}bills as b
    inner join {v}customers as c on b.customer_id = c.customer_id
    where coalesce(c.payment_mode, '') <> 'postpaid'
),
prepaid_topups as (
    select customer_id, paid_at,
        sum(amount) over (partition by customer_id order by paid_at) as topped_up
    from {v}payments where coalesce(payment_type, '') <> 'late_fee'
),
fee_agg as (
    select customer_id, {fee_snapshot} as snapshot_date, count(*) as late_fees
    from {v}payments {fee_join}
    and payment_type = 'late_fee'
    group by all
),
ticket_agg as (
    select customer_id, {ticket_snapshot} as snapshot_date,
        count(*) as tickets_12,
        count(*) filter (where category = 'outage') as outage_12,
        count(*) filter (where ticket_type = 'complaint' and k <= 3) as complaints_3,
        count(*) filter (where ticket_type = 'complaint') as complaints_12,
        count(*) filter (where ticket_type = 'complaint' and resolved_at < {ticket_snapshot}
                         and satisfaction <= 2) as dissatisfied_12,
        avg(satisfaction) filter (where resolved_at < {ticket_snapshot}) as satisfaction_12
    from {v}tickets {ticket_join}
    group by all
),
unresolved_agg as (
    select t.customer_id, s.snapshot_date, count(*) as unresolved
    from {v}tickets as t
    inner join snapshots as s
        on t.created_at < s.snapshot_date
        and (t.resolved_at is null or t.resolved_at >= s.snapshot_date)
    where t.ticket_type = 'complaint'
    group by all
),
survey_agg as (
    select sv.customer_id, s.snapshot_date,
        arg_max(sv.overall, strftime(sv.survey_date, '%Y%m%d%H%M%S') || sv.survey_id) as survey_overall,
        arg_max(sv.billing, strftime(sv.survey_date, '%Y%m%d%H%M%S') || sv.survey_id) as survey_billing
    from {v}surveys as sv
    inner join snapshots as s on sv.survey_date < s.snapshot_date
    group by all
),
programme_agg as (
    select p.customer_id, s.snapshot_date, count(*) as programmes
    from {v}programmes as p
    inner join snapshots as s on p.enrolled_date < s.snapshot_date
    group by all
),
joined as (
    select base.*, u.* exclude (customer_id, snapshot_date), b.* exclude (customer_id, snapshot_date),
        l.late_payments, a.postpaid_arrears, a.oldest_due, f.late_fees,
        t.* exclude (customer_id, snapshot_date), r.unresolved,
        sv.survey_overall, sv.survey_billing, pg.programmes,
        pb.billed as prepaid_billed, pt.topped_up as prepaid_topped_up,
        least(base.months_open, 3) as n_3, least(base.months_open, 12) as n_12
    from base
    left join usage_agg as u using (customer_id, snapshot_date)
    left join bill_agg as b using (customer_id, snapshot_date)
    left join late_agg as l using (customer_id, snapshot_date)
    left join arrears_agg as a using (customer_id, snapshot_date)
    left join fee_agg as f using (customer_id, snapshot_date)
    left join ticket_agg as t using (customer_id, snapshot_date)
    left join unresolved_agg as r using (customer_id, snapshot_date)
    left join survey_agg as sv using (customer_id, snapshot_date)
    left join programme_agg as pg using (customer_id, snapshot_date)
    asof left join prepaid_billed as pb
        on base.customer_id = pb.customer_id and base.snapshot_date > pb.issue_date
    asof left join prepaid_topups as pt
        on base.customer_id = pt.customer_id and base.snapshot_date > pt.paid_at
),
features as (
    select snapshot_date, customer_id,
        {numeric},
        {categorical},
        coalesce(amount_12, 0) * 12 / least(months_open, 12) as annual_revenue_yuan,
        case when labelled then close_date is not null
            and close_date < snapshot_date + to_months({int(window_months)}) end as churned
    from joined as base
),
type_norms as (
    -- what is normal for the customer type at the snapshot (the median over its customers
    -- active then, all from rows before the snapshot): the yardstick for use and demand
    -- trends and volatility, which swing with the season for farms and not for households
    select snapshot_date, customer_type,
        {type_norms_sql()}
    from features
    group by all
)
select f.* exclude ({", ".join(ADJUSTED_FEATURES)}),
    {adjusted}
from features as f
left join type_norms as n
    on f.snapshot_date = n.snapshot_date and f.customer_type is not distinct from n.customer_type
"""


def _numeric_expressions() -> dict[str, str]:
    kwh_avg_3m = "coalesce(kwh_3, 0) / n_3"
    kwh_avg_12m = "coalesce(kwh_12, 0) / n_12"
    variance = f"coalesce(kwh_sq_12, 0) / n_12 - ({kwh_avg_12m}) * ({kwh_avg_12m})"
    bill_avg_3m = _ratio_sql("amount_3", "bills_3")
    # the same three calendar months a year earlier: only when all three were open and read
    last_year_avg = "case when months_open >= 15 and months_last_year_3 = 3 then kwh_last_year_3 / 3 end"
    prepaid = "coalesce(payment_mode, '') <> 'postpaid'"
    expressions = {
        "tenure_months": "datediff('day', open_date, snapshot_date) / 30.4375",
        "contract_capacity_kva": "contract_capacity_kva",
        "voltage_kv": "voltage_kv",
        "has_pv": "cast(has_pv as integer)",
        "kwh_avg_3m": kwh_avg_3m,
        "kwh_avg_12m": kwh_avg_12m,
        "kwh_trend_3m_vs_12m": _ratio_sql(kwh_avg_3m, kwh_avg_12m),
        "kwh_volatility_12m": _ratio_sql(f"sqrt(greatest({variance}, 0))", kwh_avg_12m),
        "zero_usage_months_3m": "n_3 - coalesce(used_3, 0)",
        "kwh_yoy_3m": _ratio_sql(kwh_avg_3m, last_year_avg),
        "kwh_seasonal_trend_last_year": _ratio_sql(last_year_avg, kwh_avg_12m),
        "kwh_trend_vs_type": "null",  # see ADJUSTED_FEATURES
        "kwh_volatility_vs_type": "null",
        "max_demand_3m_kw": "demand_3",
        "demand_trend_3m_vs_12m": _ratio_sql("demand_3", "demand_12"),
        # the highest demand of the same three calendar months a year earlier, same rule
        "demand_yoy_3m": _ratio_sql("demand_3", "case when months_open >= 15 and "
                                    "months_last_year_3 = 3 then demand_last_year_3 end"),
        "demand_trend_vs_type": "null",
        "demand_utilisation_3m": _ratio_sql("demand_3", "contract_capacity_kva"),
        "bill_avg_3m": bill_avg_3m,
        "bill_amount_12m": "coalesce(amount_12, 0)",
        "bill_trend_3m_vs_12m": _ratio_sql(bill_avg_3m, _ratio_sql("amount_12", "bills_12")),
        "yuan_per_kwh_12m": _ratio_sql("amount_12", "billed_kwh_12"),
        "late_payments_12m": "coalesce(late_payments, 0)",
        "late_fees_12m": "coalesce(late_fees, 0)",
        "arrears_amount": (f"case when {prepaid} then greatest(coalesce(prepaid_billed, 0) "
                           "- coalesce(prepaid_topped_up, 0), 0) "
                           "else coalesce(postpaid_arrears, 0) end"),
        "oldest_arrears_days": "coalesce(datediff('day', oldest_due, snapshot_date), 0)",
        "tickets_12m": "coalesce(tickets_12, 0)",
        "outage_tickets_12m": "coalesce(outage_12, 0)",
        "complaints_3m": "coalesce(complaints_3, 0)",
        "complaints_12m": "coalesce(complaints_12, 0)",
        "unresolved_complaints": "coalesce(unresolved, 0)",
        "dissatisfied_complaints_12m": "coalesce(dissatisfied_12, 0)",
        "ticket_satisfaction_12m": "satisfaction_12",
        "latest_survey_overall": "survey_overall",
        "latest_survey_billing": "survey_billing",
        "programmes_enrolled": "coalesce(programmes, 0)",
        "competition_index": "competition_index",
    }
    assert list(expressions) == NUMERIC_FEATURES, "feature SQL and NUMERIC_FEATURES disagree"
    return expressions


# the median of the customer's type at the snapshot each adjusted feature is divided by
# (``ADJUSTED_FEATURES``); a whole-table statistic, which Spark computes as an aggregate
# (powerlens.scoring.spark_entry)
TYPE_NORMS = {"type_kwh_trend": "kwh_trend_3m_vs_12m",
              "type_demand_trend": "demand_trend_3m_vs_12m",
              "type_volatility": "kwh_volatility_12m"}


def type_norms_sql() -> str:
    return ",\n        ".join(f"median({column}) as {name}" for name, column in TYPE_NORMS.items())


# Features measured against the customer's own seasonal baseline or its type's norm at the
# snapshot (``type_norms`` in ``features_sql``), filled in after the per-customer features.
ADJUSTED_FEATURES = {
    # the 3-month trend divided by the median trend of the customer's type at the snapshot:
    # about 1 for a farm in the farms' usual winter dip, well below 1 for a customer fading
    # away. (Divided by the customer's own trend a year earlier it was noisier than the raw
    # trend for the many customers without a season; kwh_yoy_3m carries the own baseline.)
    "kwh_trend_vs_type": _ratio_sql("f.kwh_trend_3m_vs_12m", "n.type_kwh_trend"),
    "kwh_volatility_vs_type": _ratio_sql("f.kwh_volatility_12m", "n.type_volatility"),
    "demand_trend_vs_type": _ratio_sql("f.demand_trend_3m_vs_12m", "n.type_demand_trend"),
}


def create_input_views(con, sources: dict) -> None:
    """``sources`` maps each ChurnInputs field to a DuckDB relation or a pandas frame."""
    for name, columns in INPUT_COLUMNS.items():
        source = sources[name]
        if isinstance(source, pd.DataFrame):
            con.register(f"{VIEW_PREFIX}{name}_raw", source)
            source = con.table(f"{VIEW_PREFIX}{name}_raw")
        source.project(columns).create_view(f"{VIEW_PREFIX}{name}", replace=True)


def create_snapshot_table(con, snapshots, current_snapshot, window_months: int) -> None:
    current = pd.Timestamp(current_snapshot)
    frame = pd.DataFrame({"snapshot_date": [pd.Timestamp(s) for s in snapshots]})
    frame["labelled"] = [s + pd.DateOffset(months=window_months) <= current
                         for s in frame["snapshot_date"]]
    con.register("pl_churn_snapshots_raw", frame)
    con.execute("create or replace temp table pl_churn_snapshots as "
                "select cast(snapshot_date as date) as snapshot_date, labelled "
                "from pl_churn_snapshots_raw")


def training_relation(con, sources: dict, snapshots, current_snapshot, window_months: int):
    """The training frame as a DuckDB relation on ``con`` (ordered by snapshot and customer)."""
    create_input_views(con, sources)
    create_snapshot_table(con, snapshots, current_snapshot, window_months)
    return con.sql(features_sql(window_months) + " order by snapshot_date, customer_id")


def _frame_from_sql(inputs: "ChurnInputs", snapshots, current_snapshot,
                    window_months: int) -> pd.DataFrame:
    import duckdb

    with duckdb.connect() as con:
        con.execute("set threads to 2")
        sources = {name: getattr(inputs, name) for name in INPUT_COLUMNS}
        if sources["region_competition"] is None:
            sources["region_competition"] = NO_COMPETITION
        frame = training_relation(con, sources, snapshots, current_snapshot, window_months).df()
    return typed_frame(frame)


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"]).astype("datetime64[us]")
    frame[NUMERIC_FEATURES] = frame[NUMERIC_FEATURES].astype(float)
    for column in CATEGORICAL_FEATURES + ["customer_id"]:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["annual_revenue_yuan"] = frame["annual_revenue_yuan"].astype(float)
    frame["churned"] = frame["churned"].astype("boolean")
    return frame


def build_snapshot_features(inputs: "ChurnInputs", snapshot) -> pd.DataFrame:
    """One row per customer active at ``snapshot`` (index customer_id), columns ``FEATURES``
    and ``annual_revenue_yuan`` (the SQL of ``features_sql`` on the frames)."""
    snapshot = pd.Timestamp(snapshot)
    frame = _frame_from_sql(inputs.normalised(), [snapshot], snapshot, 0)
    frame = frame.drop(columns=["snapshot_date", "churned"]).set_index("customer_id")
    return frame

def snapshot_dates(first_month, current_snapshot, min_history_months: int) -> list[pd.Timestamp]:
    """Monthly snapshots from ``min_history_months`` after the data starts up to the current one.

    The current snapshot is always one of them, even when the data is shorter than
    ``min_history_months``: its customers are the ones to score (or to mark unscored).
    """
    first = pd.Timestamp(first_month).to_period("M").to_timestamp()
    current = pd.Timestamp(current_snapshot)
    start = min(first + pd.DateOffset(months=min_history_months), current)
    return list(pd.date_range(start, current, freq="MS"))


def build_training_frame(inputs: ChurnInputs, snapshots, current_snapshot,
                         window_months: int) -> pd.DataFrame:
    """Features for every snapshot with ``snapshot_date`` and ``churned``.

    ``churned`` is empty (NA) where the window after the snapshot reaches past the data
    (``current_snapshot``), because the outcome is not yet known there.
    """
    return _frame_from_sql(inputs.normalised(), snapshots, current_snapshot, window_months)
