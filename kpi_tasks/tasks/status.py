"""Task status as SQL expressions (DESIGN.md §4), built once and reused by lists, counts and exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.tasks.models import (
    STATE_AWAITING_REVIEW,
    STATE_DONE,
    STATE_OPEN,
    STATE_WITHDRAWN,
    Task,
)

IN_PROGRESS = "in_progress"
OVERDUE = "overdue"
AWAITING_REVIEW = "awaiting_review"
DONE_ON_TIME = "done_on_time"
DONE_LATE = "done_late"
ONGOING = "ongoing"
WITHDRAWN = "withdrawn"

STATUS_LABELS = {
    IN_PROGRESS: "Đang thực hiện trong hạn",
    OVERDUE: "Đang thực hiện quá hạn",
    AWAITING_REVIEW: "Chờ xác nhận hoàn thành",
    DONE_ON_TIME: "Hoàn thành đúng hạn",
    DONE_LATE: "Hoàn thành quá hạn",
    ONGOING: "Thường xuyên",
    WITHDRAWN: "Thu hồi / không theo dõi",
}
STATUSES = tuple(STATUS_LABELS)
# Order used when counting per unit: the worst first.
STATUS_CSS = {
    IN_PROGRESS: "primary",
    OVERDUE: "danger",
    AWAITING_REVIEW: "warning",
    DONE_ON_TIME: "success",
    DONE_LATE: "secondary",
    ONGOING: "info",
    WITHDRAWN: "light",
}


@dataclass(frozen=True)
class StatusColumns:
    """The stored columns a status is derived from: a task's, or a recurring task's occurrence's.

    `withdrawn` is an extra condition that puts a row out of statistics (an occurrence of a withdrawn task);
    the other statuses then exclude it, so that the predicates stay mutually exclusive.
    """

    state: ColumnElement[str]
    deadline: ColumnElement[dt.date]
    completed_on: ColumnElement[dt.date]
    withdrawn: ColumnElement[bool] | None = None


TASK_COLUMNS = StatusColumns(Task.state, Task.effective_deadline, Task.completed_on)


def status_predicate(status: str, today: dt.date, columns: StatusColumns = TASK_COLUMNS) -> ColumnElement[bool]:
    """The condition on stored columns under which a task has `status` on `today`.

    Written on plain columns (not on the CASE below) so that filters can use the indexes.
    """
    # Only the condition asked for is built: a page builds dozens of these, and each is a tree of SQL objects.
    condition = _CONDITIONS[status](columns, today)
    if columns.withdrawn is None:
        return condition
    if status == WITHDRAWN:
        return sa.or_(condition, columns.withdrawn)
    return sa.and_(condition, sa.not_(columns.withdrawn))


_CONDITIONS: dict[str, Callable[[StatusColumns, dt.date], ColumnElement[bool]]] = {
    WITHDRAWN: lambda c, today: c.state == STATE_WITHDRAWN,
    AWAITING_REVIEW: lambda c, today: c.state == STATE_AWAITING_REVIEW,
    DONE_ON_TIME: lambda c, today: sa.and_(c.state == STATE_DONE,
                                           sa.or_(c.deadline.is_(None), c.completed_on <= c.deadline)),
    DONE_LATE: lambda c, today: sa.and_(c.state == STATE_DONE, c.deadline.is_not(None), c.completed_on > c.deadline),
    ONGOING: lambda c, today: sa.and_(c.state == STATE_OPEN, c.deadline.is_(None)),
    OVERDUE: lambda c, today: sa.and_(c.state == STATE_OPEN, c.deadline < today),
    IN_PROGRESS: lambda c, today: sa.and_(c.state == STATE_OPEN, c.deadline >= today),
}


def status_expression(today: dt.date, columns: StatusColumns = TASK_COLUMNS) -> ColumnElement[str]:
    """CASE expression giving each task's status code on `today`."""
    return sa.case(*[(status_predicate(code, today, columns), code) for code in STATUSES], else_=IN_PROGRESS)


def due_soon_predicate(
    today: dt.date, due_soon_until: dt.date, columns: StatusColumns = TASK_COLUMNS
) -> ColumnElement[bool]:
    """Not completed and the effective deadline falls between today and `due_soon_until` (inclusive)."""
    condition = sa.and_(
        columns.state == STATE_OPEN,
        columns.deadline >= today,
        columns.deadline <= due_soon_until,
    )
    return condition if columns.withdrawn is None else sa.and_(condition, sa.not_(columns.withdrawn))


def counts_columns(today: dt.date, columns: StatusColumns = TASK_COLUMNS) -> list[ColumnElement[int]]:
    """One SUM(CASE) column per status, labelled by status code, for GROUP BY queries."""
    return [
        sa.func.coalesce(sa.func.sum(sa.case((status_predicate(code, today, columns), 1), else_=0)), 0).label(code)
        for code in STATUSES
    ]
