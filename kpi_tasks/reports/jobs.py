"""The reports' long work as background job kinds (background/): one function per kind, which reads its JSON
parameters, calls the area's export function and writes its file. The views and API handlers decide by the rows
involved whether to do the work in the request or to queue it.

Each kind calls the export through the same narrow entry (`export_task_list`, `write_unit_stats`,
`write_monthly_workbook`, `write_monthly_docx`), so whichever writer stands behind it fits.
"""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import MultiDict

from kpi_tasks.accounts.models import User
from kpi_tasks.background.services import JobContext, register_kind, runs_in_background
from kpi_tasks.clock import today as clock_today
from kpi_tasks.documents.downloads import write_job_result
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.extensions import db
from kpi_tasks.forms import PageArgs
from kpi_tasks.reports.docx import DOCX_MIME, write_monthly_docx
from kpi_tasks.reports.excel import (
    XLSX_MIME,
    describe_filters,
    export_task_list,
    write_monthly_workbook,
    write_unit_stats,
)
from kpi_tasks.reports.queries import (
    ReportFilters,
    ReportPeriod,
    make_period,
    monthly_report,
    rank_units,
    read_report_filters,
    report_rows_query,
)
from kpi_tasks.tasks.queries import unit_stats

TASK_LIST = "report_task_list"
UNIT_STATS = "report_unit_stats"
MONTHLY = "report_monthly"


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


# --- the task list (all tasks, a year's, any filter) --------------------------------------------------------


def task_list_rows_over(user: User, filters: ReportFilters, today: dt.date, limit: int) -> bool:
    """Whether the export holds more than `limit` rows, counting no further than that."""
    query = report_rows_query(user, filters, today, _due_soon_days()).order_by(None).limit(limit + 1)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) > limit


def task_list_is_large(user: User, filters: ReportFilters, today: dt.date) -> bool:
    limit = current_app.config["JOB_BACKGROUND_ROWS"]
    return runs_in_background(limit + 1) and task_list_rows_over(user, filters, today, limit)


def period_is_large(user: User, start: dt.date | None, end: dt.date | None, today: dt.date) -> bool:
    """Whether a report over a period involves more than JOB_BACKGROUND_ROWS tasks (the statistics' rows)."""
    return task_list_is_large(user, ReportFilters(period_from=start, period_to=end), today)


def task_list_params(filters: ReportFilters, today: dt.date, *, own_unit_first: bool, pdf: bool = False) -> dict:
    return {"filters": filters.query_args(), "today": today.isoformat(), "own_unit_first": own_unit_first,
            "pdf": pdf}


def task_list_label(filters: ReportFilters) -> str:
    return f"Xuất Excel danh sách nhiệm vụ ({describe_filters(filters)})"[:200]


def task_list_name(today: dt.date) -> str:
    return f"danh-sach-nhiem-vu-{today:%Y%m%d}.xlsx"


def run_task_list(context: JobContext, params: dict[str, Any]) -> None:
    user = db.session.get(User, context.owner_id)
    if user is None:
        raise LookupError("the job's owner is gone")
    filters = read_report_filters(PageArgs(MultiDict(params["filters"])), user,
                                  own_unit_first=params["own_unit_first"])
    day = dt.date.fromisoformat(params["today"])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        report_rows_query(user, filters, day, _due_soon_days()).order_by(None).subquery()))
    context.progress(0, total)
    issuer = current_identity().issuing_body

    def write(target: IO[bytes]) -> None:
        export_task_list(target, user, filters, today=day, due_soon_days=_due_soon_days(), issuer=issuer,
                         progress=context.progress)

    write_job_result(context, write, XLSX_MIME, task_list_name(day), params.get("pdf", False))


# --- per-unit statistics ------------------------------------------------------------------------------------


def unit_stats_params(period: ReportPeriod, today: dt.date, *, pdf: bool = False, level: int | None = None) -> dict:
    """`level`: the committee whose own statistics are exported (None: the root's)."""
    return {"from": _iso(period.start), "to": _iso(period.end), "today": today.isoformat(), "pdf": pdf,
            "level": level}


def run_unit_stats(context: JobContext, params: dict[str, Any]) -> None:
    day = dt.date.fromisoformat(params["today"])
    period = make_period(_date(params.get("from")), _date(params.get("to")), day)
    context.progress(0, 1)
    ranked = rank_units(unit_stats(day, period.start, period.end, level=params.get("level")))
    issuer = current_identity().issuing_body
    write_job_result(context, lambda target: write_unit_stats(target, ranked, period, issuer=issuer, today=day),
                     XLSX_MIME, f"thong-ke-theo-don-vi-{day:%Y%m%d}.xlsx", params.get("pdf", False))
    context.progress(1)


# --- the monthly report (.xlsx, .docx) --------------------------------------------------------------------


def monthly_params(month_start: dt.date, file_format: str, *, pdf: bool = False) -> dict:
    return {"month": f"{month_start:%Y-%m}", "format": file_format, "today": clock_today().isoformat(), "pdf": pdf}


def monthly_label(month_start: dt.date, file_format: str) -> str:
    kind = "Word" if file_format == "docx" else "Excel"
    return f"Báo cáo tháng {month_start:%m/%Y} ({kind})"


def run_monthly(context: JobContext, params: dict[str, Any]) -> None:
    context.progress(0, 1)
    report = monthly_report(params["month"], dt.date.fromisoformat(params["today"]), current_identity(),
                            _due_soon_days())
    docx = params.get("format") == "docx"
    name = f"bao-cao-thang-{report.period.start:%Y-%m}." + ("docx" if docx else "xlsx")
    write = (lambda target: write_monthly_docx(target, report)) if docx else \
        (lambda target: write_monthly_workbook(target, report))
    write_job_result(context, write, DOCX_MIME if docx else XLSX_MIME, name, params.get("pdf", False))
    context.progress(1)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def register_jobs() -> None:
    register_kind(TASK_LIST, "Xuất Excel danh sách nhiệm vụ", run_task_list)
    register_kind(UNIT_STATS, "Xuất Excel thống kê theo đơn vị", run_unit_stats)
    register_kind(MONTHLY, "Báo cáo tháng", run_monthly)
