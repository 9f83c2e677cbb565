"""What the API reads and answers about tasks, their periods and extensions: one model each (api/schema.py).

Each model validates the request or shapes the answer, and is the schema of the same name in the document.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import Field, RootModel

from kpi_tasks.api.schema import (
    Body,
    Day,
    Flag,
    Instant,
    Int,
    IntList,
    Out,
    PageQuery,
    QueryFlag,
    RequiredDay,
    RequiredInt,
    RequiredText,
    Text,
    documented_enum,
    one_of,
)
from kpi_tasks.attachments.schemas import Attachment
from kpi_tasks.tasks.models import EXTENSION_STATUSES
from kpi_tasks.tasks.queries import FILTER_ROLES
from kpi_tasks.tasks.services import DEADLINE_KINDS
from kpi_tasks.tasks.status import STATUSES
from kpi_tasks.units.models import UNIT_KINDS

Status = one_of(*STATUSES)
StatusOut = documented_enum(*STATUSES)

# -- input -------------------------------------------------------------------------------------------------------


class TaskFields(Body):
    title: RequiredText
    content: Text = None
    section: Text = None
    coordinating_unit_ids: IntList = Field(default_factory=list)
    deadline_kind: Annotated[one_of(*DEADLINE_KINDS), Field(
        description="required as none for a task without any deadline field (a standing task)")] = None
    deadline: Day = None
    deadline_working_days: Int = None
    deadline_period: Annotated[Text, Field(description="end of a period: 2024, 2024-Q1 or 2024-03")] = None
    recurrence: Text = None
    leader_id: Int = None
    kpi_target_ids: IntList = Field(default_factory=list)

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments (kpi_target_ids are linked apart)."""
        return self.model_dump(exclude={"kpi_target_ids", "lead_unit_kind", "version"})


class TaskInput(TaskFields):
    lead_unit_id: RequiredInt


class NewTaskInput(TaskFields):
    """POST /directives/{id}/tasks: one lead unit, or `lead_unit_kind` for one task per unit of that kind."""

    lead_unit_id: Int = None
    lead_unit_kind: Annotated[one_of(*UNIT_KINDS), Field(
        description="instead of lead_unit_id: one task per unit of this kind")] = None

    @classmethod
    def problems(cls, data: dict[str, Any]) -> dict[str, str]:
        given = {name for name in ("lead_unit_id", "lead_unit_kind", "kpi_target_ids") if data.get(name) not in
                 (None, "", [])}
        if "lead_unit_kind" not in given:
            return {} if "lead_unit_id" in given else {"lead_unit_id": "Trường này là bắt buộc."}
        problems = {}
        if "lead_unit_id" in given:
            problems["lead_unit_kind"] = (
                "Gửi lead_unit_id (một đơn vị) hoặc lead_unit_kind (cả nhóm), không gửi cả hai.")
        if "kpi_target_ids" in given:
            # A target belongs to one task; a group's tasks are linked one by one afterwards.
            problems["kpi_target_ids"] = (
                "Chỉ tiêu được gắn với từng nhiệm vụ, không gắn khi giao cho cả nhóm đơn vị.")
        return problems


class TaskPatch(TaskInput):
    version: RequiredInt


class CorrectionInput(Body):
    note: Text = None
    version: Int = None


class ReassignInput(CorrectionInput):
    lead_unit_id: RequiredInt


class ReportInput(Body):
    """A progress report, on a task or one of its periods."""

    progress_percent: Annotated[Int, Field(json_schema_extra={"minimum": 0, "maximum": 100})] = None
    note: Text = None
    report_completed: Flag = False
    completed_on: Day = None
    version: Int = None


class ReviewInput(Body):
    decision: one_of("approve", "return", required=True)
    note: Text = None
    version: Int = None


class DirectionInput(Body):
    text: RequiredText
    given_by_id: Annotated[Int, Field(
        description="office, admin: the leader whose direction this records; a leader's direction is their own")] = None


class ExtensionRequestInput(Body):
    new_deadline: RequiredDay
    reason: RequiredText
    occurrence_id: Int = None


class ExtensionDecisionInput(Body):
    decision: one_of("approve", "reject", required=True)
    note: Text = None
    new_deadline: Annotated[Day, Field(description="approve with this date instead of the one asked for")] = None


class TaskFilterQuery(Body):
    """GET /tasks's filters (tasks.queries.read_task_filters)."""

    status: Status = None
    unit_id: Int = None
    role: one_of(*FILTER_ROLES) = None
    due_soon: QueryFlag = False
    q: Annotated[Text, Field(description="accent-insensitive text search")] = None
    deadline_from: Day = None
    deadline_to: Day = None
    directive_id: Int = None
    mine: Annotated[QueryFlag, Field(
        description="1: tasks the user is the leader in charge of or follows")] = False


class TaskQuery(TaskFilterQuery, PageQuery):
    pass


class StatsQuery(Body):
    date_from: Day = Field(None, alias="from")
    date_to: Day = Field(None, alias="to")
    unit_id: Int = None


class ExtensionQuery(PageQuery):
    status: one_of(*EXTENSION_STATUSES) = None


# -- output ------------------------------------------------------------------------------------------------------


class Task(Out):
    id: int
    directive_id: int
    title: str
    content: str
    section: str | None
    lead_unit_id: int
    coordinating_unit_ids: list[int]
    assignee_ids: list[int]
    leader_id: int | None
    deadline_kind: str
    deadline: dt.date | None
    deadline_working_days: int | None
    deadline_period: str | None
    recurrence: str | None
    group_id: int | None
    effective_deadline: dt.date | None
    status: StatusOut
    due_soon: bool
    progress_percent: int
    completion_reported_on: dt.date | None
    completed_on: dt.date | None
    review_note: str | None
    acknowledged_at: Instant | None
    acknowledged_by_id: int | None
    parent_task_id: int | None = Field(description="the task received from above that this one breaks down")
    committee_id: int | None = Field(
        description="the commune committee (unit) whose own task this is; null: the root committee's")
    version: int


class HistoryEvent(Out):
    at: Instant
    actor_id: int | None
    actor: str | None
    action: str
    changes: dict[str, Any]
    note: str | None


class ProgressUpdate(Out):
    id: int
    task_id: int
    occurrence_id: int | None
    unit_id: int
    author_id: int
    progress_percent: int | None
    note: str
    report_completed: bool
    completed_on: dt.date | None
    created_at: Instant


class Direction(Out):
    id: int
    task_id: int
    text: str
    given_by_id: int = Field(description="whose direction it is (a leader, or the office's own)")
    given_by: str
    author_id: int = Field(description="who recorded it")
    author: str
    created_at: Instant


class SubtaskSummary(Out):
    """The breakdown of a task by the committee that received it, by status (withdrawn left out)."""

    total: int
    in_progress: int
    overdue: int
    awaiting_review: int
    done_on_time: int
    done_late: int
    ongoing: int


class TaskDetail(Task):
    history: list[HistoryEvent]
    updates: list[ProgressUpdate]
    kpi_target_ids: list[int]
    directions: list[Direction] = Field(description="Ý kiến chỉ đạo, newest first")
    subtasks: SubtaskSummary


class TaskGroupCreated(Out):
    group_id: int
    lead_unit_kind: str
    items: list[TaskDetail]
    total: int


class TaskCreated(RootModel[TaskDetail | TaskGroupCreated]):
    """One task, or a group of tasks when lead_unit_kind was given."""


class TaskPage(Out):
    items: list[Task]
    total: int
    page: int
    per_page: int


class UnacknowledgedTask(Task):
    given_at: Instant | None


class UnacknowledgedPage(TaskPage):
    items: list[UnacknowledgedTask]


class UpdateWithTask(ProgressUpdate):
    task: TaskDetail


class DirectiveWithdrawn(Out):
    directive_id: int
    withdrawn_task_ids: list[int]


class UnitStats(Out):
    unit_id: int
    unit_code: str
    unit_name: str
    assigned: int
    in_progress: int
    overdue: int
    awaiting_review: int
    done_on_time: int
    done_late: int
    ongoing: int
    on_time_rate: float | None
    extended: int


class UnitStatsList(Out):
    items: list[UnitStats]


class ExtensionRequest(Out):
    id: int
    task_id: int
    occurrence_id: int | None
    unit_id: int
    requested_by_id: int
    previous_deadline: dt.date | None
    new_deadline: dt.date
    granted_deadline: dt.date | None
    reason: str
    status: documented_enum(*EXTENSION_STATUSES)
    decided_by_id: int | None
    decided_at: Instant | None
    decision_note: str | None
    created_at: Instant


class ExtensionRequests(Out):
    items: list[ExtensionRequest]


class ExtensionRequestPage(TaskPage):
    items: list[ExtensionRequest]


class ExtensionDecided(ExtensionRequest):
    task: TaskDetail


class Occurrence(Out):
    id: int
    task_id: int
    period_start: dt.date | None
    due_on: dt.date
    effective_deadline: dt.date
    status: StatusOut
    due_soon: bool
    progress_percent: int
    completion_reported_on: dt.date | None
    completed_on: dt.date | None
    review_note: str | None
    version: int


class OccurrenceDetail(Occurrence):
    updates: list[ProgressUpdate]


class OccurrencePage(TaskPage):
    items: list[Occurrence]


class UpdateWithOccurrence(ProgressUpdate):
    occurrence: OccurrenceDetail


# -- a task's thread, following it, one's calendar feed (thread_api.py, calendar_api.py) ----------------------


class TextInput(Body):
    text: Annotated[RequiredText, Field(json_schema_extra={"minLength": 1})]


class Comment(Out):
    id: int
    task_id: int
    author_id: int
    author: str
    text: str
    created_at: Instant
    edited_at: Instant | None
    editable_until: Instant
    attachments: list[Attachment]


class CommentPage(TaskPage):
    items: list[Comment]


class Following(Out):
    task_id: int
    watching: bool


class CalendarFeed(Out):
    url: str


class CalendarFeedRevoked(Out):
    revoked: bool
