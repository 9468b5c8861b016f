"""`powerlens customer ID`: one customer's whole story on one page, from the published warehouse.

Read-only (a running build is never blocked) and masked: the profile comes from dim_customers,
the months from fct_customer_360_monthly, the current churn risk from mart_ch5_churn_scores and
mart_ch5_retention_plan, value and offers from the chapter 6 marts (docs/customer_360.md).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from powerlens.pipeline.publish import analyst_file

NOT_FOUND = 2


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "customer", help="print one customer's profile, months, credit, service, risk and offers",
        description="Print one customer's story from the published warehouse (read-only, "
                    "personal data masked): profile, the last months of usage, bills, payments, "
                    "arrears, credit grade and service contacts, the churn risk with its drivers "
                    "and retention action, the value tier and the offers in yuan.")
    parser.add_argument("customer_id", help="the customer's account id, e.g. C00000042")
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse"),
                        help="folder of the published warehouse (default: warehouse)")
    parser.add_argument("--months", type=int, default=12, help="months to show (default 12)")
    parser.set_defaults(func=run)


def _rows(con, sql: str, parameters: list) -> list[dict]:
    cursor = con.execute(sql, parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _yuan(value) -> str:
    return "-" if value is None else f"{float(value):,.2f}"


def _number(value, digits: int = 0) -> str:
    return "-" if value is None else f"{float(value):,.{digits}f}"


def customer_page(con, customer_id: str, months: int = 12) -> str | None:
    """The page as text, or None when the warehouse has no such customer."""
    profiles = _rows(con, "select * from marts.dim_customers where customer_id = ?", [customer_id])
    if not profiles:
        return None
    profile = profiles[0]
    lines = [
        f"Customer {customer_id}: {profile['customer_name_masked']}, "
        f"{profile['customer_type_label_zh']} ({profile['customer_type']}), "
        f"{profile['urban_rural_label_en']}, {profile['region_name_en']}",
        f"  address {profile['address_masked']}, phone {profile['phone_masked']}",
        f"  tariff {profile['tariff_code']}, {profile['payment_mode']}, "
        f"{_number(profile['contract_capacity_kva'])} kVA, opened {profile['open_date']}"
        + (f", closed {profile['close_date']} ({profile['close_reason']})" if profile["close_date"]
           else f", active, tenure {profile['tenure_months']} months"),
        "",
        f"Last {months} months",
        f"{'month':<8} {'kWh':>10} {'billed':>10} {'paid':>10} {'past due':>10} {'grade':>5} "
        f"{'late':>4} {'tickets':>7} {'complaints':>10} {'survey':>6}",
    ]
    history = _rows(con, """
        select * from (
            select * from marts.fct_customer_360_monthly where customer_id = ?
            order by report_month desc limit ?
        ) order by report_month""", [customer_id, months])
    for month in history:
        lines.append(
            f"{month['report_month']:%Y-%m} {_number(month['kwh_total'], 1):>10} "
            f"{_yuan(month['billed_yuan']):>10} {_yuan(month['paid_yuan']):>10} "
            f"{_yuan(month['past_due_at_month_end_yuan']):>10} "
            f"{month['credit_grade_at_month_start'] or '-':>5} {month['late_payments']:>4} "
            f"{month['service_tickets']:>7} {month['complaints']:>10} "
            f"{_number(month['survey_overall'], 1):>6}")
    month_ends = [month for month in history if month["outstanding_at_month_end_yuan"] is not None]
    if month_ends:
        last = month_ends[-1]
        lines += ["", f"At the end of {last['report_month']:%Y-%m}: outstanding "
                      f"{_yuan(last['outstanding_at_month_end_yuan'])} yuan, past due "
                      f"{_yuan(last['past_due_at_month_end_yuan'])} yuan"
                      + (f" (oldest {last['max_days_past_due']} days, {last['oldest_ageing_bucket']})"
                         if last["is_in_arrears"] else "")]
    lines += ["", *_risk_lines(con, customer_id), *_value_lines(con, customer_id)]
    return "\n".join(lines)


def _risk_lines(con, customer_id: str) -> list[str]:
    scores = _rows(con, "select * from marts.mart_ch5_churn_scores where customer_id = ?", [customer_id])
    if not scores:
        return ["Churn risk: not scored (not active at the current snapshot)"]
    score = scores[0]
    drivers = ", ".join(driver for driver in (score["driver_1"], score["driver_2"], score["driver_3"])
                        if driver)
    lines = [f"Churn risk at {score['snapshot_date']}: {score['risk_tier']}"
             + (f", probability {score['churn_probability']:.3f}, revenue at risk "
                f"{_yuan(score['revenue_at_risk_yuan'])} yuan a year"
                if score["churn_probability"] is not None else "")]
    if drivers:
        lines.append(f"  drivers: {drivers}")
    plans = _rows(con, "select * from marts.mart_ch5_retention_plan where customer_id = ?", [customer_id])
    if plans:
        plan = plans[0]
        lines.append(f"  action: {plan['retention_action']} ({plan['description_en']}): "
                     f"{_yuan(plan['net_value_to_utility_yuan'])} yuan net to the utility, "
                     f"{_yuan(plan['customer_benefit_yuan_per_year'])} yuan a year to the customer"
                     f"{'' if plan['worth_doing'] else ' (not worth doing)'}")
    return lines


def _value_lines(con, customer_id: str) -> list[str]:
    values = _rows(con, "select * from marts.mart_ch6_customer_value where customer_id = ?", [customer_id])
    lines = []
    if values:
        value = values[0]
        lines.append(f"Value: {value['value_tier']} tier, score {_number(value['value_score'], 1)}, "
                     f"{value['value_risk_segment']} ({value['segment_approach']})")
    offers = _rows(con, "select * from marts.mart_ch6_offers where customer_id = ? order by offer_rank",
                   [customer_id])
    for offer in offers:
        lines.append(f"  offer {offer['offer_rank']}: {offer['offer']} ({offer['beneficiary']}), "
                     f"{_yuan(offer['yuan_per_year'])} yuan a year: {offer['offer_detail']}")
    return lines


def run(args: argparse.Namespace) -> int:
    database = analyst_file(args.warehouse)  # the masked file analysts may read
    if not database.exists():
        print(f"powerlens customer: no published warehouse at {database}", file=sys.stderr)
        return NOT_FOUND
    with duckdb.connect(str(database), read_only=True) as con:
        page = customer_page(con, args.customer_id, args.months)
    if page is None:
        print(f"powerlens customer: no customer {args.customer_id!r} in {database}", file=sys.stderr)
        return NOT_FOUND
    print(page)
    return 0
