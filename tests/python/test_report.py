"""`powerlens report` on the standard sample: both languages, every outline section, no placeholder
text, the numbers equal the marts (read here with this test's own SQL), the HTML drawn by headless
Chromium with charts and Chinese that render, the deck with a slide and a chart per section."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from PIL import Image, ImageStat
from pptx import Presentation

from powerlens.report import html_page

from conftest import bin_path, run_command

# the outline (docs/design.md, "The report it serves"), one anchor per section
OUTLINE_SECTIONS = [
    "ch1_customer_trend", "ch1_customer_types", "ch1_customer_mix", "ch1_demand_traits",
    "ch2_kwh_trend", "ch2_load_character", "ch2_load_curves", "ch2_tou_shares", "ch2_bill_composition",
    "ch2_bill_trend", "ch2_saving_potential", "ch2_programmes", "ch2_energy_saving_habits", "ch2_own_generation",
    "ch3_arrears_trend", "ch3_arrears_ageing", "ch3_arrears_drivers", "ch3_payment_channels",
    "ch3_payment_timing", "ch3_prepaid_postpaid", "ch3_credit_grades", "ch3_grade_validation",
    "ch4_channels", "ch4_commitments", "ch4_complaints", "ch4_survey", "ch4_experience",
    "ch4_channel_satisfaction", "ch4_service_improvement",
    "ch5_models", "ch5_risk_tiers", "ch5_drivers", "ch5_high_risk_profile", "ch5_retention_plan",
    "ch5_competition_churn",
    "ch6_segments", "ch6_high_value_profile", "ch6_offers", "ch6_campaign_plan",
]
PLACEHOLDER = re.compile(r"\b(None|nan|NaN|inf|null|XX+|TODO|TBD)\b")


@pytest.fixture(scope="module")
def report_dir(built_warehouse, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    for lang in ("zh", "en"):
        run_command([bin_path("powerlens"), "report", "--warehouse", str(built_warehouse),
                     "--lang", lang, "--out", str(out)])
    return out


@pytest.fixture(scope="module")
def con(built_warehouse):
    with duckdb.connect(str(built_warehouse), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def month(con):
    """The last complete month, found another way than the report does: the last month of
    daily meter readings."""
    return con.execute("select max(usage_month) from marts.fct_monthly_usage").fetchone()[0]


def sections(page: str) -> dict[str, str]:
    """Each section's visible text (charts left out), by its anchor."""
    found = {}
    for key, body in re.findall(r'<section class="report-section" id="([^"]+)">(.*?)</section>', page, re.S):
        text = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
        found[key] = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return found


def section_html(page: str, key: str) -> str:
    return re.search(rf'<section class="report-section" id="{key}">(.*?)</section>', page, re.S).group(1)


@pytest.fixture(scope="module")
def pages(report_dir) -> dict[str, str]:
    return {lang: (report_dir / name).read_text(encoding="utf-8")
            for lang, name in (("zh", "report.html"), ("en", "report.en.html"))}


def slide_for(deck, number: str):
    """The slide whose title starts with the section number, e.g. '3.7'."""
    for slide in deck.slides:
        texts = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
        if texts and texts[0].startswith(number + " "):
            return slide
    raise AssertionError(f"no slide {number}")


def chart_of(slide):
    return next(shape.chart for shape in slide.shapes if shape.has_chart)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_outline_section_is_there_with_a_finding_and_no_placeholder(pages, lang):
    page = pages[lang]
    found = sections(page)
    assert list(found) == OUTLINE_SECTIONS
    assert 'id="contents"' in page and all(f'href="#{key}"' in page for key in OUTLINE_SECTIONS)
    for key, text in found.items():
        assert re.search(r'<p class="finding">[^<]{10,}</p>', section_html(page, key)), f"{key} has no finding"
        assert not PLACEHOLDER.search(text), f"{key}: {PLACEHOLDER.search(text).group(0)!r} in {text[:300]}"
    # offline: nothing is fetched
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page


def test_the_languages_differ_and_chinese_uses_the_seed_labels(pages, con):
    zh = sections(pages["zh"])
    labels = dict(con.execute(
        "select code, label_zh from reference.code_labels where code_set = 'customer_type'").fetchall())
    assert any(label in zh["ch1_customer_types"] for label in labels.values())
    assert "large_industrial" not in pages["zh"] and "general_commercial" not in pages["en"]
    assert "Chapter 1" in pages["en"] and "第一章" in pages["zh"]


def test_customer_numbers_are_the_marts_at_the_last_complete_month(pages, con, month):
    active, new, closed = con.execute("""
        select active_customers, new_customers, closed_customers from marts.mart_ch1_customer_counts_monthly
        where breakdown = 'all' and report_month = ?""", [month]).fetchone()
    text = sections(pages["en"])["ch1_customer_trend"]
    assert f"{active:,} customers are active; {new:,} accounts opened and {closed:,} closed" in text


def test_arrears_come_from_the_last_complete_month_not_the_export_cut_off(pages, con, month):
    # the sample's payments run past the last month of readings (into the export cut-off month),
    # yet no month end after the last complete month is observed
    month_end, last_observed, last_paid = con.execute("""
        select last_day(cast(? as date)), (select max(month_end) from marts.mart_ch3_arrears_monthly),
               (select max(cast(paid_at as date)) from marts.fct_payments)""", [month]).fetchone()
    assert last_paid > month_end and last_observed == month_end
    in_arrears, share = con.execute("""
        select sum(active_customers_in_arrears), sum(active_customers_in_arrears) / sum(active_customers)
        from marts.mart_ch3_arrears_monthly where month_end = ?""", [month_end]).fetchone()
    text = sections(pages["en"])["ch3_arrears_trend"]
    assert f"{in_arrears:,} active customers are in arrears ({share * 100:.1f}%)" in text


def test_the_value_scores_take_the_credit_grade_of_the_last_complete_month(con, month):
    mismatched = con.execute("""
        select count(*) from marts.mart_ch6_customer_value as value
        left join marts.mart_ch3_credit_grade_monthly as grades
            on value.customer_id = grades.customer_id and grades.grade_month = ?
        where value.credit_grade is distinct from grades.credit_grade""", [month]).fetchone()[0]
    assert mismatched == 0


def test_complaint_leader_and_retention_yuan_are_the_marts(pages, con):
    leader = con.execute("""
        select labels.label_zh from marts.mart_ch4_complaint_pareto as pareto
        inner join reference.code_labels as labels
            on labels.code_set = 'ticket_category' and labels.code = pareto.category
        where pareto.pareto_rank = 1""").fetchone()[0]
    assert f"投诉最多的类别是{leader}" in sections(pages["zh"])["ch4_complaints"]
    kept, cost = con.execute("select sum(expected_revenue_kept_yuan), sum(action_cost_yuan) "
                             "from marts.mart_ch5_retention_plan").fetchone()
    text = sections(pages["zh"])["ch5_retention_plan"]
    assert f"措施成本 {float(cost):,.0f} 元" in text and f"预计保住收入 {float(kept):,.0f} 元" in text


def test_the_outline_extensions_are_the_marts(pages, con):
    solar, wind, both = (con.execute(
        "select coalesce(sum(customers), 0) from marts.mart_ch2_own_generation where own_generation = ?",
        [kind]).fetchone()[0] for kind in ("solar", "wind", "solar_wind"))
    text = sections(pages["en"])["ch2_own_generation"]
    assert f"their own power: {solar:,} solar, {wind:,} wind, {both:,} both" in text
    targets, utility = con.execute("select sum(target_customers), sum(expected_utility_yuan_per_year) "
                                   "from marts.mart_ch6_campaign_plan").fetchone()
    text = sections(pages["en"])["ch6_campaign_plan"]
    assert f"target {targets:,} customers and are expected to bring the utility ¥{float(utility):,.0f} a year" in text
    issues = con.execute("select count(*) from marts.mart_ch4_service_improvement").fetchone()[0]
    assert f"{issues:,} service issues found" in sections(pages["en"])["ch4_service_improvement"]


def test_the_deck_has_a_slide_and_a_native_chart_per_section(report_dir):
    for name in ("report.pptx", "report.en.pptx"):
        deck = Presentation(str(report_dir / name))
        section_slides = list(deck.slides)[2:]  # after the title and contents slides
        assert len(section_slides) == len(OUTLINE_SECTIONS)
        assert all(any(shape.has_chart for shape in slide.shapes) for slide in section_slides)


def test_deck_chart_values_are_the_marts(report_dir, con, month):
    deck = Presentation(str(report_dir / "report.en.pptx"))
    grades = con.execute("""
        select sum(customers) from marts.mart_ch3_credit_grade_distribution where grade_month = ?
        group by credit_grade order by credit_grade""", [month]).fetchall()
    assert list(chart_of(slide_for(deck, "3.7")).plots[0].series[0].values) == [float(g) for (g,) in grades]
    offers = con.execute("select sum(yuan_per_year) from marts.mart_ch6_offers group by offer, beneficiary "
                         "order by 1 desc").fetchall()
    values = chart_of(slide_for(deck, "6.3")).plots[0].series[0].values
    assert list(values) == pytest.approx([float(o) for (o,) in offers])


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.fail("headless Chromium is not installed: scripts/setup.sh installs it")


def screenshot(page: Path, png: Path, width: int, height: int) -> Image.Image:
    subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    return Image.open(png).convert("L")


def test_a_chart_of_the_report_draws_in_headless_chromium(report_dir, tmp_path):
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    # the first chart alone at the top of the page, so its region is known
    svg = re.search(r"<svg.*?</svg>", page, re.S).group(0)
    single = tmp_path / "chart.html"
    single.write_text(f'<html><body style="margin:0;background:#fff">{svg}</body></html>', encoding="utf-8")
    image = screenshot(single, tmp_path / "chart.png", html_page.WIDTH, html_page.HEIGHT + 40)
    plot = image.crop((html_page.LEFT, html_page.TOP, html_page.WIDTH - html_page.RIGHT,
                       html_page.HEIGHT - html_page.BOTTOM))  # the plot area
    assert ImageStat.Stat(plot).stddev[0] > 10, "the chart region is blank"
    assert sum(plot.histogram()[:128]) > 500, "no line or bar drawn"


def test_chinese_renders_with_a_cjk_font(tmp_path):
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no CJK font: scripts/setup.sh installs fonts-noto-cjk"

    def drawn(text: str, name: str) -> Image.Image:
        page = tmp_path / f"{name}.html"
        page.write_text(f'<html><head><meta charset="utf-8"></head><body style="margin:0">'
                        f'<p style="font-size:64px;font-family:sans-serif">{text}</p></body></html>',
                        encoding="utf-8")
        return screenshot(page, tmp_path / f"{name}.png", 600, 200)

    # without a CJK font every character is the same empty box (tofu), like unassigned code points
    chinese, tofu = drawn("电力客户", "chinese"), drawn("\u0378\u0379\u0380\u0381", "tofu")
    assert ImageStat.Stat(chinese).stddev[0] > 5
    assert chinese.tobytes() != tofu.tobytes()
    left, right = drawn("电力", "left"), drawn("客户", "right")
    assert left.tobytes() != right.tobytes(), "distinct characters draw alike: tofu"


def test_a_month_after_the_last_complete_month_is_refused(built_warehouse, tmp_path, month):
    cut_off_month = f"{month.year + month.month // 12}-{month.month % 12 + 1:02d}"
    result = run_command([bin_path("powerlens"), "report", "--warehouse", str(built_warehouse),
                          "--month", cut_off_month, "--out", str(tmp_path)], check=False)
    assert result.returncode == 2 and "last complete month" in result.stderr
    assert not (tmp_path / "report.html").exists()


def test_an_earlier_month_without_a_year_before_it_still_reads_well(built_warehouse, tmp_path, con):
    first = con.execute("select min(usage_month) from marts.fct_monthly_usage").fetchone()[0]
    month = f"{first.year}-{first.month + 2:02d}"  # the third month of data: nothing a year earlier
    run_command([bin_path("powerlens"), "report", "--warehouse", str(built_warehouse), "--lang", "en",
                 "--month", month, "--out", str(tmp_path)])
    found = sections((tmp_path / "report.en.html").read_text(encoding="utf-8"))
    assert list(found) == OUTLINE_SECTIONS
    assert not any(PLACEHOLDER.search(text) for text in found.values())
    assert "no year-on-year comparison" in found["ch2_bill_trend"]
