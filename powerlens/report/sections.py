"""The report's content: every section of the outline (docs/design.md), each read from its mart.

A builder per section takes a ``Context`` (connection, month, language, labels) and returns a
``Section``; ``SECTION_BUILDERS`` lists them in report order. The sentences compute their
numbers here and the logic in ``findings`` (tested on hand-made inputs). docs/report.md says
what each section reads.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from powerlens.report import formatting as fmt
from powerlens.report.content import Chart, Section, Series, Table
from powerlens.report.findings import grew_most, largest_effect, leader, separation, tr
from powerlens.report.labels import Labels

CHAPTERS = {
    1: ("第一章 客户基本情况", "Chapter 1 Customer base"),
    2: ("第二章 用电行为", "Chapter 2 Consumption behaviour"),
    3: ("第三章 信用与缴费", "Chapter 3 Credit"),
    4: ("第四章 服务满意度", "Chapter 4 Service satisfaction"),
    5: ("第五章 流失预警与挽留", "Chapter 5 Churn early warning and retention"),
    6: ("第六章 客户价值与营销", "Chapter 6 Customer value and offers"),
}
CUSTOMER_TYPES = ("large_industrial", "general_commercial", "residential", "agricultural", "ev_charging")


class ReportMonthError(ValueError):
    pass


@dataclass
class Context:
    con: object
    month: dt.date  # first day of the report month
    lang: str
    labels: Labels

    @property
    def month_end(self) -> dt.date:
        following = (self.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return following - dt.timedelta(days=1)

    @property
    def year_ago(self) -> dt.date:
        return self.month.replace(year=self.month.year - 1)

    @property
    def year_start(self) -> dt.date:
        """First month of the 12 months ending with the report month."""
        return shift_months(self.month, -11)

    def rows(self, sql: str, parameters: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, parameters or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def t(self, zh: str, en: str) -> str:
        return tr(self.lang, zh, en)

    def label(self, code_set: str, code) -> str:
        return self.labels(code_set, code)

    def yuan(self, amount, digits: int = 0) -> str:
        return fmt.yuan(amount, self.lang, digits)

    def month_label(self, month: dt.date | None = None) -> str:
        month = month or self.month
        return f"{month.year}年{month.month}月" if self.lang == "zh" else f"{month:%b %Y}"


def shift_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def last_complete_month(con) -> dt.date:
    """The last month the export covers in full: the last month of meter data. The export is
    taken after it (its bills are issued and paid in the following weeks), so the month end
    after it, the export cut-off, misses the payments made after the export and is never a
    report month."""
    return con.execute("select max(period_start) from marts.mart_ch2_kwh_by_period "
                       "where period_grain = 'month'").fetchone()[0]


def check_month(con, month: dt.date) -> None:
    first, last = con.execute("select min(period_start), max(period_start) from "
                              "marts.mart_ch2_kwh_by_period where period_grain = 'month'").fetchone()
    if month > last:
        raise ReportMonthError(f"{month:%Y-%m} is after the last complete month of the data "
                               f"({last:%Y-%m}); a later month end is the export cut-off")
    if month < first:
        raise ReportMonthError(f"{month:%Y-%m} is before the data starts ({first:%Y-%m})")


def _month_categories(months: list[dt.date]) -> list[str]:
    return [f"{m:%Y-%m}" for m in months]


# ---------------------------------------------------------------- chapter 1: customer base

def ch1_customer_trend(c: Context) -> Section:
    rows = c.rows("""
        select report_month, active_customers, new_customers, closed_customers,
               active_customers_last_year, active_customers_yoy_growth
        from marts.mart_ch1_customer_counts_monthly
        where breakdown = 'all' and report_month <= ? order by report_month""", [c.month])
    now = rows[-1]
    findings = [c.t(
        f"{c.month_label()}末在册客户 {fmt.integer(now['active_customers'])} 户，当月新装 "
        f"{fmt.integer(now['new_customers'])} 户、销户 {fmt.integer(now['closed_customers'])} 户。",
        f"At the end of {c.month_label()} {fmt.integer(now['active_customers'])} customers are active; "
        f"{fmt.integer(now['new_customers'])} accounts opened and {fmt.integer(now['closed_customers'])} "
        f"closed in the month.")]
    if now["active_customers_yoy_growth"] is not None:
        findings.append(c.t(
            f"较上年同月（{fmt.integer(now['active_customers_last_year'])} 户）同比 "
            f"{fmt.signed_percent(now['active_customers_yoy_growth'])}。",
            f"That is {fmt.signed_percent(now['active_customers_yoy_growth'])} on the same month last "
            f"year ({fmt.integer(now['active_customers_last_year'])})."))
    return Section(
        "ch1_customer_trend", 1, c.t("1.1 客户总量与同比增长", "1.1 Customers and year-on-year growth"),
        findings, ["mart_ch1_customer_counts_monthly"],
        chart=Chart("line", _month_categories([r["report_month"] for r in rows]),
                    [Series(c.t("月末在册客户", "Active customers at month end"),
                            [fmt.value(r["active_customers"]) for r in rows])],
                    c.t("户", "customers")))


def ch1_customer_types(c: Context) -> Section:
    rows = c.rows("""
        select breakdown_value as customer_type, active_customers, active_customers_last_year,
               active_customers_yoy_growth
        from marts.mart_ch1_customer_counts_monthly
        where breakdown = 'customer_type' and report_month = ? order by active_customers desc""",
                  [c.month])
    total = sum(r["active_customers"] for r in rows)
    biggest = rows[0]
    findings = [c.t(
        f"{c.label('customer_type', biggest['customer_type'])}客户最多，{fmt.integer(biggest['active_customers'])} 户，"
        f"占 {fmt.percent(biggest['active_customers'] / total)}。",
        f"{c.label('customer_type', biggest['customer_type'])} is the largest group with "
        f"{fmt.integer(biggest['active_customers'])} customers ({fmt.percent(biggest['active_customers'] / total)}).")]
    growth = grew_most({r["customer_type"]: r["active_customers"] for r in rows},
                       {r["customer_type"]: r["active_customers_last_year"] for r in rows})
    if growth and growth[1] > 0:
        findings.append(c.t(
            f"同比增长最快的是{c.label('customer_type', growth[0])}（{fmt.signed_percent(growth[1])}）。",
            f"{c.label('customer_type', growth[0])} grew most over the year ({fmt.signed_percent(growth[1])})."))
    elif growth:
        findings.append(c.t(
            f"没有一类客户同比增长；{c.label('customer_type', growth[0])}表现最好（{fmt.signed_percent(growth[1])}）。",
            f"No customer type grew over the year; {c.label('customer_type', growth[0])} held up best "
            f"({fmt.signed_percent(growth[1])})."))
    names = [c.label("customer_type", r["customer_type"]) for r in rows]
    return Section(
        "ch1_customer_types", 1, c.t("1.2 按客户类型", "1.2 Customers by type"), findings,
        ["mart_ch1_customer_counts_monthly"],
        chart=Chart("bar", names, [
            Series(c.month_label(), [fmt.value(r["active_customers"]) for r in rows]),
            Series(c.month_label(c.year_ago), [fmt.value(r["active_customers_last_year"]) for r in rows])],
            c.t("户", "customers")),
        table=Table([c.t("客户类型", "Customer type"), c.month_label(), c.month_label(c.year_ago),
                     c.t("同比", "YoY")],
                    [[n, fmt.integer(r["active_customers"]), fmt.integer(r["active_customers_last_year"]),
                      fmt.signed_percent(r["active_customers_yoy_growth"])] for n, r in zip(names, rows)]))


def ch1_customer_mix(c: Context) -> Section:
    rows = c.rows("""
        select breakdown, breakdown_value, active_customers,
               active_customers / sum(active_customers) over (partition by breakdown) as share
        from marts.mart_ch1_customer_counts_monthly
        where breakdown in ('urban_rural', 'sector') and report_month = ?
        order by breakdown desc, active_customers desc""", [c.month])
    names = [c.label(r["breakdown"], r["breakdown_value"]) for r in rows]
    urban = next((r for r in rows if r["breakdown_value"] == "urban"), None)
    sector = leader({r["breakdown_value"]: r["share"] for r in rows if r["breakdown"] == "sector"})
    findings = [c.t(
        f"城镇客户占 {fmt.percent(urban['share'] if urban else 0)}；按行业，{c.label('sector', sector[0])}"
        f"占比最高（{fmt.percent(sector[1])}）。",
        f"Urban customers make up {fmt.percent(urban['share'] if urban else 0)}; by sector, "
        f"{c.label('sector', sector[0])} is the largest ({fmt.percent(sector[1])}).")]
    return Section(
        "ch1_customer_mix", 1, c.t("1.3 城乡与行业结构", "1.3 Urban/rural and sector mix"), findings,
        ["mart_ch1_customer_counts_monthly"],
        chart=Chart("bar", names, [Series(c.t("占比", "Share"), [fmt.value(r["share"]) for r in rows])],
                    c.t("占比", "share"), percent=True),
        table=Table([c.t("分类", "Group"), c.t("在册客户", "Active customers"), c.t("占比", "Share")],
                    [[n, fmt.integer(r["active_customers"]), fmt.percent(r["share"])]
                     for n, r in zip(names, rows)]))


def ch1_demand_traits(c: Context) -> Section:
    rows = c.rows("""
        select customer_type, active_customers, mean_load_factor, pv_adoption_rate,
               tickets_per_1000_customer_years, on_peak_share_change_per_0_10_yuan_spread
        from marts.mart_ch1_demand_traits order by active_customers desc""")
    names = [c.label("customer_type", r["customer_type"]) for r in rows]
    pv = leader({r["customer_type"]: fmt.value(r["pv_adoption_rate"]) for r in rows})
    service = leader({r["customer_type"]: fmt.value(r["tickets_per_1000_customer_years"]) for r in rows})
    findings = [c.t(
        f"光伏普及率最高的是{c.label('customer_type', pv[0])}（{fmt.percent(pv[1])}）；服务需求最多的是"
        f"{c.label('customer_type', service[0])}，每千户年 {fmt.number(service[1], 0)} 张工单。",
        f"{c.label('customer_type', pv[0])} has the highest PV adoption ({fmt.percent(pv[1])}); "
        f"{c.label('customer_type', service[0])} needs service most, {fmt.number(service[1], 0)} tickets "
        f"per 1,000 customer-years.")]
    return Section(
        "ch1_demand_traits", 1, c.t("1.4 需求特征", "1.4 Demand traits"), findings,
        ["mart_ch1_demand_traits"],
        chart=Chart("bar", names, [
            Series(c.t("平均负荷率", "Mean load factor"), [fmt.value(r["mean_load_factor"]) for r in rows]),
            Series(c.t("光伏普及率", "PV adoption"), [fmt.value(r["pv_adoption_rate"]) for r in rows])],
            c.t("比率", "rate"), percent=True),
        table=Table([c.t("客户类型", "Customer type"), c.t("在册客户", "Active customers"),
                     c.t("平均负荷率", "Mean load factor"), c.t("光伏普及率", "PV adoption"),
                     c.t("每千户年工单", "Tickets per 1,000 customer-years"),
                     c.t("价差每0.10元高峰占比变化", "On-peak share change per 0.10 yuan spread")],
                    [[n, fmt.integer(r["active_customers"]), fmt.percent(r["mean_load_factor"]),
                      fmt.percent(r["pv_adoption_rate"]), fmt.number(r["tickets_per_1000_customer_years"], 0),
                      fmt.signed_percent(r["on_peak_share_change_per_0_10_yuan_spread"], 2)]
                     for n, r in zip(names, rows)]))


# ---------------------------------------------------------------- chapter 2: consumption

def ch2_kwh_trend(c: Context) -> Section:
    rows = c.rows("""
        select period_start, sum(kwh_total) as kwh_total
        from marts.mart_ch2_kwh_by_period
        where period_grain = 'month' and period_start between ? and ?
        group by period_start order by period_start""", [shift_months(c.year_start, -12), c.month])
    by_month = {r["period_start"]: float(r["kwh_total"]) for r in rows}
    months = [shift_months(c.year_start, i) for i in range(12)]
    this_year = [by_month.get(m) for m in months]
    last_year = [by_month.get(shift_months(m, -12)) for m in months]
    total, total_before = sum(v or 0 for v in this_year), sum(v or 0 for v in last_year)
    findings = [c.t(
        f"截至{c.month_label()}的12个月用电量 {fmt.integer(total)} kWh。",
        f"The 12 months to {c.month_label()} used {fmt.integer(total)} kWh.")]
    if all(v is not None for v in last_year) and total_before:
        findings.append(c.t(
            f"较上一个12个月 {fmt.signed_percent(total / total_before - 1)}；{c.month_label()}当月同比 "
            f"{fmt.signed_percent(this_year[-1] / last_year[-1] - 1)}。",
            f"That is {fmt.signed_percent(total / total_before - 1)} on the 12 months before; "
            f"{c.month_label()} alone is {fmt.signed_percent(this_year[-1] / last_year[-1] - 1)} on the "
            f"same month last year."))
    years = c.rows("""
        select period_start, max(months_covered) as months_covered, sum(kwh_total) as kwh_total
        from marts.mart_ch2_kwh_by_period where period_grain in ('quarter', 'year')
            and period_start <= ? and period_grain = 'year'
        group by period_start order by period_start""", [c.month])
    quarters = c.rows("""
        select period_start, max(months_covered) as months_covered, sum(kwh_total) as kwh_total
        from marts.mart_ch2_kwh_by_period where period_grain = 'quarter' and period_start between ? and ?
        group by period_start order by period_start""", [shift_months(c.year_start, -2), c.month])
    table_rows = [[f"{r['period_start'].year}", fmt.integer(r["months_covered"]), fmt.integer(r["kwh_total"])]
                  for r in years]
    table_rows += [[f"{r['period_start'].year}Q{(r['period_start'].month + 2) // 3}",
                    fmt.integer(r["months_covered"]), fmt.integer(r["kwh_total"])] for r in quarters]
    return Section(
        "ch2_kwh_trend", 2, c.t("2.1 月度用电量与上年同月对比", "2.1 Monthly kWh against the same month last year"),
        findings, ["mart_ch2_kwh_by_period"],
        chart=Chart("bar", _month_categories(months), [
            Series(c.t("本期", "This year"), [fmt.value(v) for v in this_year]),
            Series(c.t("上年同月", "Same month last year"), [fmt.value(v) for v in last_year])], "kWh"),
        table=Table([c.t("期间", "Period"), c.t("覆盖月数", "Months covered"), c.t("用电量 kWh", "kWh")],
                    table_rows))


def ch2_load_character(c: Context) -> Section:
    rows = c.rows("""
        select customer_type, count(*) as customers, avg(max_load_kw) as max_load_kw,
               avg(min_load_kw) as min_load_kw, avg(mean_load_kw) as mean_load_kw,
               avg(load_factor) as load_factor, avg(peak_valley_difference_rate) as peak_valley_difference_rate
        from marts.mart_ch2_load_character
        where usage_month = ? and not max_load_below_mean_load
        group by customer_type order by mean_load_kw desc""", [c.month])
    names = [c.label("customer_type", r["customer_type"]) for r in rows]
    best = leader({r["customer_type"]: r["load_factor"] for r in rows})
    swing = leader({r["customer_type"]: r["peak_valley_difference_rate"] for r in rows})
    findings = [c.t(
        f"{c.month_label()}负荷率最高的是{c.label('customer_type', best[0])}（{fmt.percent(best[1])}），"
        f"峰谷差率最大的是{c.label('customer_type', swing[0])}（{fmt.percent(swing[1])}）。",
        f"In {c.month_label()} {c.label('customer_type', best[0])} has the steadiest load (load factor "
        f"{fmt.percent(best[1])}); {c.label('customer_type', swing[0])} swings most (peak-valley difference "
        f"{fmt.percent(swing[1])}).")]
    return Section(
        "ch2_load_character", 2, c.t("2.2 负荷特性", "2.2 Load character"), findings,
        ["mart_ch2_load_character"],
        chart=Chart("bar", names, [
            Series(c.t("负荷率", "Load factor"), [fmt.value(r["load_factor"]) for r in rows]),
            Series(c.t("峰谷差率", "Peak-valley difference rate"),
                   [fmt.value(r["peak_valley_difference_rate"]) for r in rows])], c.t("比率", "rate"), percent=True),
        table=Table([c.t("客户类型", "Customer type"), c.t("客户数", "Customers"), c.t("最大负荷 kW", "Max load kW"),
                     c.t("最小负荷 kW", "Min load kW"), c.t("平均负荷 kW", "Mean load kW"),
                     c.t("负荷率", "Load factor"), c.t("峰谷差率", "Peak-valley difference")],
                    [[n, fmt.integer(r["customers"]), fmt.number(r["max_load_kw"]), fmt.number(r["min_load_kw"]),
                      fmt.number(r["mean_load_kw"]), fmt.percent(r["load_factor"]),
                      fmt.percent(r["peak_valley_difference_rate"])] for n, r in zip(names, rows)]))


def ch2_load_curves(c: Context) -> Section:
    rows = c.rows("""
        select customer_type, quarter_hour_of_day, load_share_of_daily_peak
        from marts.mart_ch2_typical_load_curve order by customer_type, quarter_hour_of_day""")
    types = [t for t in CUSTOMER_TYPES if any(r["customer_type"] == t for r in rows)]
    curves = {t: {r["quarter_hour_of_day"]: r["load_share_of_daily_peak"] for r in rows if r["customer_type"] == t}
              for t in types}
    categories = [f"{(q - 1) // 4:02d}:{(q - 1) % 4 * 15:02d}" for q in range(1, 97)]
    peaks = {t: categories[max(curve, key=lambda q: curve[q]) - 1] for t, curve in curves.items()}
    flattest = leader({t: min(curve.values()) for t, curve in curves.items()})
    findings = [c.t(
        "日负荷高峰时刻：" + "；".join(f"{c.label('customer_type', t)} {peaks[t]}" for t in types) + "。",
        "Daily load peaks at: " + "; ".join(f"{c.label('customer_type', t)} {peaks[t]}" for t in types) + "."),
        c.t(f"{c.label('customer_type', flattest[0])}曲线最平，最低点为高峰的 {fmt.percent(flattest[1])}。",
            f"{c.label('customer_type', flattest[0])} has the flattest curve: its lowest point is "
            f"{fmt.percent(flattest[1])} of its peak.")]
    without = [t for t in CUSTOMER_TYPES if t not in types]
    if without:
        names = [c.label("customer_type", t) for t in without]
        findings.append(c.t(f"{'、'.join(names)}没有15分钟负荷数据，其负荷特性见2.2节（日数据）。",
                            f"{', '.join(names)} have no 15-minute interval meters: section 2.2 shows their "
                            f"load character from daily readings."))
    return Section(
        "ch2_load_curves", 2, c.t("2.3 各类客户典型日负荷曲线", "2.3 Typical daily load curves by customer type"),
        findings, ["mart_ch2_typical_load_curve"],
        chart=Chart("line", categories, [
            Series(c.label("customer_type", t), [fmt.value(curves[t].get(q)) for q in range(1, 97)]) for t in types],
            c.t("占日最高负荷", "share of daily peak"), percent=True))


def ch2_tou_shares(c: Context) -> Section:
    rows = c.rows("""
        select customer_type, sum(kwh_sharp) / sum(kwh_total) as sharp_share,
               sum(kwh_peak) / sum(kwh_total) as peak_share, sum(kwh_flat) / sum(kwh_total) as flat_share,
               sum(kwh_valley) / sum(kwh_total) as valley_share
        from marts.mart_ch2_kwh_by_period
        where period_grain = 'month' and period_start between ? and ?
        group by customer_type order by customer_type""", [c.year_start, c.month])
    names = [c.label("customer_type", r["customer_type"]) for r in rows]
    on_peak = leader({r["customer_type"]: r["sharp_share"] + r["peak_share"] for r in rows})
    valley = leader({r["customer_type"]: r["valley_share"] for r in rows})
    findings = [c.t(
        f"近12个月尖峰+高峰电量占比最高的是{c.label('customer_type', on_peak[0])}（{fmt.percent(on_peak[1])}），"
        f"低谷占比最高的是{c.label('customer_type', valley[0])}（{fmt.percent(valley[1])}）。",
        f"Over the 12 months {c.label('customer_type', on_peak[0])} uses the most on-peak (sharp + peak) energy "
        f"({fmt.percent(on_peak[1])}); {c.label('customer_type', valley[0])} the most valley energy "
        f"({fmt.percent(valley[1])}).")]
    periods = ("sharp", "peak", "flat", "valley")
    return Section(
        "ch2_tou_shares", 2, c.t("2.4 尖峰平谷电量结构", "2.4 Sharp/peak/flat/valley shares"), findings,
        ["mart_ch2_kwh_by_period"],
        chart=Chart("stacked_bar", names, [
            Series(c.label("tou_period", p), [fmt.value(r[f"{p}_share"]) for r in rows]) for p in periods],
            c.t("电量占比", "share of kWh"), percent=True),
        table=Table([c.t("客户类型", "Customer type")] + [c.label("tou_period", p) for p in periods],
                    [[n] + [fmt.percent(r[f"{p}_share"]) for p in periods] for n, r in zip(names, rows)]))


def ch2_bill_composition(c: Context) -> Section:
    rows = c.rows("""
        select customer_type, basic_charge, energy_charge, pf_adjustment, surcharge, total_amount,
               energy_charge_share, yuan_per_kwh, bill_per_customer
        from marts.mart_ch2_bill_composition where billing_month = ? order by total_amount desc""", [c.month])
    names = [c.label("customer_type", r["customer_type"]) for r in rows]
    total = sum(float(r["total_amount"]) for r in rows)
    energy = sum(float(r["energy_charge"]) for r in rows)
    dearest = leader({r["customer_type"]: float(r["yuan_per_kwh"]) for r in rows})
    findings = [c.t(
        f"{c.month_label()}电费合计 {c.yuan(total)}，其中电度电费占 {fmt.percent(energy / total)}；"
        f"度电均价最高的是{c.label('customer_type', dearest[0])}（{fmt.number(dearest[1], 3)} 元/kWh）。",
        f"Bills for {c.month_label()} total {c.yuan(total)}, {fmt.percent(energy / total)} of it energy charge; "
        f"{c.label('customer_type', dearest[0])} pays the most per kWh ({fmt.number(dearest[1], 3)} yuan/kWh).")]
    parts = (("basic_charge", "基本电费", "Basic charge"), ("energy_charge", "电度电费", "Energy charge"),
             ("pf_adjustment", "力调电费", "Power-factor adjustment"), ("surcharge", "政府性基金及附加", "Surcharges"))
    return Section(
        "ch2_bill_composition", 2, c.t("2.5 电费构成与电费负担", "2.5 Bill composition and burden"), findings,
        ["mart_ch2_bill_composition"],
        chart=Chart("stacked_bar", names, [
            Series(c.t(zh, en), [fmt.value(r[column]) for r in rows]) for column, zh, en in parts], c.t("元", "yuan")),
        table=Table([c.t("客户类型", "Customer type"), c.t("电费合计", "Total billed"),
                     c.t("电度电费占比", "Energy charge share"), c.t("度电均价 元/kWh", "Yuan per kWh"),
                     c.t("户均电费", "Bill per customer")],
                    [[n, c.yuan(r["total_amount"]), fmt.percent(r["energy_charge_share"]),
                      fmt.number(r["yuan_per_kwh"], 3), c.yuan(r["bill_per_customer"])] for n, r in zip(names, rows)]))


def ch2_bill_trend(c: Context) -> Section:
    rows = c.rows("""
        select billing_month, bill_amount, bill_amount_last_year, bill_change, bill_change_rate,
               volume_effect, price_effect, mix_effect
        from marts.mart_ch2_bill_trend_yoy
        where region_scope = 'all' and billing_month between ? and ? order by billing_month""",
                  [c.year_start, c.month])
    title = c.t("2.6 电费同比趋势与量价结构分解", "2.6 Bill trend against last year: volume, price and mix")
    if not rows or rows[-1]["billing_month"] != c.month:
        return Section("ch2_bill_trend", 2, title, [c.t(
            f"数据中没有{c.month_label(c.year_ago)}的账单，无法同比。",
            f"The data holds no bills for {c.month_label(c.year_ago)}: no year-on-year comparison.")],
            ["mart_ch2_bill_trend_yoy"])
    now = rows[-1]
    effects = {"volume": float(now["volume_effect"]), "price": float(now["price_effect"]),
               "mix": float(now["mix_effect"])}
    names = {"volume": c.t("电量因素", "volume"), "price": c.t("电价因素", "price"), "mix": c.t("结构因素", "mix")}
    main, amount = largest_effect(effects)
    findings = [c.t(
        f"{c.month_label()}电费 {c.yuan(now['bill_amount'])}，较上年同月 {fmt.signed_yuan(now['bill_change'], 'zh')}"
        f"（{fmt.signed_percent(now['bill_change_rate'])}）。",
        f"Bills for {c.month_label()} come to {c.yuan(now['bill_amount'])}, "
        f"{fmt.signed_yuan(now['bill_change'], 'en')} ({fmt.signed_percent(now['bill_change_rate'])}) on the same "
        f"month last year."),
        c.t(f"变化主要来自{names[main]}（{fmt.signed_yuan(amount, 'zh')}）；电量因素 "
            f"{fmt.signed_yuan(effects['volume'], 'zh')}、电价因素 {fmt.signed_yuan(effects['price'], 'zh')}、"
            f"结构因素 {fmt.signed_yuan(effects['mix'], 'zh')}。",
            f"The {names[main]} effect moved it most ({fmt.signed_yuan(amount, 'en')}): volume "
            f"{fmt.signed_yuan(effects['volume'], 'en')}, price {fmt.signed_yuan(effects['price'], 'en')}, "
            f"mix {fmt.signed_yuan(effects['mix'], 'en')}.")]
    return Section(
        "ch2_bill_trend", 2, title, findings, ["mart_ch2_bill_trend_yoy"],
        chart=Chart("bar", _month_categories([r["billing_month"] for r in rows]), [
            Series(c.t("电量因素", "Volume effect"), [fmt.value(r["volume_effect"]) for r in rows]),
            Series(c.t("电价因素", "Price effect"), [fmt.value(r["price_effect"]) for r in rows]),
            Series(c.t("结构因素", "Mix effect"), [fmt.value(r["mix_effect"]) for r in rows])], c.t("元", "yuan")),
        table=Table([c.t("月份", "Month"), c.t("本期电费", "Bills"), c.t("上年同月", "Last year"),
                     c.t("同比", "Change"), c.t("电量因素", "Volume"), c.t("电价因素", "Price"), c.t("结构因素", "Mix")],
                    [[f"{r['billing_month']:%Y-%m}", c.yuan(r["bill_amount"]), c.yuan(r["bill_amount_last_year"]),
                      fmt.signed_percent(r["bill_change_rate"]), fmt.signed_yuan(r["volume_effect"], c.lang),
                      fmt.signed_yuan(r["price_effect"], c.lang), fmt.signed_yuan(r["mix_effect"], c.lang)]
                     for r in rows]))


def ch2_saving_potential(c: Context) -> Section:
    rows = c.rows("""
        select suggestion, count(distinct customer_id) as customers, sum(saving_yuan_per_year) as saving_yuan,
               median(saving_yuan_per_year) as median_saving_yuan
        from marts.mart_ch2_saving_potential group by suggestion order by saving_yuan desc""")
    total = c.rows("select count(distinct customer_id) as customers, sum(saving_yuan_per_year) as saving_yuan "
                   "from marts.mart_ch2_saving_potential")[0]
    top = rows[0]
    names = [c.label("saving_suggestion", r["suggestion"]) for r in rows]
    findings = [c.t(
        f"{fmt.integer(total['customers'])} 户客户每年可节省电费合计 {c.yuan(total['saving_yuan'])}；"
        f"潜力最大的是{names[0]}（{fmt.integer(top['customers'])} 户，{c.yuan(top['saving_yuan'])}/年）。",
        f"{fmt.integer(total['customers'])} customers could save {c.yuan(total['saving_yuan'])} a year in all; "
        f"the largest is {names[0]} ({fmt.integer(top['customers'])} customers, {c.yuan(top['saving_yuan'])} a year).")]
    action = c.t(
        f"建议：向 {fmt.integer(top['customers'])} 户客户推送“{names[0]}”建议（按节省金额从高到低联系）。",
        f"Action: send the {fmt.integer(top['customers'])} customers the '{names[0]}' suggestion, largest saving first.")
    return Section(
        "ch2_saving_potential", 2, c.t("2.7 节能节费潜力", "2.7 Saving potential"), findings,
        ["mart_ch2_saving_potential"], action=action,
        chart=Chart("bar", names, [Series(c.t("年节省电费", "Saving a year"),
                                          [fmt.value(r["saving_yuan"]) for r in rows])], c.t("元/年", "yuan a year")),
        table=Table([c.t("建议", "Suggestion"), c.t("客户数", "Customers"), c.t("年节省合计", "Saving a year"),
                     c.t("户均中位数", "Median per customer")],
                    [[n, fmt.integer(r["customers"]), c.yuan(r["saving_yuan"]), c.yuan(r["median_saving_yuan"])]
                     for n, r in zip(names, rows)]))


def ch2_programmes(c: Context) -> Section:
    rows = c.rows("""
        with participation as (
            select programme, sum(enrolled_customers) as enrolled_customers,
                   sum(enrolled_customers) / sum(customers) as participation_rate
            from marts.mart_ch2_programme_participation group by programme
        ),
        response as (
            select programme, sum(enrolled_customers_measured) as measured,
                   sum(net_kwh_change_rate * enrolled_customers_measured)
                       / nullif(sum(enrolled_customers_measured), 0) as net_kwh_change_rate,
                   sum(net_on_peak_share_change * enrolled_customers_measured)
                       / nullif(sum(enrolled_customers_measured), 0) as net_on_peak_share_change
            from marts.mart_ch2_policy_response group by programme
        )
        select participation.programme, enrolled_customers, participation_rate, measured,
               net_kwh_change_rate, net_on_peak_share_change
        from participation left join response on participation.programme = response.programme
        order by participation_rate desc""")
    names = [c.label("programme", r["programme"]) for r in rows]
    measured = [r for r in rows if r["net_kwh_change_rate"] is not None]
    findings = [c.t(f"参与率最高的项目是{names[0]}（{fmt.percent(rows[0]['participation_rate'])}）。",
                    f"{names[0]} has the highest participation ({fmt.percent(rows[0]['participation_rate'])}).")]
    if measured:
        best = min(measured, key=lambda r: r["net_kwh_change_rate"])
        findings.append(c.t(
            f"政策响应：参与{c.label('programme', best['programme'])}后，用电量相对对照组变化 "
            f"{fmt.signed_percent(best['net_kwh_change_rate'])}，为各项目中降幅最大。",
            f"Policy response: after joining {c.label('programme', best['programme'])} customers' kWh moved "
            f"{fmt.signed_percent(best['net_kwh_change_rate'])} against the comparison group, the largest fall."))
    return Section(
        "ch2_programmes", 2, c.t("2.8 节能项目参与与政策响应", "2.8 Programme participation and policy response"),
        findings, ["mart_ch2_programme_participation", "mart_ch2_policy_response"],
        chart=Chart("bar", names, [Series(c.t("参与率", "Participation rate"),
                                          [fmt.value(r["participation_rate"]) for r in rows])],
                    c.t("参与率", "participation"), percent=True),
        table=Table([c.t("项目", "Programme"), c.t("参与客户", "Enrolled"), c.t("参与率", "Participation"),
                     c.t("电量净变化", "Net kWh change"), c.t("高峰占比净变化", "Net on-peak share change")],
                    [[n, fmt.integer(r["enrolled_customers"]), fmt.percent(r["participation_rate"]),
                      fmt.signed_percent(r["net_kwh_change_rate"]), fmt.signed_percent(r["net_on_peak_share_change"])]
                     for n, r in zip(names, rows)]))


# ---------------------------------------------------------------- chapter 3: credit

AGEING_BUCKETS = ("1_30", "31_60", "61_90", "over_90")


def ch3_arrears_trend(c: Context) -> Section:
    rows = c.rows("""
        select month_end, sum(active_customers) as active_customers,
               sum(active_customers_in_arrears) as in_arrears,
               sum(active_customers_in_arrears) / sum(active_customers) as arrears_share,
               sum(arrears_amount) as arrears_amount
        from marts.mart_ch3_arrears_monthly where month_end <= ?
        group by month_end order by month_end""", [c.month_end])
    now = rows[-1]
    before = next((r for r in rows if r["month_end"].year == c.month.year - 1
                   and r["month_end"].month == c.month.month), None)
    findings = [c.t(
        f"{c.month_label()}末有 {fmt.integer(now['in_arrears'])} 户在册客户欠费，占 {fmt.percent(now['arrears_share'])}，"
        f"逾期金额 {c.yuan(now['arrears_amount'])}。",
        f"At the end of {c.month_label()} {fmt.integer(now['in_arrears'])} active customers are in arrears "
        f"({fmt.percent(now['arrears_share'])}), owing {c.yuan(now['arrears_amount'])} past due.")]
    if before:
        findings.append(c.t(f"上年同期欠费占比为 {fmt.percent(before['arrears_share'])}。",
                            f"A year earlier the share was {fmt.percent(before['arrears_share'])}."))
    return Section(
        "ch3_arrears_trend", 3, c.t("3.1 欠费客户数与占比", "3.1 Customers in arrears"), findings,
        ["mart_ch3_arrears_monthly"],
        chart=Chart("line", _month_categories([r["month_end"] for r in rows]), [
            Series(c.t("欠费客户占比", "Share of active customers in arrears"),
                   [fmt.value(r["arrears_share"]) for r in rows])], c.t("占比", "share"), percent=True))


def _ageing_action(c: Context, row: dict) -> str:
    """Chase the bucket holding the most money: old debt needs collection, young debt a reminder."""
    bucket = max(AGEING_BUCKETS, key=lambda b: fmt.value(row[f"amount_{b}"]))
    label, amount, customers = c.label("ageing_bucket", bucket), c.yuan(row[f"amount_{bucket}"]), \
        fmt.integer(row[f"customers_{bucket}"])
    if bucket in ("61_90", "over_90"):
        return c.t(f"建议：对{label}的 {amount} 启动催收和分期还款安排（最长欠费在此账龄的客户 {customers} 户）。",
                   f"Action: start collection and instalment plans for the {amount} {label.lower()} "
                   f"({customers} customers' oldest bill is there).")
    return c.t(f"建议：在欠费老化前提醒缴费，先处理{label}的 {amount}（最长欠费在此账龄的客户 {customers} 户）。",
               f"Action: remind before the debt ages, starting with the {amount} {label.lower()} "
               f"({customers} customers' oldest bill is there).")


def ch3_arrears_ageing(c: Context) -> Section:
    row = c.rows("select " + ", ".join(
        f"sum(arrears_amount_{b}) as amount_{b}, sum(customers_oldest_{b}) as customers_{b}" for b in AGEING_BUCKETS)
        + ", sum(arrears_amount) as arrears_amount from marts.mart_ch3_arrears_monthly where month_end = ?",
        [c.month_end])[0]
    names = [c.label("ageing_bucket", b) for b in AGEING_BUCKETS]
    total = float(row["arrears_amount"])
    oldest = float(row["amount_over_90"])
    findings = [c.t(
        f"{c.month_label()}末逾期金额 {c.yuan(total)}，其中逾期90天以上 {c.yuan(oldest)}，占 "
        f"{fmt.percent(oldest / total if total else 0)}。",
        f"Of the {c.yuan(total)} past due at the end of {c.month_label()}, {c.yuan(oldest)} "
        f"({fmt.percent(oldest / total if total else 0)}) is more than 90 days past due.")]
    return Section(
        "ch3_arrears_ageing", 3, c.t("3.2 欠费金额账龄分布", "3.2 Arrears amount by ageing bucket"), findings,
        ["mart_ch3_arrears_monthly"], action=_ageing_action(c, row),
        chart=Chart("bar", names, [Series(c.t("逾期金额", "Past due"), [fmt.value(row[f"amount_{b}"])
                                                                      for b in AGEING_BUCKETS])], c.t("元", "yuan")),
        table=Table([c.t("账龄", "Ageing"), c.t("逾期金额", "Past due"), c.t("最长欠费在此账龄的客户", "Customers (oldest bill)")],
                    [[n, c.yuan(row[f"amount_{b}"]), fmt.integer(row[f"customers_{b}"])]
                     for n, b in zip(names, AGEING_BUCKETS)]))


DRIVER_CODE_SETS = {"main_payment_channel": "payment_channel", "billing_complaint_before_due": "yes_no"}


def _driver_value(c: Context, driver: str, value: str) -> str:
    if driver == "billing_calendar_month":
        return c.t(f"{int(value)}月", dt.date(2000, int(value), 1).strftime("%b"))
    if driver == "main_payment_channel" and value == "no_payments":
        return c.label("payment_channel_or_none", value)
    return c.label(DRIVER_CODE_SETS.get(driver, driver), value)


def ch3_arrears_drivers(c: Context) -> Section:
    rows = c.rows("""
        select driver, driver_value, bills_observed, arrears_rate, arrears_rate_index
        from marts.mart_ch3_arrears_drivers where bills_observed >= 30
        order by arrears_rate_index desc, driver, driver_value limit 10""")
    names = [f"{c.label('arrears_driver', r['driver'])}{c.t('：', ': ')}{_driver_value(c, r['driver'], r['driver_value'])}"
             for r in rows]
    findings = [c.t(
        f"欠费风险最高的是“{names[0]}”，账单欠费率 {fmt.percent(rows[0]['arrears_rate'])}，为平均水平的 "
        f"{fmt.number(rows[0]['arrears_rate_index'], 2)} 倍。",
        f"The riskiest group is '{names[0]}': {fmt.percent(rows[0]['arrears_rate'])} of its bills fall into "
        f"arrears, {fmt.number(rows[0]['arrears_rate_index'], 2)} times the average.")]
    return Section(
        "ch3_arrears_drivers", 3, c.t("3.3 欠费成因", "3.3 Causes of arrears"), findings,
        ["mart_ch3_arrears_drivers"],
        chart=Chart("bar", names, [Series(c.t("欠费率指数（平均=1）", "Arrears rate index (average = 1)"),
                                          [fmt.value(r["arrears_rate_index"]) for r in rows])],
                    c.t("指数", "index")),
        table=Table([c.t("因素", "Driver"), c.t("观察账单", "Bills observed"), c.t("欠费率", "Arrears rate"),
                     c.t("指数", "Index")],
                    [[n, fmt.integer(r["bills_observed"]), fmt.percent(r["arrears_rate"]),
                      fmt.number(r["arrears_rate_index"], 2)] for n, r in zip(names, rows)]))


def ch3_payment_channels(c: Context) -> Section:
    rows = c.rows("""
        select channel, channel_group, sum(payments) as payments, sum(amount_paid) as amount_paid,
               sum(payments) / sum(sum(payments)) over () as share
        from marts.mart_ch3_payment_channel_monthly where paid_month between ? and ?
        group by channel, channel_group order by payments desc""", [c.year_start, c.month])
    online = sum(r["share"] for r in rows if r["channel_group"] == "online")
    names = [c.label("payment_channel", r["channel"]) for r in rows]
    findings = [c.t(
        f"近12个月 {fmt.percent(online)} 的缴费通过线上渠道完成；最常用的是{names[0]}（{fmt.percent(rows[0]['share'])}）。",
        f"Over the 12 months {fmt.percent(online)} of payments were made online; {names[0]} is the most used "
        f"channel ({fmt.percent(rows[0]['share'])}).")]
    return Section(
        "ch3_payment_channels", 3, c.t("3.4 缴费渠道结构", "3.4 Payment channel mix"), findings,
        ["mart_ch3_payment_channel_monthly"],
        chart=Chart("bar", names, [Series(c.t("缴费笔数占比", "Share of payments"), [fmt.value(r["share"]) for r in rows])],
                    c.t("占比", "share"), percent=True),
        table=Table([c.t("渠道", "Channel"), c.t("线上/线下", "Online/offline"), c.t("笔数", "Payments"),
                     c.t("金额", "Amount"), c.t("占比", "Share")],
                    [[n, c.label("channel_group", r["channel_group"]), fmt.integer(r["payments"]),
                      c.yuan(r["amount_paid"]), fmt.percent(r["share"])] for n, r in zip(names, rows)]))


TIMING_BUCKETS = ("early_over_7_days", "early_1_7_days", "on_due_date", "late_1_30_days",
                  "late_31_90_days", "late_over_90_days")


def ch3_payment_timing(c: Context) -> Section:
    rows = {r["bucket"]: r for r in c.rows("""
        select bucket, sum(occurrences) as occurrences, sum(occurrences) / sum(sum(occurrences)) over () as share
        from marts.mart_ch3_payment_timing where measure = 'payment_vs_due' group by bucket""")}
    buckets = [b for b in TIMING_BUCKETS if b in rows]
    on_time = sum(rows[b]["share"] for b in buckets if not b.startswith("late"))
    names = [c.label("payment_timing", b) for b in buckets]
    findings = [c.t(f"{fmt.percent(on_time)} 的账单缴费在到期日当天或之前完成。",
                    f"{fmt.percent(on_time)} of bill payments are made on or before the due date.")]
    return Section(
        "ch3_payment_timing", 3, c.t("3.5 缴费时间与到期日", "3.5 Payment timing against the due date"), findings,
        ["mart_ch3_payment_timing"],
        chart=Chart("bar", names, [Series(c.t("缴费笔数占比", "Share of bill payments"),
                                          [fmt.value(rows[b]["share"]) for b in buckets])],
                    c.t("占比", "share"), percent=True),
        table=Table([c.t("时间", "Timing"), c.t("笔数", "Payments"), c.t("占比", "Share")],
                    [[n, fmt.integer(rows[b]["occurrences"]), fmt.percent(rows[b]["share"])]
                     for n, b in zip(names, buckets)]))


def ch3_prepaid_postpaid(c: Context) -> Section:
    rows = c.rows("""
        select customer_type, payment_mode, bills_observed, bill_arrears_rate, arrears_bills_avoided_estimate
        from marts.mart_ch3_prepaid_vs_postpaid order by customer_type, payment_mode""")
    types = [t for t in CUSTOMER_TYPES if any(r["customer_type"] == t for r in rows)]
    rate = {(r["customer_type"], r["payment_mode"]): r["bill_arrears_rate"] for r in rows}
    both = [t for t in types if (t, "prepaid") in rate and (t, "postpaid") in rate]
    avoided = sum(fmt.value(r["arrears_bills_avoided_estimate"]) for r in rows)
    findings = []
    for t in both:
        findings.append(c.t(
            f"{c.label('customer_type', t)}：预付费账单欠费率 {fmt.percent(rate[(t, 'prepaid')])}，"
            f"后付费 {fmt.percent(rate[(t, 'postpaid')])}。",
            f"{c.label('customer_type', t)}: {fmt.percent(rate[(t, 'prepaid')])} of prepaid bills fall into arrears "
            f"against {fmt.percent(rate[(t, 'postpaid')])} of postpaid ones."))
    findings.append(c.t(f"预付费估计少产生欠费账单 {fmt.integer(avoided)} 张。",
                        f"Prepayment avoided an estimated {fmt.integer(avoided)} arrears bills."))
    return Section(
        "ch3_prepaid_postpaid", 3, c.t("3.6 预付费与后付费", "3.6 Prepaid against postpaid"), findings,
        ["mart_ch3_prepaid_vs_postpaid"],
        chart=Chart("bar", [c.label("customer_type", t) for t in types], [
            Series(c.label("payment_mode", mode), [fmt.value(rate.get((t, mode))) for t in types])
            for mode in ("prepaid", "postpaid")], c.t("账单欠费率", "bill arrears rate"), percent=True),
        table=Table([c.t("客户类型", "Customer type"), c.t("缴费方式", "Payment mode"), c.t("观察账单", "Bills observed"),
                     c.t("欠费率", "Arrears rate")],
                    [[c.label("customer_type", r["customer_type"]), c.label("payment_mode", r["payment_mode"]),
                      fmt.integer(r["bills_observed"]), fmt.percent(r["bill_arrears_rate"])] for r in rows]))


def ch3_credit_grades(c: Context) -> Section:
    rows = c.rows("""
        select credit_grade, sum(customers) as customers, sum(customers) / sum(sum(customers)) over () as share,
               sum(average_score * customers) / sum(customers) as average_score
        from marts.mart_ch3_credit_grade_distribution where grade_month = ?
        group by credit_grade order by credit_grade""", [c.month])
    share = {r["credit_grade"]: r["share"] for r in rows}
    names = [c.label("credit_grade", r["credit_grade"]) for r in rows]
    findings = [c.t(
        f"{c.month_label()}末 A 级客户占 {fmt.percent(share.get('A', 0))}，D 级占 {fmt.percent(share.get('D', 0))}。",
        f"At the end of {c.month_label()} {fmt.percent(share.get('A', 0))} of customers hold grade A and "
        f"{fmt.percent(share.get('D', 0))} grade D.")]
    return Section(
        "ch3_credit_grades", 3, c.t("3.7 信用等级分布", "3.7 Credit grade distribution"), findings,
        ["mart_ch3_credit_grade_distribution"],
        chart=Chart("bar", names, [Series(c.t("客户数", "Customers"), [fmt.value(r["customers"]) for r in rows])],
                    c.t("户", "customers")),
        table=Table([c.t("等级", "Grade"), c.t("客户数", "Customers"), c.t("占比", "Share"), c.t("平均分", "Mean score")],
                    [[n, fmt.integer(r["customers"]), fmt.percent(r["share"]), fmt.number(r["average_score"])]
                     for n, r in zip(names, rows)]))


def ch3_grade_validation(c: Context) -> Section:
    rows = c.rows("""
        select credit_grade, graded_customer_months, next_window_arrears_rate, next_window_new_arrears_rate,
               window_months
        from marts.mart_ch3_credit_grade_validation order by credit_grade_rank""")
    monotonic, ratio = separation([float(r["next_window_arrears_rate"]) for r in rows])
    names = [c.label("credit_grade", r["credit_grade"]) for r in rows]
    window = rows[0]["window_months"]
    findings = [c.t(
        f"评级后 {window} 个月内的欠费率：" + "、".join(
            f"{r['credit_grade']} 级 {fmt.percent(r['next_window_arrears_rate'])}" for r in rows)
        + ("，随等级变差逐级上升" if monotonic else "，未能逐级区分") + f"；D 级是 A 级的 {fmt.number(ratio)} 倍。",
        f"Arrears within {window} months of grading: " + ", ".join(
            f"{r['credit_grade']} {fmt.percent(r['next_window_arrears_rate'])}" for r in rows)
        + ("; the rate rises at every step" if monotonic else "; the grades do not separate at every step")
        + f", D {fmt.number(ratio)} times A.")]
    return Section(
        "ch3_grade_validation", 3, c.t("3.8 信用等级对欠费的预测能力", "3.8 How well the credit grade predicts arrears"),
        findings, ["mart_ch3_credit_grade_validation"],
        chart=Chart("bar", names, [
            Series(c.t("下期欠费率", "Next-period arrears rate"), [fmt.value(r["next_window_arrears_rate"]) for r in rows]),
            Series(c.t("评级时无欠费者的新增欠费率", "New arrears rate (clear when graded)"),
                   [fmt.value(r["next_window_new_arrears_rate"]) for r in rows])],
            c.t("欠费率", "arrears rate"), percent=True))


# ---------------------------------------------------------------- chapter 4: service

def ch4_channels(c: Context) -> Section:
    rows = c.rows("""
        select channel, channel_group, sum(tickets) as tickets, sum(tickets) / sum(sum(tickets)) over () as share
        from marts.mart_ch4_channel_usage_monthly where created_month between ? and ?
        group by channel, channel_group order by tickets desc""", [c.year_start, c.month])
    online = sum(r["share"] for r in rows if r["channel_group"] == "online")
    names = [c.label("ticket_channel", r["channel"]) for r in rows]
    findings = [c.t(
        f"近12个月服务工单 {fmt.integer(sum(r['tickets'] for r in rows))} 张，线上渠道占 {fmt.percent(online)}；"
        f"最常用的是{names[0]}（{fmt.percent(rows[0]['share'])}）。",
        f"{fmt.integer(sum(r['tickets'] for r in rows))} service tickets in the 12 months, {fmt.percent(online)} "
        f"online; {names[0]} carries the most ({fmt.percent(rows[0]['share'])}).")]
    return Section(
        "ch4_channels", 4, c.t("4.1 服务渠道使用", "4.1 Service channel use"), findings,
        ["mart_ch4_channel_usage_monthly"],
        chart=Chart("bar", names, [Series(c.t("工单占比", "Share of tickets"), [fmt.value(r["share"]) for r in rows])],
                    c.t("占比", "share"), percent=True),
        table=Table([c.t("渠道", "Channel"), c.t("线上/线下", "Online/offline"), c.t("工单", "Tickets"),
                     c.t("占比", "Share")],
                    [[n, c.label("channel_group", r["channel_group"]), fmt.integer(r["tickets"]), fmt.percent(r["share"])]
                     for n, r in zip(names, rows)]))


COMMITMENTS = ("fault_arrival", "fault_restore", "complaint_contact", "complaint_reply")
TARGET_UNITS = {"minutes": ("分钟", "minutes"), "hours": ("小时", "hours"),
                "working_days": ("工作日", "working days"), "days": ("天", "days")}


def ch4_commitments(c: Context) -> Section:
    rows = c.rows("""
        select commitment, urban_rural, target, target_unit, tickets, measure_p50, measure_p90, share_met
        from marts.mart_ch4_service_commitments order by commitment, urban_rural""")
    met = {(r["commitment"], r["urban_rural"]): r["share_met"] for r in rows}
    commitments = [k for k in COMMITMENTS if any(r["commitment"] == k for r in rows)]
    worst = min((r for r in rows if r["share_met"] is not None), key=lambda r: r["share_met"])
    findings = [c.t(
        f"达标率最低的是{c.label('urban_rural', worst['urban_rural'])}的“{c.label('service_commitment', worst['commitment'])}”，"
        f"{fmt.percent(worst['share_met'])}（承诺 {fmt.number(worst['target'], 0)} "
        f"{TARGET_UNITS[worst['target_unit']][0]}，P90 实际 {fmt.number(worst['measure_p90'])}）。",
        f"The commitment met least often is '{c.label('service_commitment', worst['commitment'])}' "
        f"({c.label('urban_rural', worst['urban_rural'])}): {fmt.percent(worst['share_met'])} met against a "
        f"target of {fmt.number(worst['target'], 0)} {TARGET_UNITS[worst['target_unit']][1]} (p90 "
        f"{fmt.number(worst['measure_p90'])}).")]
    action = c.t(f"建议：优先改进{c.label('urban_rural', worst['urban_rural'])}的“"
                 f"{c.label('service_commitment', worst['commitment'])}”环节。",
                 f"Action: fix '{c.label('service_commitment', worst['commitment'])}' in "
                 f"{c.label('urban_rural', worst['urban_rural']).lower()} areas first.")
    return Section(
        "ch4_commitments", 4, c.t("4.2 响应与处理时限对照服务承诺", "4.2 Response and resolution against the commitments"),
        findings, ["mart_ch4_service_commitments"], action=action,
        chart=Chart("bar", [c.label("service_commitment", k) for k in commitments], [
            Series(c.label("urban_rural", area), [fmt.value(met.get((k, area))) for k in commitments])
            for area in ("urban", "rural")], c.t("达标率", "share met"), percent=True),
        table=Table([c.t("承诺", "Commitment"), c.t("城乡", "Area"), c.t("目标", "Target"), c.t("工单", "Tickets"),
                     c.t("中位数", "p50"), c.t("P90", "p90"), c.t("达标率", "Met")],
                    [[c.label("service_commitment", r["commitment"]), c.label("urban_rural", r["urban_rural"]),
                      f"{fmt.number(r['target'], 0)} {TARGET_UNITS[r['target_unit']][0 if c.lang == 'zh' else 1]}",
                      fmt.integer(r["tickets"]), fmt.number(r["measure_p50"]), fmt.number(r["measure_p90"]),
                      fmt.percent(r["share_met"])] for r in rows]))


def ch4_complaints(c: Context) -> Section:
    rows = c.rows("""
        select category, complaints, share_of_complaints, cumulative_share, is_vital_few, repeat_complaints,
               satisfied_share_of_rated
        from marts.mart_ch4_complaint_pareto order by pareto_rank""")
    names = [c.label("ticket_category", r["category"]) for r in rows]
    vital = [n for n, r in zip(names, rows) if r["is_vital_few"]]
    repeats = sum(r["repeat_complaints"] for r in rows) / sum(r["complaints"] for r in rows)
    findings = [c.t(
        f"投诉最多的类别是{names[0]}（{fmt.percent(rows[0]['share_of_complaints'])}）；"
        f"{'、'.join(vital)}合计占投诉的80%以上。重复投诉占 {fmt.percent(repeats)}。",
        f"{names[0]} leads the complaints ({fmt.percent(rows[0]['share_of_complaints'])}); {', '.join(vital)} "
        f"make up 80% of them. {fmt.percent(repeats)} are repeat complaints.")]
    action = c.t(f"建议：针对“{names[0]}”类投诉制定专项整改。",
                 f"Action: a dedicated fix for {names[0]} complaints.")
    return Section(
        "ch4_complaints", 4, c.t("4.3 投诉类别帕累托分析", "4.3 Complaint Pareto"), findings,
        ["mart_ch4_complaint_pareto"], action=action,
        chart=Chart("bar", names, [Series(c.t("投诉数", "Complaints"), [fmt.value(r["complaints"]) for r in rows])],
                    c.t("件", "complaints")),
        table=Table([c.t("类别", "Category"), c.t("投诉数", "Complaints"), c.t("占比", "Share"),
                     c.t("累计占比", "Cumulative"), c.t("重复投诉", "Repeats"), c.t("处理后满意率", "Satisfied after handling")],
                    [[n, fmt.integer(r["complaints"]), fmt.percent(r["share_of_complaints"]),
                      fmt.percent(r["cumulative_share"]), fmt.integer(r["repeat_complaints"]),
                      fmt.percent(r["satisfied_share_of_rated"])] for n, r in zip(names, rows)]))


def ch4_survey(c: Context) -> Section:
    rows = c.rows("""
        select dimension, sum(responses) as responses, sum(average_score * responses) / sum(responses) as average_score,
               sum(satisfied_share * responses) / sum(responses) as satisfied_share
        from marts.mart_ch4_survey_scores group by dimension order by average_score desc""")
    names = [c.label("survey_dimension", r["dimension"]) for r in rows]
    findings = [c.t(
        f"得分最高的维度是{names[0]}（{fmt.number(rows[0]['average_score'], 2)} 分），最低的是{names[-1]}"
        f"（{fmt.number(rows[-1]['average_score'], 2)} 分）。",
        f"{names[0]} scores highest ({fmt.number(rows[0]['average_score'], 2)} of 10), {names[-1]} lowest "
        f"({fmt.number(rows[-1]['average_score'], 2)}).")]
    return Section(
        "ch4_survey", 4, c.t("4.4 满意度调查各维度得分", "4.4 Survey scores by dimension"), findings,
        ["mart_ch4_survey_scores"],
        chart=Chart("bar", names, [Series(c.t("平均分（1-10）", "Mean score (1-10)"),
                                          [fmt.value(r["average_score"]) for r in rows])], c.t("分", "score")),
        table=Table([c.t("维度", "Dimension"), c.t("回答数", "Responses"), c.t("平均分", "Mean score"),
                     c.t("满意（8-10分）占比", "Satisfied (8-10)")],
                    [[n, fmt.integer(r["responses"]), fmt.number(r["average_score"], 2), fmt.percent(r["satisfied_share"])]
                     for n, r in zip(names, rows)]))


def ch4_experience(c: Context) -> Section:
    rows = c.rows("""
        select experience_band, customer_snapshots, later_arrears_rate, later_closure_rate
        from marts.mart_ch4_experience_outcomes order by later_closure_rate desc""")
    names = [c.label("experience_band", r["experience_band"]) for r in rows]
    findings = [c.t(
        f"服务体验“{names[0]}”的客户此后销户率最高（{fmt.percent(rows[0]['later_closure_rate'])}）。",
        f"Customers in the band '{names[0]}' close their account most often afterwards "
        f"({fmt.percent(rows[0]['later_closure_rate'])}).")]
    return Section(
        "ch4_experience", 4, c.t("4.5 服务体验与后续欠费、销户", "4.5 Service experience against later arrears and closing"),
        findings, ["mart_ch4_experience_outcomes"],
        chart=Chart("bar", names, [
            Series(c.t("后续欠费率", "Later arrears rate"), [fmt.value(r["later_arrears_rate"]) for r in rows]),
            Series(c.t("后续销户率", "Later closure rate"), [fmt.value(r["later_closure_rate"]) for r in rows])],
            c.t("比率", "rate"), percent=True))


# ---------------------------------------------------------------- chapter 5: churn

def ch5_models(c: Context) -> Section:
    rows = c.rows("""
        select model_name, pooled_pr_auc, no_skill_pr_auc, pooled_roc_auc, pooled_lift_top_decile, is_chosen,
               evaluation_snapshots
        from marts.mart_ch5_churn_model_summary order by pooled_pr_auc desc""")
    names = [c.label("churn_model", r["model_name"]) for r in rows]
    chosen = next(r for r in rows if r["is_chosen"])
    findings = [c.t(
        f"选用{c.label('churn_model', chosen['model_name'])}：跨时间验证 PR-AUC {fmt.number(chosen['pooled_pr_auc'], 3)}"
        f"（无技能基线 {fmt.number(chosen['no_skill_pr_auc'], 3)}），前10%客户的提升度 "
        f"{fmt.number(chosen['pooled_lift_top_decile'])} 倍。",
        f"{c.label('churn_model', chosen['model_name'])} is chosen: out-of-time PR-AUC "
        f"{fmt.number(chosen['pooled_pr_auc'], 3)} against {fmt.number(chosen['no_skill_pr_auc'], 3)} without skill, "
        f"and a lift of {fmt.number(chosen['pooled_lift_top_decile'])} in the top decile.")]
    return Section(
        "ch5_models", 5, c.t("5.1 流失预测模型与跨时间验证", "5.1 Churn models validated out of time"), findings,
        ["mart_ch5_churn_model_summary"],
        chart=Chart("bar", names, [
            Series("PR-AUC", [fmt.value(r["pooled_pr_auc"]) for r in rows]),
            Series(c.t("无技能基线", "No-skill PR-AUC"), [fmt.value(r["no_skill_pr_auc"]) for r in rows])], "PR-AUC"),
        table=Table([c.t("模型", "Model"), "PR-AUC", "ROC-AUC", c.t("前10%提升度", "Top-decile lift"),
                     c.t("验证月数", "Months evaluated"), c.t("选用", "Chosen")],
                    [[n, fmt.number(r["pooled_pr_auc"], 3), fmt.number(r["pooled_roc_auc"], 3),
                      fmt.number(r["pooled_lift_top_decile"]), fmt.integer(r["evaluation_snapshots"]),
                      c.t("是", "yes") if r["is_chosen"] else ""] for n, r in zip(names, rows)]))


RISK_TIERS = ("high", "medium", "low", "unscored")


def ch5_risk_tiers(c: Context) -> Section:
    rows = c.rows("""
        select customers.customer_type, scores.risk_tier, count(*) as customers,
               min(scores.snapshot_date) as snapshot_date
        from marts.mart_ch5_churn_scores as scores
        inner join marts.dim_customers as customers on scores.customer_id = customers.customer_id
        group by customers.customer_type, scores.risk_tier""")
    types = [t for t in CUSTOMER_TYPES if any(r["customer_type"] == t for r in rows)]
    tiers = [t for t in RISK_TIERS if any(r["risk_tier"] == t for r in rows)]
    count = {(r["customer_type"], r["risk_tier"]): r["customers"] for r in rows}
    high = sum(count.get((t, "high"), 0) for t in types)
    total = sum(count.values())
    type_share = {t: count.get((t, "high"), 0) / sum(count.get((t, k), 0) for k in tiers) for t in types}
    riskiest = leader(type_share)
    snapshot = rows[0]["snapshot_date"]
    findings = [c.t(
        f"截至 {snapshot:%Y-%m-%d}，高风险客户 {fmt.integer(high)} 户，占 {fmt.percent(high / total)}；"
        f"高风险占比最高的是{c.label('customer_type', riskiest[0])}（{fmt.percent(riskiest[1])}）。",
        f"At {snapshot:%Y-%m-%d} {fmt.integer(high)} customers ({fmt.percent(high / total)}) are at high risk of "
        f"leaving; {c.label('customer_type', riskiest[0])} has the largest high-risk share ({fmt.percent(riskiest[1])}).")]
    return Section(
        "ch5_risk_tiers", 5, c.t("5.2 各类客户流失风险等级", "5.2 Churn risk tiers by customer type"), findings,
        ["mart_ch5_churn_scores"],
        chart=Chart("stacked_bar", [c.label("customer_type", t) for t in types], [
            Series(c.label("risk_tier", k), [float(count.get((t, k), 0)) for t in types]) for k in tiers],
            c.t("户", "customers")),
        table=Table([c.t("客户类型", "Customer type")] + [c.label("risk_tier", k) for k in tiers],
                    [[c.label("customer_type", t)] + [fmt.integer(count.get((t, k), 0)) for k in tiers]
                     for t in types]))


def ch5_drivers(c: Context) -> Section:
    rows = c.rows("""
        select importance.feature, importance.pr_auc_drop
        from marts.mart_ch5_churn_feature_importance as importance
        inner join marts.mart_ch5_churn_model_summary as summary
            on importance.model_name = summary.model_name and summary.is_chosen
        order by importance.importance_rank limit 8""")
    high_risk = c.rows("""
        select driver_1, count(*) as customers from marts.mart_ch5_churn_scores
        where risk_tier = 'high' and driver_1 is not null group by driver_1 order by customers desc, driver_1 limit 5""")
    names = [c.label("churn_feature", r["feature"]) for r in rows]
    findings = [c.t(f"模型最依赖的因素：{'、'.join(names[:3])}。",
                    f"The model relies most on {', '.join(names[:3])}.")]
    if high_risk:
        findings.append(c.t(
            f"高风险客户最常见的首要因素是{c.label('churn_feature', high_risk[0]['driver_1'])}"
            f"（{fmt.integer(high_risk[0]['customers'])} 户）。",
            f"The commonest first driver among high-risk customers is "
            f"{c.label('churn_feature', high_risk[0]['driver_1'])} ({fmt.integer(high_risk[0]['customers'])})."))
    return Section(
        "ch5_drivers", 5, c.t("5.3 主要流失驱动因素", "5.3 Top churn drivers"), findings,
        ["mart_ch5_churn_feature_importance", "mart_ch5_churn_scores"],
        chart=Chart("bar", names, [Series(c.t("打乱后 PR-AUC 下降", "PR-AUC drop when shuffled"),
                                          [fmt.value(r["pr_auc_drop"]) for r in rows])], "PR-AUC"),
        table=Table([c.t("高风险客户首要因素", "First driver of high-risk customers"), c.t("客户数", "Customers")],
                    [[c.label("churn_feature", r["driver_1"]), fmt.integer(r["customers"])] for r in high_risk]))


PROFILE_CODE_SETS = {"tenure_band": "tenure_band", "complaints_12m_band": "count_band",
                     "late_payments_12m_band": "count_band", "consumption_band": "quarter_band",
                     "stability_band": "quarter_band"}


def _profile(c: Context, mart: str, key: str, chapter: int, title: tuple[str, str]) -> Section:
    rows = c.rows(f"""
        select dimension, category, group_customers, group_share, base_share, over_representation
        from marts.{mart} where over_representation is not null and group_customers >= 5
        order by over_representation desc, dimension, category limit 8""")
    names = [f"{c.label('profile_dimension', r['dimension'])}{c.t('：', ': ')}"
             f"{c.label(PROFILE_CODE_SETS.get(r['dimension'], r['dimension']), r['category'])}" for r in rows]
    findings = [c.t(
        f"与全部客户相比最突出的特征是“{names[0]}”：占该群体 {fmt.percent(rows[0]['group_share'])}，"
        f"全体中仅占 {fmt.percent(rows[0]['base_share'])}（{fmt.number(rows[0]['over_representation'], 2)} 倍）。",
        f"The trait that sets the group apart most is '{names[0]}': {fmt.percent(rows[0]['group_share'])} of the "
        f"group against {fmt.percent(rows[0]['base_share'])} of all customers "
        f"({fmt.number(rows[0]['over_representation'], 2)} times).")] if rows else [c.t(
            "该群体为空，无画像。", "The group is empty: no profile.")]
    return Section(
        key, chapter, c.t(*title), findings, [mart],
        chart=Chart("bar", names, [Series(c.t("集中度（群体占比/全体占比）", "Over-representation (group / all)"),
                                          [fmt.value(r["over_representation"]) for r in rows])], c.t("倍", "times")),
        table=Table([c.t("特征", "Trait"), c.t("群体客户", "Group customers"), c.t("群体占比", "Group share"),
                     c.t("全体占比", "Share of all")],
                    [[n, fmt.integer(r["group_customers"]), fmt.percent(r["group_share"]), fmt.percent(r["base_share"])]
                     for n, r in zip(names, rows)]))


def ch5_high_risk_profile(c: Context) -> Section:
    return _profile(c, "mart_ch5_high_risk_profile", "ch5_high_risk_profile", 5,
                    ("5.4 高风险客户画像", "5.4 Profile of the high-risk group"))


def ch5_retention_plan(c: Context) -> Section:
    rows = c.rows("""
        select retention_action, count(*) as customers, sum(revenue_at_risk_yuan) as revenue_at_risk_yuan,
               sum(action_cost_yuan) as action_cost_yuan, sum(expected_revenue_kept_yuan) as revenue_kept_yuan,
               sum(net_value_to_utility_yuan) as net_value_yuan,
               sum(customer_benefit_yuan_per_year) as customer_benefit_yuan,
               count(*) filter (where worth_doing) as worth_doing
        from marts.mart_ch5_retention_plan group by retention_action order by revenue_kept_yuan desc""")
    names = [c.label("retention_action", r["retention_action"]) for r in rows]
    customers = sum(r["customers"] for r in rows)
    at_risk = sum(float(r["revenue_at_risk_yuan"]) for r in rows)
    kept = sum(float(r["revenue_kept_yuan"]) for r in rows)
    cost = sum(float(r["action_cost_yuan"]) for r in rows)
    worth = sum(r["worth_doing"] for r in rows)
    findings = [c.t(
        f"挽留计划覆盖 {fmt.integer(customers)} 户高、中风险客户，风险收入 {c.yuan(at_risk)}；措施成本 {c.yuan(cost)}，"
        f"预计保住收入 {c.yuan(kept)}。",
        f"The plan covers {fmt.integer(customers)} high and medium-risk customers with {c.yuan(at_risk)} of revenue "
        f"at risk; the actions cost {c.yuan(cost)} and are expected to keep {c.yuan(kept)}.")]
    action = c.t(f"建议：先执行值得做的 {fmt.integer(worth)} 项措施，按优先级（净收益）从高到低安排。",
                 f"Action: start with the {fmt.integer(worth)} actions worth doing, in priority order (net value).")
    return Section(
        "ch5_retention_plan", 5, c.t("5.5 挽留措施计划", "5.5 Retention plan"), findings,
        ["mart_ch5_retention_plan"], action=action,
        chart=Chart("bar", names, [
            Series(c.t("措施成本", "Action cost"), [fmt.value(r["action_cost_yuan"]) for r in rows]),
            Series(c.t("预计保住收入", "Revenue expected to be kept"), [fmt.value(r["revenue_kept_yuan"]) for r in rows])],
            c.t("元", "yuan")),
        table=Table([c.t("措施", "Action"), c.t("客户", "Customers"), c.t("风险收入", "Revenue at risk"),
                     c.t("成本", "Cost"), c.t("预计保住", "Kept"), c.t("净收益", "Net value"),
                     c.t("客户年收益", "Customer benefit a year")],
                    [[n, fmt.integer(r["customers"]), c.yuan(r["revenue_at_risk_yuan"]), c.yuan(r["action_cost_yuan"]),
                      c.yuan(r["revenue_kept_yuan"]), c.yuan(r["net_value_yuan"]), c.yuan(r["customer_benefit_yuan"])]
                     for n, r in zip(names, rows)]))


# ---------------------------------------------------------------- chapter 6: value

def ch6_segments(c: Context) -> Section:
    rows = c.rows("""
        select value_risk_segment, value_tier, segment_approach, customers, customer_share, revenue_12m_yuan,
               revenue_share, revenue_at_risk_yuan
        from marts.mart_ch6_value_segments order by revenue_12m_yuan desc""")
    names = [c.label("value_risk_segment", r["value_risk_segment"]) for r in rows]
    high = [r for r in rows if r["value_tier"] == "high"]
    high_customers = sum(float(r["customer_share"]) for r in high)
    high_revenue = sum(float(r["revenue_share"]) for r in high)
    retain = sum(float(r["revenue_at_risk_yuan"]) for r in rows if r["segment_approach"] == "retain_first")
    findings = [c.t(
        f"高价值客户占 {fmt.percent(high_customers)}，贡献 {fmt.percent(high_revenue)} 的收入；“优先挽留”客户的风险收入 "
        f"{c.yuan(retain)}。",
        f"High-value customers are {fmt.percent(high_customers)} of the base and bring {fmt.percent(high_revenue)} of "
        f"the revenue; the 'retain first' segments have {c.yuan(retain)} of revenue at risk.")]
    return Section(
        "ch6_segments", 6, c.t("6.1 客户价值分群", "6.1 Value segments"), findings, ["mart_ch6_value_segments"],
        chart=Chart("bar", names, [Series(c.t("年收入", "Revenue a year"), [fmt.value(r["revenue_12m_yuan"]) for r in rows])],
                    c.t("元", "yuan")),
        table=Table([c.t("分群", "Segment"), c.t("策略", "Approach"), c.t("客户", "Customers"), c.t("客户占比", "Share"),
                     c.t("年收入", "Revenue a year"), c.t("风险收入", "Revenue at risk")],
                    [[n, c.label("segment_approach", r["segment_approach"]), fmt.integer(r["customers"]),
                      fmt.percent(r["customer_share"]), c.yuan(r["revenue_12m_yuan"]), c.yuan(r["revenue_at_risk_yuan"])]
                     for n, r in zip(names, rows)]))


def ch6_high_value_profile(c: Context) -> Section:
    return _profile(c, "mart_ch6_high_value_profile", "ch6_high_value_profile", 6,
                    ("6.2 高价值客户画像", "6.2 Profile of high-value customers"))


def ch6_offers(c: Context) -> Section:
    rows = c.rows("""
        select offer, beneficiary, count(distinct customer_id) as customers, sum(yuan_per_year) as yuan_per_year,
               count(distinct customer_id) filter (where offer_rank = 1) as first_offer_customers
        from marts.mart_ch6_offers group by offer, beneficiary order by yuan_per_year desc""")
    names = [c.label("offer", r["offer"]) for r in rows]
    customer_side = [r for r in rows if r["beneficiary"] == "customer"]
    top = customer_side[0] if customer_side else rows[0]
    findings = [c.t(
        f"为客户节省最多的是“{c.label('offer', top['offer'])}”：{fmt.integer(top['customers'])} 户，每年合计 "
        f"{c.yuan(top['yuan_per_year'])}。",
        f"The offer that saves customers most is {c.label('offer', top['offer'])}: "
        f"{fmt.integer(top['customers'])} customers, {c.yuan(top['yuan_per_year'])} a year in all.")]
    action = c.t(f"建议：向 {fmt.integer(top['first_offer_customers'])} 户以此为首选方案的客户优先推荐“"
                 f"{c.label('offer', top['offer'])}”。",
                 f"Action: offer {c.label('offer', top['offer'])} first to the "
                 f"{fmt.integer(top['first_offer_customers'])} customers for whom it is the largest offer.")
    return Section(
        "ch6_offers", 6, c.t("6.3 定制化营销方案及金额", "6.3 Tailored offers in yuan"), findings,
        ["mart_ch6_offers"], action=action,
        chart=Chart("bar", names, [Series(c.t("每年金额", "Yuan a year"), [fmt.value(r["yuan_per_year"]) for r in rows])],
                    c.t("元/年", "yuan a year")),
        table=Table([c.t("方案", "Offer"), c.t("受益方", "Beneficiary"), c.t("客户", "Customers"),
                     c.t("首选客户", "Largest offer for"), c.t("每年金额", "Yuan a year")],
                    [[n, c.label("offer_beneficiary", r["beneficiary"]), fmt.integer(r["customers"]),
                      fmt.integer(r["first_offer_customers"]), c.yuan(r["yuan_per_year"])] for n, r in zip(names, rows)]))
