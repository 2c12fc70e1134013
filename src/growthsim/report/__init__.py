"""Reports: KPI summaries, charts and the self-contained HTML report of a run folder."""

from growthsim.report.build import build_report, write_report

__all__ = ["build_report", "write_report"]
