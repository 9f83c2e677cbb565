"""Reports: the leader's and the unit's dashboards, the appendix-style Excel exports, the monthly report to
the Chairman (.xlsx and .docx). Every figure comes from `tasks.queries.unit_stats` and the status SQL of
`tasks.status`, so the dashboards, the exports and `GET /api/v1/stats/units` always agree.

`build_monthly_workbook("2026-03") -> bytes` is the entry point other areas (the monthly e-mail) call.
"""

from kpi_tasks.reports.excel import build_monthly_workbook

__all__ = ["build_monthly_workbook"]
