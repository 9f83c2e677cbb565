"""Read-side queries over tasks: lists with filters, per-unit statistics. All aggregation is in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import task_visibility_clause, unit_involvement_clause
from kpi_tasks.calendar.service import current_calendar
from kpi_tasks.deadlines.queries import extended_count_column, occurrence_counts_query, task_extended_clause
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task, task_coordinating_units
from kpi_tasks.tasks.status import (
    DONE_LATE,
    DONE_ON_TIME,
    OVERDUE,
    STATUSES,
    WITHDRAWN,
    counts_columns,
    due_soon_predicate,
    status_expression,
    status_predicate,
)
from kpi_tasks.text import fold
from kpi_tasks.units.models import Unit


@dataclass
class TaskFilters:
    status: str | None = None
    unit_id: int | None = None
    role: str | None = None  # "lead" or "coordinating", relative to unit_id
    due_soon: bool = False
    q: str | None = None
    deadline_from: dt.date | None = None
    deadline_to: dt.date | None = None
    directive_id: int | None = None
    group_id: int | None = None


def due_soon_until(today: dt.date, working_days: int) -> dt.date:
    """Last day that still counts as "due soon": `working_days` working days after today."""
    return current_calendar().add_working_days(today, working_days)


def task_rows_query(user: User, filters: TaskFilters, today: dt.date, due_soon_days: int) -> sa.Select:
    """Rows of (Task, status, due_soon) visible to `user`, filtered, ordered by deadline."""
    soon = due_soon_predicate(today, due_soon_until(today, due_soon_days))
    query = (
        sa.select(Task, status_expression(today).label("status"), soon.label("due_soon"))
        .join(Directive, Directive.id == Task.directive_id)
        .where(Directive.confidential.is_(False), task_visibility_clause(user))
    )
    if filters.status in STATUSES:
        query = query.where(status_predicate(filters.status, today))
    if filters.unit_id is not None:
        if filters.role == "lead":
            query = query.where(Task.lead_unit_id == filters.unit_id)
        elif filters.role == "coordinating":
            query = query.where(
                sa.exists().where(
                    task_coordinating_units.c.task_id == Task.id,
                    task_coordinating_units.c.unit_id == filters.unit_id,
                )
            )
        else:
            query = query.where(unit_involvement_clause(filters.unit_id))
    if filters.due_soon:
        query = query.where(soon)
    for word in fold(filters.q or "").split():
        query = query.where(Task.search_text.contains(word, autoescape=True))
    if filters.deadline_from:
        query = query.where(Task.effective_deadline >= filters.deadline_from)
    if filters.deadline_to:
        query = query.where(Task.effective_deadline <= filters.deadline_to)
    if filters.directive_id:
        query = query.where(Task.directive_id == filters.directive_id)
    if filters.group_id:
        query = query.where(Task.group_id == filters.group_id)
    return query.options(
        contains_eager(Task.directive),
        joinedload(Task.lead_unit),
        selectinload(Task.coordinating_units),
        selectinload(Task.assignees),
    ).order_by(*_deadline_order(filters))


# Filters whose rows all have a deadline: their lists need no "no deadline last" term, which no index serves.
_DATED_STATUSES = {"overdue", "in_progress", "done_late"}


def _deadline_order(filters: TaskFilters) -> tuple[sa.ColumnElement, ...]:
    """By effective deadline, tasks without one last; the index on the deadline serves it when no row lacks one."""
    if filters.status in _DATED_STATUSES or filters.due_soon or filters.deadline_from or filters.deadline_to:
        return (Task.effective_deadline, Task.id)
    return (Task.effective_deadline.is_(None), Task.effective_deadline, Task.id)


def period_clause(date_from: dt.date | None, date_to: dt.date | None) -> sa.ColumnElement[bool]:
    """Tasks whose effective deadline or completion date falls within [date_from, date_to]."""

    def within(column: sa.ColumnElement[dt.date]) -> sa.ColumnElement[bool]:
        conditions = [column.is_not(None)]
        if date_from:
            conditions.append(column >= date_from)
        if date_to:
            conditions.append(column <= date_to)
        return sa.and_(*conditions)

    if date_from is None and date_to is None:
        return sa.true()
    return sa.or_(within(Task.effective_deadline), within(Task.completed_on))


def unit_stats(
    today: dt.date, date_from: dt.date | None = None, date_to: dt.date | None = None, unit_id: int | None = None
) -> list[dict]:
    """Counts by status per lead unit, every active unit listed, worst first.

    on_time_rate = done on time / (done on time + done late + overdue) × 100: the share of tasks
    already due that were done on time. None when no task is due yet.

    A recurring task counts through its occurrences that have begun (each with its own status), not
    itself. `extended` counts the tasks (and occurrences) with an approved extension.
    """
    task_counts = (
        sa.select(
            Task.lead_unit_id.label("unit_id"),
            *counts_columns(today),
            extended_count_column(task_extended_clause(), status_predicate(WITHDRAWN, today)),
        )
        .join(Directive, Directive.id == Task.directive_id)
        .where(Directive.confidential.is_(False), Task.recurrence.is_(None), period_clause(date_from, date_to))
        .group_by(Task.lead_unit_id)
    )
    both = sa.union_all(task_counts, occurrence_counts_query(today, date_from, date_to)).subquery()
    counts = (
        sa.select(both.c.unit_id, *[sa.func.sum(both.c[key]).label(key) for key in (*STATUSES, "extended")])
        .group_by(both.c.unit_id)
        .subquery()
    )
    query = (
        sa.select(Unit.id, Unit.code, Unit.name, Unit.kind, *[counts.c[code] for code in STATUSES],
                  counts.c.extended)
        .outerjoin(counts, counts.c.unit_id == Unit.id)
        .where(Unit.active.is_(True))
    )
    if unit_id is not None:
        query = query.where(Unit.id == unit_id)
    items = []
    for row in db_rows(query):
        figures = {code: int(row[code] or 0) for code in STATUSES}
        assigned = sum(n for code, n in figures.items() if code != WITHDRAWN)
        due = figures[DONE_ON_TIME] + figures[DONE_LATE] + figures[OVERDUE]
        items.append(
            {
                "unit_id": row["id"],
                "unit_code": row["code"],
                "unit_name": row["name"],
                "unit_kind": row["kind"],
                "assigned": assigned,
                **{code: n for code, n in figures.items() if code != WITHDRAWN},
                "on_time_rate": round(figures[DONE_ON_TIME] * 100 / due, 2) if due else None,
                "extended": int(row["extended"] or 0),
            }
        )
    items.sort(key=lambda item: (-item["overdue"], _rate_key(item), item["unit_name"]))
    return items


def status_totals(stats: list[dict]) -> dict[str, int]:
    keys = ["assigned", *[code for code in STATUSES if code != WITHDRAWN]]
    return {key: sum(item[key] for item in stats) for key in keys}


def _rate_key(item: dict) -> float:
    return 101.0 if item["on_time_rate"] is None else item["on_time_rate"]


def db_rows(query: sa.Select) -> list[dict]:
    return [dict(row._mapping) for row in db.session.execute(query)]


def task_flags(task: Task, today: dt.date, due_soon_days: int) -> tuple[str, bool]:
    """(status, due_soon) of one task, from the same SQL expressions the lists use."""
    soon = due_soon_predicate(today, due_soon_until(today, due_soon_days))
    row = db.session.execute(
        sa.select(status_expression(today), soon).where(Task.id == task.id)
    ).one()
    return row[0], bool(row[1])
