"""Excel exports of the reports (the task list, the statistics by unit, the monthly report's workbook), laid out
as the appendices users read (seed 000) by the one appendix writer, documents/appendix.py: a title block, STT,
the figures, a bold total row whose value is stored beside its formula, A4 landscape print set-up.

Rows stream to a temporary file as they come (xlsxwriter's constant memory mode), so an export of 100,000
tasks takes bounded memory (bench/export_memory.py measures it).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from flask import current_app

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import local_date
from kpi_tasks.clock import today as clock_today
from kpi_tasks.documents.appendix import (
    CENTER,
    DATE,
    DECIMAL,
    INT,
    KPI_COUNT,
    PERCENT,
    REQUEST_COUNT,
    TASK_COUNT,
    WHOLE_PERCENT,
    WRAP,
    XLSX_MIME,
    Appendix,
    AppendixSheet,
    Column,
    TitleBlock,
    attached_to_report,
    count_filled,
    count_rows,
    rate_total,
)
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import DIRECTION_SIGNS
from kpi_tasks.reports.queries import (
    KpiStatus,
    MonthlyReport,
    ReportFilters,
    ReportPeriod,
    monthly_report,
    rank_by_kind,
    report_rows_query,
)
from kpi_tasks.tasks.models import EXTENSION_STATUS_LABELS
from kpi_tasks.tasks.queries import describe_task_filters
from kpi_tasks.tasks.status import STATUS_LABELS
from kpi_tasks.text import date_range_label, format_date, format_number
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS

__all__ = ["XLSX_MIME", "attached_to_report"]
STREAM_BATCH = 1000
# The monthly workbook's sheets, numbered as the report (.docx) refers to them.
FORMS = {"stats": "Biểu 01", "overdue": "Biểu 02", "late": "Biểu 03", "extensions": "Biểu 04", "kpis": "Biểu 05"}


def _percent(value: float | None) -> float | None:
    """A percentage (65.54) as the fraction Excel formats with % (0.6554)."""
    return None if value is None else round(value / 100, 6)


# --- (1) task list --------------------------------------------------------------------------------------

TASK_COLUMNS = [
    Column("Nhiệm vụ", 46, WRAP),
    # The total row counts the tasks (STT is numbered 1..n, so COUNT of it is the number of rows).
    Column("Văn bản giao", 16, WRAP, count_rows(), TASK_COUNT),
    Column("Ngày văn bản", 12, DATE),
    Column("Mục", 7, CENTER),
    Column("Đơn vị chủ trì", 24, WRAP),
    Column("Đơn vị phối hợp", 24, WRAP),
    Column("Hạn ban đầu", 12, DATE),
    Column("Hạn xử lý", 12, DATE),
    Column("Tiến độ", 9, WHOLE_PERCENT),
    Column("Trạng thái", 20, WRAP),
    Column("Ngày hoàn thành", 12, DATE),
]


def task_values(row: Any) -> list[Any]:
    """An exported task row (reports.queries.report_rows_query) as cell values."""
    status = STATUS_LABELS.get(row.status, row.status)
    if row.due_soon:
        status += " (sắp đến hạn)"
    coordinating = "; ".join(sorted(row.coordinating_unit_names.split("; "))) if row.coordinating_unit_names else ""
    return [
        row.title, row.directive_number, row.directive_issued_on, row.section, row.lead_unit_name, coordinating,
        row.deadline, row.effective_deadline, row.progress_percent / 100, status, row.completed_on,
    ]


def describe_filters(filters: ReportFilters, blank: str = "Tất cả nhiệm vụ") -> str:
    """The filters of an export in words, printed in the title block (`blank` when there are none)."""
    parts = []
    if filters.period_from or filters.period_to:
        parts.append("Kỳ thống kê: " + ReportPeriod(filters.period_from, filters.period_to).label)
    parts += describe_task_filters(filters.tasks)
    if filters.completed_from or filters.completed_to:
        parts.append("Hoàn thành " + date_range_label(filters.completed_from, filters.completed_to))
    return "; ".join(parts) if parts else blank


def write_task_list(target: IO[bytes], rows: Iterable[Any], *, issuer: str, description: str,
                    today: dt.date) -> int:
    """The task list (any filter) as an appendix workbook. Returns the number of task rows written."""
    with Appendix(target, title="Danh sách nhiệm vụ", author=issuer) as book:
        block = TitleBlock(issuer, "Danh sách nhiệm vụ", attached_to_report(issuer, today), description, today)
        sheet = book.sheet("Danh sách nhiệm vụ", block, TASK_COLUMNS)
        for row in rows:
            sheet.append(task_values(row))
        if not sheet.rows:
            sheet.note("Không có nhiệm vụ nào theo bộ lọc đã chọn.")
        sheet.finish()
    return sheet.rows


def export_task_list(target: IO[bytes], user: User, filters: ReportFilters, *, today: dt.date,
                     due_soon_days: int, issuer: str, progress: Callable[[int], object] | None = None) -> int:
    """Stream the rows `user` may see under `filters` from the database into the task-list workbook; `progress`
    (a background job's) is told the rows read so far, every STREAM_BATCH rows."""
    query = report_rows_query(user, filters, today, due_soon_days).execution_options(yield_per=STREAM_BATCH)
    rows: Iterable[Any] = db.session.execute(query)
    if progress is not None:
        rows = counted(rows, progress)
    return write_task_list(target, rows, issuer=issuer, description=describe_filters(filters), today=today)


def counted(rows: Iterable[Any], progress: Callable[[int], object], every: int | None = None) -> Iterator[Any]:
    """The rows unchanged, telling `progress` how many have passed every `every` rows (STREAM_BATCH) and at
    the end."""
    every = every or STREAM_BATCH
    count = 0
    for count, row in enumerate(rows, 1):
        yield row
        if count % every == 0:
            progress(count)
    progress(count)


# --- (2) per-unit statistics ------------------------------------------------------------------------------

STAT_FIGURES = ["assigned", "in_progress", "overdue", "awaiting_review", "done_on_time", "done_late", "ongoing"]
STAT_COLUMNS = [
    Column("Đơn vị", 36, WRAP),
    Column("Tổng số nhiệm vụ được giao", 11, INT, "sum"),
    Column("Đang thực hiện trong hạn", 12, INT, "sum", group="Đang thực hiện"),
    Column("Quá hạn", 11, INT, "sum", group="Đang thực hiện"),
    Column("Chờ xác nhận hoàn thành", 12, INT, "sum"),
    Column("Đúng hạn", 11, INT, "sum", group="Hoàn thành"),
    Column("Quá hạn", 11, INT, "sum", group="Hoàn thành"),
    Column("Thường xuyên", 11, INT, "sum"),
    # The total's rate is recomputed from the total row (on time ÷ (on time + late + overdue)), never averaged.
    Column("Tỷ lệ hoàn thành đúng hạn", 12, PERCENT, rate_total("G", "H", "E")),
    Column("Xếp hạng trong nhóm", 10, CENTER),
]


def _unit_stats_sheet(book: Appendix, items: list[dict], block: TitleBlock, name: str) -> AppendixSheet:
    """Units grouped by kind ("I. Các cơ quan chuyên môn", "II. Ủy ban nhân dân các xã, phường"), ranked within
    their group: their targets differ (seed 000: 90% and 70%)."""
    sheet = book.sheet(name, block, STAT_COLUMNS)
    groups = rank_by_kind([item for item in items if item["assigned"]])
    for number, (kind, ranked) in enumerate(groups, start=1):
        if len(groups) > 1 or kind != "other":
            sheet.group(UNIT_KIND_GROUP_LABELS[kind], number)
        for item in ranked:
            sheet.append([item["unit_name"], *[item[key] for key in STAT_FIGURES], _percent(item["on_time_rate"]),
                          item["rank"] if item["rank"] is not None else "—"])
    if not sheet.rows:
        sheet.note("Không có đơn vị nào có nhiệm vụ trong kỳ.")
    sheet.finish()
    return sheet


def write_unit_stats(target: IO[bytes], ranked: list[dict], period: ReportPeriod, *, issuer: str,
                     today: dt.date) -> None:
    """Per-unit statistics of a period, units of each kind ranked by on-time rate (only units with tasks)."""
    title = "Thống kê kết quả thực hiện nhiệm vụ theo đơn vị"
    with Appendix(target, title=title, author=issuer) as book:
        block = TitleBlock(issuer, title, attached_to_report(issuer, today), "Kỳ thống kê: " + period.label, today)
        _unit_stats_sheet(book, ranked, block, "Thống kê theo đơn vị")


# --- (3) the monthly report to the Chairman ---------------------------------------------------------------

OVERDUE_COLUMNS = [*TASK_COLUMNS, Column("Số ngày quá hạn", 10, INT)]
LATE_COLUMNS = [*TASK_COLUMNS, Column("Số ngày chậm", 10, INT)]
EXTENSION_COLUMNS = [
    Column("Nhiệm vụ", 46, WRAP),
    Column("Đơn vị đề nghị", 24, WRAP, count_filled("B"), REQUEST_COUNT),
    Column("Ngày đề nghị", 12, DATE),
    Column("Hạn trước khi đề nghị", 12, DATE),
    Column("Hạn đề nghị", 12, DATE),
    Column("Lý do", 40, WRAP),
    Column("Kết quả", 16, WRAP),
]
# One row per KPI: its unit of measure, the targets in force and the overall result as a number; unit counts
# are not added up across KPIs (they count different things), the total row counts the KPIs.
KPI_COLUMNS = [
    Column("Chỉ tiêu", 44, WRAP),
    Column("ĐVT", 9, CENTER, count_filled("B"), KPI_COUNT),
    Column("Kỳ", 13, CENTER),
    Column("Chỉ tiêu giao", 24, WRAP),
    Column("Kết quả chung", 12, DECIMAL),
    Column("Được giao", 10, INT, group="Số đơn vị"),
    Column("Đạt", 9, INT, group="Số đơn vị"),
    Column("Chưa đạt", 9, INT, group="Số đơn vị"),
    Column("Đã báo cáo số liệu", 11, INT, group="Số đơn vị"),
]
MEASURE_UNITS = {"percent": "%", "count": "Số lượng", "vnd": "Đồng"}
KIND_NAMES = {"department": "cơ quan chuyên môn", "commune": "xã, phường", "other": "đơn vị khác"}


def _days_between(first: dt.date | None, second: dt.date | None) -> int | None:
    return None if first is None or second is None else (second - first).days


def _figure(value: float, measure: str) -> str:
    return format_number(value, 2) + ("%" if measure == "percent" else "")


def kpi_target_text(status: KpiStatus) -> str:
    """"≥ 90% (cơ quan chuyên môn); ≥ 70% (xã, phường)": each target in force and whom it is given to."""
    sign = DIRECTION_SIGNS.get(status.direction, "")
    parts = []
    for value, kinds in status.targets:
        figure = f"{sign} {_figure(value, status.measure)}"
        parts.append(figure if len(status.targets) == 1 else f"{figure} ({', '.join(KIND_NAMES[k] for k in kinds)})")
    return "; ".join(parts) or "Chưa giao"


def _kpi_row(status: KpiStatus) -> list[Any]:
    result = status.actual_value
    if result is not None and status.measure == "percent":
        result = _percent(result)
    return [status.name, MEASURE_UNITS.get(status.measure, ""), status.period_label, kpi_target_text(status),
            "Chưa có số liệu" if result is None else result, status.units_with_target, status.units_met,
            status.units_not_met, status.units_reporting]


def write_monthly_workbook(target: IO[bytes], report: MonthlyReport) -> None:
    """The monthly report to the Chairman: Biểu 01 the statistics by unit, 02 newly overdue tasks, 03 tasks
    completed late, 04 extension requests, 05 KPIs (the report's .docx refers to them by these numbers)."""
    identity, today, period = report.identity, report.today, report.period
    issuer = identity.issuing_body
    symbol = f"BC-{identity.office_symbol}"
    attached = attached_to_report(identity.office_name, today, f"về kết quả thực hiện nhiệm vụ {period.label}",
                                  symbol)
    as_of = f"Kỳ báo cáo: {period.label} (số liệu đến ngày {format_date(today)})"

    def block(form: str, title: str) -> TitleBlock:
        return TitleBlock(issuer, title, attached, as_of, today, form=FORMS[form])

    def name(form: str, text: str) -> str:
        return f"{FORMS[form]}. {text}"

    with Appendix(target, title=f"Báo cáo kết quả thực hiện nhiệm vụ {period.label}",
                  author=identity.office_name) as book:
        _unit_stats_sheet(book, report.ranked, block("stats", f"Thống kê kết quả thực hiện nhiệm vụ {period.label}"),
                          name("stats", "Thống kê"))

        overdue = book.sheet(name("overdue", "Quá hạn trong tháng"),
                             block("overdue", f"Nhiệm vụ quá hạn phát sinh {period.label}"), OVERDUE_COLUMNS)
        for row in report.newly_overdue:
            overdue.append([*task_values(row), _days_between(row.effective_deadline, today)])
        if not overdue.rows:
            overdue.note(f"Không có nhiệm vụ quá hạn phát sinh {period.label}.")
        overdue.finish()

        late = book.sheet(name("late", "Hoàn thành quá hạn"),
                          block("late", f"Nhiệm vụ hoàn thành quá hạn {period.label}"), LATE_COLUMNS)
        for row in report.completed_late:
            late.append([*task_values(row), _days_between(row.effective_deadline, row.completed_on)])
        if not late.rows:
            late.note(f"Không có nhiệm vụ hoàn thành quá hạn {period.label}.")
        late.finish()

        extensions = book.sheet(name("extensions", "Đề nghị gia hạn"),
                                block("extensions", f"Đề nghị gia hạn {period.label} và đề nghị chờ quyết định"),
                                EXTENSION_COLUMNS)
        for request in report.extension_requests:
            extensions.append([request.title, request.unit_name, local_date(request.created_at),
                               request.previous_deadline, request.new_deadline, request.reason,
                               EXTENSION_STATUS_LABELS.get(request.status, request.status)])
        if not extensions.rows:
            extensions.note(f"Không có đề nghị gia hạn {period.label}.")
        extensions.finish()

        kpis = book.sheet(name("kpis", "Chỉ tiêu"), block("kpis", f"Tình hình thực hiện chỉ tiêu {period.label}"),
                          KPI_COLUMNS)
        for status in report.kpis or []:
            percent = status.measure == "percent" and status.actual_value is not None
            kpis.append(_kpi_row(status), kinds={5: PERCENT} if percent else None)
        if not kpis.rows:
            kpis.note("Chưa có chỉ tiêu nào được theo dõi trên Phần mềm.")
        kpis.finish()


def build_monthly_workbook(month: str) -> bytes:
    """The monthly report to the Chairman for `month` ("YYYY-MM") as .xlsx bytes, figures as of today.

    Needs an application context (database, document identity, DUE_SOON_WORKING_DAYS); raises ValidationError for
    a malformed month. Used by the `export-report` command and the monthly e-mail.
    """
    report = load_monthly_report(month)
    buffer = io.BytesIO()
    write_monthly_workbook(buffer, report)
    return buffer.getvalue()


def load_monthly_report(month: str) -> MonthlyReport:
    """The monthly report's figures as of today, with the application's issuer and due-soon setting."""
    return monthly_report(month, clock_today(), current_identity(), current_app.config["DUE_SOON_WORKING_DAYS"])
