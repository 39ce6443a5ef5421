"""Report stage: a week's stored extractions -> a verified weekly report (Markdown file + report rows).

Entry points: `build_report` (select -> plan -> write -> render -> verify -> store), `report_version`,
`report_diff` and `ReportResult`.
"""

from ingest.report.build import ReportResult, build_report, current_report, report_diff, report_version

__all__ = ["ReportResult", "build_report", "current_report", "report_diff", "report_version"]
