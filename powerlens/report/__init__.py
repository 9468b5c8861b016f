"""The six-chapter report (电力客户行为分析报告) rendered from the published marts.

One definition of the content (``sections.build_report``: sections with their findings, action,
chart and table, every number read from a mart) rendered twice: a self-contained HTML page
(``html_page``) and a PowerPoint deck with native charts (``pptx_deck``). docs/report.md.
"""
