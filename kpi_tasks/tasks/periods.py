"""Tasks and their periods (occurrences) within a span of days, asked for by the packages above tasks (reports,
scoring, notifications), which never read tasks' tables themselves (tests/test_layers.py). They pass their periods
as plain dates; what they get back are rows in a stated order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.counts import MONTH, YEAR
from kpi_tasks.tasks.models import (
    EXTENSION_PENDING,
    STATE_DONE,
    STATE_OPEN,
    STATE_WITHDRAWN,
    ExtensionRequest,
    InvolvementCount,
    Task,
    TaskOccurrence,
    task_coordinating_units,
)
from kpi_tasks.tasks.queries import (
    OCCURRENCE_COLUMNS,
    TaskFilters,
    coordinating_unit_names,
    due_soon_until,
    occurrence_has_begun,
    period_clause,
    task_rows_query,
    tracked_task_clause,
    unacknowledged_clause,
)
from kpi_tasks.tasks.status import (
    OVERDUE,
    STATUSES,
    TASK_COLUMNS,
    WITHDRAWN,
    StatusColumns,
    due_soon_predicate,
    status_expression,
    status_predicate,
)
from kpi_tasks.units.models import Unit


def _tracked_with_lead_unit(query: sa.Select) -> sa.Select:
    """`query` on tasks of a directive that is not confidential, joined to their lead unit."""
    tracked = sa.and_(Directive.confidential.is_(False), Directive.id == Task.directive_id)
    return query.join(Directive, tracked).join(Unit, Unit.id == Task.lead_unit_id)


def newly_overdue_tasks(start: dt.date, end: dt.date, today: dt.date) -> list[Any]:
    """(id, title, lead unit's name, effective deadline) of the tracked tasks still open that fell overdue within
    [start, end], by deadline: a task becomes overdue the day after its deadline, and "newly" means that day falls
    in the period (and is not after today)."""
    return list(db.session.execute(
        _tracked_with_lead_unit(sa.select(Task.id, Task.title, Unit.name, Task.effective_deadline))
        .where(
            Task.state == STATE_OPEN,
            Task.effective_deadline < today,
            Task.effective_deadline >= start - dt.timedelta(days=1),
            Task.effective_deadline < end,
        )
        .order_by(Task.effective_deadline, Task.id)
    ).all())


def tasks_completed_late(start: dt.date, end: dt.date) -> list[Any]:
    """(id, title, lead unit's name, effective deadline, completion date) of the tracked tasks completed within
    [start, end] after their effective deadline, by completion date."""
    return list(db.session.execute(
        _tracked_with_lead_unit(
            sa.select(Task.id, Task.title, Unit.name, Task.effective_deadline, Task.completed_on))
        .where(
            Task.state == STATE_DONE,
            Task.completed_on > Task.effective_deadline,
            Task.completed_on >= start,
            Task.completed_on <= end,
        )
        .order_by(Task.completed_on, Task.id)
    ).all())


def unacknowledged_tasks(today: dt.date) -> list[Any]:
    """(id, lead unit id, effective deadline) of the open tracked tasks their lead unit has not acknowledged after
    one working day (tasks.queries.unacknowledged_clause)."""
    return list(db.session.execute(
        sa.select(Task.id, Task.lead_unit_id, Task.effective_deadline).where(unacknowledged_clause(today))
    ).all())


def open_tasks_due_between(start: dt.date, end: dt.date) -> list[Any]:
    """(id, effective deadline, lead unit id, leader id) of the open one-off tasks of tracked directives whose
    effective deadline is within [start, end), by id. Recurring tasks are left out: their periods are due, not
    they (tasks.queries.open_occurrences_due_between)."""
    return list(db.session.execute(
        sa.select(Task.id, Task.effective_deadline, Task.lead_unit_id, Task.leader_id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(
            Directive.confidential.is_(False),
            Task.state == STATE_OPEN,
            Task.recurrence.is_(None),
            Task.effective_deadline >= start,
            Task.effective_deadline < end,
        )
        .order_by(Task.id)
    ).all())


def count_tasks_due_between(start: dt.date, end: dt.date, at_most: int) -> int:
    """How many tasks (of any directive and state) have their effective deadline within [start, end], counting no
    further than `at_most`."""
    due = sa.select(Task.id).where(Task.effective_deadline.between(start, end)).limit(at_most)
    return db.session.scalar(sa.select(sa.func.count()).select_from(due.subquery())) or 0


# -- the rows behind the figures: tasks and begun occurrences, as the statistics count them ---------------------


def _active_lead_unit() -> sa.ColumnElement[bool]:
    return Task.lead_unit_id.in_(sa.select(Unit.id).where(Unit.active.is_(True)))


def _row_columns(columns: StatusColumns, today: dt.date, due_soon_days: int, occurrence: bool) -> list[Any]:
    """The columns of a report row (a task, or one occurrence of a recurring task), in one order for UNION."""
    soon = due_soon_predicate(today, due_soon_until(today, due_soon_days), columns)
    return [
        Task.id.label("task_id"),
        (TaskOccurrence.id if occurrence else sa.cast(sa.null(), sa.Integer)).label("occurrence_id"),
        Task.title.label("title"),
        Task.section.label("section"),
        Directive.number.label("directive_number"),
        Directive.issued_on.label("directive_issued_on"),
        Task.lead_unit_id.label("lead_unit_id"),
        Unit.name.label("lead_unit_name"),
        coordinating_unit_names().label("coordinating_unit_names"),
        (TaskOccurrence.due_on if occurrence else Task.deadline).label("deadline"),
        columns.deadline.label("effective_deadline"),
        (TaskOccurrence.progress_percent if occurrence else Task.progress_percent).label("progress_percent"),
        status_expression(today, columns).label("status"),
        soon.label("due_soon"),
        columns.completed_on.label("completed_on"),
    ]


def listed_rows_query(user: User, filters: TaskFilters, today: dt.date, due_soon_days: int) -> sa.Select:
    """GET /tasks's tasks for `user` (task_rows_query), with the columns of a report row (`counted_rows`)."""
    columns = _row_columns(TASK_COLUMNS, today, due_soon_days, occurrence=False)
    return (task_rows_query(user, filters, today, due_soon_days).with_only_columns(*columns)
            .join(Directive, Directive.id == Task.directive_id).join(Unit, Unit.id == Task.lead_unit_id))


def visible_tasks_query(user: User, filters: TaskFilters, today: dt.date, due_soon_days: int) -> sa.Select:
    """GET /tasks's tasks for `user`, joined to their directive: a `base` for `counted_rows`."""
    return task_rows_query(user, filters, today, due_soon_days).join(Directive, Directive.id == Task.directive_id)


def tracked_tasks_query() -> sa.Select:
    """Non-confidential tasks, for reports made for the whole People's Committee (no user's visibility): a `base`
    for `counted_rows`."""
    return (
        sa.select(Task)
        .join(Directive, Directive.id == Task.directive_id)
        .where(Directive.confidential.is_(False))
    )


@dataclass(frozen=True)
class _Ranges:
    """The statistics' period and a range of completion dates (either end of each open)."""

    period_from: dt.date | None
    period_to: dt.date | None
    completed_from: dt.date | None
    completed_to: dt.date | None


def _narrowed(query: sa.Select, filters: TaskFilters, columns: StatusColumns, today: dt.date, due_soon_days: int,
              ranges: _Ranges) -> sa.Select:
    """Apply the status, date and due-soon filters to `columns` (a task's or an occurrence's)."""
    if filters.status in STATUSES:
        query = query.where(status_predicate(filters.status, today, columns))
    else:  # out of every statistic, so out of the lists behind them
        query = query.where(sa.not_(status_predicate(WITHDRAWN, today, columns)))
    if filters.due_soon:
        query = query.where(due_soon_predicate(today, due_soon_until(today, due_soon_days), columns))
    if filters.deadline_from:
        query = query.where(columns.deadline >= filters.deadline_from)
    if filters.deadline_to:
        query = query.where(columns.deadline <= filters.deadline_to)
    if ranges.completed_from:
        query = query.where(columns.completed_on >= ranges.completed_from)
    if ranges.completed_to:
        query = query.where(columns.completed_on <= ranges.completed_to)
    if filters.status == OVERDUE:
        # An overdue item is open, so not completed (only a confirmation sets the date), and has a deadline: the
        # period rule comes down to the deadline's range, said once more as bounds an index can read, so that a
        # year's first overdue rows are not found after every overdue item of the years before.
        if ranges.period_from:
            query = query.where(columns.deadline >= ranges.period_from)
        if ranges.period_to:
            query = query.where(columns.deadline <= ranges.period_to)
        if ranges.period_from or ranges.period_to:
            # The list's order indexes (ix_tasks_state_undated_last, ix_tasks_undated_last) lead with
            # "(effective_deadline IS NULL)": said in that form (IS NOT NULL is not), the bounds above start the
            # scan at the year's first deadline instead of after every open item of the years before (the
            # dashboard's overdue rows at 1,500,000 tasks: 1,101 index pages read, 20 ms, to 73, 1 ms).
            query = query.where(columns.deadline.is_(None).is_(False))
    return query.where(
        period_clause(ranges.period_from, ranges.period_to, columns),
        _active_lead_unit(),
    )


def counted_rows(base: sa.Select, filters: TaskFilters, today: dt.date, due_soon_days: int, *,
                 period_from: dt.date | None = None, period_to: dt.date | None = None,
                 completed_from: dt.date | None = None, completed_to: dt.date | None = None,
                 limit: int | None = None) -> sa.Select:
    """What the statistics count, as rows: tasks that do not recur, and the begun occurrences of recurring
    tasks (unit_stats counts a recurring task through them), narrowed by `filters`, the statistics' period rule
    over [period_from, period_to] (tasks.queries.period_clause) and a range of completion dates.

    `base` is a select of Task joined to Directive carrying the visibility and the unit/text/directive
    filters (`visible_tasks_query`, `tracked_tasks_query`); status, dates and due-soon are applied here to each
    row's own columns. With `limit`, the first rows only: each part stops at them in list order (read from an
    index), so that a year's overdue list on a dashboard does not build every row of the year to keep fifteen.
    """
    ranges = _Ranges(period_from, period_to, completed_from, completed_to)
    base = base.order_by(None)
    tasks = _narrowed(
        base.with_only_columns(*_row_columns(TASK_COLUMNS, today, due_soon_days, occurrence=False))
        .join(Unit, Unit.id == Task.lead_unit_id)
        .where(Task.recurrence.is_(None)),
        filters, TASK_COLUMNS, today, due_soon_days, ranges,
    )
    occurrences = _narrowed(
        base.with_only_columns(*_row_columns(OCCURRENCE_COLUMNS, today, due_soon_days, occurrence=True))
        .join(TaskOccurrence, TaskOccurrence.task_id == Task.id)
        .join(Unit, Unit.id == Task.lead_unit_id)
        .where(Task.recurrence.is_not(None), occurrence_has_begun(today)),
        filters, OCCURRENCE_COLUMNS, today, due_soon_days, ranges,
    )
    if limit is not None:
        tasks = sa.select(_first_rows(tasks, TASK_COLUMNS, Task.id, limit))
        occurrences = sa.select(_first_rows(occurrences, OCCURRENCE_COLUMNS, TaskOccurrence.id, limit))
    rows = sa.union_all(tasks, occurrences).subquery("report_rows")
    query = sa.select(rows).order_by(rows.c.effective_deadline.is_(None), rows.c.effective_deadline,
                                     rows.c.task_id, rows.c.occurrence_id)
    return query if limit is None else query.limit(limit)


def _first_rows(part: sa.Select, columns: StatusColumns, last_key: Any, limit: int) -> sa.Subquery:
    """The first `limit` rows of one part of `counted_rows`, in the list's order."""
    return part.order_by(columns.deadline.is_(None), columns.deadline, Task.id, last_key).limit(limit).subquery()


def extension_requests_made_or_pending(start: dt.datetime, end: dt.datetime) -> list[Any]:
    """Extension requests on tracked tasks made within [start, end), and those still awaiting a decision, oldest
    first: (title, unit_name, previous_deadline, new_deadline, reason, status, created_at, task_id)."""
    query = (
        sa.select(
            Task.title.label("title"), Unit.name.label("unit_name"), ExtensionRequest.previous_deadline,
            ExtensionRequest.new_deadline, ExtensionRequest.reason, ExtensionRequest.status,
            ExtensionRequest.created_at, ExtensionRequest.task_id,
        )
        .join(Task, Task.id == ExtensionRequest.task_id)
        .join(Directive, Directive.id == Task.directive_id)
        .join(Unit, Unit.id == ExtensionRequest.unit_id)
        .where(
            Directive.confidential.is_(False),
            sa.or_(
                sa.and_(ExtensionRequest.created_at >= start, ExtensionRequest.created_at < end),
                ExtensionRequest.status == EXTENSION_PENDING,
            ),
        )
        .order_by(ExtensionRequest.created_at, ExtensionRequest.id)
    )
    return list(db.session.execute(query))


# -- the items due in a period: what the scoring counts ----------------------------------------------------------


def due_items(start: dt.date, until: dt.date, as_of: dt.date, task_ids: list[int] | None = None,
              unit_id: int | None = None) -> sa.CTE:
    """(task_id, occurrence_id, lead_unit_id, state, deadline, effective_deadline, completed_on, withdrawn):
    one row per item whose effective deadline is within [start, until], of a directive that is not confidential.

    An item is a task that does not recur, or an occurrence of a recurring task that has begun by `as_of`
    (`occurrence_has_begun`), as the statistics count them. `deadline` is the original deadline (a task's, or the
    date the rule gives an occurrence), so that `effective_deadline > deadline` means an approved extension;
    `occurrence_id` is None for a task; `withdrawn` says the task (of the occurrence) was withdrawn. Confidential
    directives are left out by `tracked_task_clause` (their few ids), not by a join on every directive. With
    `task_ids`, only the items of those tasks; with `unit_id`, only those of the tasks the unit leads or coordinates
    (read from their indexes, not from the period's every item).
    """
    of_tasks = sa.true() if task_ids is None else Task.id.in_(task_ids)
    if unit_id is not None:
        link = task_coordinating_units.c
        involved = sa.union(sa.select(Task.id).where(Task.lead_unit_id == unit_id),
                            sa.select(link.task_id).where(link.unit_id == unit_id))
        of_tasks = sa.and_(of_tasks, Task.id.in_(involved.scalar_subquery()))
    withdrawn = (Task.state == STATE_WITHDRAWN).label("withdrawn")
    tasks = (
        sa.select(
            Task.id.label("task_id"),
            sa.cast(sa.null(), sa.Integer).label("occurrence_id"),
            Task.lead_unit_id.label("lead_unit_id"),
            Task.state.label("state"),
            Task.deadline.label("deadline"),
            Task.effective_deadline.label("effective_deadline"),
            Task.completed_on.label("completed_on"),
            withdrawn,
        )
        .where(
            tracked_task_clause(),
            Task.recurrence.is_(None),
            Task.effective_deadline >= start,
            Task.effective_deadline <= until,
            of_tasks,
        )
    )
    occurrences = (
        sa.select(
            TaskOccurrence.task_id,
            TaskOccurrence.id,
            Task.lead_unit_id,
            TaskOccurrence.state,
            TaskOccurrence.due_on,
            TaskOccurrence.effective_deadline,
            TaskOccurrence.completed_on,
            withdrawn,
        )
        .join(Task, Task.id == TaskOccurrence.task_id)
        .where(
            tracked_task_clause(),
            Task.recurrence.is_not(None),
            occurrence_has_begun(as_of),
            TaskOccurrence.effective_deadline >= start,
            TaskOccurrence.effective_deadline <= until,
            of_tasks,
        )
    )
    return sa.union_all(tasks, occurrences).cte("item")


@dataclass(frozen=True)
class KeptInvolvements:
    """The due items of a span of days as the kept counts give them (tasks/counts.py, InvolvementCount), and the
    days they cannot answer for.

    `rows` are {unit_id: (items of each column asked for, in order)}, summed over the whole months of the span that
    end before the month of `as_of` (a month's items are all due before `as_of`: an open one is overdue, and an
    occurrence's period, which starts no later than its deadline, has begun). `fresh` are the spans left, at most
    two: a first month the span starts inside, and the end from the month of `as_of` (or a last month the span ends
    inside); their items are to be read from the tasks (`due_items`).
    """

    rows: dict[int, tuple[int, ...]]
    fresh: list[tuple[dt.date, dt.date]]
    days: tuple[dt.date, dt.date] | None  # the first and last day the rows stand for (None: no whole month)


InvolvementKey = tuple[str, str, bool]  # (role, bucket, extended) of InvolvementCount


def _month_after(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def kept_involvements(start: dt.date, until: dt.date, as_of: dt.date,
                      columns: list[list[InvolvementKey]]) -> KeptInvolvements:
    """The items due within [start, until] per unit, from the kept counts (see KeptInvolvements): one figure per
    column, the sum of the keys (role, bucket, extended) it lists."""
    kept_from = start if start.day == 1 else _month_after(start)
    ends_with_month = until + dt.timedelta(days=1) == _month_after(until)
    kept_to = min(_month_after(until) if ends_with_month else until.replace(day=1), as_of.replace(day=1))
    if kept_from >= kept_to:
        return KeptInvolvements({}, [(start, until)] if start <= until else [], None)
    fresh = []
    if start < kept_from:
        fresh.append((start, kept_from - dt.timedelta(days=1)))
    if kept_to <= until:
        fresh.append((kept_to, until))
    table = InvolvementCount.__table__.c
    # Whole years read their year rows; the months around them their month rows.
    years = [year for year in range(kept_from.year, kept_to.year + 1)
             if dt.date(year, 1, 1) >= kept_from and dt.date(year + 1, 1, 1) <= kept_to]
    spans = []
    if years:
        spans.append(sa.and_(table.grain == YEAR, table.deadline_month >= dt.date(years[0], 1, 1),
                             table.deadline_month <= dt.date(years[-1], 1, 1)))
        month_spans = [(kept_from, dt.date(years[0], 1, 1)), (dt.date(years[-1] + 1, 1, 1), kept_to)]
    else:
        month_spans = [(kept_from, kept_to)]
    spans += [sa.and_(table.grain == MONTH, table.deadline_month >= low, table.deadline_month < high)
              for low, high in month_spans if low < high]
    # One row per unit, a column per figure: a province's 2,000 units are 2,000 rows of a few sums.
    sums = [sa.func.sum(sa.case(*((sa.and_(table.role == role, table.bucket == bucket, table.extended.is_(extended)),
                                    table["items"]) for role, bucket, extended in keys), else_=0))
            if keys else sa.literal(0) for keys in columns]
    rows = db.session.execute(sa.select(table.unit_id, *sums).where(sa.or_(*spans)).group_by(table.unit_id)).all()
    found = {row[0]: tuple(map(int, row[1:])) for row in rows}
    return KeptInvolvements(found, fresh, (kept_from, kept_to - dt.timedelta(days=1)))
