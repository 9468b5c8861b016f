"""The docs' figures are what a fresh build gives: every ```sql block with a table under it in
docs/ is re-run on the test suite's build of the standard sample (seed 42, the sample the docs
name) and compared cell by cell (powerlens/analyst/doc_figures.py, `powerlens doc-figures`)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from conftest import REPO_ROOT, SAMPLE_CUSTOMERS, SAMPLE_MONTHS, bin_path, run_command
from powerlens.analyst import doc_figures

CHAPTER_DOCS = sorted((REPO_ROOT / "docs").glob("ch*.md"))
STANDARD_SAMPLE = SAMPLE_CUSTOMERS == 1000 and SAMPLE_MONTHS == 24


def test_every_chapter_doc_with_figures_states_them_as_queries():
    with_figures = {document.name for document in CHAPTER_DOCS if doc_figures.figures_in(document)}
    assert {"ch1_customer_base.md", "ch2_consumption.md", "ch3_credit.md", "ch4_service.md",
            "ch6_value.md"} <= with_figures
    assert sum(len(doc_figures.figures_in(document)) for document in CHAPTER_DOCS) >= 25


def test_a_figure_is_read_with_its_table(tmp_path):
    document = tmp_path / "figure.md"
    document.write_text("text\n```sql\nselect 1 as a, 'x' as b\n```\n\n| a | b |\n|---|---|\n"
                        "| 1 | x |\n\nmore\n", encoding="utf-8")
    [figure] = doc_figures.figures_in(document)
    assert figure.sql == "select 1 as a, 'x' as b"
    assert figure.header == ["a", "b"] and figure.rows == [["1", "x"]]


def test_a_changed_cell_a_missing_row_and_a_renamed_column_are_reported(tmp_path):
    document = tmp_path / "figure.md"
    query = "```sql\nselect * from (values (1, 1234.5, null), (2, 0.25, true)) as t(n, amount, flag) order by n\n```\n\n"
    document.write_text(query + "| n | amount | flag |\n|---|---|---|\n| 1 | 1,234.50 |  |\n"
                        "| 2 | 0.26 | True |\n" + query + "| n | amount | flag |\n|---|---|---|\n"
                        "| 1 | 1,234.5 |  |\n" + query + "| n | value | flag |\n|---|---|---|\n",
                        encoding="utf-8")
    with duckdb.connect() as con:
        first, second, third = (doc_figures.differences(figure, con)
                                for figure in doc_figures.figures_in(document))
    assert len(first) == 1 and "row 2, amount: '0.26'" in first[0]
    assert second == ["figure.md:9: 1 rows in the doc, 2 from the query"]
    assert "columns" in third[0]


def test_update_rewrites_the_tables_and_the_check_then_passes(tmp_path):
    document = tmp_path / "figure.md"
    document.write_text("```sql\nselect 3 as n, 0.5 as share, date '2025-12-01' as month\n```\n\n"
                        "| x |\n|---|\n\nafter\n", encoding="utf-8")
    with duckdb.connect() as con:
        assert doc_figures.update(document, con) == 1
        [figure] = doc_figures.figures_in(document)
        assert figure.header == ["n", "share", "month"]
        assert figure.rows == [["3", "0.5", "2025-12-01"]]
        assert doc_figures.differences(figure, con) == []
    assert document.read_text(encoding="utf-8").endswith("after\n")


@pytest.mark.skipif(not STANDARD_SAMPLE, reason="the docs' figures are of the 1,000 x 24 sample")
def test_the_docs_figures_are_what_the_standard_sample_builds(built_warehouse: Path):
    result = run_command([bin_path("powerlens"), "doc-figures", "--warehouse",
                          str(built_warehouse)], check=False)
    assert result.returncode == 0, result.stderr[-6000:]
    assert "0 differences" in result.stdout
