"""KPI pages: catalogue, progress table and chart, targets, entry and Excel import, a unit's KPIs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.permissions import (
    can_enter_kpi_measurement,
    can_enter_kpi_measurements,
    can_manage_kpis,
    can_set_kpi_targets,
)
from kpi_tasks.clock import today
from kpi_tasks.documents.appendix import CENTER, DATE, INT, KPI_COUNT, WRAP, Column, count_rows
from kpi_tasks.documents.downloads import XLSX_MIME, send_bytes, send_document
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.documents.lists import filter_line, send_list
from kpi_tasks.errors import DomainError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import options, save, show_errors
from kpi_tasks.kpis import excel
from kpi_tasks.kpis.appendix import write_targets_appendix
from kpi_tasks.kpis.charts import bar_chart, line_chart
from kpi_tasks.kpis.forms import ImportForm, KpiForm, LinkTargetsForm, MeasurementForm, TargetForm, period_choices
from kpi_tasks.kpis.imports import ImportRejected, import_measurements, import_targets
from kpi_tasks.kpis.models import (
    AGGREGATION_LABELS,
    DIRECTION_LABELS,
    DIRECTION_SIGNS,
    FORMULA_LABELS,
    MEASURE_LABELS,
    SOURCE_LABELS,
    Kpi,
)
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import TaskTargetRow, default_period, kpi_list_rows, progress, task_targets, unit_overview
from kpi_tasks.kpis.services import (
    create_kpi,
    get_kpi_or_404,
    link_targets,
    linkable_targets,
    recent_measurements,
    record_measurement,
    scope_label,
    set_target,
    target_label,
    target_period,
    targets_of_kpi,
)
from kpi_tasks.kpis.values import NotANumber, parse_number
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.text import format_date, format_number, parse_user_date
from kpi_tasks.units.models import UNIT_KIND_LABELS, UNIT_KINDS, Unit
from kpi_tasks.units.services import list_units

Report = TypeVar("Report")  # what an import reports (kpis.imports)
bp = Blueprint("kpis", __name__, url_prefix="/kpis")
MAX_TEMPLATE_COLUMNS = 24


@bp.app_template_global("kpi_task_targets")
def kpi_task_targets(task: Task) -> list[TaskTargetRow]:
    """For templates/tasks/detail.html: the task's targets with their latest actual value."""
    return task_targets(task.id)


@bp.record_once
def _template_globals(state: BlueprintSetupState) -> None:
    """Labels and helpers for the KPI templates, global so that imported macros and the task page see them."""
    state.app.jinja_env.globals["kpis_ui"] = SimpleNamespace(
        measure=MEASURE_LABELS, formula=FORMULA_LABELS, direction=DIRECTION_LABELS, sign=DIRECTION_SIGNS,
        aggregation=AGGREGATION_LABELS, source=SOURCE_LABELS, unit_kind=UNIT_KIND_LABELS,
        scope_label=scope_label, target_label=target_label, period_of=target_period,
    )


def _period_arg(kpi: Kpi | None = None) -> Period:
    raw = request.args.get("period", "").strip()
    if raw:
        try:
            return Period.parse(raw)
        except ValidationError as error:
            flash(error.message + " Đang hiển thị kỳ mặc định.", "warning")
    return default_period(kpi, today()) if kpi is not None else Period.containing("quarter", today())


def _issuer() -> str:
    return current_identity().issuing_body


@bp.get("/")
@login_required
def index() -> str:
    return render_template("kpis/index.html", rows=kpi_list_rows(), appendix_year=today().year,
                           export_filters=filter_line([]))


KPI_LIST_COLUMNS = [
    Column("Mã", 16, WRAP),
    Column("Tên chỉ tiêu", 46, WRAP, count_rows(), KPI_COUNT),
    Column("Cách tính", 30, WRAP),
    Column("Yêu cầu", 14, WRAP),
    Column("Số mức đã giao", 10, INT, "sum"),
    # Units reporting one KPI and another are mostly the same units: no total.
    Column("Đơn vị có số liệu", 10, INT),
    Column("Số liệu mới nhất", 12, DATE),
    Column("Đang theo dõi", 10, CENTER),
]
UNIT_KPI_COLUMNS = [
    Column("Chỉ tiêu", 46, WRAP),
    Column("Tử số", 12, INT),
    Column("Mẫu số", 12, INT),
    Column("Kết quả", 14, CENTER),
    Column("Chỉ tiêu giao", 14, CENTER),
    # The total row's label covers the first column: the number of KPIs is written here.
    Column("Đánh giá", 16, CENTER, count_rows(), KPI_COUNT),
    Column("Số liệu đến ngày", 12, DATE),
]


@bp.get("/list.xlsx")
@login_required
def index_export() -> Response:
    """The KPI catalogue as the page lists it."""
    day = today()

    def rows() -> Iterator[list]:
        for kpi, targets, latest, units in kpi_list_rows():
            how = (f"{kpi.numerator_label} / {kpi.denominator_label}" if kpi.is_ratio
                   else MEASURE_LABELS.get(kpi.measure, kpi.measure))
            yield [kpi.code, kpi.name, how, DIRECTION_LABELS.get(kpi.direction, kpi.direction), targets, units, latest,
                   "Có" if kpi.active else "Không"]

    return send_list(rows(), day=day, file_name=f"danh-muc-chi-tieu-{day:%Y%m%d}.xlsx", title="Danh mục chỉ tiêu",
                     filters=filter_line([]), columns=KPI_LIST_COLUMNS, empty="Chưa có chỉ tiêu nào.",
                     sheet_name="Danh mục chỉ tiêu")


def _figure(kpi: Kpi, value: float | None) -> str:
    """A KPI's value as the pages write it: "65,54%", "1.200 đ", "12"."""
    if value is None:
        return ""
    if kpi.is_rate:
        return format_number(value, 2) + "%"
    if kpi.measure == "vnd":
        return format_number(value) + " đ"
    return format_number(value, 0 if value == round(value) else 2)


def _target_text(row: Any) -> str:
    if row.target_value is None:
        return ""
    return f"{DIRECTION_SIGNS[row.kpi.direction]} {_figure(row.kpi, row.target_value)}"


def _verdict(row: Any) -> str:
    if row.as_of is None:
        return "Chưa có số liệu"
    if row.target_value is None:
        return "Chưa giao"
    return "Không phát sinh" if row.met is None else ("Đạt" if row.met else "Chưa đạt")


@bp.get("/units/<int:unit_id>.xlsx")
@login_required
def unit_export(unit_id: int) -> Response:
    """A unit's KPIs for the period its page shows."""
    unit_obj = db.session.get(Unit, unit_id)
    if unit_obj is None:
        abort(404)
    period, day = _period_arg(), today()
    rows = [[row.kpi.name, row.numerator if row.kpi.is_ratio else None, row.denominator if row.kpi.is_ratio else None,
             _figure(row.kpi, row.actual_value), _target_text(row), _verdict(row), row.as_of]
            for row in unit_overview(unit_obj, period)]
    return send_list(rows, day=day, file_name=f"chi-tieu-{unit_obj.code.lower()}-{period.code}.xlsx",
                     title=f"Kết quả thực hiện chỉ tiêu của {unit_obj.name}",
                     filters=filter_line([f"Kỳ: {period.label}"]), columns=UNIT_KPI_COLUMNS,
                     empty="Chưa có chỉ tiêu nào.", sheet_name="Chỉ tiêu của đơn vị")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> str | Response:
    if not can_manage_kpis(current_user):
        abort(403)
    form = KpiForm()
    if form.validate_on_submit():
        saved = save(form, lambda: create_kpi(
            current_user, code=form.code.data or "", name=form.name.data or "", measure=form.measure.data,
            formula=form.formula.data, direction=form.direction.data,
            numerator_label=form.numerator_label.data, denominator_label=form.denominator_label.data,
            aggregation=form.aggregation.data, description=form.description.data,
        ), lambda kpi: f"Đã thêm chỉ tiêu “{kpi.name}”. Tiếp theo, giao chỉ tiêu cho các đơn vị.")
        if saved:
            return redirect(url_for("kpis.targets", kpi_id=saved.result.id), 303)
    return render_template("kpis/form.html", form=form)


@bp.get("/targets-appendix.xlsx")
@login_required
def targets_appendix() -> Response:
    """The appendix of the targets given for a year (every active KPI), seed 004's layout."""
    year = request.args.get("year", type=int) or today().year
    if not 2000 <= year <= 2100:
        abort(404)
    return send_document(lambda target: write_targets_appendix(target, year, current_identity(), today()),
                         XLSX_MIME, f"phu-luc-giao-chi-tieu-{year}.xlsx")


@bp.get("/<int:kpi_id>")
@login_required
def detail(kpi_id: int) -> str:
    kpi = get_kpi_or_404(kpi_id)
    period = _period_arg(kpi)
    table = progress(kpi, period)
    return render_template("kpis/progress.html", kpi=kpi, table=table, period=period, chart=bar_chart(table))


@bp.get("/<int:kpi_id>/export.xlsx")
@login_required
def export(kpi_id: int) -> Response:
    kpi = get_kpi_or_404(kpi_id)
    table = progress(kpi, _period_arg(kpi))
    return _xlsx(excel.progress_workbook(table, _issuer(), today()), f"chi-tieu-{kpi.code}-{table.period.code}.xlsx")


def _xlsx(data: bytes, name: str) -> Response:
    return send_bytes(data, excel.XLSX_MIME, name)


def _scope_choices() -> list:
    kinds = [(f"kind:{kind}", "Tất cả " + UNIT_KIND_LABELS[kind].lower()) for kind in UNIT_KINDS]
    return options([("", "— Chọn —"), *kinds, *[(f"unit:{unit.id}", unit.name) for unit in list_units()]])


@bp.route("/<int:kpi_id>/targets", methods=["GET", "POST"])
@login_required
def targets(kpi_id: int) -> str | Response:
    kpi = get_kpi_or_404(kpi_id)
    form = TargetForm()
    form.scope.choices = _scope_choices()
    form.period.choices = period_choices(today(), form.period.data)
    if request.method == "POST":
        if not can_set_kpi_targets(current_user):
            abort(403)
        if form.validate_on_submit():
            kind, _, ident = (form.scope.data or "").partition(":")
            try:
                value = parse_number(form.target_value.data)
            except NotANumber:
                value = None
                form.target_value.errors = [*form.target_value.errors, "Mức chỉ tiêu phải là số (ví dụ 90 hoặc 65,5)."]
            if value is not None and save(form, lambda: set_target(
                kpi, current_user, period=form.period.data, target_value=value,
                unit_id=int(ident) if kind == "unit" and ident.isdigit() else None,
                unit_kind=ident if kind == "kind" else None,
            ), "Đã giao chỉ tiêu.", show=lambda error: _show_target_errors(form, error)):
                return redirect(url_for("kpis.targets", kpi_id=kpi_id), 303)
    elif not form.period.data:
        form.period.data = str(today().year)
    return render_template("kpis/targets.html", kpi=kpi, form=form, targets=targets_of_kpi(kpi))


def _show_target_errors(form: TargetForm, error: DomainError) -> None:
    """The form's one "scope" field chooses a unit or a kind of unit: the service's messages on either go there."""
    for name in ("unit_id", "unit_kind"):
        if name in error.fields:
            error.fields["scope"] = error.fields.pop(name)
    show_errors(form, error)


def _unit_choices_for_entry() -> list[tuple[int, str]]:
    if can_manage_kpis(current_user):
        return [(unit.id, unit.name) for unit in list_units()]
    unit = current_user.unit
    return [(unit.id, unit.name)] if unit is not None else []


@bp.route("/<int:kpi_id>/measurements", methods=["GET", "POST"])
@login_required
def measurements(kpi_id: int) -> str | Response:
    kpi = get_kpi_or_404(kpi_id)
    if not can_enter_kpi_measurements(current_user):
        abort(403)
    form = MeasurementForm()
    form.unit_id.choices = options(_unit_choices_for_entry())
    if form.validate_on_submit():
        if not can_enter_kpi_measurement(current_user, form.unit_id.data or 0):
            abort(403)
        try:
            value = parse_number(form.value.data) if form.value.data else None
        except NotANumber:
            value = None
            form.value.errors = [*form.value.errors, "Giá trị phải là số (ví dụ 1.234 hoặc 65,5)."]
        if not form.value.errors and save(form, lambda: record_measurement(
            kpi, form.unit_id.data or 0, form.period_end.data, numerator=form.numerator.data,
            denominator=form.denominator.data, value=value, source="entered", actor=current_user,
        ), "Đã ghi số liệu."):
            return redirect(url_for("kpis.measurements", kpi_id=kpi_id), 303)
    elif request.method == "GET":
        form.period_end.data = today()
    own_unit = None if can_manage_kpis(current_user) else current_user.unit_id
    return render_template("kpis/measurements.html", kpi=kpi, form=form,
                           rows=recent_measurements(kpi, unit_id=own_unit))


def _template_units(kind: str | None) -> list[Unit]:
    if not can_manage_kpis(current_user):
        return [current_user.unit] if current_user.unit is not None else []
    return list_units(kind if kind in UNIT_KINDS else None)


def _dates_arg() -> list[dt.date]:
    days: list[dt.date] = []
    for part in re.split(r"[,;\s]+", request.args.get("dates", "")):
        if not part:
            continue
        try:
            day = parse_user_date(part)
        except ValueError:
            flash(f"Ngày “{part}” không đúng dạng dd/mm/yyyy; đã bỏ qua.", "warning")
            continue
        if day not in days:
            days.append(day)
    if not days:
        days.append(today().replace(day=1) - dt.timedelta(days=1))
    return days[:MAX_TEMPLATE_COLUMNS]


def _run_import(form: ImportForm, importer: Callable[[bytes], Report],
                success: Callable[[Report], str]) -> tuple[bool, list]:
    """Run an all-or-nothing import of the form's file: (True, []) once committed, else (False, rejected rows)."""
    if not form.validate_on_submit():
        return False, []
    saved = save(form, lambda: importer(form.file.data.read()), success,
                 show=lambda error: _import_refused(form, error))
    return bool(saved), saved.error.rejected if isinstance(saved.error, ImportRejected) else []


def _import_refused(form: ImportForm, error: DomainError) -> None:
    if isinstance(error, ImportRejected):  # the page lists the rejected rows
        flash(error.message, "danger")
    else:
        show_errors(form, error)


@bp.get("/<int:kpi_id>/import/template.xlsx")
@login_required
def measurement_template(kpi_id: int) -> Response:
    kpi = get_kpi_or_404(kpi_id)
    if not can_enter_kpi_measurements(current_user):
        abort(403)
    days = _dates_arg()
    data = excel.measurement_template(kpi, _template_units(request.args.get("kind")), days, _issuer())
    return _xlsx(data, f"bieu-so-lieu-{kpi.code}.xlsx")


@bp.route("/<int:kpi_id>/import", methods=["GET", "POST"])
@login_required
def import_measurements_page(kpi_id: int) -> str | Response:
    kpi = get_kpi_or_404(kpi_id)
    if not can_enter_kpi_measurements(current_user):
        abort(403)
    form = ImportForm()
    imported, rejected = _run_import(
        form, lambda data: import_measurements(kpi, current_user, data),
        lambda report: f"Đã nhập {report.imported} số liệu của {report.units} đơn vị "
                       f"(ngày {', '.join(report.columns)}).",
    )
    if imported:
        return redirect(url_for("kpis.detail", kpi_id=kpi.id), 303)
    default_dates = (today().replace(day=1) - dt.timedelta(days=1)).strftime("%d/%m/%Y")
    return render_template("kpis/import.html", kpi=kpi, form=form, rejected=rejected, mode="measurements",
                           default_columns=default_dates)


@bp.get("/<int:kpi_id>/targets/template.xlsx")
@login_required
def target_template(kpi_id: int) -> Response:
    kpi = get_kpi_or_404(kpi_id)
    if not can_set_kpi_targets(current_user):
        abort(403)
    periods: list[Period] = []
    for part in re.split(r"[,;\s]+", request.args.get("periods", "")):
        if not part:
            continue
        try:
            period = Period.parse(part)
        except ValidationError as error:
            flash(error.message, "warning")
            continue
        if period not in periods:
            periods.append(period)
    if not periods:
        periods.append(Period.containing("year", today()))
    kind = request.args.get("kind")
    kinds = [kind] if kind in UNIT_KINDS else list(UNIT_KINDS)
    data = excel.target_template(kpi, _template_units(kind), periods[:MAX_TEMPLATE_COLUMNS], kinds, _issuer())
    return _xlsx(data, f"bieu-giao-chi-tieu-{kpi.code}.xlsx")


@bp.route("/<int:kpi_id>/targets/import", methods=["GET", "POST"])
@login_required
def import_targets_page(kpi_id: int) -> str | Response:
    kpi = get_kpi_or_404(kpi_id)
    if not can_set_kpi_targets(current_user):
        abort(403)
    form = ImportForm()
    imported, rejected = _run_import(
        form, lambda data: import_targets(kpi, current_user, data),
        lambda report: f"Đã giao {report.imported} chỉ tiêu (kỳ {', '.join(report.columns)}).",
    )
    if imported:
        return redirect(url_for("kpis.targets", kpi_id=kpi.id), 303)
    return render_template("kpis/import.html", kpi=kpi, form=form, rejected=rejected, mode="targets",
                           default_columns=str(today().year))


@bp.get("/units/<int:unit_id>")
@login_required
def unit(unit_id: int) -> str:
    unit_obj = db.session.get(Unit, unit_id)
    if unit_obj is None:
        abort(404)
    period = _period_arg()
    rows = unit_overview(unit_obj, period)
    charts = {row.kpi.id: line_chart(row.trend, row.target_value, row.kpi.is_rate) for row in rows if row.trend}
    return render_template("kpis/unit.html", unit=unit_obj, period=period, rows=rows, charts=charts,
                           export_filters=filter_line([f"Kỳ: {period.label}"]))


@bp.route("/tasks/<int:task_id>/targets", methods=["GET", "POST"])
@login_required
def link(task_id: int) -> str | Response:
    task = get_task_or_404(task_id, current_user)
    if not can_set_kpi_targets(current_user):
        abort(403)
    available = linkable_targets()
    form = LinkTargetsForm()
    form.target_ids.choices = options((target.id, target_label(target)) for target in available)
    if form.validate_on_submit():
        if save(form, lambda: link_targets(task, form.target_ids.data or [], actor=current_user),
                "Đã cập nhật các chỉ tiêu của nhiệm vụ."):
            return redirect(url_for("tasks.detail", task_id=task_id), 303)
    elif request.method == "GET":
        form.target_ids.data = [target.id for target in available if target.task_id == task.id]
    return render_template("kpis/link.html", task=task, form=form, available=available,
                           format_date=format_date)
