from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.services import record
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import fold
from kpi_tasks.units.models import UNIT_KINDS, Unit


def list_units(kind: str | None = None) -> list[Unit]:
    """The units that may receive new tasks and users (active ones)."""
    query = sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.kind, Unit.name)
    if kind:
        query = query.where(Unit.kind == kind)
    return list(db.session.scalars(query))


def list_all_units() -> list[Unit]:
    """Every unit, those no longer active included (the admin's list): the active ones first."""
    return list(db.session.scalars(sa.select(Unit).order_by(Unit.active.desc(), Unit.kind, Unit.name)))


def get_unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id)


def get_unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


def create_unit(
    code: str, name: str, kind: str, parent_id: int | None = None, *, actor: User | None = None
) -> Unit:
    """Add a unit. With an `actor` (the admin's page, the API) the creation is written to the change log."""
    code, name = (code or "").strip(), (name or "").strip()
    errors = _check(None, code, name, kind)
    if parent_id is not None:
        parent = get_unit(parent_id)
        if parent is None:
            errors["parent_id"] = "Đơn vị cấp trên không tồn tại."
        elif not parent.active:
            errors["parent_id"] = f"Đơn vị cấp trên “{parent.name}” đã ngừng hoạt động."
    if errors:
        raise ValidationError("Thông tin đơn vị chưa hợp lệ.", errors)
    unit = Unit(code=code, name=name, name_folded=fold(name), kind=kind, parent_id=parent_id)
    db.session.add(unit)
    db.session.flush()
    if actor is not None:
        _record(actor, unit, "create", {"code": (None, code), "name": (None, name), "kind": (None, kind)})
    return unit


def update_unit(
    unit: Unit, actor: User | None, *, code: str, name: str, kind: str, parent_id: int | None, active: bool
) -> dict[str, tuple[Any, Any]]:
    """Change a unit's code, name, kind, parent unit and active flag; returns the changes, as logged.

    An inactive unit keeps its tasks, history and past figures; it is no longer offered for new tasks or users.
    """
    code, name = (code or "").strip(), (name or "").strip()
    errors = _check(unit, code, name, kind)
    parent = None
    if parent_id is not None:
        parent = get_unit(parent_id)
        if parent is None:
            errors["parent_id"] = "Đơn vị cấp trên không tồn tại."
        elif _is_within(parent, unit):
            errors["parent_id"] = "Không thể chọn chính đơn vị này hoặc một đơn vị trực thuộc nó làm cấp trên."
        elif not parent.active and parent_id != unit.parent_id:
            errors["parent_id"] = f"Đơn vị cấp trên “{parent.name}” đã ngừng hoạt động."
    if errors:
        raise ValidationError("Thông tin đơn vị chưa hợp lệ.", errors)
    before = {"code": unit.code, "name": unit.name, "kind": unit.kind,
              "parent": unit.parent.name if unit.parent else None, "active": unit.active}
    after = {"code": code, "name": name, "kind": kind, "parent": parent.name if parent else None, "active": active}
    unit.code, unit.name, unit.name_folded, unit.kind = code, name, fold(name), kind
    unit.parent_id, unit.parent, unit.active = parent_id, parent, active
    db.session.flush()
    changes = {key: (old, after[key]) for key, old in before.items() if after[key] != old}
    if changes:
        _record(actor, unit, "update", changes)
    return changes


def _check(unit: Unit | None, code: str, name: str, kind: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not code:
        errors["code"] = "Chưa nhập mã đơn vị."
    elif len(code) > 40:
        errors["code"] = "Mã đơn vị dài tối đa 40 ký tự."
    else:
        holder = get_unit_by_code(code)
        if holder is not None and holder is not unit:
            errors["code"] = f"Mã đơn vị “{code}” đã tồn tại."
    if not name:
        errors["name"] = "Chưa nhập tên đơn vị."
    elif len(name) > 255:
        errors["name"] = "Tên đơn vị dài tối đa 255 ký tự."
    if kind not in UNIT_KINDS:
        errors["kind"] = "Loại đơn vị phải là department, commune hoặc other."
    return errors


def _is_within(candidate: Unit, unit: Unit) -> bool:
    """Whether `candidate` is `unit` or below it; the walk up stops at a loop, should the data hold one."""
    seen: set[int] = set()
    current: Unit | None = candidate
    while current is not None and current.id not in seen:
        if current.id == unit.id:
            return True
        seen.add(current.id)
        current = current.parent
    return False


def _record(actor: User | None, unit: Unit, action: str, changes: dict[str, tuple[Any, Any]]) -> None:
    record(actor, "unit", unit.id, action, changes)
