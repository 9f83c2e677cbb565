"""Read-side queries of the deadlines area: occurrences with their status, extension requests, the figures
that statistics add per unit, and due occurrences for reminders. Aggregation stays in SQL."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import task_visibility_clause
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.deadlines.models import (
    EXTENSION_APPROVED,
    EXTENSION_PENDING,
    ExtensionRequest,
    Milestone,
    TaskGroup,
    TaskOccurrence,
)
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_OPEN, STATE_WITHDRAWN, Task
from kpi_tasks.tasks.status import (
    WITHDRAWN,
    StatusColumns,
    counts_columns,
    due_soon_predicate,
    status_expression,
    status_predicate,
)

# An occurrence's status follows its own state and deadline; the task's withdrawal takes it out of statistics.
OCCURRENCE_COLUMNS = StatusColumns(
    state=TaskOccurrence.state,
    deadline=TaskOccurrence.effective_deadline,
    completed_on=TaskOccurrence.completed_on,
    withdrawn=Task.state == STATE_WITHDRAWN,
)


def occurrence_status_expression(today: dt.date) -> ColumnElement[str]:
    """CASE giving each occurrence's status code; the query must join Task."""
    return status_expression(today, OCCURRENCE_COLUMNS)


def occurrence_status_predicate(status: str, today: dt.date) -> ColumnElement[bool]:
    return status_predicate(status, today, OCCURRENCE_COLUMNS)


def occurrence_has_begun(today: dt.date) -> ColumnElement[bool]:
    """Occurrences generated ahead are not yet work: one counts once its period has begun or it was reported."""
    return sa.or_(TaskOccurrence.period_start <= today, TaskOccurrence.state != STATE_OPEN)


def _due_soon_until(today: dt.date, working_days: int) -> dt.date:
    return current_calendar().add_working_days(today, working_days)


def occurrence_rows_query(task: Task, today: dt.date, due_soon_days: int) -> sa.Select:
    """Rows of (TaskOccurrence, status, due_soon) of one task, by due date."""
    soon = due_soon_predicate(today, _due_soon_until(today, due_soon_days), OCCURRENCE_COLUMNS)
    return (
        sa.select(TaskOccurrence, occurrence_status_expression(today).label("status"), soon.label("due_soon"))
        .join(Task, Task.id == TaskOccurrence.task_id)
        .where(TaskOccurrence.task_id == task.id)
        .options(contains_eager(TaskOccurrence.task))
        .order_by(TaskOccurrence.due_on)
    )


def current_occurrence_rows(task: Task, today: dt.date, due_soon_days: int, limit: int = 12) -> list[sa.Row]:
    """What the task page shows: the most recent occurrences that have begun, and the next one, newest first."""
    begun = db.session.execute(
        occurrence_rows_query(task, today, due_soon_days)
        .where(occurrence_has_begun(today))
        .order_by(None)
        .order_by(TaskOccurrence.due_on.desc())
        .limit(limit)
    ).all()
    upcoming = db.session.execute(
        occurrence_rows_query(task, today, due_soon_days).where(sa.not_(occurrence_has_begun(today))).limit(1)
    ).all()
    return upcoming + begun


def returned_occurrences(user: User, unit_id: int, limit: int) -> list[TaskOccurrence]:
    """Reporting periods of the unit's recurring tasks whose report the office sent back, not reported again."""
    return list(db.session.scalars(
        sa.select(TaskOccurrence)
        .join(Task, Task.id == TaskOccurrence.task_id)
        .where(Task.lead_unit_id == unit_id, Task.state == STATE_OPEN, TaskOccurrence.state == STATE_OPEN,
               TaskOccurrence.review_note.is_not(None), task_visibility_clause(user))
        .options(joinedload(TaskOccurrence.task))
        .order_by(TaskOccurrence.effective_deadline, TaskOccurrence.id)
        .limit(limit)
    ))


def occurrence_flags(occurrence: TaskOccurrence, today: dt.date, due_soon_days: int) -> tuple[str, bool]:
    """(status, due_soon) of one occurrence, from the same SQL expressions the lists use."""
    soon = due_soon_predicate(today, _due_soon_until(today, due_soon_days), OCCURRENCE_COLUMNS)
    row = db.session.execute(
        sa.select(occurrence_status_expression(today), soon)
        .join(Task, Task.id == TaskOccurrence.task_id)
        .where(TaskOccurrence.id == occurrence.id)
    ).one()
    return row[0], bool(row[1])


def occurrence_count(task: Task) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(TaskOccurrence).where(TaskOccurrence.task_id == task.id)
    ) or 0


class DueOccurrence(NamedTuple):
    task_id: int
    occurrence_id: int
    effective_deadline: dt.date
    due_on: dt.date
    lead_unit_id: int
    title: str


def open_occurrences_due_between(start: dt.date, end: dt.date) -> list[DueOccurrence]:
    """Open occurrences (not reported done) whose effective deadline is within [start, end], for reminders.

    Occurrences of withdrawn tasks and of confidential directives are left out; ordered by deadline.
    """
    rows = db.session.execute(
        sa.select(
            TaskOccurrence.task_id,
            TaskOccurrence.id,
            TaskOccurrence.effective_deadline,
            TaskOccurrence.due_on,
            Task.lead_unit_id,
            Task.title,
        )
        .join(Task, Task.id == TaskOccurrence.task_id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(
            TaskOccurrence.state == STATE_OPEN,
            Task.state != STATE_WITHDRAWN,
            Task.recurrence.is_not(None),
            Directive.confidential.is_(False),
            TaskOccurrence.effective_deadline.between(start, end),
        )
        .order_by(TaskOccurrence.effective_deadline, TaskOccurrence.task_id, TaskOccurrence.id)
    )
    return [DueOccurrence(*row) for row in rows]


# -- statistics ---------------------------------------------------------------------------------------


def _approved_extension_exists(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return sa.exists().where(ExtensionRequest.status == EXTENSION_APPROVED, *conditions)


def task_extended_clause() -> ColumnElement[bool]:
    """Tasks (themselves, not an occurrence) with at least one approved extension."""
    return _approved_extension_exists(ExtensionRequest.task_id == Task.id, ExtensionRequest.occurrence_id.is_(None))


def occurrence_extended_clause() -> ColumnElement[bool]:
    return _approved_extension_exists(ExtensionRequest.occurrence_id == TaskOccurrence.id)


def extended_count_column(extended: ColumnElement[bool], withdrawn: ColumnElement[bool]) -> ColumnElement[int]:
    """SUM of rows that were extended and still count (not withdrawn), labelled `extended`."""
    flag = sa.case((sa.and_(extended, sa.not_(withdrawn)), 1), else_=0)
    return sa.func.coalesce(sa.func.sum(flag), 0).label("extended")


def occurrence_counts_query(today: dt.date, date_from: dt.date | None, date_to: dt.date | None) -> sa.Select:
    """Per lead unit, the occurrences of recurring tasks by status (same labels as `counts_columns`) and
    how many were extended. Only occurrences that have begun count; the period filter applies to each
    occurrence's effective deadline or completion date, as it does to tasks."""

    def within(column: ColumnElement[dt.date]) -> ColumnElement[bool]:
        conditions = [column.is_not(None)]
        if date_from:
            conditions.append(column >= date_from)
        if date_to:
            conditions.append(column <= date_to)
        return sa.and_(*conditions)

    period = (
        sa.true()
        if date_from is None and date_to is None
        else sa.or_(within(TaskOccurrence.effective_deadline), within(TaskOccurrence.completed_on))
    )
    return (
        sa.select(
            Task.lead_unit_id.label("unit_id"),
            *counts_columns(today, OCCURRENCE_COLUMNS),
            extended_count_column(occurrence_extended_clause(), occurrence_status_predicate(WITHDRAWN, today)),
        )
        .select_from(TaskOccurrence)
        .join(Task, Task.id == TaskOccurrence.task_id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(
            Directive.confidential.is_(False),
            Task.recurrence.is_not(None),
            occurrence_has_begun(today),
            period,
        )
        .group_by(Task.lead_unit_id)
    )


# -- extension requests --------------------------------------------------------------------------------


def extension_requests_query(user: User, status: str | None = None, task_id: int | None = None) -> sa.Select:
    """Extension requests on tasks `user` may see, newest first (pending first when not filtered)."""
    query = (
        sa.select(ExtensionRequest)
        .join(Task, Task.id == ExtensionRequest.task_id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(Directive.confidential.is_(False), task_visibility_clause(user))
        .options(
            contains_eager(ExtensionRequest.task),
            joinedload(ExtensionRequest.unit),
            joinedload(ExtensionRequest.requested_by),
            joinedload(ExtensionRequest.decided_by),
            joinedload(ExtensionRequest.occurrence),
        )
    )
    if status:
        query = query.where(ExtensionRequest.status == status)
    if task_id is not None:
        query = query.where(ExtensionRequest.task_id == task_id)
    return query.order_by(
        (ExtensionRequest.status != EXTENSION_PENDING), ExtensionRequest.created_at.desc(), ExtensionRequest.id.desc()
    )


def task_extension_requests(task: Task) -> list[ExtensionRequest]:
    return list(
        db.session.scalars(
            sa.select(ExtensionRequest)
            .where(ExtensionRequest.task_id == task.id)
            .options(joinedload(ExtensionRequest.requested_by), joinedload(ExtensionRequest.decided_by),
                     joinedload(ExtensionRequest.occurrence))
            .order_by(ExtensionRequest.created_at.desc(), ExtensionRequest.id.desc())
        ).unique()
    )


def pending_extension_count(user: User) -> int:
    query = extension_requests_query(user, EXTENSION_PENDING).order_by(None)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0


# -- milestones and groups -------------------------------------------------------------------------------


def task_milestones(task: Task) -> list[Milestone]:
    return list(
        db.session.scalars(
            sa.select(Milestone).where(Milestone.task_id == task.id).order_by(Milestone.position, Milestone.id)
        )
    )


def milestone_progress(task: Task) -> tuple[int, int, int]:
    """(steps done, steps in all, share done in whole percent) of the task's progress table."""
    done, total = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(sa.case((Milestone.done_on.is_not(None), 1), else_=0)), 0),
            sa.func.count(Milestone.id),
        ).where(Milestone.task_id == task.id)
    ).one()
    return int(done), int(total), round(int(done) * 100 / int(total)) if total else 0


def task_group(group_id: int | None) -> TaskGroup | None:
    return db.session.get(TaskGroup, group_id) if group_id else None


def group_size(group_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.group_id == group_id)) or 0
