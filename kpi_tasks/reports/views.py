"""Report pages: the leader's and the unit's dashboards, the list behind each figure, the monthly report,
and the Excel/Word downloads. Views parse input, ask the report queries, render; access is asked of
`accounts.permissions`."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, abort, current_app, flash, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_view_leader_dashboard,
    can_view_monthly_report,
    can_view_unit_dashboard,
    committee_id_of,
    oversees_everything,
    placement_committee_id,
)
from kpi_tasks.background.views import start_in_background
from kpi_tasks.clock import today
from kpi_tasks.documents.downloads import send_document, wants_pdf
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import PageArgs
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import unit_overview
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.reports import charts
from kpi_tasks.reports.docx import DOCX_MIME, write_monthly_docx
from kpi_tasks.reports.excel import (
    XLSX_MIME,
    describe_filters,
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
from kpi_tasks.reports.queries import (
    ReportFilters,
    ReportPeriod,
    completed_late_filters,
    completion_trend,
    kpi_statuses,
    make_period,
    newly_overdue_filters,
    parse_month,
    quick_periods,
    rank_units,
    read_report_filters,
    report_rows_query,
    trend_months,
    unit_rank,
)
from kpi_tasks.reports.unit_report import unit_report, write_unit_docx
from kpi_tasks.tasks.models import EXTENSION_STATUS_LABELS
from kpi_tasks.tasks.queries import ALL_LEVELS, Level, TaskFilters, status_totals, unit_stats
from kpi_tasks.tasks.status import (
    AWAITING_REVIEW,
    DONE_LATE,
    DONE_ON_TIME,
    IN_PROGRESS,
    ONGOING,
    OVERDUE,
    STATUS_LABELS,
)
from kpi_tasks.text import format_number
from kpi_tasks.units.models import Unit
from kpi_tasks.units.queries import active_committee_ids

bp = Blueprint("reports", __name__, url_prefix="/reports")
PER_PAGE = 30
LIST_LIMIT = 15
# The ranking chart shows every unit up to this many, else the best and the worst half of it each.
CHART_UNITS = 30
# The dashboard's ranking table lists the best this many units (a province ranks 2,000); the whole ranking is its
# own page (GET /reports/units), one click away, and the totals count every unit.
DASHBOARD_UNIT_ROWS = 30
FIGURE_STATUSES = [IN_PROGRESS, OVERDUE, AWAITING_REVIEW, DONE_ON_TIME, DONE_LATE, ONGOING]
STATUS_COLORS = {
    IN_PROGRESS: "#0d6efd", OVERDUE: "#dc3545", AWAITING_REVIEW: "#ffc107", DONE_ON_TIME: "#198754",
    DONE_LATE: "#6c757d", ONGOING: "#0dcaf0",
}


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


def _issuer() -> str:
    return current_identity().issuing_body


def _period_from_args() -> ReportPeriod:
    args = PageArgs(request.args)
    try:
        return make_period(args.date("from"), args.date("to"), today())
    except ValidationError as error:
        flash(error.message + " Đang hiển thị năm nay.", "warning")
        return make_period(None, None, today())


def filters_from_args(user: User, args: MultiDict) -> ReportFilters:
    """The list's filters from the query string: GET /tasks's, plus from/to and completed_from/to."""
    return read_report_filters(PageArgs(args), user, own_unit_first=True)


def list_url(period: ReportPeriod | None = None, **args: Any) -> str:
    """The list behind a figure: the report list with the figure's filters."""
    query = {key: value for key, value in args.items() if value is not None}
    if period is not None:
        query.update(period.query_args())
    return url_for("reports.tasks", **query)


def _rows(user: User, filters: ReportFilters, limit: int = LIST_LIMIT) -> list[Any]:
    query = report_rows_query(user, filters, today(), _due_soon_days(), limit)
    return list(db.session.execute(query))


def _kpi_period(period: ReportPeriod) -> Period:
    return Period.containing("month" if period.kind == "month" else "year", period.end or today())


def _ranking_chart(ranked: list[dict], period: ReportPeriod, chart_id: str = "ranking-chart") -> Any:
    rated = [item for item in ranked if item["rank"] is not None]
    shown = rated if len(rated) <= CHART_UNITS else rated[: CHART_UNITS // 2] + rated[-(CHART_UNITS // 2):]
    bars = [
        charts.Bar(
            label=f"{item['rank']}. {item['unit_name']}", value=item["on_time_rate"],
            text=format_number(item["on_time_rate"], 2) + "%",
            # A rate has no single list behind it: the bar opens the unit's page, figure by figure.
            href=url_for("reports.unit_dashboard", unit_id=item["unit_id"], **period.query_args()),
            color="#198754" if item["on_time_rate"] >= 80 else "#fd7e14" if item["on_time_rate"] >= 50 else "#dc3545",
        )
        for item in shown
    ]
    caption = f"Tỷ lệ hoàn thành đúng hạn theo đơn vị, {period.label}"
    return charts.bar_chart(bars, chart_id=chart_id, caption=caption), len(shown) < len(rated)


def trend_url(point: Any, status: str, unit_id: int | None = None) -> str:
    """The tasks completed in a month of the trend, with the given status (and lead unit)."""
    unit_args = {"unit_id": unit_id, "role": "lead"} if unit_id is not None else {}
    return url_for("reports.tasks", status=status, completed_from=point.start.isoformat(),
                   completed_to=point.end.isoformat(), **unit_args)


def _trend_chart(period: ReportPeriod, unit_id: int | None = None,
                 level: Level = ALL_LEVELS) -> tuple[Any, list[Any]]:
    points = completion_trend(today(), *trend_months(period, today()), unit_id=unit_id, level=level)

    def hrefs(status: str) -> list[str | None]:
        return [trend_url(point, status, unit_id) for point in points]

    chart = charts.line_chart(
        [point.label for point in points],
        [charts.Series("Hoàn thành đúng hạn", [point.done_on_time for point in points], "#198754",
                       hrefs(DONE_ON_TIME), " nhiệm vụ"),
         charts.Series("Hoàn thành quá hạn", [point.done_late for point in points], "#dc3545",
                       hrefs(DONE_LATE), " nhiệm vụ")],
        chart_id="trend-chart" if unit_id is None else "unit-trend-chart",
        caption="Số nhiệm vụ hoàn thành theo tháng (đúng hạn, quá hạn)",
    )
    return chart, points


def _leader_scope(user: User) -> tuple[ReportPeriod, Level, Unit | None]:
    """The leader's dashboard's period, level and commune (?commune=<its unit id>), access checked."""
    if not can_view_leader_dashboard(user):
        abort(403)
    period = _period_from_args()
    # Each committee's dashboard counts its own tasks for its own units (the province's: not the communes' own);
    # the province's staff drill down into a commune's own (?commune=<its unit id>).
    level: Level = committee_id_of(user)
    commune = None
    if request.args.get("commune"):
        commune = db.session.get(Unit, request.args.get("commune", type=int) or 0)
        if commune is None or not commune.is_committee or not (
                oversees_everything(user) or level == commune.id):
            abort(404)
        level = commune.id
    return period, level, commune


def _committee_ids(user: User, commune: Unit | None) -> set[int]:
    """The communes whose own figures the ranking links to (the province's staff, on the province's ranking)."""
    if oversees_everything(user) and commune is None:
        return active_committee_ids("commune")
    return set()


@bp.get("/")
@login_required
def index() -> str:
    """The leader's dashboard; a unit user gets their own unit's."""
    user: User = current_user._get_current_object()
    if user.is_unit_user:
        if user.unit_id is None:
            abort(403)
        return _unit_dashboard(user, db.session.get(Unit, user.unit_id))
    period, level, commune = _leader_scope(user)
    stats = unit_stats(today(), period.start, period.end, level=level)
    ranked = rank_units(stats)
    ranking_chart, ranking_cut = _ranking_chart(ranked, period)
    trend_chart, trend = _trend_chart(period, level=level)
    with_tasks = [item for item in ranked if item["assigned"]]
    return render_template(
        "reports/dashboard.html",
        period=period,
        quick=quick_periods(today()),
        totals=status_totals(stats),
        ranked=with_tasks[:DASHBOARD_UNIT_ROWS],
        units_with_tasks=len(with_tasks),
        ranking_chart=ranking_chart,
        ranking_cut=ranking_cut,
        trend_chart=trend_chart,
        trend=trend,
        overdue=_rows(user, ReportFilters(TaskFilters(status=OVERDUE, committee_id=commune.id if commune else None),
                                          period.start, period.end)),
        commune=commune,
        committee_ids=_committee_ids(user, commune),
        kpis=kpi_statuses(period, today()),
        kpi_period=_kpi_period(period),
        figure_statuses=FIGURE_STATUSES,
        list_url=list_url,
        trend_url=trend_url,
        trend_unit_id=None,
    )


@bp.get("/units")
@login_required
def units() -> str:
    """The whole ranking of the leader's dashboard: every unit with tasks in the period."""
    user: User = current_user._get_current_object()
    period, level, commune = _leader_scope(user)
    stats = unit_stats(today(), period.start, period.end, level=level)
    return render_template(
        "reports/units.html",
        period=period,
        quick=quick_periods(today()),
        totals=status_totals(stats),
        ranked=[item for item in rank_units(stats) if item["assigned"]],
        commune=commune,
        committee_ids=_committee_ids(user, commune),
        figure_statuses=FIGURE_STATUSES,
        list_url=list_url,
    )


@bp.get("/units/<int:unit_id>")
@login_required
def unit_dashboard(unit_id: int) -> str:
    user: User = current_user._get_current_object()
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    if not can_view_unit_dashboard(user, unit_id):
        abort(403)
    return _unit_dashboard(user, unit)


def _unit_dashboard(user: User, unit: Unit | None) -> str:
    if unit is None:
        abort(404)
    period = _period_from_args()
    # A unit is ranked among the units of the committee that gives it tasks, on that committee's tasks.
    ranked = rank_units(unit_stats(today(), period.start, period.end, level=placement_committee_id(unit)))
    mine = next((item for item in ranked if item["unit_id"] == unit.id), None)
    figures = mine or dict.fromkeys(["assigned", *FIGURE_STATUSES], 0) | {"on_time_rate": None}
    # A multiple of 4, so that the grid lines at quarters of the axis fall on whole numbers of tasks.
    peak = 4 * max(1, math.ceil(max(figures[code] for code in FIGURE_STATUSES) / 4))
    status_chart = charts.bar_chart(
        [charts.Bar(STATUS_LABELS[code], figures[code], format_number(figures[code]),
                    list_url(period, unit_id=unit.id, role="lead", status=code), STATUS_COLORS[code])
         for code in FIGURE_STATUSES],
        chart_id="status-chart", caption=f"Nhiệm vụ của {unit.name} theo trạng thái, {period.label}",
        max_value=float(peak), axis_suffix="",
    )
    trend_chart, trend = _trend_chart(period, unit.id)
    kpi_period = _kpi_period(period)
    return render_template(
        "reports/unit.html",
        unit=unit,
        period=period,
        quick=quick_periods(today()),
        figures=figures,
        rank=unit_rank(ranked, unit.id),
        status_chart=status_chart,
        trend_chart=trend_chart,
        trend=trend,
        due_soon=_rows(user, ReportFilters(TaskFilters(due_soon=True, unit_id=unit.id))),
        overdue=_rows(user, ReportFilters(TaskFilters(status=OVERDUE, unit_id=unit.id, role="lead"),
                                          period.start, period.end)),
        kpi_rows=unit_overview(unit, kpi_period),
        kpi_period=kpi_period,
        figure_statuses=FIGURE_STATUSES,
        list_url=list_url,
        trend_url=trend_url,
        trend_unit_id=unit.id,
    )


@bp.get("/units/<int:unit_id>.docx")
@login_required
def unit_docx(unit_id: int) -> Response:
    """The unit's report to the committee for the dashboard's period (Word, or PDF with ?format=pdf)."""
    user: User = current_user._get_current_object()
    unit = db.get_or_404(Unit, unit_id)
    if not can_view_unit_dashboard(user, unit_id):
        abort(403)
    report = unit_report(user, unit, _period_from_args(), today(), current_identity(), _due_soon_days())
    return send_document(lambda target: write_unit_docx(target, report), DOCX_MIME,
                         f"bao-cao-{unit.code.lower()}-{today():%Y%m%d}.docx")


@bp.get("/tasks")
@login_required
def tasks() -> str:
    """The list behind a figure (same filters as the task list, plus the statistics' period)."""
    user: User = current_user._get_current_object()
    filters = filters_from_args(user, request.args)
    page = paginate_rows(report_rows_query(user, filters, today(), _due_soon_days()),
                         request.args.get("page", 1, type=int), PER_PAGE)
    return render_template("reports/tasks.html", page=page, filters=filters, description=describe_filters(filters),
                           page_args=filters.query_args())


@bp.get("/tasks.xlsx")
@login_required
def tasks_xlsx() -> Response:
    user: User = current_user._get_current_object()
    filters = filters_from_args(user, request.args)
    day = today()
    if task_list_is_large(user, filters, day):
        return start_in_background(user, TASK_LIST, task_list_params(filters, day, own_unit_first=True,
                                                                     pdf=wants_pdf()), task_list_label(filters))
    return send_document(
        lambda target: export_task_list(target, user, filters, today=day, due_soon_days=_due_soon_days(),
                                        issuer=_issuer()),
        XLSX_MIME, f"danh-sach-nhiem-vu-{day:%Y%m%d}.xlsx",
    )


@bp.get("/units.xlsx")
@login_required
def units_xlsx() -> Response:
    period = _period_from_args()
    day = today()
    user: User = current_user._get_current_object()
    if period_is_large(user, period.start, period.end, day):
        return start_in_background(user, UNIT_STATS, unit_stats_params(period, day, pdf=wants_pdf(),
                                                                        level=committee_id_of(user)),
                                   f"Xuất Excel thống kê theo đơn vị, {period.label}")
    ranked = rank_units(unit_stats(day, period.start, period.end, level=committee_id_of(user)))
    return send_document(lambda target: write_unit_stats(target, ranked, period, issuer=_issuer(), today=day),
                     XLSX_MIME, f"thong-ke-theo-don-vi-{day:%Y%m%d}.xlsx")


def _month_arg() -> str:
    return (request.args.get("month") or f"{today():%Y-%m}").strip()


@bp.get("/monthly")
@login_required
def monthly() -> str:
    if not can_view_monthly_report(current_user):
        abort(403)
    month = _month_arg()
    try:
        report = load_monthly_report(month)
    except ValidationError as error:
        flash(error.message + " Đang hiển thị tháng này.", "warning")
        month = f"{today():%Y-%m}"
        report = load_monthly_report(month)
    period = report.period
    return render_template(
        "reports/monthly.html", report=report, month=month, list_url=list_url, kpi_period=_kpi_period(period),
        extension_labels=EXTENSION_STATUS_LABELS,
        newly_overdue_args=newly_overdue_filters(period).query_args(),
        completed_late_args=completed_late_filters(period).query_args(),
    )


@bp.get("/monthly.xlsx")
@login_required
def monthly_xlsx() -> Response:
    if not can_view_monthly_report(current_user):
        abort(403)
    queued = _monthly_in_background("xlsx")
    if queued is not None:
        return queued
    report = load_monthly_report(_month_arg())
    return send_document(lambda target: write_monthly_workbook(target, report), XLSX_MIME,
                     f"bao-cao-thang-{report.period.start:%Y-%m}.xlsx")


@bp.get("/monthly.docx")
@login_required
def monthly_docx() -> Response:
    if not can_view_monthly_report(current_user):
        abort(403)
    queued = _monthly_in_background("docx")
    if queued is not None:
        return queued
    report = load_monthly_report(_month_arg())
    return send_document(lambda target: write_monthly_docx(target, report), DOCX_MIME,
                     f"bao-cao-thang-{report.period.start:%Y-%m}.docx")


def _monthly_in_background(file_format: str) -> Response | None:
    """A month with more tasks than JOB_BACKGROUND_ROWS: the report is made by the worker (its page answers)."""
    user: User = current_user._get_current_object()
    period = parse_month(_month_arg())  # a month that cannot be read is refused here, as when made at once
    if not period_is_large(user, period.start, period.end, today()):
        return None
    return start_in_background(user, MONTHLY, monthly_params(period.start, file_format, pdf=wants_pdf()),
                               monthly_label(period.start, file_format))
