from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.services import record
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import fold
from kpi_tasks.units.models import (
    COMMUNE_DEPARTMENT_LABEL,
    PROVINCE_DEPARTMENT_LABEL,
    UNIT_KIND_LABELS,
    UNIT_KINDS,
    Unit,
)


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
    code: str, name: str, kind: str, parent_id: int | None = None, *, is_committee: bool = False,
    actor: User | None = None, log: bool = False,
) -> Unit:
    """Add a unit. With an `actor` (the admin's page, the API) or `log` (an import run by the system) the creation
    is written to the change log."""
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
    unit = Unit(code=code, name=name, name_folded=fold(name), kind=kind, parent_id=parent_id,
                is_committee=is_committee)
    db.session.add(unit)
    db.session.flush()
    if actor is not None or log:
        created: dict[str, tuple[Any, Any]] = {"code": (None, code), "name": (None, name), "kind": (None, kind)}
        if is_committee:
            created["is_committee"] = (None, True)
        _record(actor, unit, "create", created)
    return unit


def update_unit(
    unit: Unit, actor: User | None, *, code: str, name: str, kind: str, parent_id: int | None, active: bool,
    is_committee: bool | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Change a unit's code, name, kind, parent unit, committee and active flags; returns the changes, as logged.
    A rename keeps the unit's id, so its tasks, figures and history stay with it.

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
    committee = unit.is_committee if is_committee is None else is_committee
    before = {"code": unit.code, "name": unit.name, "kind": unit.kind,
              "parent": unit.parent.name if unit.parent else None, "is_committee": unit.is_committee,
              "active": unit.active}
    after = {"code": code, "name": name, "kind": kind, "parent": parent.name if parent else None,
             "is_committee": committee, "active": active}
    unit.code, unit.name, unit.name_folded, unit.kind = code, name, fold(name), kind
    unit.parent_id, unit.parent, unit.is_committee, unit.active = parent_id, parent, committee, active
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
        errors["kind"] = "Loại đơn vị phải là department, commune, village hoặc other."
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


def committee_of(unit: Unit) -> Unit | None:
    """The People's Committee a unit belongs to: itself or its nearest ancestor with `is_committee`; None for the
    root committee that runs the instance."""
    seen: set[int] = set()
    current: Unit | None = unit
    while current is not None and current.id not in seen:
        if current.is_committee:
            return current
        seen.add(current.id)
        current = current.parent
    return None


@dataclass(frozen=True)
class TreeRow:
    unit: Unit
    depth: int  # 0 for the root committee's own units
    kind_label: str


_KIND_ORDER = {kind: position for position, kind in enumerate(UNIT_KINDS)}


def unit_tree(units: Iterable[Unit]) -> list[TreeRow]:
    """`units` in tree order (each unit followed by the units under it; at each level active first, then by kind
    and name), with their depth and the name of their kind at their level. A unit whose parent is not among
    `units` starts a branch of its own; a loop in the data is cut where it closes."""
    units = list(units)
    by_id = {unit.id: unit for unit in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in by_id else None, []).append(unit)
    for siblings in children.values():
        siblings.sort(key=lambda u: (not u.active, _KIND_ORDER.get(u.kind, 99), u.name_folded, u.id))
    # A commune instance has departments and villages but no communes: its departments are "phòng".
    root_is_commune = not any(u.kind == "commune" for u in units) and any(u.kind == "village" for u in units)
    rows: list[TreeRow] = []
    placed: set[int] = set()

    def walk(parent_id: int | None, depth: int, under_commune: bool) -> None:
        for unit in children.get(parent_id, []):
            if unit.id in placed:
                continue
            placed.add(unit.id)
            rows.append(TreeRow(unit, depth, kind_label(unit.kind, under_commune=under_commune)))
            walk(unit.id, depth + 1, under_commune or unit.kind == "commune")

    walk(None, 0, root_is_commune)
    for unit in units:  # units caught in a loop of parents (never saved by update_unit): listed at the top
        if unit.id not in placed:
            placed.add(unit.id)
            rows.append(TreeRow(unit, 0, kind_label(unit.kind, under_commune=False)))
            walk(unit.id, 1, unit.kind == "commune")
    return rows


def kind_label(kind: str, *, under_commune: bool) -> str:
    """A kind's name at its level: a department is a "Sở, ban, ngành" under a province, a "Phòng chuyên môn"
    under a commune."""
    if kind == "department":
        return COMMUNE_DEPARTMENT_LABEL if under_commune else PROVINCE_DEPARTMENT_LABEL
    return UNIT_KIND_LABELS.get(kind, kind)


def _record(actor: User | None, unit: Unit, action: str, changes: dict[str, tuple[Any, Any]]) -> None:
    record(actor, "unit", unit.id, action, changes)
