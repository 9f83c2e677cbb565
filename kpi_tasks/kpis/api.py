"""KPI endpoints of /api/v1 (API.md): catalogue, targets, measurements, progress."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.accounts.permissions import can_enter_kpi_measurement, can_set_kpi_targets
from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.api.schema import PageQuery
from kpi_tasks.errors import PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.kpis import models
from kpi_tasks.kpis.models import ENTERED
from kpi_tasks.kpis.periods import Period
from kpi_tasks.kpis.queries import ProgressTable, progress
from kpi_tasks.kpis.schemas import (
    Kpi,
    KpiInput,
    KpiMeasurement,
    KpiMeasurementInput,
    KpiMeasurements,
    KpiPage,
    KpiProgress,
    KpiTarget,
    KpiTargetInput,
    KpiTargets,
    MeasurementQuery,
    ProgressItem,
    ProgressQuery,
    ProgressTotal,
)
from kpi_tasks.kpis.services import (
    create_kpi,
    get_kpi_or_404,
    recent_measurements,
    record_measurement,
    set_target,
    target_period,
    targets_of_kpi,
)
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.units.services import get_unit

MAX_MEASUREMENTS_LISTED = 500
WRITE_ERRORS = "400 403 404 422"
routes = ApiRoutes()
register_api = routes


def target_out(target: models.KpiTarget) -> KpiTarget:
    return KpiTarget.of(target, period=target_period(target).code)


def progress_out(table: ProgressTable) -> KpiProgress:
    return KpiProgress(
        kpi_id=table.kpi.id, period=table.period.code, period_start=table.period.start,
        period_end=table.period.end, previous_period=table.previous.code,
        items=[ProgressItem.of(row) for row in table.rows],
        total=ProgressTotal.of(table.total) if table.total else ProgressTotal(),
    )


@routes.operation("GET", "/kpis", "kpis", "Danh mục chỉ tiêu", query=PageQuery, answer=KpiPage, errors="422")
def list_kpis_api(query: PageQuery) -> KpiPage:
    result = paginate_rows(sa.select(models.Kpi).order_by(models.Kpi.code), query.page, query.per_page)
    return KpiPage(items=[Kpi.of(row[0]) for row in result.items], total=result.total, page=result.page,
                   per_page=result.per_page)


@routes.operation("POST", "/kpis", "create_kpi", "Thêm chỉ tiêu (office, admin)", body=KpiInput, status=201,
                  answer=Kpi, description="Created", errors="400 403 422")
def create_kpi_api(body: KpiInput) -> Kpi:
    kpi = create_kpi(api_user(), **body.model_dump())  # the service asks the policy
    db.session.commit()
    return Kpi.of(kpi)


@routes.operation("GET", "/kpis/<int:kpi_id>", "kpi", "Một chỉ tiêu", answer=Kpi, errors="404")
def kpi_api(kpi_id: int) -> Kpi:
    return Kpi.of(get_kpi_or_404(kpi_id))


@routes.operation("GET", "/kpis/<int:kpi_id>/targets", "kpi_targets", "Các mức chỉ tiêu đã giao", answer=KpiTargets,
                  errors="404")
def list_targets_api(kpi_id: int) -> KpiTargets:
    return KpiTargets(items=[target_out(target) for target in targets_of_kpi(get_kpi_or_404(kpi_id))])


@routes.operation("POST", "/kpis/<int:kpi_id>/targets", "create_kpi_target",
                  "Giao chỉ tiêu cho một đơn vị hoặc một loại đơn vị (office, admin); giao lại cùng đơn vị và kỳ "
                  "thì thay mức cũ", body=KpiTargetInput, status=201, answer=KpiTarget,
                  description="Created or replaced", errors=WRITE_ERRORS)
def create_target_api(kpi_id: int, body: KpiTargetInput) -> KpiTarget:
    user = api_user()
    kpi = get_kpi_or_404(kpi_id)
    if not can_set_kpi_targets(user):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được giao chỉ tiêu.")
    target = set_target(kpi, user, **body.model_dump())
    db.session.commit()
    return target_out(target)


@routes.operation("GET", "/kpis/<int:kpi_id>/measurements", "kpi_measurements", "Số liệu đã ghi, mới nhất trước",
                  query=MeasurementQuery, answer=KpiMeasurements, description="Measurements", errors="404 422")
def list_measurements_api(kpi_id: int, query: MeasurementQuery) -> KpiMeasurements:
    rows = recent_measurements(get_kpi_or_404(kpi_id), unit_id=query.unit_id, limit=MAX_MEASUREMENTS_LISTED)
    return KpiMeasurements(items=[KpiMeasurement.of(row) for row in rows])


@routes.operation("POST", "/kpis/<int:kpi_id>/measurements", "create_kpi_measurement",
                  "Ghi số liệu của đơn vị (đơn vị mình; office, admin mọi đơn vị); ghi lại cùng ngày thì thay số cũ",
                  body=KpiMeasurementInput, status=201, answer=KpiMeasurement, description="Recorded",
                  errors=WRITE_ERRORS)
def create_measurement_api(kpi_id: int, body: KpiMeasurementInput) -> KpiMeasurement:
    user = api_user()
    kpi = get_kpi_or_404(kpi_id)
    if get_unit(body.unit_id) is None:
        raise ValidationError("Dữ liệu gửi lên chưa hợp lệ.", {"unit_id": "Đơn vị không tồn tại."})
    if not can_enter_kpi_measurement(user, body.unit_id):
        raise PermissionDenied("Đơn vị chỉ được nhập số liệu của chính đơn vị mình.")
    measurement = record_measurement(kpi, body.unit_id, body.period_end, numerator=body.numerator,
                                     denominator=body.denominator, value=body.value, source=ENTERED, actor=user)
    db.session.commit()
    return KpiMeasurement.of(measurement)


@routes.operation("GET", "/kpis/<int:kpi_id>/progress", "kpi_progress",
                  "Kết quả theo đơn vị trong kỳ, xếp theo tỷ lệ; dòng tổng tính từ tổng tử số/mẫu số",
                  query=ProgressQuery, answer=KpiProgress, description="Progress", errors="404 422")
def progress_api(kpi_id: int, query: ProgressQuery) -> KpiProgress:
    return progress_out(progress(get_kpi_or_404(kpi_id), Period.parse(query.period)))
