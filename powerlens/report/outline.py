"""The report in outline order: every section builder, and the report they make together."""
from __future__ import annotations

import datetime as dt

from powerlens.report import outline_extensions as x
from powerlens.report import sections as s
from powerlens.report.content import Report
from powerlens.report.findings import tr
from powerlens.report.labels import Labels

SECTION_BUILDERS = (
    s.ch1_customer_trend, s.ch1_customer_types, s.ch1_customer_mix, s.ch1_demand_traits,
    s.ch2_kwh_trend, s.ch2_load_character, s.ch2_load_curves, s.ch2_tou_shares,
    s.ch2_bill_composition, s.ch2_bill_trend, s.ch2_saving_potential, s.ch2_programmes,
    x.ch2_energy_saving_habits, x.ch2_own_generation,
    s.ch3_arrears_trend, s.ch3_arrears_ageing, s.ch3_arrears_drivers, s.ch3_payment_channels,
    s.ch3_payment_timing, s.ch3_prepaid_postpaid, s.ch3_credit_grades, s.ch3_grade_validation,
    s.ch4_channels, s.ch4_commitments, s.ch4_complaints, s.ch4_survey, s.ch4_experience,
    x.ch4_channel_satisfaction, x.ch4_service_improvement,
    s.ch5_models, s.ch5_risk_tiers, s.ch5_drivers, s.ch5_high_risk_profile, s.ch5_retention_plan,
    x.ch5_competition_churn,
    s.ch6_segments, s.ch6_high_value_profile, s.ch6_offers, x.ch6_campaign_plan,
)


def build_report(con, month: dt.date, lang: str) -> Report:
    s.check_month(con, month)
    context = s.Context(con, month, lang, Labels(con, lang))
    report = Report(
        title=tr(lang, "电力客户行为分析报告", "Electric Power Customer Behaviour Analysis Report"),
        subtitle=tr(lang, f"报告期：{month.year}年{month.month}月", f"Report month: {month:%B %Y}"),
        lang=lang, month=f"{month:%Y-%m}",
        chapters={number: tr(lang, *names) for number, names in s.CHAPTERS.items()},
        contents_title=tr(lang, "目录", "Contents"))
    report.sections = [builder(context) for builder in SECTION_BUILDERS]
    if context.labels.missing:
        missing = ", ".join(f"{code_set}:{code}" for code_set, code in sorted(context.labels.missing))
        raise ValueError(f"codes without a label in seeds/code_labels.csv: {missing}")
    return report
