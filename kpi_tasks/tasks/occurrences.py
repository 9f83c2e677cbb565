"""Recurring tasks: occurrences generated from the rule, reported by the unit, confirmed by the office.

A recurring task stores its rule as a code (`Task.recurrence`, see calendar/recurrence.py) and has no
single deadline of its own (`Task.deadline` is None). Its `effective_deadline` follows the earliest
occurrence still open, so lists, filters and the due-soon flag show the report that is due next without
a join; `refresh_task_deadline` keeps it so after every change to the occurrences.

This module does not import `tasks.services` (which calls it when a task is created or edited).
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from kpi_tasks.calendar.recurrence import DEFAULT_MEETING_DAY, RecurrenceRule, occurrence_dates, rule_from_code
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.calendar.workdays import WorkingCalendar
from kpi_tasks.clock import today, utcnow
from kpi_tasks.errors import NotFound
from kpi_tasks.extensions import db
from kpi_tasks.tasks.counts import KEPT, recount_tasks
from kpi_tasks.tasks.models import (
    STATE_OPEN,
    STATE_WITHDRAWN,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskOccurrence,
)

DEFAULT_HORIZON_DAYS = 92


def task_rule(task: Task) -> RecurrenceRule | None:
    return rule_from_code(task.recurrence) if task.recurrence else None


def meeting_day() -> int:
    """Day of month of the Committee's regular meeting (setting KPI_TASKS_MEETING_DAY)."""
    return int(current_app.config.get("MEETING_DAY", DEFAULT_MEETING_DAY))


def generation_horizon(on: dt.date | None = None) -> dt.date:
    """How far ahead occurrences are generated: `on` (default today) + KPI_TASKS_OCCURRENCE_HORIZON_DAYS."""
    days = int(current_app.config.get("OCCURRENCE_HORIZON_DAYS", DEFAULT_HORIZON_DAYS))
    return (on or today()) + dt.timedelta(days=days)


def series_start(task: Task) -> dt.date:
    """The series counts from the directive's issue date, so `count` and period starts never move."""
    return task.directive.issued_on


def planned_dates(
    task: Task, until: dt.date, *, meeting: int | None = None, calendar: WorkingCalendar | None = None
) -> list[dt.date]:
    """The rule's due dates from the series start to `until` (and the rule's own until/count)."""
    rule = task_rule(task)
    if rule is None:
        return []
    meeting = meeting if meeting is not None else meeting_day()
    return occurrence_dates(rule, series_start(task), until, calendar or current_calendar(), meeting)


def generate_occurrences(
    task: Task, until: dt.date, *, meeting: int | None = None, calendar: WorkingCalendar | None = None
) -> list[TaskOccurrence]:
    """Create the occurrences due up to `until` that do not exist yet; returns only the new ones.

    Idempotent: the key is (task, due date), checked first and enforced by a unique constraint with
    INSERT … ON CONFLICT DO NOTHING, so a second run, or two runs at once, create nothing twice.
    A withdrawn task gets no new occurrences.
    """
    if task.recurrence is None or task.state == STATE_WITHDRAWN:
        return []
    dates = planned_dates(task, until, meeting=meeting, calendar=calendar)
    existing = set(db.session.scalars(sa.select(TaskOccurrence.due_on).where(TaskOccurrence.task_id == task.id)))
    start = series_start(task)
    stamp = utcnow()
    rows = []
    for index, due_on in enumerate(dates):
        if due_on in existing:
            continue
        period_start = dates[index - 1] + dt.timedelta(days=1) if index else start
        rows.append({
            "task_id": task.id, "period_start": period_start, "due_on": due_on, "effective_deadline": due_on,
            "state": STATE_OPEN, "progress_percent": 0, "created_at": stamp, "updated_at": stamp, "version": 1,
        })
    if not rows:
        return []
    new_ids = _insert_ignoring_duplicates(rows)
    recount_tasks(db.session, [task.id])
    created = list(
        db.session.scalars(
            sa.select(TaskOccurrence).where(TaskOccurrence.id.in_(new_ids)).order_by(TaskOccurrence.due_on)
        )
    )
    refresh_task_deadline(task)
    return created


def _insert_ignoring_duplicates(rows: list[dict]) -> list[int]:
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # other databases: the existence check above, and the unique constraint as the last guard
        return list(db.session.scalars(sa.insert(TaskOccurrence).returning(TaskOccurrence.id), rows,
                                       execution_options={KEPT: True}))
    statement = (
        insert(TaskOccurrence)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["task_id", "due_on"])
        .returning(TaskOccurrence.id)
    )
    return list(db.session.scalars(statement, execution_options={KEPT: True}))


def generate_all_occurrences(until: dt.date) -> int:
    """Generate ahead for every open recurring task (for a scheduled job); returns how many were created."""
    tasks = db.session.scalars(
        sa.select(Task).where(Task.recurrence.is_not(None), Task.state != STATE_WITHDRAWN).order_by(Task.id)
    )
    return sum(len(generate_occurrences(task, until)) for task in tasks)


def sync_occurrences(task: Task, until: dt.date) -> None:
    """After the rule changed (or was removed): drop the untouched occurrences the new rule no longer
    gives, then generate the missing ones. An occurrence with a report, a decision or an extension
    request is history and stays."""
    existing = list(db.session.scalars(sa.select(TaskOccurrence).where(TaskOccurrence.task_id == task.id)))
    if existing:
        last = max(until, *(occurrence.due_on for occurrence in existing))
        wanted = set(planned_dates(task, last)) if task.recurrence else set()
        touched = _touched_occurrence_ids([occurrence.id for occurrence in existing])
        for occurrence in existing:
            untouched = occurrence.state == STATE_OPEN and occurrence.id not in touched
            if occurrence.due_on not in wanted and untouched:
                db.session.delete(occurrence)
        db.session.flush()
    if task.recurrence:
        generate_occurrences(task, until)
    refresh_task_deadline(task)


def _touched_occurrence_ids(ids: list[int]) -> set[int]:
    updates = sa.select(ProgressUpdate.occurrence_id).where(ProgressUpdate.occurrence_id.in_(ids))
    requests = sa.select(ExtensionRequest.occurrence_id).where(ExtensionRequest.occurrence_id.in_(ids))
    return set(db.session.scalars(updates.union(requests)))


def refresh_task_deadline(task: Task) -> None:
    """A recurring task's effective deadline = the earliest deadline among its open occurrences (None if
    none is open, which shows the task as standing, "thường xuyên")."""
    if task.recurrence is None:
        return
    db.session.flush()
    earliest = db.session.scalar(
        sa.select(sa.func.min(TaskOccurrence.effective_deadline)).where(
            TaskOccurrence.task_id == task.id, TaskOccurrence.state == STATE_OPEN
        )
    )
    if task.effective_deadline != earliest:
        task.effective_deadline = earliest
        db.session.flush()


def get_occurrence_or_404(task: Task, occurrence_id: int) -> TaskOccurrence:
    """An occurrence of `task` (already loaded with the visibility check); another task's is missing."""
    occurrence = db.session.get(TaskOccurrence, occurrence_id)
    if occurrence is None or occurrence.task_id != task.id:
        raise NotFound("Không tìm thấy kỳ báo cáo của nhiệm vụ này.")
    return occurrence
