"""Access rules of the report pages, downloads and API exports."""

from __future__ import annotations

from tests.test_permissions import ROLES

EVERYONE = dict.fromkeys(ROLES, 200)
SEES_ALL = {"admin", "office", "leader", "interior", "viewer"}
OVERSIGHT = {role: 200 if role in SEES_ALL else 403 for role in ROLES}
# A unit's dashboard: every overseeing role, and the users of that unit (lead unit A).
LEAD_UNIT_DASHBOARD = {role: 200 if role in SEES_ALL | {"lead_manager", "lead_staff", "other_staff"} else 403
                       for role in ROLES}
# The leader's dashboard's whole ranking: those who see the leader's dashboard (a committee's office its own).
LEADER_DASHBOARD = {role: 200 if role in SEES_ALL | {"commune_office"} else 403 for role in ROLES}

CASES = [
    ("reports.index", "GET", "/reports/?from=2026-03-01&to=2026-03-31", None, EVERYONE),
    ("reports.units", "GET", "/reports/units?from=2026-03-01&to=2026-03-31", None, LEADER_DASHBOARD),
    ("reports.unit_dashboard", "GET", "/reports/units/{lead_unit_id}", None, LEAD_UNIT_DASHBOARD),
    ("reports.unit_docx", "GET", "/reports/units/{lead_unit_id}.docx", None, LEAD_UNIT_DASHBOARD),
    ("reports.tasks", "GET", "/reports/tasks?status=in_progress&from=2026-01-01&to=2026-12-31", None, EVERYONE),
    ("reports.tasks_xlsx", "GET", "/reports/tasks.xlsx?status=in_progress", None, EVERYONE),
    ("reports.units_xlsx", "GET", "/reports/units.xlsx?from=2026-03-01&to=2026-03-31", None, EVERYONE),
    ("reports.monthly", "GET", "/reports/monthly?month=2026-03", None, OVERSIGHT),
    ("reports.monthly_xlsx", "GET", "/reports/monthly.xlsx?month=2026-03", None, OVERSIGHT),
    ("reports.monthly_docx", "GET", "/reports/monthly.docx?month=2026-03", None, OVERSIGHT),
    ("api.report_tasks_xlsx", "GET", "/api/v1/reports/tasks.xlsx?from=2026-03-01&to=2026-03-31", None, EVERYONE),
    ("api.report_units_xlsx", "GET", "/api/v1/reports/units.xlsx", None, EVERYONE),
    ("api.report_monthly_xlsx", "GET", "/api/v1/reports/monthly.xlsx?month=2026-03", None, OVERSIGHT),
    ("api.report_monthly_docx", "GET", "/api/v1/reports/monthly.docx?month=2026-03", None, OVERSIGHT),
]
