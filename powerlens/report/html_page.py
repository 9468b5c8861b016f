"""The report as one self-contained HTML page: inline CSS, charts as inline SVG drawn here, no
script, no font or image fetched from anywhere (it opens offline and prints)."""
from __future__ import annotations

import html
import math

from powerlens.report.content import Chart, Report, Section

PALETTE = ("#1f5fa8", "#e07b24", "#3a9a4a", "#c0392b", "#7d5ba6", "#8c6d4f", "#d46fa8",
           "#6b6b6b", "#b5a520", "#23a3b8")
FONT = ("'Noto Sans CJK SC','Noto Sans SC','Source Han Sans SC','WenQuanYi Micro Hei',"
        "'Microsoft YaHei','PingFang SC',sans-serif")

CSS = f"""
body {{ font-family: {FONT}; color: #222; margin: 0 auto; max-width: 980px; padding: 24px; }}
h1 {{ font-size: 28px; margin-bottom: 4px; }}
h2 {{ border-bottom: 2px solid #1f5fa8; padding-bottom: 4px; margin-top: 40px; }}
h3 {{ margin-top: 28px; }}
.subtitle {{ color: #555; }}
.finding {{ margin: 6px 0; }}
.action {{ background: #eef4fb; border-left: 4px solid #1f5fa8; padding: 6px 10px; }}
.sources {{ color: #777; font-size: 12px; }}
table {{ border-collapse: collapse; margin: 10px 0; font-size: 13px; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; }}
td.num {{ text-align: right; }}
th {{ background: #f2f2f2; }}
svg.chart {{ display: block; margin: 10px 0; }}
section.report-section {{ page-break-inside: avoid; }}
"""

WIDTH, HEIGHT = 900, 380
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 20, 125


def _escape(text) -> str:
    return html.escape(str(text))


def _axis_label(category: str, longest: int = 20) -> str:
    """A category short enough to sit under the axis; the full name is in the table and the tooltip."""
    return category if len(category) <= longest else category[:longest - 1] + "…"


def _tick_label(value: float, chart: Chart) -> str:
    if chart.percent:
        return f"{value * 100:.0f}%"
    if abs(value) >= 1e6:
        return f"{value / 1e6:,.1f}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:,.0f}k"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.0f}"


def _ticks(chart: Chart) -> list[float]:
    """Round ticks from at or below the lowest value (or 0) to at or above the highest."""
    if chart.kind == "stacked_bar":
        tops = [sum(max(s.values[i], 0) for s in chart.series) for i in range(len(chart.categories))]
        bottoms = [sum(min(s.values[i], 0) for s in chart.series) for i in range(len(chart.categories))]
    else:
        tops = bottoms = [v for s in chart.series for v in s.values]
    high, low = max([0.0, *tops]), min([0.0, *bottoms])
    if high == low:
        return [0.0, 1.0]
    magnitude = 10 ** math.floor(math.log10((high - low) / 10))
    # the smallest round step (1, 2, 2.5, 5 times a power of ten) that needs at most six intervals
    for step in (m * magnitude * scale for scale in (1, 10, 100) for m in (1, 2, 2.5, 5)):
        first, last = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
        if last - first <= 6:
            return [index * step for index in range(first, last + 1)]
    raise AssertionError("no tick step found")


def chart_svg(chart: Chart) -> str:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    ticks = _ticks(chart)
    low, high = ticks[0], ticks[-1]

    def y(value: float) -> float:
        return TOP + plot_h * (high - value) / (high - low)

    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
             f'height="{HEIGHT + 24 * ((len(chart.series) + 3) // 4)}" '
             f'font-family="{_escape(FONT)}" font-size="11">']
    for tick in ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
                     f'stroke="#e3e3e3"/><text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" '
                     f'text-anchor="end">{_escape(_tick_label(tick, chart))}</text>')
    parts.append(f'<text x="12" y="{TOP + plot_h / 2:.0f}" transform="rotate(-90 12 '
                 f'{TOP + plot_h / 2:.0f})" text-anchor="middle">{_escape(chart.unit)}</text>')
    count = len(chart.categories)
    slot = plot_w / max(count, 1)
    label_every = max(1, math.ceil(count / 24))
    for index, category in enumerate(chart.categories):
        if index % label_every:
            continue
        x = LEFT + slot * (index + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{TOP + plot_h + 14}" text-anchor="end" '
                     f'transform="rotate(-30 {x:.1f} {TOP + plot_h + 14})">{_escape(_axis_label(category))}'
                     f'<title>{_escape(category)}</title></text>')
    if chart.kind == "line":
        for number, series in enumerate(chart.series):
            colour = PALETTE[number % len(PALETTE)]
            points = " ".join(f"{LEFT + slot * (i + 0.5):.1f},{y(v):.1f}"
                              for i, v in enumerate(series.values))
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
    elif chart.kind == "stacked_bar":
        bar_w = slot * 0.6
        for i in range(count):
            above, below = 0.0, 0.0
            for number, series in enumerate(chart.series):
                value = series.values[i]
                start = above if value >= 0 else below
                end = start + value
                if value >= 0:
                    above = end
                else:
                    below = end
                top, bottom = y(max(start, end)), y(min(start, end))
                parts.append(f'<rect x="{LEFT + slot * i + (slot - bar_w) / 2:.1f}" y="{top:.1f}" '
                             f'width="{bar_w:.1f}" height="{max(bottom - top, 0):.1f}" '
                             f'fill="{PALETTE[number % len(PALETTE)]}"/>')
    else:
        groups = len(chart.series)
        bar_w = slot * 0.8 / groups
        for number, series in enumerate(chart.series):
            for i, value in enumerate(series.values):
                top, bottom = y(max(value, 0)), y(min(value, 0))
                parts.append(f'<rect x="{LEFT + slot * i + slot * 0.1 + bar_w * number:.1f}" '
                             f'y="{top:.1f}" width="{bar_w:.1f}" height="{max(bottom - top, 0.5):.1f}" '
                             f'fill="{PALETTE[number % len(PALETTE)]}"/>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#555"/>')
    for number, series in enumerate(chart.series):
        x = LEFT + (number % 4) * 200
        legend_y = HEIGHT + 24 * (number // 4) + 4
        parts.append(f'<rect x="{x}" y="{legend_y - 9}" width="12" height="10" '
                     f'fill="{PALETTE[number % len(PALETTE)]}"/><text x="{x + 16}" y="{legend_y}">'
                     f'{_escape(series.name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _is_number(text: str) -> bool:
    stripped = text.replace(",", "").replace("%", "").replace("¥", "").replace(" 元", "")
    try:
        float(stripped.lstrip("+-"))
        return True
    except ValueError:
        return False


def _section_html(section: Section) -> str:
    parts = [f'<section class="report-section" id="{section.key}">',
             f"<h3>{_escape(section.title)}</h3>"]
    parts += [f'<p class="finding">{_escape(text)}</p>' for text in section.findings]
    if section.action:
        parts.append(f'<p class="action">{_escape(section.action)}</p>')
    if section.chart:
        parts.append(chart_svg(section.chart))
    if section.table:
        parts.append("<table><tr>" + "".join(f"<th>{_escape(c)}</th>" for c in section.table.columns)
                     + "</tr>")
        for row in section.table.rows:
            parts.append("<tr>" + "".join(
                f'<td class="num">{_escape(cell)}</td>' if _is_number(cell) else f"<td>{_escape(cell)}</td>"
                for cell in row) + "</tr>")
        parts.append("</table>")
    parts.append(f'<p class="sources">{_escape(", ".join(section.sources))}</p></section>')
    return "\n".join(parts)


def render(report: Report) -> str:
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if report.lang == "zh" else "en"}"><head>'
             f'<meta charset="utf-8"><title>{_escape(report.title)}</title><style>{CSS}</style></head><body>',
             f"<h1>{_escape(report.title)}</h1><p class=\"subtitle\">{_escape(report.subtitle)}</p>",
             f'<nav id="contents"><h2>{_escape(report.contents_title)}</h2><ol>']
    for chapter, name in report.chapters.items():
        parts.append(f'<li><a href="#chapter-{chapter}">{_escape(name)}</a><ol>')
        parts += [f'<li><a href="#{s.key}">{_escape(s.title)}</a></li>'
                  for s in report.sections if s.chapter == chapter]
        parts.append("</ol></li>")
    parts.append("</ol></nav>")
    for chapter, name in report.chapters.items():
        parts.append(f'<h2 id="chapter-{chapter}">{_escape(name)}</h2>')
        parts += [_section_html(s) for s in report.sections if s.chapter == chapter]
    parts.append("</body></html>")
    return "\n".join(parts)
