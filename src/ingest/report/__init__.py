"""Report stage: a week's verified fact sheets -> a verified weekly report (Markdown file + report rows).

Entry points: `build_report` (select -> rank -> storylines -> plan -> write -> render -> verify ->
store), `current_report` and `ensure_file` (reuse a current Published report, rewriting its file if
it went missing), `report_version`, `report_diff` and `ReportResult`.
"""

from ingest.report.build import ReportResult, build_report, report_diff, report_version
from ingest.report.store import current_report, ensure_file

__all__ = ["ReportResult", "build_report", "current_report", "ensure_file", "report_diff", "report_version"]
