"""The appendix of targets given for a year ("Phụ lục giao chỉ tiêu"), laid out as the target-assignment appendix
of the seed directives: Số TT | Tên chỉ tiêu | Đơn vị chủ trì | Đơn vị phối hợp | ĐVT | Chỉ tiêu giao | Ghi chú,
with a group row for each kind of unit the targets are given to ("I. Các cơ quan chuyên môn", "II. Ủy ban nhân dân
các xã, phường"): their targets differ (seed 000: 90% and 70%).

A target given to every unit of a kind is one row naming the kind; a unit's own target is a row naming the unit.
The coordinating units are those of the task that set the target, when it is linked to one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import IO

import sqlalchemy as sa

from kpi_tasks.directives.models import Directive
from kpi_tasks.documents.appendix import CENTER, WRAP, Appendix, Column, TitleBlock, number_kind
from kpi_tasks.documents.identity import Identity
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import DIRECTION_SIGNS, Kpi, KpiTarget
from kpi_tasks.kpis.periods import Period
from kpi_tasks.tasks.lookups import tasks_by_ids
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS, UNIT_KINDS, Unit

MEASURE_UNITS = {"percent": "%", "count": "Số lượng", "vnd": "Đồng"}
COLUMNS = [
    Column("Tên chỉ tiêu", 44, WRAP),
    Column("Đơn vị chủ trì", 26, WRAP),
    Column("Đơn vị phối hợp", 26, WRAP),
    Column("ĐVT", 9, CENTER),
    Column("Chỉ tiêu giao", 13, CENTER),
    Column("Ghi chú", 26, WRAP),
]


@dataclass(frozen=True)
class TargetRow:
    kind: str  # the kind of unit the target is given to: its group
    kpi_code: str
    kpi_name: str
    lead: str
    coordinating: str
    measure_unit: str
    value: float  # a fraction for a rate (0.9), else the figure
    number_format: str  # '"≥ "0%'
    note: str


def _value_format(kpi: Kpi, value: float) -> tuple[float, str]:
    sign = DIRECTION_SIGNS[kpi.direction]
    if kpi.is_rate:
        whole = float(value).is_integer()
        return value / 100, f'"{sign} "{"0" if whole else "0.00"}%'
    if kpi.measure == "vnd":
        return value, f'"{sign} "#,##0" đồng"'
    return value, f'"{sign} "#,##0' + ("" if float(value).is_integer() else ".00")


def target_rows(year: int) -> list[TargetRow]:
    """The targets in force during `year` of the active KPIs, grouped by the kind of unit they are given to,
    then by KPI code, a kind's own target before its units'."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    query = (
        sa.select(KpiTarget, Kpi, Unit, Directive.number, KpiTarget.task_id)
        .join(Kpi, KpiTarget.kpi_id == Kpi.id)
        .outerjoin(Unit, KpiTarget.unit_id == Unit.id)
        .outerjoin(Directive, KpiTarget.directive_id == Directive.id)
        .where(Kpi.active.is_(True), KpiTarget.period_start <= end, KpiTarget.period_end >= start)
    )
    found = db.session.execute(query).all()
    task_ids = {task_id for *_rest, task_id in found if task_id is not None}
    coordinating: dict[int, str] = {}
    if task_ids:
        for task in tasks_by_ids(task_ids):
            coordinating[task.id] = "; ".join(unit.name for unit in task.coordinating_units)
    rows = []
    for target, kpi, unit, directive_number, task_id in found:
        kind = unit.kind if unit is not None else target.unit_kind or "other"
        lead = unit.name if unit is not None else UNIT_KIND_GROUP_LABELS.get(kind, kind)
        value, number_format = _value_format(kpi, target.target_value)
        period = Period.containing(target.period_kind, target.period_start)
        note = period.label + (f"; giao tại Văn bản số {directive_number}" if directive_number else "")
        rows.append(TargetRow(kind, kpi.code, kpi.name, lead, coordinating.get(task_id, "") if task_id else "",
                              MEASURE_UNITS.get(kpi.measure, ""), value, number_format, note))
    kind_order = {kind: index for index, kind in enumerate(UNIT_KINDS)}
    rows.sort(key=lambda row: (kind_order.get(row.kind, len(kind_order)), row.kpi_code,
                               row.lead != UNIT_KIND_GROUP_LABELS.get(row.kind), row.lead, row.note))
    return rows


def write_targets_appendix(target: IO[bytes], year: int, identity: Identity, today: dt.date) -> int:
    """The appendix of the targets of `year`; returns the number of target rows."""
    rows = target_rows(year)
    title = f"Chỉ tiêu giao các cơ quan, đơn vị, địa phương năm {year}"
    attached = (f"(Kèm theo Quyết định số        /QĐ-{identity.committee_symbol} ngày      /      /{year} của "
                f"{identity.issuing_body_short})")
    with Appendix(target, title=f"Phụ lục {title.lower()}", author=identity.issuing_body) as book:
        block = TitleBlock(identity.issuing_body, f"Phụ lục: {title}", attached, f"Năm {year}", today)
        sheet = book.sheet(f"Giao chỉ tiêu {year}", block, COLUMNS, number_header="Số TT")
        number, current = 0, None
        for row in rows:
            if row.kind != current:
                number, current = number + 1, row.kind
                sheet.group(UNIT_KIND_GROUP_LABELS.get(row.kind, row.kind), number)
            sheet.append([row.kpi_name, row.lead, row.coordinating, row.measure_unit, row.value, row.note],
                         kinds={5: number_kind(row.number_format)})
        if not rows:
            sheet.note(f"Chưa có chỉ tiêu nào được giao cho năm {year}.")
        sheet.finish()
    return len(rows)

