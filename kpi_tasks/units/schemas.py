"""What the API reads and answers about units (api/schema.py)."""

from __future__ import annotations

from kpi_tasks.api.schema import Body, Flag, Int, Out, RequiredText, documented_enum, one_of
from kpi_tasks.units.models import UNIT_KINDS


class UnitInput(Body):
    code: RequiredText
    name: RequiredText
    kind: one_of(*UNIT_KINDS, required=True)
    parent_id: Int = None
    is_committee: Flag = False


class Unit(Out):
    id: int
    code: str
    name: str
    kind: documented_enum(*UNIT_KINDS)
    parent_id: int | None
    is_committee: bool


class Units(Out):
    items: list[Unit]
