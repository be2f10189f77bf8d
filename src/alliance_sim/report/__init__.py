"""Self-contained HTML reports of run, comparison and sweep folders.

A report is built from the files a folder already holds (metadata, resolved scenario, summary
tables, PNG figures), so ``alliance-sim report FOLDER`` rebuilds it at any time. Figures are
embedded as data URIs and the page loads nothing from elsewhere: it opens offline. The summary
tables are also written as Markdown and LaTeX under ``tables/``.
"""

from .build import (
    REPORT_FILE,
    ReportError,
    Table,
    build_report,
    comparison_tables,
    render_repr,
    summary_tables,
    write_report,
)

__all__ = [
    "REPORT_FILE",
    "ReportError",
    "Table",
    "build_report",
    "comparison_tables",
    "render_repr",
    "summary_tables",
    "write_report",
]
