"""The exports under /api/v1/reports: the task list with GET /tasks's filters (API.md), per-unit statistics,
and the monthly report to the Chairman (.xlsx, .docx)."""

from __future__ import annotations

from flask import current_app
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import can_view_monthly_report, committee_id_of
from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes, file_answer
from kpi_tasks.api.schema import Parsed
from kpi_tasks.background.api import started_api
from kpi_tasks.background.schemas import JOB_STARTED
from kpi_tasks.background.services import enqueue
from kpi_tasks.clock import today
from kpi_tasks.documents.downloads import send_generated
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.reports.docx import DOCX_MIME, write_monthly_docx
from kpi_tasks.reports.excel import (
    XLSX_MIME,
    export_task_list,
    load_monthly_report,
    write_monthly_workbook,
    write_unit_stats,
)
from kpi_tasks.reports.jobs import (
    MONTHLY,
    TASK_LIST,
    UNIT_STATS,
    monthly_label,
    monthly_params,
    period_is_large,
    task_list_is_large,
    task_list_label,
    task_list_params,
    unit_stats_params,
)
from kpi_tasks.reports.queries import MonthlyReport, make_period, parse_month, rank_units, read_report_filters
from kpi_tasks.reports.schemas import MonthQuery, PeriodQuery, TaskListQuery
from kpi_tasks.tasks.queries import unit_stats

routes = ApiRoutes()
register_api = routes
XLSX_FILE = file_answer("Workbook", XLSX_MIME)


@routes.operation("GET", "/reports/tasks.xlsx", "report_tasks_xlsx",
                  "Danh sách nhiệm vụ ra Excel (bộ lọc như GET /tasks, thêm kỳ thống kê)", query=TaskListQuery,
                  responses=XLSX_FILE, other_answers=JOB_STARTED, errors="422")
def tasks_xlsx_api(query: TaskListQuery) -> Response:
    """GET /tasks's filters (page and per_page are ignored: the export holds every row), plus `from`/`to`
    (rows the statistics count for that period) and `completed_from`/`completed_to`. More rows than
    JOB_BACKGROUND_ROWS: 202 {job_id}, the workbook is made by the worker (GET /jobs/{id})."""
    user = api_user()
    filters = read_report_filters(Parsed(query), user, own_unit_first=False)
    day = today()
    if task_list_is_large(user, filters, day):
        job = enqueue(user, TASK_LIST, task_list_params(filters, day, own_unit_first=False),
                      task_list_label(filters))
        db.session.commit()
        return started_api(job)
    due_soon_days = current_app.config["DUE_SOON_WORKING_DAYS"]
    issuer = current_identity().issuing_body
    return send_generated(
        lambda target: export_task_list(target, user, filters, today=day, due_soon_days=due_soon_days,
                                        issuer=issuer),
        XLSX_MIME, f"danh-sach-nhiem-vu-{day:%Y%m%d}.xlsx",
    )


@routes.operation("GET", "/reports/units.xlsx", "report_units_xlsx",
                  "Thống kê theo đơn vị ra Excel (cùng số liệu GET /stats/units)", query=PeriodQuery,
                  responses=XLSX_FILE, other_answers=JOB_STARTED, errors="422")
def units_xlsx_api(query: PeriodQuery) -> Response:
    """Per-unit statistics for `from`/`to` (the same figures as GET /stats/units), as an appendix."""
    day = today()
    period = make_period(query.date_from, query.date_to, day)
    user = api_user()
    if period_is_large(user, period.start, period.end, day):
        job = enqueue(user, UNIT_STATS, unit_stats_params(period, day, level=committee_id_of(user)),
                      f"Xuất Excel thống kê theo đơn vị, {period.label}")
        db.session.commit()
        return started_api(job)
    ranked = rank_units(unit_stats(day, period.start, period.end, level=committee_id_of(user)))
    issuer = current_identity().issuing_body
    return send_generated(lambda target: write_unit_stats(target, ranked, period, issuer=issuer, today=day),
                     XLSX_MIME, f"thong-ke-theo-don-vi-{day:%Y%m%d}.xlsx")


def _monthly_report(month: str, file_format: str) -> MonthlyReport | Response:
    """The month's report, or 202 {job_id} when the month holds more tasks than JOB_BACKGROUND_ROWS."""
    user = api_user()
    if not can_view_monthly_report(user):
        raise PermissionDenied("Báo cáo tháng dành cho Văn phòng, lãnh đạo và các cơ quan theo dõi chung.")
    period = parse_month(month)
    if period_is_large(user, period.start, period.end, today()):
        job = enqueue(user, MONTHLY, monthly_params(period.start, file_format),
                      monthly_label(period.start, file_format))
        db.session.commit()
        return started_api(job)
    return load_monthly_report(month)


@routes.operation("GET", "/reports/monthly.xlsx", "report_monthly_xlsx",
                  "Báo cáo tháng gửi Chủ tịch, 5 biểu (office, leader, interior, viewer, admin)", query=MonthQuery,
                  responses=XLSX_FILE, other_answers=JOB_STARTED, errors="403 422")
def monthly_xlsx_api(query: MonthQuery) -> Response:
    report = _monthly_report(query.month, "xlsx")
    if isinstance(report, Response):
        return report
    return send_generated(lambda target: write_monthly_workbook(target, report), XLSX_MIME,
                     f"bao-cao-thang-{report.period.start:%Y-%m}.xlsx")


@routes.operation("GET", "/reports/monthly.docx", "report_monthly_docx", "Báo cáo tháng gửi Chủ tịch, văn bản Word",
                  query=MonthQuery, responses=file_answer("Document", DOCX_MIME), other_answers=JOB_STARTED,
                  errors="403 422")
def monthly_docx_api(query: MonthQuery) -> Response:
    report = _monthly_report(query.month, "docx")
    if isinstance(report, Response):
        return report
    return send_generated(lambda target: write_monthly_docx(target, report), DOCX_MIME,
                     f"bao-cao-thang-{report.period.start:%Y-%m}.docx")
