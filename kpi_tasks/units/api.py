from __future__ import annotations

from kpi_tasks.accounts.permissions import can_manage_units
from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.units.schemas import Unit, UnitInput, Units
from kpi_tasks.units.services import create_unit, list_units

routes = ApiRoutes()
register_api = routes


@routes.operation("GET", "/units", "units", "Danh sách đơn vị", answer=Units, description="Units")
def list_units_api() -> Units:
    return Units(items=[Unit.of(unit) for unit in list_units()])


@routes.operation("POST", "/units", "create_unit", "Thêm đơn vị (admin)", body=UnitInput, status=201, answer=Unit,
                  description="Created", errors="400 403 422")
def create_unit_api(body: UnitInput) -> Unit:
    if not can_manage_units(api_user()):
        raise PermissionDenied("Chỉ quản trị hệ thống được thêm đơn vị.")
    unit = create_unit(body.code, body.name, body.kind, body.parent_id, is_committee=body.is_committee,
                       actor=api_user())
    db.session.commit()
    return Unit.of(unit)
