"""A unit's report on the tasks the committee gave it (documents/word/unit_report.docx): its figures for the
period and its rank among the units of its kind, its overdue tasks, its tasks due soon and its KPIs; issued by
the unit under the committee's name, addressed to the committee, signed by the unit's head."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO, Any

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import placement_committee_id
from kpi_tasks.documents.context import base_context, table
from kpi_tasks.documents.identity import Identity
from kpi_tasks.documents.kinds import UNIT_REPORT
from kpi_tasks.documents.word import render_document
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import DIRECTION_SIGNS
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import UnitKpiRow, unit_overview
from kpi_tasks.reports.docx import STATUS_LINES, kpi_figure, rate_text, title_lines
from kpi_tasks.reports.queries import ReportFilters, ReportPeriod, rank_by_kind, report_rows_query
from kpi_tasks.tasks.queries import TaskFilters, unit_stats
from kpi_tasks.tasks.status import OVERDUE
from kpi_tasks.text import format_date, format_number
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS, Unit


@dataclass
class UnitReport:
    unit: Unit
    period: ReportPeriod
    today: dt.date
    identity: Identity
    figures: dict[str, Any] | None  # unit_stats' item, with its rank among its kind; None without a task
    ranked_in_kind: int
    overdue: list[Any]
    due_soon: list[Any]
    kpis: list[UnitKpiRow]


def unit_report(user: User, unit: Unit, period: ReportPeriod, today: dt.date, identity: Identity,
                due_soon_days: int) -> UnitReport:
    """The figures of `unit` over `period` as `user` may read them (the unit's dashboard, in full)."""
    stats = unit_stats(today, period.start, period.end, level=placement_committee_id(unit))
    ranked = next((items for kind, items in rank_by_kind(stats) if kind == unit.kind), [])
    mine = next((item for item in ranked if item["unit_id"] == unit.id), None)

    def rows(filters: ReportFilters) -> list[Any]:
        return list(db.session.execute(report_rows_query(user, filters, today, due_soon_days)))

    kpi_period = Period.containing("month" if period.kind == "month" else "year", period.end or today)
    return UnitReport(
        unit=unit, period=period, today=today, identity=identity,
        figures=mine if mine and mine["assigned"] else None,
        ranked_in_kind=sum(1 for item in ranked if item["rank"] is not None),
        overdue=rows(ReportFilters(TaskFilters(status=OVERDUE, unit_id=unit.id, role="lead"),
                                   period.start, period.end)),
        due_soon=rows(ReportFilters(TaskFilters(due_soon=True, unit_id=unit.id, role="lead"))),
        kpis=unit_overview(unit, kpi_period),
    )


def _general(report: UnitReport) -> list[str]:
    figures, unit = report.figures, report.unit
    if figures is None:
        return [f"Trong {report.period.formal_label}, {unit.name} không có nhiệm vụ được giao chủ trì."]
    lines = [f"Trong {report.period.as_of_label(report.today)}, {unit.name} được giao chủ trì "
             f"{format_number(figures['assigned'])} nhiệm vụ, trong đó:"]
    lines += [f"- {label}: {format_number(figures[key])} nhiệm vụ;" for label, key in STATUS_LINES]
    rate = f"Tỷ lệ hoàn thành đúng hạn: {rate_text(figures['on_time_rate'])}"
    if figures["rank"] is not None:
        group = UNIT_KIND_GROUP_LABELS[unit.kind].lower()
        rate += f", xếp thứ {figures['rank']}/{report.ranked_in_kind} trong {group}"
    return [*lines, rate + "."]


def _task_rows(rows: list[Any], today: dt.date, *, overdue: bool) -> list[list[str]]:
    result = []
    for index, row in enumerate(rows, start=1):
        late = (today - row.effective_deadline).days if overdue and row.effective_deadline else None
        note = f"Quá hạn {late} ngày" if late else ""
        result.append([str(index), row.title, row.directive_number, format_date(row.effective_deadline),
                       f"{row.progress_percent}%", note])
    return result


def _kpi_rows(rows: list[UnitKpiRow]) -> list[list[str]]:
    result = []
    for index, row in enumerate((row for row in rows if row.target_value is not None or row.as_of), start=1):
        verdict = "Chưa có số liệu" if row.as_of is None else {True: "Đạt", False: "Chưa đạt"}.get(row.met, "")
        sign = DIRECTION_SIGNS.get(row.kpi.direction, "")
        target = "" if row.target_value is None else f"{sign} {kpi_figure(row.target_value, row.kpi.measure)}"
        result.append([str(index), row.kpi.name, target,
                       kpi_figure(row.actual_value, row.kpi.measure), verdict])
    return result


def unit_context(report: UnitReport) -> dict[str, Any]:
    unit, identity, period = report.unit, report.identity, report.period
    context = base_context(identity, UNIT_REPORT, report.today, symbol=f"BC-{unit.code}", unit_name=unit.name,
                           unit_is_committee=unit.kind == "commune")
    return context | {
        "title_lines": title_lines(identity, period.formal_label),
        "addressee": identity.issuing_body,
        "intro": (f"Trên cơ sở số liệu trên Phần mềm theo dõi nhiệm vụ ngày {format_date(report.today)}, {unit.name} "
                  f"báo cáo kết quả thực hiện nhiệm vụ {period.formal_label} như sau:"),
        "general": _general(report),
        "overdue": table([("", _task_rows(report.overdue, report.today, overdue=True))],
                         empty="Không có nhiệm vụ quá hạn."),
        "due_soon": table([("", _task_rows(report.due_soon, report.today, overdue=False))],
                          empty="Không có nhiệm vụ sắp đến hạn."),
        "kpis": table([("", _kpi_rows(report.kpis))], empty="Đơn vị chưa được giao chỉ tiêu trong kỳ."),
        "closing": f"{unit.name} báo cáo {identity.issuing_body} xem xét, chỉ đạo./.",
    }


def write_unit_docx(target: IO[bytes], report: UnitReport) -> None:
    title = f"Báo cáo kết quả thực hiện nhiệm vụ {report.period.formal_label} của {report.unit.name}"
    target.write(render_document(UNIT_REPORT, unit_context(report), title=title, author=report.unit.name))
