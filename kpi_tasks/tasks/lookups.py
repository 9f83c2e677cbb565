"""Facts of tasks asked for by the packages above tasks, which never read tasks' tables themselves
(tests/test_layers.py): of given tasks by id (or by title) their titles, leaders, committees, the ones a user may
open; how many tasks there are, by status; and the loader options that bring a task's lead unit and directive with
a row that points at a task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from kpi_tasks.accounts.models import User
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.sql import in_ids
from kpi_tasks.tasks.models import STATE_DONE, STATE_WITHDRAWN, Task, TaskOccurrence
from kpi_tasks.tasks.queries import task_visibility_clause, tracked_task_clause
from kpi_tasks.tasks.status import STATUSES, counts_columns


def task_titles(task_ids: Collection[int]) -> dict[int, str]:
    """Each task's title, by id."""
    return dict(db.session.execute(sa.select(Task.id, Task.title).where(Task.id.in_(task_ids))).all())


def task_leaders(task_ids: Collection[int]) -> dict[int, int | None]:
    """The leader who follows each task (None: no leader named), by id."""
    if not task_ids:
        return {}
    query = sa.select(Task.id, Task.leader_id).where(in_ids(Task.id, sorted(task_ids)))
    return dict(db.session.execute(query).all())


def task_committees(task_ids: list[int]) -> dict[int, int | None]:
    """The committee each task belongs to (None: the root's), by id."""
    return dict(db.session.execute(sa.select(Task.id, Task.committee_id).where(in_ids(Task.id, task_ids))).all())


def tasks_by_ids(task_ids: Collection[int]) -> list[Task]:
    return list(db.session.scalars(sa.select(Task).where(Task.id.in_(task_ids))))


def visible_tasks(task_ids: list[int], user: User) -> dict[int, Task]:
    """The tasks among `task_ids` that `user` may open (tracked ones only), by id, with their directive, in one
    query."""
    if not task_ids:
        return {}
    query = (
        sa.select(Task)
        .join(Directive, Directive.id == Task.directive_id)
        .options(contains_eager(Task.directive))
        .where(Task.id.in_(task_ids), Directive.confidential.is_(False), task_visibility_clause(user))
    )
    return {task.id: task for task in db.session.scalars(query)}


def first_task_titled(title: str, lead_unit_id: int | None = None) -> Task | None:
    """The oldest task of that title (led by that unit, when given): how seed data finds what it made."""
    query = sa.select(Task).where(Task.title == title)
    if lead_unit_id is not None:
        query = query.where(Task.lead_unit_id == lead_unit_id)
    return db.session.scalar(query.order_by(Task.id).limit(1))


def occurrences_due_before(task_id: int, day: dt.date) -> list[TaskOccurrence]:
    """A recurring task's periods whose effective deadline is before `day`, by due date."""
    return list(db.session.scalars(
        sa.select(TaskOccurrence).where(TaskOccurrence.task_id == task_id, TaskOccurrence.effective_deadline < day)
        .order_by(TaskOccurrence.due_on)))


def directive_task_ids(directive_id: int) -> sa.Select:
    """A select of the ids of a directive's tasks (to use inside another statement)."""
    return sa.select(Task.id).where(Task.directive_id == directive_id)


def closed_task_ids() -> sa.Select:
    """A select of the ids of the tasks done or withdrawn (to use inside another statement)."""
    return sa.select(Task.id).where(Task.state.in_((STATE_DONE, STATE_WITHDRAWN)))


def date_directive_tasks(directive_id: int, entered: dt.datetime, acknowledged: bool) -> None:
    """Say a directive's tasks were entered and given at `entered`, acknowledged then too when `acknowledged`
    (seed data dated in the past)."""
    db.session.execute(sa.update(Task).where(Task.directive_id == directive_id).values(
        created_at=entered, given_at=entered, acknowledged_at=entered if acknowledged else None),
        execution_options={"synchronize_session": False})


def task_loads(task: Any, *, directive: bool = False) -> tuple[LoaderOption, ...]:
    """Loader options that bring, with rows whose relationship `task` (e.g. `Notification.task`) points at a task,
    that task and its lead unit (and its directive, when asked) in the same query."""
    loads = [joinedload(task).joinedload(Task.lead_unit)]
    if directive:
        loads.append(joinedload(task).joinedload(Task.directive))
    return tuple(loads)


def tracked_status_counts(today: dt.date) -> dict[str, int]:
    """How many tracked tasks have each status today (status is derived, so this is the recomputation)."""
    # On the task rows alone (no join on directives): one pass over an index that holds the status columns.
    row = db.session.execute(sa.select(*counts_columns(today)).select_from(Task).where(tracked_task_clause())).one()
    return {code: int(row._mapping[code] or 0) for code in STATUSES}


def task_count() -> int:
    """How many tasks there are, of every directive and state."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task)) or 0
