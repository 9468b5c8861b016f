"""The report as a PowerPoint deck: a title slide, a contents slide, then one slide per section
with its findings and a native chart (editable in PowerPoint: the numbers travel with it), or
its table when the section has no chart; the table is also in the slide's speaker notes."""
from __future__ import annotations

from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Emu, Inches, Pt

from powerlens.report.content import Report, Section

CHART_TYPES = {
    "bar": XL_CHART_TYPE.COLUMN_CLUSTERED,
    "stacked_bar": XL_CHART_TYPE.COLUMN_STACKED,
    "line": XL_CHART_TYPE.LINE,
}
EAST_ASIAN_FONT = "Noto Sans CJK SC"
MAX_TABLE_ROWS = 10


def _text_box(slide, left, top, width, height, lines: list[str], size: int, bold: bool = False):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    for number, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if number == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = line
        run.font.size = Pt(size)
        run.font.bold = bold
        # the east-asian font slot, so Chinese does not fall back to a Latin font's tofu
        run.font._rPr.get_or_add_latin()
        east_asian = run.font._rPr.makeelement(
            "{http://schemas.openxmlformats.org/drawingml/2006/main}ea", {"typeface": EAST_ASIAN_FONT})
        run.font._rPr.append(east_asian)
    return box


def _chart(slide, section: Section, left, top, width, height) -> None:
    chart_spec = section.chart
    data = CategoryChartData()
    data.categories = chart_spec.categories
    for series in chart_spec.series:
        data.add_series(series.name, series.values,
                        number_format="0.0%" if chart_spec.percent else "#,##0.##")
    chart = slide.shapes.add_chart(CHART_TYPES[chart_spec.kind], left, top, width, height, data).chart
    chart.has_legend = len(chart_spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.value_axis.has_title = True
    chart.value_axis.axis_title.text_frame.text = chart_spec.unit
    chart.value_axis.tick_labels.number_format = "0%" if chart_spec.percent else "#,##0.##"
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.font.size = Pt(10)


def _table(slide, section: Section, left, top, width) -> None:
    spec = section.table
    rows = spec.rows[:MAX_TABLE_ROWS]
    shape = slide.shapes.add_table(len(rows) + 1, len(spec.columns), left, top, width,
                                   Emu(Inches(0.3) * (len(rows) + 1)))
    for column, name in enumerate(spec.columns):
        shape.table.cell(0, column).text = name
    for row_number, row in enumerate(rows, start=1):
        for column, cell in enumerate(row):
            shape.table.cell(row_number, column).text = cell
    for row in shape.table.rows:
        for cell in row.cells:
            for paragraph in cell.text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(10)


def render(report: Report, path: Path) -> None:
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    blank = deck.slide_layouts[6]
    width = deck.slide_width - Inches(1)

    title_slide = deck.slides.add_slide(blank)
    _text_box(title_slide, Inches(0.5), Inches(2.5), width, Inches(1.2), [report.title], 36, bold=True)
    _text_box(title_slide, Inches(0.5), Inches(3.8), width, Inches(1), [report.subtitle], 18)

    contents = deck.slides.add_slide(blank)
    _text_box(contents, Inches(0.5), Inches(0.3), width, Inches(0.8), [report.contents_title], 28, bold=True)
    lines = []
    for chapter, name in report.chapters.items():
        titles = [s.title for s in report.sections if s.chapter == chapter]
        lines.append(f"{name}: " + "; ".join(titles))
    _text_box(contents, Inches(0.5), Inches(1.2), width, Inches(6), lines, 12)

    for section in report.sections:
        slide = deck.slides.add_slide(blank)
        _text_box(slide, Inches(0.5), Inches(0.25), width, Inches(0.7), [section.title], 24, bold=True)
        text = list(section.findings) + ([section.action] if section.action else [])
        _text_box(slide, Inches(0.5), Inches(0.95), width, Inches(1.3), text, 13)
        if section.chart:
            _chart(slide, section, Inches(0.5), Inches(2.35), width, Inches(4.7))
        elif section.table:
            _table(slide, section, Inches(0.5), Inches(2.4), width)
        if section.table:
            # the section's table travels in the speaker notes, a line per row, for the presenter
            slide.notes_slide.notes_text_frame.text = "\n".join(
                " | ".join(row) for row in [section.table.columns, *section.table.rows])
        _text_box(slide, Inches(0.5), Inches(7.05), width, Inches(0.3), [", ".join(section.sources)], 9)
    deck.save(str(path))
