from __future__ import annotations

from flask import Blueprint

from kpi_tasks.accounts.permissions import can_manage_units
from kpi_tasks.api.input import api_user, json_fields
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.units.models import UNIT_KINDS, Unit
from kpi_tasks.units.services import create_unit, list_units


def unit_json(unit: Unit) -> dict:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id,
            "is_committee": unit.is_committee}


def list_units_api() -> dict:
    return {"items": [unit_json(unit) for unit in list_units()]}


def create_unit_api() -> tuple[dict, int]:
    if not can_manage_units(api_user()):
        raise PermissionDenied("Chỉ quản trị hệ thống được thêm đơn vị.")
    fields = json_fields()
    code = fields.text("code", required=True)
    name = fields.text("name", required=True)
    kind = fields.choice("kind", UNIT_KINDS, required=True)
    parent_id = fields.integer("parent_id")
    is_committee = fields.boolean("is_committee")
    fields.done()
    unit = create_unit(code or "", name or "", kind or "", parent_id, is_committee=is_committee, actor=api_user())
    db.session.commit()
    return unit_json(unit), 201


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/units", "units", list_units_api, methods=["GET"])
    bp.add_url_rule("/units", "create_unit", create_unit_api, methods=["POST"])
