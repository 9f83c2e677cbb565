"""What the API reads and answers about a task's progress table (api/schema.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from kpi_tasks.api.schema import Body, Day, Int, Out, RequiredInt, RequiredText, Text


class MilestoneInput(Body):
    step: RequiredText
    due_on: Day = None
    done_on: Day = None
    note: Text = None
    position: Annotated[Int, Field(json_schema_extra={"minimum": 1, "maximum": 1000})] = None


class MilestonePatch(MilestoneInput):
    version: RequiredInt


class Milestone(Out):
    id: int
    task_id: int
    position: int
    step: str
    due_on: dt.date | None
    done_on: dt.date | None
    note: str
    version: int


class Milestones(Out):
    items: list[Milestone]
    done: int
    total: int
    percent_done: int
