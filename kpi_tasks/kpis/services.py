"""Every state change of the KPI area, as plain functions. Each validates, flushes and logs; callers commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import sqlalchemy as sa

from kpi_tasks.accounts.models import Actor, User
from kpi_tasks.accounts.permissions import (
    can_enter_kpi_measurement,
    can_manage_kpis,
    can_set_kpi_targets,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import utcnow
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import (
    AGGREGATIONS,
    COMPUTED,
    DIRECTION_SIGNS,
    DIRECTIONS,
    FORMULAS,
    RATIO,
    SOURCES,
    Kpi,
    KpiMeasurement,
    KpiTarget,
)
from kpi_tasks.kpis.periods import MAX_YEAR, MIN_YEAR, Period
from kpi_tasks.kpis.values import MAX_FIGURE
from kpi_tasks.tasks.lookups import task_titles
from kpi_tasks.tasks.models import Task
from kpi_tasks.text import format_date, format_number
from kpi_tasks.units.models import UNIT_KIND_LABELS, UNIT_KINDS, Unit
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

# What people write for a measure, mapped to the stored code ("%" and "VND" are the issue's own words).
MEASURE_ALIASES = {"%": "percent", "percent": "percent", "count": "count", "vnd": "vnd", "đồng": "vnd"}
DEFAULT_NUMERATOR_LABEL = "Tử số"
DEFAULT_DENOMINATOR_LABEL = "Mẫu số"

Number = int | float | Decimal


def normalise_measure(measure: str | None) -> str | None:
    return MEASURE_ALIASES.get((measure or "").strip().lower())


def get_kpi_or_404(kpi_id: int) -> Kpi:
    kpi = db.session.get(Kpi, kpi_id)
    if kpi is None:
        raise NotFound("Không tìm thấy chỉ tiêu.")
    return kpi


def get_kpi_by_code(code: str) -> Kpi | None:
    return db.session.scalar(sa.select(Kpi).where(Kpi.code == (code or "").strip()))


def list_kpis(active_only: bool = True) -> list[Kpi]:
    query = sa.select(Kpi).order_by(Kpi.code)
    if active_only:
        query = query.where(Kpi.active.is_(True))
    return list(db.session.scalars(query))


def create_kpi(
    actor: User,
    *,
    code: str,
    name: str,
    measure: str | None,
    formula: str | None,
    direction: str | None,
    numerator_label: str | None = None,
    denominator_label: str | None = None,
    aggregation: str | None = None,
    description: str | None = None,
) -> Kpi:
    """Add a KPI to the catalogue (office, admin). A ratio is always a percentage (b/a × 100)."""
    if not can_manage_kpis(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được thêm chỉ tiêu.")
    errors: dict[str, str] = {}
    code = check_text(errors, "code", code, "mã chỉ tiêu", required=True, max_length=40)
    name = check_text(errors, "name", name, "tên chỉ tiêu", required=True)
    description = check_text(errors, "description", description, "mô tả", max_length=MAX_TEXT_LENGTH)
    numerator_label = check_text(errors, "numerator_label", numerator_label, "tên tử số", max_length=255)
    denominator_label = check_text(errors, "denominator_label", denominator_label, "tên mẫu số", max_length=255)
    stored_measure = normalise_measure(measure)
    if code and "code" not in errors and get_kpi_by_code(code):
        errors["code"] = f"Mã chỉ tiêu “{code}” đã có."
    if stored_measure is None:
        errors["measure"] = "Đơn vị đo phải là % (percent), count (số lượng) hoặc VND (số tiền)."
    if formula not in FORMULAS:
        errors["formula"] = "Cách tính phải là ratio (tỷ lệ tử số/mẫu số) hoặc value (giá trị)."
    if direction not in DIRECTIONS:
        errors["direction"] = "Chiều đánh giá phải là at_least (tối thiểu), above (trên), at_most (tối đa) hoặc below."
    aggregation = aggregation or "latest"
    if aggregation not in AGGREGATIONS:
        errors["aggregation"] = "Cách tổng hợp trong kỳ phải là latest (lũy kế) hoặc sum (cộng dồn)."
    if formula == RATIO and stored_measure not in (None, "percent"):
        errors["measure"] = "Chỉ tiêu tính theo tỷ lệ (tử số/mẫu số) có đơn vị đo là %."
    if errors:
        raise ValidationError("Thông tin chỉ tiêu chưa hợp lệ.", errors)
    is_ratio = formula == RATIO
    kpi = Kpi(
        code=code, name=name, measure=stored_measure, formula=formula, direction=direction, aggregation=aggregation,
        numerator_label=(numerator_label or DEFAULT_NUMERATOR_LABEL) if is_ratio else None,
        denominator_label=(denominator_label or DEFAULT_DENOMINATOR_LABEL) if is_ratio else None,
        description=description,
    )
    db.session.add(kpi)
    db.session.flush()
    record(actor, "kpi", kpi.id, "create", {"code": (None, code), "name": (None, name)})
    return kpi


# ---------------------------------------------------------------------------------------------- targets

def scope_label(target: KpiTarget) -> str:
    if target.unit is not None:
        return target.unit.name
    return "Tất cả " + UNIT_KIND_LABELS.get(target.unit_kind or "", target.unit_kind or "").lower()


def target_period(target: KpiTarget) -> Period:
    return Period.containing(target.period_kind, target.period_start)


def target_label(target: KpiTarget) -> str:
    """"Tất cả xã, phường, đặc khu: ≥ 70% (Năm 2021)"."""
    kpi = target.kpi
    period = target_period(target)
    value = format_number(target.target_value, 0 if float(target.target_value).is_integer() else 2)
    return f"{scope_label(target)}: {DIRECTION_SIGNS[kpi.direction]} {value}{kpi.unit_suffix} ({period.label})"


def check_target_value(
    kpi: Kpi, raw: Number | None, errors: dict[str, str], field: str = "target_value"
) -> float | None:
    if raw is None:
        errors[field] = "Chưa nhập giá trị chỉ tiêu."
        return None
    value = float(raw)
    if value < 0:
        errors[field] = "Giá trị chỉ tiêu không được âm."
    elif kpi.is_rate and value > 100:
        errors[field] = "Chỉ tiêu tỷ lệ phải từ 0 đến 100%."
    elif value > MAX_FIGURE:
        errors[field] = "Giá trị chỉ tiêu quá lớn."
    return value


def _target_period(period: str | Period | None, errors: dict[str, str]) -> Period | None:
    if isinstance(period, Period):
        return period
    try:
        return Period.parse(period)
    except ValidationError as error:
        errors["period"] = error.message
        return None


def _check_target_scope(unit_id: int | None, unit_kind: str | None, errors: dict[str, str]) -> None:
    """A target is one unit's, or every unit's of a kind."""
    if (unit_id is None) == (unit_kind is None):
        errors["unit_id"] = "Chọn một đơn vị (unit_id) hoặc một loại đơn vị (unit_kind), không chọn cả hai."
    elif unit_id is not None and db.session.get(Unit, unit_id) is None:
        errors["unit_id"] = "Đơn vị không tồn tại."
    elif unit_kind is not None and unit_kind not in UNIT_KINDS:
        errors["unit_kind"] = "Loại đơn vị phải là department, commune hoặc other."


def _target_task(task_id: int | None, directive_id: int | None, errors: dict[str, str]) -> Task | None:
    """The task (and directive) a target is read from, when it says so."""
    task = None
    if task_id is not None:
        task = db.session.get(Task, task_id)
        if task is None:
            errors["task_id"] = "Nhiệm vụ không tồn tại."
        elif directive_id is not None and directive_id != task.directive_id:
            errors["directive_id"] = "Nhiệm vụ không thuộc văn bản này."
    if directive_id is not None and db.session.get(Directive, directive_id) is None:
        errors["directive_id"] = "Văn bản không tồn tại."
    return task


def set_target(
    kpi: Kpi,
    actor: Actor,
    *,
    period: str | Period | None,
    target_value: Number | None,
    unit_id: int | None = None,
    unit_kind: str | None = None,
    directive_id: int | None = None,
    task_id: int | None = None,
) -> KpiTarget:
    """Set the target of one unit or of every unit of a kind for a period; setting it again replaces it.

    `actor` is a person, or SYSTEM for the product's own loads (demo data, scripts); the policy judges both.
    """
    if not can_set_kpi_targets(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được giao chỉ tiêu.")
    errors: dict[str, str] = {}
    parsed = _target_period(period, errors)
    _check_target_scope(unit_id, unit_kind, errors)
    value = check_target_value(kpi, target_value, errors)
    task = _target_task(task_id, directive_id, errors)
    if not kpi.active:
        errors["kpi"] = "Chỉ tiêu đã ngừng theo dõi."
    if errors or parsed is None or value is None:
        raise ValidationError("Thông tin giao chỉ tiêu chưa hợp lệ.", errors)
    target = db.session.scalar(sa.select(KpiTarget).where(
        KpiTarget.kpi_id == kpi.id,
        KpiTarget.unit_id.is_(None) if unit_id is None else KpiTarget.unit_id == unit_id,
        KpiTarget.unit_kind.is_(None) if unit_kind is None else KpiTarget.unit_kind == unit_kind,
        KpiTarget.period_kind == parsed.kind, KpiTarget.period_start == parsed.start,
    ))
    if target is None:
        target = KpiTarget(kpi_id=kpi.id, unit_id=unit_id, unit_kind=unit_kind, period_kind=parsed.kind,
                           period_start=parsed.start, period_end=parsed.end, target_value=value,
                           created_by_id=actor.id if actor else None)
        db.session.add(target)
        action, changes = "create", {"target_value": (None, value), "period": (None, parsed.code)}
    else:
        action, changes = "update", {"target_value": (target.target_value, value)}
        target.target_value = value
        target.updated_at = utcnow()
    if task is not None:
        target.task_id, target.directive_id = task.id, task.directive_id
    elif directive_id is not None:
        target.directive_id = directive_id
    db.session.flush()
    record(actor, "kpi_target", target.id, action, changes)
    return target


def linked_target_ids(task_id: int) -> list[int]:
    return list(db.session.scalars(sa.select(KpiTarget.id).where(KpiTarget.task_id == task_id).order_by(KpiTarget.id)))


def link_targets(task: Task, target_ids: Iterable[int], actor: Actor) -> list[KpiTarget]:
    """Make `target_ids` exactly the targets linked to `task` (and to its directive).

    Targets linked to the task but not listed are unlinked. A target belongs to one task: one already
    linked to another task is refused with that task's name, so that a link is never moved silently.
    """
    if not can_set_kpi_targets(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được gắn chỉ tiêu với nhiệm vụ.")
    wanted = {int(target_id) for target_id in target_ids}
    targets = list(db.session.scalars(sa.select(KpiTarget).where(KpiTarget.id.in_(wanted)))) if wanted else []
    errors: dict[str, str] = {}
    missing = wanted - {target.id for target in targets}
    if missing:
        errors["kpi_target_ids"] = "Không có chỉ tiêu mã số " + ", ".join(str(i) for i in sorted(missing)) + "."
    taken = [target for target in targets if target.task_id not in (None, task.id)]
    if taken:
        others = {target.task_id for target in taken}
        titles = task_titles(others)
        errors["kpi_target_ids"] = " ".join(
            f"Chỉ tiêu “{target_label(target)}” đã gắn với nhiệm vụ “{titles.get(target.task_id, '')}”."
            for target in taken
        )
    if errors:
        raise ValidationError("Không gắn được chỉ tiêu với nhiệm vụ.", errors)
    linked = list(db.session.scalars(sa.select(KpiTarget).where(KpiTarget.task_id == task.id)))
    for target in linked:
        if target.id not in wanted:
            target.task_id = None
            record(actor, "kpi_target", target.id, "update", {"task_id": (task.id, None)})
    for target in targets:
        if target.task_id != task.id:
            record(actor, "kpi_target", target.id, "update", {"task_id": (target.task_id, task.id)})
            target.task_id = task.id
            target.directive_id = task.directive_id
    db.session.flush()
    return sorted(targets, key=lambda target: target.id)


# ------------------------------------------------------------------------------------------ measurements

def _whole(raw: Number | None, field: str, label: str, errors: dict[str, str]) -> int | None:
    if raw is None:
        return None
    try:
        whole = not isinstance(raw, bool) and Decimal(str(raw)) == int(raw)
    except (ValueError, OverflowError, ArithmeticError):
        whole = False
    if not whole:
        errors[field] = f"{label} phải là số nguyên (đếm được), đã nhập {str(raw).replace('.', ',')}."
        return None
    number = int(raw)
    if number < 0:
        errors[field] = f"{label} không được âm."
    elif number > MAX_FIGURE:
        errors[field] = f"{label} quá lớn."
    return number


def check_figures(
    kpi: Kpi, numerator: Number | None, denominator: Number | None, value: Number | None
) -> tuple[dict[str, str], int | None, int | None, float | None]:
    """Validate one unit's figures for a KPI; returns (errors per field, numerator, denominator, value)."""
    errors: dict[str, str] = {}
    if kpi.formula == RATIO:
        num_label, den_label = kpi.numerator_label or "Tử số", kpi.denominator_label or "Mẫu số"
        whole_numerator = _whole(numerator, "numerator", f"Tử số “{num_label}”", errors)
        whole_denominator = _whole(denominator, "denominator", f"Mẫu số “{den_label}”", errors)
        if value is not None:
            errors["value"] = "Chỉ tiêu tỷ lệ nhập tử số và mẫu số, không nhập tỷ lệ %."
        if numerator is None:
            errors.setdefault("numerator", f"Chưa nhập tử số “{num_label}”.")
        if denominator is None:
            errors.setdefault("denominator", f"Chưa nhập mẫu số “{den_label}”.")
        if not errors and whole_denominator == 0 and whole_numerator:
            errors["denominator"] = f"Mẫu số bằng 0 nhưng tử số là {whole_numerator}: không tính được tỷ lệ."
        return errors, whole_numerator, whole_denominator, None
    if numerator is not None or denominator is not None:
        errors["value"] = "Chỉ tiêu này nhập một giá trị, không nhập tử số, mẫu số."
    if value is None:
        errors.setdefault("value", "Chưa nhập giá trị.")
        return errors, None, None, None
    number = float(value)
    if kpi.measure == "count":
        _whole(value, "value", "Giá trị", errors)
    if kpi.measure in ("count", "vnd") and number < 0:
        errors.setdefault("value", "Giá trị không được âm.")
    if abs(number) > MAX_FIGURE:
        errors.setdefault("value", "Giá trị quá lớn.")
    return errors, None, None, number


def check_period_end(period_end: dt.date | None, errors: dict[str, str]) -> None:
    if period_end is None:
        errors["period_end"] = "Chưa nhập ngày số liệu (tính đến ngày)."
    elif not MIN_YEAR <= period_end.year <= MAX_YEAR:
        errors["period_end"] = f"Ngày số liệu phải trong các năm {MIN_YEAR}–{MAX_YEAR}."


def record_measurement(
    kpi: Kpi | int,
    unit: Unit | int,
    period_end: dt.date,
    *,
    numerator: Number | None = None,
    denominator: Number | None = None,
    value: Number | None = None,
    source: str = COMPUTED,
    actor: Actor,
) -> KpiMeasurement:
    """Record a unit's figures as of `period_end`; upsert on (kpi, unit, period_end, source).

    A ratio takes numerator and denominator (whole numbers), a value KPI takes `value`. `actor` is a person
    allowed to enter figures for the unit, or SYSTEM for the figures the product computes.
    """
    kpi = kpi if isinstance(kpi, Kpi) else get_kpi_or_404(kpi)
    unit_obj = unit if isinstance(unit, Unit) else db.session.get(Unit, unit)
    if unit_obj is None:
        raise ValidationError("Đơn vị không tồn tại.", {"unit_id": "Đơn vị không tồn tại."})
    if not can_enter_kpi_measurement(actor, unit_obj.id):
        raise PermissionDenied("Đơn vị chỉ được nhập số liệu của chính đơn vị mình.")
    errors, numerator, denominator, number = check_figures(kpi, numerator, denominator, value)
    check_period_end(period_end, errors)
    if source not in SOURCES:
        errors["source"] = "Nguồn số liệu phải là entered, imported hoặc computed."
    if not kpi.active:
        errors["kpi"] = "Chỉ tiêu đã ngừng theo dõi."
    if errors:
        raise ValidationError("Số liệu chưa hợp lệ.", errors)
    return _upsert(kpi, unit_obj, period_end, numerator, denominator, number, source, actor)


def _upsert(kpi: Kpi, unit: Unit, period_end: dt.date, numerator: int | None, denominator: int | None,
            value: float | None, source: str, actor: Actor) -> KpiMeasurement:
    measurement = db.session.scalar(sa.select(KpiMeasurement).where(
        KpiMeasurement.kpi_id == kpi.id, KpiMeasurement.unit_id == unit.id,
        KpiMeasurement.period_end == period_end, KpiMeasurement.source == source,
    ))
    new = {"numerator": numerator, "denominator": denominator, "value": value}
    if measurement is None:
        measurement = KpiMeasurement(kpi_id=kpi.id, unit_id=unit.id, period_end=period_end, source=source,
                                     entered_by_id=actor.id if actor else None, **new)
        db.session.add(measurement)
        db.session.flush()
        changes = {key: (None, figure) for key, figure in new.items() if figure is not None}
        record(actor, "kpi_measurement", measurement.id, "create",
               {**changes, "period_end": (None, period_end)}, note=f"{kpi.code} · {unit.name}")
        return measurement
    changes = {key: (getattr(measurement, key), figure) for key, figure in new.items()
               if getattr(measurement, key) != figure}
    if changes:
        for key, figure in new.items():
            setattr(measurement, key, figure)
        measurement.entered_by_id = actor.id if actor else None
        measurement.recorded_at = utcnow()
        db.session.flush()
        record(actor, "kpi_measurement", measurement.id, "update", changes,
               note=f"{kpi.code} · {unit.name} · {format_date(period_end)}")
    return measurement


def recent_measurements(kpi: Kpi, unit_id: int | None = None, limit: int = 50) -> list[KpiMeasurement]:
    query = (sa.select(KpiMeasurement).where(KpiMeasurement.kpi_id == kpi.id)
             .order_by(KpiMeasurement.period_end.desc(), KpiMeasurement.recorded_at.desc(), KpiMeasurement.id.desc())
             .limit(limit))
    if unit_id is not None:
        query = query.where(KpiMeasurement.unit_id == unit_id)
    return list(db.session.scalars(query))


def targets_of_kpi(kpi: Kpi) -> list[KpiTarget]:
    return list(db.session.scalars(
        sa.select(KpiTarget).where(KpiTarget.kpi_id == kpi.id)
        .order_by(KpiTarget.period_start.desc(), KpiTarget.period_kind, KpiTarget.unit_id.is_not(None),
                  KpiTarget.unit_kind, KpiTarget.unit_id)
    ))


def linkable_targets() -> list[KpiTarget]:
    """Targets of active KPIs, for the page that links targets to a task."""
    return list(db.session.scalars(
        sa.select(KpiTarget).join(Kpi, Kpi.id == KpiTarget.kpi_id).where(Kpi.active.is_(True))
        .order_by(Kpi.code, KpiTarget.period_start.desc(), KpiTarget.unit_id.is_not(None), KpiTarget.id)
    ))
