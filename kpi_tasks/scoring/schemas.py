"""What the API reads and answers about the emulation scores (api/schema.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, Field, WithJsonSchema

from kpi_tasks.api.schema import Body, Instant, Int, Out, refuse
from kpi_tasks.scoring.services import MAX_YEAR, MIN_YEAR


def _year(value: int | None) -> int | None:
    if value is not None and not MIN_YEAR <= value <= MAX_YEAR:
        raise refuse(f"Năm phải từ {MIN_YEAR} đến {MAX_YEAR}.")
    return value


class ScoresQuery(Body):
    year: Annotated[Int, AfterValidator(_year),
                    WithJsonSchema({"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}),
                    Field(description="default: the current year")] = None


class UnitScore(Out):
    unit_id: int
    unit_code: str
    unit_name: str
    position: int
    score: float | None
    grade: str | None
    breakdown: dict[str, Any]


class Scores(Out):
    year: int
    source: Annotated[str, WithJsonSchema({"type": "string", "enum": ["published", "draft"]})]
    scoring_id: int | None
    version: int | None
    published_at: Instant | None
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    rule_version: int | None
    items: list[UnitScore]
