"""What the API's exports read (api/schema.py); they answer files, or 202 when a job makes them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, WithJsonSchema, model_validator

from kpi_tasks.api.schema import Body, Day, RequiredText, refuse
from kpi_tasks.tasks.schemas import TaskFilterQuery


class PeriodQuery(Body):
    date_from: Annotated[Day, Field(
        alias="from", description="with to: rows the statistics count for the period (deadline or completion within)"
    )] = None
    date_to: Annotated[Day, Field(alias="to")] = None

    @model_validator(mode="after")
    def _in_order(self) -> PeriodQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise refuse("Ngày bắt đầu kỳ phải trước ngày kết thúc.", "from")
        return self


class TaskListQuery(TaskFilterQuery, PeriodQuery):
    """GET /tasks's filters (no page: the export holds every row), the period, the completion dates."""

    completed_from: Day = None
    completed_to: Day = None


class MonthQuery(Body):
    month: Annotated[RequiredText, WithJsonSchema({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}),
                     Field(description="YYYY-MM")]
