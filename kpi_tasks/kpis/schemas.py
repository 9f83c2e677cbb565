"""What the API reads and answers about KPIs, their targets, measurements and progress (api/schema.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from kpi_tasks.api.schema import (
    Body,
    Instant,
    Int,
    Out,
    RequiredDay,
    RequiredInt,
    RequiredText,
    Text,
    documented_enum,
    one_of,
    refuse,
    required_value,
)
from kpi_tasks.kpis.models import AGGREGATIONS, DIRECTIONS, FORMULAS, MEASURES, PERIOD_KINDS, SOURCES
from kpi_tasks.kpis.values import MAX_FIGURE
from kpi_tasks.units.models import UNIT_KINDS

PERIOD_PATTERN = r"^\d{4}(-([qQ][1-4]|0[1-9]|1[0-2]))?$"
NULLABLE_NUMBER = {"anyOf": [{"type": "number"}, {"type": "null"}]}
# Integers stay integers (a count keeps its exactness, 80 is not answered as 80.0).
Number = int | float


def _number(value: Any) -> Number | None:
    """A JSON number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse("Phải là số.")
    if value != value or abs(value) > MAX_FIGURE:  # NaN, or beyond any reported figure
        raise refuse("Số không hợp lệ hoặc quá lớn.")
    return value


def _period_text(value: Any) -> Any:
    """A year may come as a number."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Figure = Annotated[Number | None, BeforeValidator(_number), WithJsonSchema(NULLABLE_NUMBER)]
Count = Annotated[Number | None, BeforeValidator(_number),
                  WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}]})]
PeriodCode = Annotated[RequiredText, BeforeValidator(_period_text),
                       WithJsonSchema({"type": "string", "pattern": PERIOD_PATTERN})]


class KpiInput(Body):
    code: RequiredText
    name: RequiredText
    measure: Annotated[RequiredText, WithJsonSchema({
        "type": "string", "enum": ["percent", "%", "count", "vnd", "VND"],
        "description": "% and VND are accepted for percent and vnd"})]
    formula: one_of(*FORMULAS, required=True)
    direction: one_of(*DIRECTIONS, required=True)
    numerator_label: Text = None
    denominator_label: Text = None
    aggregation: one_of(*AGGREGATIONS) = None
    description: Text = None


class KpiTargetInput(Body):
    unit_id: Int = None
    unit_kind: one_of(*UNIT_KINDS) = None
    period: PeriodCode
    target_value: Annotated[Number, BeforeValidator(required_value(_number)), WithJsonSchema({"type": "number"})]
    directive_id: Int = None
    task_id: Int = None


class KpiMeasurementInput(Body):
    unit_id: RequiredInt
    period_end: RequiredDay
    numerator: Count = None
    denominator: Count = None
    value: Figure = None


class MeasurementQuery(Body):
    unit_id: Int = None


class ProgressQuery(Body):
    period: Annotated[RequiredText, WithJsonSchema({"type": "string", "pattern": PERIOD_PATTERN}),
                      Field(description="2023, 2023-Q1 or 2023-03")]


class Kpi(Out):
    id: int
    code: str
    name: str
    measure: documented_enum(*MEASURES)
    formula: documented_enum(*FORMULAS)
    numerator_label: str | None
    denominator_label: str | None
    direction: documented_enum(*DIRECTIONS)
    aggregation: documented_enum(*AGGREGATIONS)
    description: str
    active: bool


class KpiPage(Out):
    items: list[Kpi]
    total: int
    page: int
    per_page: int


class KpiTarget(Out):
    id: int
    kpi_id: int
    unit_id: int | None
    unit_kind: str | None
    period: str
    period_kind: documented_enum(*PERIOD_KINDS)
    period_start: dt.date
    period_end: dt.date
    target_value: Number
    directive_id: int | None
    task_id: int | None


class KpiTargets(Out):
    items: list[KpiTarget]


class KpiMeasurement(Out):
    id: int
    kpi_id: int
    unit_id: int
    period_end: dt.date
    numerator: int | None
    denominator: int | None
    value: Number | None
    source: documented_enum(*SOURCES)
    entered_by_id: int | None
    recorded_at: Instant


class KpiMeasurements(Out):
    items: list[KpiMeasurement]


class ProgressItem(Out):
    rank: int
    unit_id: int
    unit_code: str
    unit_name: str
    numerator: int | None
    denominator: int | None
    value: Number | None
    target_value: Number | None
    target_id: int | None
    actual_value: Number | None
    met: bool | None
    as_of: dt.date | None
    previous_actual_value: Number | None
    change: Number | None


class ProgressTotal(Out):
    numerator: int | None = None
    denominator: int | None = None
    value: Number | None = None
    actual_value: Number | None = None
    as_of: dt.date | None = None
    previous_actual_value: Number | None = None
    change: Number | None = None
    units_reporting: int = 0
    units_with_target: int = 0
    units_met: int = 0


class KpiProgress(Out):
    kpi_id: int
    period: str
    period_start: dt.date
    period_end: dt.date
    previous_period: str
    items: list[ProgressItem]
    total: ProgressTotal
