"""KPI endpoints of /api/v1 (API.md): catalogue, targets, measurements, progress."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint

from kpi_tasks.accounts.permissions import can_enter_kpi_measurement, can_manage_kpis, can_set_kpi_targets
from kpi_tasks.api.input import Fields, api_user, iso, json_fields, page_params, query_fields
from kpi_tasks.errors import PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import AGGREGATIONS, DIRECTIONS, ENTERED, FORMULAS, Kpi, KpiMeasurement, KpiTarget
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import ProgressTable, progress
from kpi_tasks.kpis.services import (
    create_kpi,
    get_kpi_or_404,
    recent_measurements,
    record_measurement,
    set_target,
    target_period,
    targets_of_kpi,
)
from kpi_tasks.kpis.values import MAX_FIGURE
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.units.models import UNIT_KINDS
from kpi_tasks.units.services import get_unit

MAX_MEASUREMENTS_LISTED = 500


def kpi_json(kpi: Kpi) -> dict:
    return {
        "id": kpi.id, "code": kpi.code, "name": kpi.name, "measure": kpi.measure, "formula": kpi.formula,
        "numerator_label": kpi.numerator_label, "denominator_label": kpi.denominator_label,
        "direction": kpi.direction, "aggregation": kpi.aggregation, "description": kpi.description,
        "active": kpi.active,
    }


def target_json(target: KpiTarget) -> dict:
    return {
        "id": target.id, "kpi_id": target.kpi_id, "unit_id": target.unit_id, "unit_kind": target.unit_kind,
        "period": target_period(target).code, "period_kind": target.period_kind,
        "period_start": iso(target.period_start), "period_end": iso(target.period_end),
        "target_value": target.target_value, "directive_id": target.directive_id, "task_id": target.task_id,
    }


def measurement_json(measurement: KpiMeasurement) -> dict:
    return {
        "id": measurement.id, "kpi_id": measurement.kpi_id, "unit_id": measurement.unit_id,
        "period_end": iso(measurement.period_end), "numerator": measurement.numerator,
        "denominator": measurement.denominator, "value": measurement.value, "source": measurement.source,
        "entered_by_id": measurement.entered_by_id, "recorded_at": iso(measurement.recorded_at),
    }


def progress_json(table: ProgressTable) -> dict:
    total = table.total
    return {
        "kpi_id": table.kpi.id,
        "period": table.period.code,
        "period_start": iso(table.period.start),
        "period_end": iso(table.period.end),
        "previous_period": table.previous.code,
        "items": [
            {
                "rank": row.rank, "unit_id": row.unit_id, "unit_code": row.unit_code, "unit_name": row.unit_name,
                "numerator": row.numerator, "denominator": row.denominator, "value": row.value,
                "target_value": row.target_value, "target_id": row.target_id, "actual_value": row.actual_value,
                "met": row.met, "as_of": iso(row.as_of), "previous_actual_value": row.previous_actual_value,
                "change": row.change,
            }
            for row in table.rows
        ],
        "total": {
            "numerator": total.numerator if total else None,
            "denominator": total.denominator if total else None,
            "value": total.value if total else None,
            "actual_value": total.actual_value if total else None,
            "as_of": iso(total.as_of) if total else None,
            "previous_actual_value": total.previous_actual_value if total else None,
            "change": total.change if total else None,
            "units_reporting": total.units_reporting if total else 0,
            "units_with_target": total.units_with_target if total else 0,
            "units_met": total.units_met if total else 0,
        },
    }


def _number(fields: Fields, name: str) -> float | int | None:
    """A JSON number (integers stay integers, so a count keeps its exactness)."""
    value = fields.data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        fields.errors[name] = "Phải là số."
        return None
    if value != value or abs(value) > MAX_FIGURE:  # NaN, or beyond any reported figure
        fields.errors[name] = "Số không hợp lệ hoặc quá lớn."
        return None
    return value


def list_kpis_api() -> dict:
    fields = query_fields()
    page, per_page = page_params(fields)
    fields.done()
    result = paginate_rows(sa.select(Kpi).order_by(Kpi.code), page, per_page)
    return {"items": [kpi_json(row[0]) for row in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page}


def create_kpi_api() -> tuple[dict, int]:
    user = api_user()
    if not can_manage_kpis(user):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được thêm chỉ tiêu.")
    fields = json_fields()
    values = {
        "code": fields.text("code", required=True),
        "name": fields.text("name", required=True),
        "measure": fields.text("measure", required=True),
        "formula": fields.choice("formula", FORMULAS, required=True),
        "direction": fields.choice("direction", DIRECTIONS, required=True),
        "numerator_label": fields.text("numerator_label"),
        "denominator_label": fields.text("denominator_label"),
        "aggregation": fields.choice("aggregation", AGGREGATIONS),
        "description": fields.text("description"),
    }
    fields.done()
    kpi = create_kpi(user, **{**values, "code": values["code"] or "", "name": values["name"] or ""})
    db.session.commit()
    return kpi_json(kpi), 201


def kpi_api(kpi_id: int) -> dict:
    return kpi_json(get_kpi_or_404(kpi_id))


def list_targets_api(kpi_id: int) -> dict:
    kpi = get_kpi_or_404(kpi_id)
    return {"items": [target_json(target) for target in targets_of_kpi(kpi)]}


def create_target_api(kpi_id: int) -> tuple[dict, int]:
    user = api_user()
    kpi = get_kpi_or_404(kpi_id)
    if not can_set_kpi_targets(user):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được giao chỉ tiêu.")
    fields = json_fields()
    unit_id = fields.integer("unit_id")
    unit_kind = fields.choice("unit_kind", UNIT_KINDS)
    if isinstance(fields.data.get("period"), int) and not isinstance(fields.data.get("period"), bool):
        fields.data["period"] = str(fields.data["period"])  # a year sent as a number
    period = fields.text("period", required=True)
    target_value = _number(fields, "target_value")
    if target_value is None:
        fields.errors.setdefault("target_value", "Trường này là bắt buộc.")
    directive_id = fields.integer("directive_id")
    task_id = fields.integer("task_id")
    fields.done()
    target = set_target(kpi, user, period=period, target_value=target_value, unit_id=unit_id, unit_kind=unit_kind,
                        directive_id=directive_id, task_id=task_id)
    db.session.commit()
    return target_json(target), 201


def list_measurements_api(kpi_id: int) -> dict:
    kpi = get_kpi_or_404(kpi_id)
    fields = query_fields()
    unit_id = fields.integer("unit_id")
    fields.done()
    rows = recent_measurements(kpi, unit_id=unit_id, limit=MAX_MEASUREMENTS_LISTED)
    return {"items": [measurement_json(row) for row in rows]}


def create_measurement_api(kpi_id: int) -> tuple[dict, int]:
    user = api_user()
    kpi = get_kpi_or_404(kpi_id)
    fields = json_fields()
    unit_id = fields.integer("unit_id", required=True)
    period_end = fields.date("period_end", required=True)
    numerator = _number(fields, "numerator")
    denominator = _number(fields, "denominator")
    value = _number(fields, "value")
    fields.done()
    if unit_id is None or get_unit(unit_id) is None:
        raise ValidationError("Dữ liệu gửi lên chưa hợp lệ.", {"unit_id": "Đơn vị không tồn tại."})
    if not can_enter_kpi_measurement(user, unit_id):
        raise PermissionDenied("Đơn vị chỉ được nhập số liệu của chính đơn vị mình.")
    measurement = record_measurement(kpi, unit_id, period_end, numerator=numerator, denominator=denominator,
                                     value=value, source=ENTERED, actor=user)
    db.session.commit()
    return measurement_json(measurement), 201


def progress_api(kpi_id: int) -> dict:
    kpi = get_kpi_or_404(kpi_id)
    fields = query_fields()
    raw = fields.text("period", required=True)
    fields.done()
    return progress_json(progress(kpi, Period.parse(raw)))


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/kpis", "kpis", list_kpis_api, methods=["GET"])
    bp.add_url_rule("/kpis", "create_kpi", create_kpi_api, methods=["POST"])
    bp.add_url_rule("/kpis/<int:kpi_id>", "kpi", kpi_api, methods=["GET"])
    bp.add_url_rule("/kpis/<int:kpi_id>/targets", "kpi_targets", list_targets_api, methods=["GET"])
    bp.add_url_rule("/kpis/<int:kpi_id>/targets", "create_kpi_target", create_target_api, methods=["POST"])
    bp.add_url_rule("/kpis/<int:kpi_id>/measurements", "kpi_measurements", list_measurements_api, methods=["GET"])
    bp.add_url_rule("/kpis/<int:kpi_id>/measurements", "create_kpi_measurement", create_measurement_api,
                    methods=["POST"])
    bp.add_url_rule("/kpis/<int:kpi_id>/progress", "kpi_progress", progress_api, methods=["GET"])
