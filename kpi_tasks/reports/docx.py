"""The monthly report to the Chairman as a Word document, from its template (documents/word/monthly_report.docx):
the office reports, the Chairman is addressed, the office's chief signs (Decree 30/2020/NĐ-CP layout).

The report's tables are the appendix's sheets in short; the workbook of the same report holds them in full,
as "Biểu 01" to "Biểu 05", which the report refers to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

from kpi_tasks.documents.context import base_context, roman, table
from kpi_tasks.documents.identity import Identity
from kpi_tasks.documents.kinds import MONTHLY_REPORT
from kpi_tasks.documents.word import DOCX_MIME, render_document
from kpi_tasks.kpis.models import DIRECTION_SIGNS
from kpi_tasks.reports.queries import KpiStatus, MonthlyReport
from kpi_tasks.tasks.models import EXTENSION_STATUS_LABELS
from kpi_tasks.text import format_date, format_number
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS

__all__ = ["DOCX_MIME", "monthly_context", "write_monthly_docx"]
MEASURE_UNITS = {"percent": "%", "count": "Số lượng", "vnd": "Đồng"}
NAMED_LAGGARDS = 10  # units named in the proposal; the workbook lists every one
SHEETS = {"stats": "Biểu 01", "overdue": "Biểu 02", "late": "Biểu 03", "extensions": "Biểu 04", "kpis": "Biểu 05"}
STATUS_LINES = (("Hoàn thành đúng hạn", "done_on_time"), ("Hoàn thành quá hạn", "done_late"),
                ("Chờ xác nhận hoàn thành", "awaiting_review"), ("Đang thực hiện trong hạn", "in_progress"),
                ("Đang thực hiện quá hạn", "overdue"))


def rate_text(value: float | None) -> str:
    return "—" if value is None else format_number(value, 2) + "%"


def kpi_figure(value: float | None, measure: str) -> str:
    if value is None:
        return "Chưa có số liệu"
    return format_number(value, 2) + ("%" if measure == "percent" else "")


def _counts(item: dict) -> list[str]:
    return [format_number(item[key]) for key in
            ("assigned", "in_progress", "overdue", "awaiting_review", "done_on_time", "done_late")]


def _stats(report: MonthlyReport) -> dict[str, Any]:
    groups = []
    for number, (kind, ranked) in enumerate(report.ranked_by_kind, start=1):
        rows = [[str(item["rank"] or "—"), item["unit_name"], *_counts(item), rate_text(item["on_time_rate"])]
                for item in ranked]
        groups.append((f"{roman(number)}. {UNIT_KIND_GROUP_LABELS[kind]}", rows))
    total = ["", "Tổng cộng", *_counts(report.totals), rate_text(report.on_time_rate)]
    return table(groups, total=total,
                 intro=f"Các đơn vị xếp hạng theo tỷ lệ hoàn thành đúng hạn, riêng từng nhóm (chi tiết tại "
                       f"{SHEETS['stats']}):",
                 empty="Không có đơn vị nào có nhiệm vụ trong kỳ.")


def _task_rows(rows: Sequence[Any], report: MonthlyReport, *, completed: bool) -> list[list[str]]:
    result = []
    for index, row in enumerate(rows, start=1):
        end = row.completed_on if completed else report.today
        days = (end - row.effective_deadline).days if end and row.effective_deadline else None
        cells = [str(index), row.title, row.directive_number, row.lead_unit_name, format_date(row.effective_deadline)]
        if completed:
            cells.append(format_date(row.completed_on))
        result.append([*cells, "" if days is None else format_number(days)])
    return result


def _tasks(report: MonthlyReport) -> tuple[dict[str, Any], dict[str, Any]]:
    overdue, late = report.newly_overdue, report.completed_late
    return (
        table([("", _task_rows(overdue, report, completed=False))],
              intro=f"Có {len(overdue)} nhiệm vụ đến hạn trong tháng nhưng chưa hoàn thành (chi tiết tại "
                    f"{SHEETS['overdue']}):",
              empty="Không có nhiệm vụ quá hạn phát sinh trong tháng."),
        table([("", _task_rows(late, report, completed=True))],
              intro=f"Có {len(late)} nhiệm vụ hoàn thành sau thời hạn (chi tiết tại {SHEETS['late']}):",
              empty="Không có nhiệm vụ hoàn thành quá hạn trong tháng."),
    )


def _extensions(report: MonthlyReport) -> dict[str, Any]:
    rows = [[str(index), request.title, request.unit_name, format_date(request.previous_deadline),
             format_date(request.new_deadline), request.reason,
             EXTENSION_STATUS_LABELS.get(request.status, request.status)]
            for index, request in enumerate(report.extension_requests, start=1)]
    return table([("", rows)], intro=f"Có {len(rows)} đề nghị gia hạn trong tháng hoặc đang chờ quyết định (chi tiết "
                                     f"tại {SHEETS['extensions']}):", empty="Không có đề nghị gia hạn trong tháng.")


def target_text(status: KpiStatus) -> str:
    """"≥ 90% (cơ quan chuyên môn); ≥ 70% (xã, phường)": each target in force and whom it is given to."""
    sign = DIRECTION_SIGNS.get(status.direction, "")
    kinds = {"department": "cơ quan chuyên môn", "commune": "xã, phường", "village": "thôn, tổ dân phố",
             "other": "đơn vị khác"}
    parts = []
    for value, of_kinds in status.targets:
        figure = f"{sign} {kpi_figure(value, status.measure)}"
        parts.append(figure if len(status.targets) == 1 else f"{figure} ({', '.join(kinds[k] for k in of_kinds)})")
    return "; ".join(parts) or "Chưa giao"


def kpi_verdict(status: KpiStatus) -> str:
    if not status.units_with_target:
        return "Chưa giao chỉ tiêu"
    return f"{status.units_met}/{status.units_with_target} đơn vị đạt"


def _kpis(report: MonthlyReport) -> dict[str, Any]:
    rows = [[str(index), status.name, MEASURE_UNITS.get(status.measure, ""), status.period_label,
             target_text(status), kpi_figure(status.actual_value, status.measure), kpi_verdict(status)]
            for index, status in enumerate(report.kpis or [], start=1)]
    return table([("", rows)], intro=f"Chi tiết từng đơn vị tại {SHEETS['kpis']} và trang Chỉ tiêu của Phần mềm.",
                 empty="Chưa có chỉ tiêu nào được theo dõi trên Phần mềm.")


def title_lines(identity: Identity, period_label: str) -> list[str]:
    """The report's subject on two balanced lines: "… do Ủy ban nhân dân, Chủ tịch" / "Ủy ban nhân dân tỉnh …
    giao tháng 3 năm 2026"."""
    return ["Kết quả thực hiện nhiệm vụ do Ủy ban nhân dân, Chủ tịch",
            f"{identity.issuing_body} giao {period_label}"]


def _proposals(report: MonthlyReport) -> list[str]:
    """The units with overdue tasks, most first; beyond the first ten, their number (Biểu 01 lists them)."""
    laggards = report.units_with_overdue
    if not laggards:
        return ["Trong kỳ, các cơ quan, đơn vị, địa phương không có nhiệm vụ quá hạn."]
    names = "; ".join(f"{item['unit_name']} ({item['overdue']} nhiệm vụ)" for item in laggards[:NAMED_LAGGARDS])
    if len(laggards) > NAMED_LAGGARDS:
        names += f" và {len(laggards) - NAMED_LAGGARDS} đơn vị khác (chi tiết tại {SHEETS['stats']})"
    return [f"Đề nghị {report.identity.chairman()} chỉ đạo Thủ trưởng các cơ quan, đơn vị, địa phương có nhiệm vụ "
            f"quá hạn khẩn trương hoàn thành, báo cáo kết quả: {names}."]


def _general(report: MonthlyReport) -> list[str]:
    period, totals = report.period, report.totals
    counted = totals["assigned"] - totals["ongoing"]
    lines = [f"Trong {period.formal_label} (từ ngày {format_date(period.start)} đến ngày {format_date(period.end)}), "
             f"số liệu đến ngày {format_date(report.today)}, có {format_number(counted)} nhiệm vụ có hạn xử lý hoặc "
             "hoàn thành trong kỳ, trong đó:"]
    lines += [f"- {label}: {format_number(totals[key])} nhiệm vụ;" for label, key in STATUS_LINES]
    lines.append(f"Tỷ lệ hoàn thành đúng hạn (trên số nhiệm vụ đã đến hạn): {rate_text(report.on_time_rate)}.")
    return lines


def monthly_context(report: MonthlyReport) -> dict[str, Any]:
    """Everything the monthly report's template prints (documents/samples.py lists the names)."""
    identity, period = report.identity, report.period
    overdue, late = _tasks(report)
    return base_context(identity, MONTHLY_REPORT, report.today, symbol=f"BC-{identity.office_symbol}") | {
        "title_lines": title_lines(identity, period.formal_label),
        "addressee": identity.chairman(),
        "intro": (f"Trên cơ sở số liệu trích xuất từ Phần mềm theo dõi nhiệm vụ ngày {format_date(report.today)} "
                  "(số liệu do các cơ quan, đơn vị, địa phương cập nhật và chịu trách nhiệm), "
                  f"{identity.office_name} báo cáo kết quả thực hiện nhiệm vụ {period.formal_label} như sau:"),
        "general": _general(report),
        "stats": _stats(report), "overdue": overdue, "late": late,
        "extensions": _extensions(report), "kpis": _kpis(report),
        "proposals": _proposals(report),
        "closing": "Số liệu chi tiết tại các Biểu 01 đến Biểu 05 kèm theo (tệp Excel của báo cáo)./.",
    }


def write_monthly_docx(target: IO[bytes], report: MonthlyReport) -> None:
    """The monthly report to the Chairman, from the template in force."""
    title = f"Báo cáo kết quả thực hiện nhiệm vụ {report.period.formal_label}"
    target.write(render_document(MONTHLY_REPORT, monthly_context(report), title=title,
                                 author=report.identity.office_name))
