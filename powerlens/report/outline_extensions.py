"""Sections for the outline items issue 12 added marts for: energy-saving habits and customers' own
generation (chapter 2), satisfaction by channel and service improvement strategies (chapter 4),
the competitive environment as a churn factor (chapter 5) and the campaign plan (chapter 6)."""
from __future__ import annotations

from powerlens.report import formatting as fmt
from powerlens.report.content import Chart, Section, Series, Table
from powerlens.report.findings import leader
from powerlens.report.sections import CUSTOMER_TYPES, Context

OWN_GENERATION = ("solar", "wind", "solar_wind")
SEVERITY_ORDER = {"high": 1, "medium": 2, "low": 3}


def ch2_energy_saving_habits(c: Context) -> Section:
    rows = c.rows("""
        with latest as (select max(survey_year_start) as survey_year_start from marts.mart_ch2_energy_saving_habits)
        select habits.energy_saving_action, max(extract(year from habits.survey_year_start)) as survey_year,
               sum(customers_reporting) as customers_reporting,
               sum(customers_reporting) / sum(customers_surveyed) as reporting_share,
               sum(valley_share_of_kwh_reporting * customers_reporting) / nullif(sum(
                   case when valley_share_of_kwh_reporting is not null then customers_reporting end), 0)
                   as valley_share_reporting,
               sum(valley_share_of_kwh_not_reporting * (customers_surveyed - customers_reporting)) / nullif(sum(
                   case when valley_share_of_kwh_not_reporting is not null
                        then customers_surveyed - customers_reporting end), 0) as valley_share_not_reporting
        from marts.mart_ch2_energy_saving_habits as habits
        inner join latest on habits.survey_year_start = latest.survey_year_start
        group by habits.energy_saving_action order by reporting_share desc, habits.energy_saving_action""")
    names = [c.label("energy_saving_action", r["energy_saving_action"]) for r in rows]
    habits = [r for r in rows if r["energy_saving_action"] != "none"]
    top = habits[0]
    year = rows[0]["survey_year"]
    findings = [c.t(
        f"{year}年受访客户中最常见的节能行为是“{c.label('energy_saving_action', top['energy_saving_action'])}”"
        f"（{fmt.percent(top['reporting_share'])}）。",
        f"In the {year} surveys the commonest energy-saving habit is "
        f"'{c.label('energy_saving_action', top['energy_saving_action'])}' ({fmt.percent(top['reporting_share'])} "
        f"of the customers asked).")]
    no_habit = next((r for r in rows if r["energy_saving_action"] == "none"), None)
    if no_habit:
        findings.append(c.t(f"{fmt.percent(no_habit['reporting_share'])} 的受访客户没有任何节能行为。",
                            f"{fmt.percent(no_habit['reporting_share'])} report no energy-saving habit."))
    shift = next((r for r in rows if r["energy_saving_action"] == "shift_to_valley"), None)
    if shift and shift["valley_share_reporting"] is not None and shift["valley_share_not_reporting"] is not None:
        findings.append(c.t(
            f"自称错峰用电的客户低谷电量占比 {fmt.percent(shift['valley_share_reporting'])}，其他客户 "
            f"{fmt.percent(shift['valley_share_not_reporting'])}。",
            f"Customers who say they shift use to the valley draw {fmt.percent(shift['valley_share_reporting'])} of "
            f"their kWh in valley hours, the others {fmt.percent(shift['valley_share_not_reporting'])}."))
    return Section(
        "ch2_energy_saving_habits", 2, c.t("2.9 客户节能行为", "2.9 Energy-saving habits"), findings,
        ["mart_ch2_energy_saving_habits"],
        chart=Chart("bar", names, [Series(c.t("报告该行为的客户占比", "Share of customers reporting it"),
                                          [fmt.value(r["reporting_share"]) for r in rows])],
                    c.t("占比", "share"), percent=True),
        table=Table([c.t("节能行为", "Habit"), c.t("客户", "Customers"), c.t("占比", "Share"),
                     c.t("低谷占比（有此行为）", "Valley share (with the habit)"),
                     c.t("低谷占比（无此行为）", "Valley share (without)")],
                    [[n, fmt.integer(r["customers_reporting"]), fmt.percent(r["reporting_share"]),
                      fmt.percent(r["valley_share_reporting"]), fmt.percent(r["valley_share_not_reporting"])]
                     for n, r in zip(names, rows)]))


def ch2_own_generation(c: Context) -> Section:
    rows = c.rows("""
        select customer_type, own_generation, sum(customers) as customers
        from marts.mart_ch2_own_generation group by customer_type, own_generation""")
    count = {(r["customer_type"], r["own_generation"]): r["customers"] for r in rows}
    types = [t for t in CUSTOMER_TYPES if any(r["customer_type"] == t for r in rows)]
    total = sum(count.values())
    generating = {g: sum(count.get((t, g), 0) for t in types) for g in OWN_GENERATION}
    with_own = sum(generating.values())
    findings = [c.t(
        f"{fmt.integer(with_own)} 户在册客户自有发电（{fmt.percent(with_own / total if total else 0)}）：光伏 "
        f"{fmt.integer(generating['solar'])} 户、风电 {fmt.integer(generating['wind'])} 户、光伏和风电 "
        f"{fmt.integer(generating['solar_wind'])} 户。",
        f"{fmt.integer(with_own)} active customers ({fmt.percent(with_own / total if total else 0)}) generate "
        f"their own power: {fmt.integer(generating['solar'])} solar, {fmt.integer(generating['wind'])} wind, "
        f"{fmt.integer(generating['solar_wind'])} both.")]
    return Section(
        "ch2_own_generation", 2, c.t("2.10 客户自有发电（光伏、风电）", "2.10 Customers' own generation (solar and wind)"),
        findings, ["mart_ch2_own_generation"],
        chart=Chart("stacked_bar", [c.label("customer_type", t) for t in types], [
            Series(c.label("own_generation", g), [float(count.get((t, g), 0)) for t in types]) for g in OWN_GENERATION],
            c.t("户", "customers")),
        table=Table([c.t("客户类型", "Customer type")] + [c.label("own_generation", g) for g in ("none", *OWN_GENERATION)],
                    [[c.label("customer_type", t)] + [fmt.integer(count.get((t, g), 0))
                                                      for g in ("none", *OWN_GENERATION)] for t in types]))


def ch4_channel_satisfaction(c: Context) -> Section:
    rows = c.rows("""
        select channel, tickets, average_satisfaction, response_commitment_met_share, repeat_contact_share,
               survey_channels_score, strength_measure, weakness_measure
        from marts.mart_ch4_channel_satisfaction order by tickets desc, channel""")
    names = [c.label("ticket_channel", r["channel"]) for r in rows]
    rated = {r["channel"]: r["average_satisfaction"] for r in rows if r["average_satisfaction"] is not None}
    best = leader(rated)
    worst = min(rated, key=lambda channel: rated[channel])
    weakness = next(r["weakness_measure"] for r in rows if r["channel"] == worst)
    findings = [c.t(
        f"工单满意度最高的渠道是{c.label('ticket_channel', best[0])}（{fmt.number(best[1], 2)}/5），最低的是"
        f"{c.label('ticket_channel', worst)}（{fmt.number(rated[worst], 2)}/5），其短板是"
        f"“{c.label('channel_measure', weakness)}”。",
        f"{c.label('ticket_channel', best[0])} is rated best ({fmt.number(best[1], 2)} of 5) and "
        f"{c.label('ticket_channel', worst)} worst ({fmt.number(rated[worst], 2)}); its weak point is "
        f"'{c.label('channel_measure', weakness)}'.")]
    return Section(
        "ch4_channel_satisfaction", 4, c.t("4.6 各渠道满意度与优劣势", "4.6 Satisfaction by channel: strengths and weaknesses"),
        findings, ["mart_ch4_channel_satisfaction"],
        chart=Chart("bar", names, [Series(c.t("工单满意度（1-5）", "Ticket rating (1-5)"),
                                          [fmt.value(r["average_satisfaction"]) for r in rows])], c.t("分", "score")),
        table=Table([c.t("渠道", "Channel"), c.t("工单", "Tickets"), c.t("满意度", "Rating"),
                     c.t("响应达标率", "Response met"), c.t("重复来电率", "Repeat contact"),
                     c.t("优势", "Strength"), c.t("短板", "Weakness")],
                    [[n, fmt.integer(r["tickets"]), fmt.number(r["average_satisfaction"], 2),
                      fmt.percent(r["response_commitment_met_share"]), fmt.percent(r["repeat_contact_share"]),
                      c.label("channel_measure", r["strength_measure"]) if r["strength_measure"] else fmt.DASH,
                      c.label("channel_measure", r["weakness_measure"]) if r["weakness_measure"] else fmt.DASH]
                     for n, r in zip(names, rows)]))


def _issue_scope(c: Context, row: dict) -> str:
    if row["issue_type"] == "missed_commitment":
        return f"{c.label('service_commitment', row['commitment'])} · {c.label('region_code', row['region_code'])}"
    if row["issue_type"] == "repeat_complaint":
        return c.label("ticket_category", row["category"])
    return c.label("survey_dimension", row["survey_dimension"])


def _observed_and_target(row: dict) -> list[str]:
    """A share issue (commitments met, complaints repeated) in %, a survey issue in points."""
    if row["observed_share"] is not None:
        return [fmt.percent(row["observed_share"]), fmt.percent(row["target_share"])]
    return [fmt.number(row["observed_score"], 2), fmt.number(row["target_score"], 2)]


def ch4_service_improvement(c: Context) -> Section:
    rows = c.rows("""
        select issue_type, commitment, region_code, category, survey_dimension, customers, observed_share,
               target_share, observed_score, target_score, severity, recommended_strategy
        from marts.mart_ch4_service_improvement""")
    rows.sort(key=lambda r: (SEVERITY_ORDER.get(r["severity"], 9), -r["customers"], str(r["issue_type"])))
    names = [c.t(f"{c.label('service_issue', r['issue_type'])}（{_issue_scope(c, r)}）",
                 f"{c.label('service_issue', r['issue_type'])} ({_issue_scope(c, r)})") for r in rows]
    high = sum(1 for r in rows if r["severity"] == "high")
    if rows:
        top = rows[0]
        findings = [c.t(
            f"发现 {fmt.integer(len(rows))} 个服务改进问题，其中高严重度 {fmt.integer(high)} 个；最突出的是“{names[0]}”，"
            f"涉及 {fmt.integer(top['customers'])} 户客户。",
            f"{fmt.integer(len(rows))} service issues found, {fmt.integer(high)} of high severity; the first is "
            f"'{names[0]}', concerning {fmt.integer(top['customers'])} customers.")]
        action = c.t(f"建议：{c.label('service_strategy', top['recommended_strategy'])}"
                     f"（名单见 mart_ch4_service_improvement_customers）。",
                     f"Action: {c.label('service_strategy', top['recommended_strategy'])} (the customers are listed "
                     f"in mart_ch4_service_improvement_customers).")
    else:
        findings, action = [c.t("未发现低于目标的服务问题。", "No service issue falls short of its target.")], None
    shown = rows[:10]
    return Section(
        "ch4_service_improvement", 4, c.t("4.7 服务改进策略", "4.7 Service improvement strategies"), findings,
        ["mart_ch4_service_improvement", "mart_ch4_service_improvement_customers"], action=action,
        chart=Chart("bar", [_issue_scope(c, r) for r in shown], [Series(c.t("涉及客户", "Customers concerned"),
                                               [float(r["customers"]) for r in shown])], c.t("户", "customers")),
        table=Table([c.t("问题", "Issue"), c.t("严重度", "Severity"), c.t("客户", "Customers"),
                     c.t("实际", "Observed"), c.t("目标", "Target"), c.t("改进策略", "Strategy")],
                    [[n, c.label("severity", r["severity"]), fmt.integer(r["customers"]),
                      *_observed_and_target(r),
                      c.label("service_strategy", r["recommended_strategy"])] for n, r in zip(names, shown)]))


def ch5_competition_churn(c: Context) -> Section:
    rows = c.rows("""
        select competition_level, sum(customers) as customers, sum(closures) as closures,
               sum(switched_retailer_closures) as switched, sum(closures) / sum(customer_years) as annual_churn_rate,
               sum(switched_retailer_closures) / sum(customers) as switched_retailer_share
        from marts.mart_ch5_competition_churn group by competition_level
        order by case competition_level when 'low' then 1 when 'medium' then 2 when 'high' then 3 else 4 end""")
    names = [c.label("competition_level", r["competition_level"]) if r["competition_level"] != "unknown"
             else c.t("未知", "Unknown") for r in rows]
    findings = [c.t(
        "年流失率（每客户年销户数）：" + "、".join(f"{n} {fmt.percent(r['annual_churn_rate'], 2)}" for n, r in zip(names, rows))
        + "。",
        "Closures per customer-year: " + ", ".join(f"{n} {fmt.percent(r['annual_churn_rate'], 2)}"
                                                  for n, r in zip(names, rows)) + ".")]
    switched = {r["competition_level"]: r["switched_retailer_share"] for r in rows}
    if "high" in switched and "low" in switched:
        findings.append(c.t(
            f"转投售电公司的客户：竞争激烈地区占 {fmt.percent(switched['high'], 2)}，竞争弱地区占 "
            f"{fmt.percent(switched['low'], 2)}。",
            f"Switches to a retailer: {fmt.percent(switched['high'], 2)} of customers in regions of high retail "
            f"competition against {fmt.percent(switched['low'], 2)} where competition is low."))
    return Section(
        "ch5_competition_churn", 5, c.t("5.6 竞争环境与客户流失", "5.6 The competitive environment as a churn factor"),
        findings, ["mart_ch5_competition_churn"],
        chart=Chart("bar", names, [
            Series(c.t("年流失率", "Closures per customer-year"), [fmt.value(r["annual_churn_rate"]) for r in rows]),
            Series(c.t("转投售电公司占比", "Switched to a retailer"),
                   [fmt.value(r["switched_retailer_share"]) for r in rows])], c.t("比率", "rate"), percent=True),
        table=Table([c.t("竞争程度", "Competition"), c.t("客户", "Customers"), c.t("销户", "Closures"),
                     c.t("转投售电公司", "Switched to a retailer"), c.t("年流失率", "Per customer-year")],
                    [[n, fmt.integer(r["customers"]), fmt.integer(r["closures"]), fmt.integer(r["switched"]),
                      fmt.percent(r["annual_churn_rate"], 2)] for n, r in zip(names, rows)]))


def ch6_campaign_plan(c: Context) -> Section:
    rows = c.rows("""
        select campaign, campaign_kind, target_customers, expected_take_up_share, expected_take_up_customers,
               expected_utility_yuan_per_year, expected_customer_yuan_per_year, campaign_cost_yuan,
               expected_net_utility_yuan_first_year
        from marts.mart_ch6_campaign_plan order by expected_net_utility_yuan_first_year desc, campaign""")
    names = [c.label("campaign", r["campaign"]) for r in rows]
    targets = sum(r["target_customers"] for r in rows)
    utility = sum(fmt.value(r["expected_utility_yuan_per_year"]) for r in rows)
    customer = sum(fmt.value(r["expected_customer_yuan_per_year"]) for r in rows)
    worth = [n for n, r in zip(names, rows) if fmt.value(r["expected_net_utility_yuan_first_year"]) > 0]
    findings = [c.t(
        f"{fmt.integer(len(rows))} 项活动共覆盖 {fmt.integer(targets)} 户目标客户，预计每年为供电企业带来 {c.yuan(utility)}，"
        f"为客户节省 {c.yuan(customer)}。",
        f"{fmt.integer(len(rows))} campaigns target {fmt.integer(targets)} customers and are expected to bring the "
        f"utility {c.yuan(utility)} a year and save customers {c.yuan(customer)}.")]
    action = c.t(f"建议：首年净收益为正的活动先行：{'、'.join(worth) if worth else '无'}。",
                 f"Action: run first the campaigns with a positive first-year net: "
                 f"{', '.join(worth) if worth else 'none'}.")
    return Section(
        "ch6_campaign_plan", 6, c.t("6.4 挽留与营销活动计划", "6.4 Retention and marketing campaign plan"), findings,
        ["mart_ch6_campaign_plan", "mart_ch6_campaign_targets"], action=action,
        chart=Chart("bar", names, [
            Series(c.t("预计供电企业年收益", "Utility yuan a year expected"),
                   [fmt.value(r["expected_utility_yuan_per_year"]) for r in rows]),
            Series(c.t("预计客户年节省", "Customer yuan a year expected"),
                   [fmt.value(r["expected_customer_yuan_per_year"]) for r in rows]),
            Series(c.t("活动成本", "Campaign cost"), [fmt.value(r["campaign_cost_yuan"]) for r in rows])],
            c.t("元", "yuan")),
        table=Table([c.t("活动", "Campaign"), c.t("类型", "Kind"), c.t("目标客户", "Targets"),
                     c.t("预计响应率", "Take-up"), c.t("预计响应客户", "Expected to take up"),
                     c.t("供电企业年收益", "Utility a year"), c.t("客户年节省", "Customers a year"),
                     c.t("成本", "Cost"), c.t("首年净收益", "First-year net")],
                    [[n, c.label("campaign_kind", r["campaign_kind"]), fmt.integer(r["target_customers"]),
                      fmt.percent(r["expected_take_up_share"]), fmt.number(r["expected_take_up_customers"], 0),
                      c.yuan(r["expected_utility_yuan_per_year"]), c.yuan(r["expected_customer_yuan_per_year"]),
                      c.yuan(r["campaign_cost_yuan"]), c.yuan(r["expected_net_utility_yuan_first_year"])]
                     for n, r in zip(names, rows)]))
