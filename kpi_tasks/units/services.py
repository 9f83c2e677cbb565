from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import fold
from kpi_tasks.units.models import UNIT_KINDS, Unit


def list_units(kind: str | None = None) -> list[Unit]:
    query = sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)
    if kind:
        query = query.where(Unit.kind == kind)
    return list(db.session.scalars(query))


def get_unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id)


def get_unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def create_unit(code: str, name: str, kind: str, parent_id: int | None = None) -> Unit:
    errors: dict[str, str] = {}
    code, name = (code or "").strip(), (name or "").strip()
    if not code:
        errors["code"] = "Chưa nhập mã đơn vị."
    elif len(code) > 40:
        errors["code"] = "Mã đơn vị dài tối đa 40 ký tự."
    elif get_unit_by_code(code):
        errors["code"] = f"Mã đơn vị “{code}” đã tồn tại."
    if not name:
        errors["name"] = "Chưa nhập tên đơn vị."
    elif len(name) > 255:
        errors["name"] = "Tên đơn vị dài tối đa 255 ký tự."
    if kind not in UNIT_KINDS:
        errors["kind"] = "Loại đơn vị phải là department, commune hoặc other."
    if parent_id is not None and get_unit(parent_id) is None:
        errors["parent_id"] = "Đơn vị cấp trên không tồn tại."
    if errors:
        raise ValidationError("Thông tin đơn vị chưa hợp lệ.", errors)
    unit = Unit(code=code, name=name, name_folded=fold(name), kind=kind, parent_id=parent_id)
    db.session.add(unit)
    db.session.flush()
    return unit
