"""The counts the statistics read (models.TaskCount), kept in the transaction of every write that changes them.

The scoring's counts (models.InvolvementCount) are kept the same way, beside them: a unit's items as lead and as
coordinating unit, by deadline month. So are the completions trend's (models.CompletionCount), the month rows of
the items done summed over the units: a unit's recount adds the change of its own rows to them.

A unit's rows are recomputed from its tasks whenever one of its tasks (or an occurrence of one, an approved
extension of one, the confidentiality of their directive, the units coordinating on it) changes:
`recount_units`, the one function that writes the two tables, run at the end of every flush
(`_recount_after_flush`) for the units the flush touched, old and new lead and coordinating units alike. A unit
holds hundreds of tasks, read from ix_tasks_unit_counts, so a recount costs a few milliseconds, and nothing has to
know which key an item moves from and to. Writes that go around the ORM (the occurrences' INSERT … ON CONFLICT, a
deletion's DELETEs) call `recount_tasks` themselves and say so with the execution option KEPT; any other statement
that changes a counted column of these tables marks the session, and both tables are recounted whole before it
commits, so a forgotten path is slow, never wrong.

`kpi-tasks recount-tasks` (`rebuild`) recomputes every row, after data was loaded behind the application's back
(a restore, the bench's COPY).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from kpi_tasks.directives.models import Directive
from kpi_tasks.tasks.models import (
    EXTENSION_APPROVED,
    STATE_OPEN,
    STATE_WITHDRAWN,
    CompletionCount,
    ExtensionRequest,
    InvolvementCount,
    Task,
    TaskCount,
    TaskOccurrence,
    task_coordinating_units,
)
from kpi_tasks.tasks.status import (
    AWAITING_REVIEW,
    DONE_LATE,
    DONE_ON_TIME,
    IN_PROGRESS,
    TASK_COLUMNS,
    WITHDRAWN,
    StatusColumns,
    status_predicate,
)

# The bucket of an open item: in progress, overdue or standing, decided at read time from its deadline's month.
OPEN = "open"
# Execution option of a Core statement whose writer recounts the units itself.
KEPT = "task_counts_kept"
_UNITS_LOCK = 22022  # first key of PostgreSQL's advisory locks on a unit's rows (the second is the unit's id)
_RECOUNT_ALL = "task_counts.recount_all"
_SUSPENDED = "task_counts.suspended"

# The columns whose change can move an item from one key to another (or in or out of the counts).
TASK_FIELDS = ("lead_unit_id", "committee_id", "state", "effective_deadline", "completed_on", "recurrence",
               "directive_id")
OCCURRENCE_FIELDS = ("task_id", "state", "effective_deadline", "completed_on", "period_start")
WATCHED = {
    "tasks": set(TASK_FIELDS),
    "task_occurrences": set(OCCURRENCE_FIELDS),
    "extension_requests": {"status", "task_id", "occurrence_id"},
    "directives": {"confidential"},
    "task_coordinating_units": {"task_id", "unit_id"},
}
# How a unit is involved in an item (InvolvementCount.role): the scoring's roles.
LEAD, COORDINATING = "lead", "coordinating"
# The buckets the scoring counts (the others, withdrawn and in progress, never count: not kept).
SCORED_BUCKETS = (AWAITING_REVIEW, DONE_ON_TIME, DONE_LATE, OPEN)
# Every bucket `_bucket` gives: a condition on all of them lets a read use the indexes that lead with the bucket.
BUCKETS = (WITHDRAWN, AWAITING_REVIEW, DONE_ON_TIME, DONE_LATE, OPEN, IN_PROGRESS)
# The buckets CompletionCount keeps, and its committee_key of the root committee's own tasks (committee_id NULL).
COMPLETED_BUCKETS = (DONE_ON_TIME, DONE_LATE)
ROOT_COMMITTEE_KEY = 0
COMPLETION_KEY = ("committee_key", "completed_month", "bucket")


class month_start(FunctionElement[dt.date]):  # noqa: N801 - an SQL function, named as one
    """The first day of a date's month, on SQLite and PostgreSQL."""

    type = sa.Date()
    inherit_cache = True


@compiles(month_start, "postgresql")
def _month_start_postgresql(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "sqlite")
def _month_start_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class year_start(FunctionElement[dt.date]):  # noqa: N801 - an SQL function, named as one
    """The first day of a date's year, on SQLite and PostgreSQL."""

    type = sa.Date()
    inherit_cache = True


@compiles(year_start, "postgresql")
def _year_start_postgresql(element: year_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('year', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(year_start, "sqlite")
def _year_start_sqlite(element: year_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of year')"


def _bucket(columns: StatusColumns) -> ColumnElement[str]:
    """What of an item's status does not depend on the day: the status predicates but the date-bound ones."""
    any_day = dt.date.min  # the predicates used here do not compare with today
    fixed = [(status_predicate(code, any_day, columns), code)
             for code in (WITHDRAWN, AWAITING_REVIEW, DONE_ON_TIME, DONE_LATE)]
    return sa.case(*fixed, (columns.state == STATE_OPEN, OPEN), else_=IN_PROGRESS)


def _approved_extension(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return sa.exists().where(ExtensionRequest.status == EXTENSION_APPROVED, *conditions)


def _tracked() -> ColumnElement[bool]:
    confidential = sa.select(Directive.id).where(Directive.confidential.is_(True)).correlate(None)
    return Task.directive_id.not_in(confidential.scalar_subquery())


def counted_items(unit_ids: Iterable[int] | None = None) -> sa.Select:
    """Every counted item of the units (all units when None) with its key: the tasks that do not recur and the
    occurrences of those that do (which count instead of their task), confidential directives left out."""
    of_units = sa.true() if unit_ids is None else Task.lead_unit_id.in_(sorted(unit_ids))
    occurrence_columns = StatusColumns(TaskOccurrence.state, TaskOccurrence.effective_deadline,
                                       TaskOccurrence.completed_on, Task.state == STATE_WITHDRAWN)
    tasks = sa.select(
        Task.lead_unit_id.label("lead_unit_id"),
        Task.committee_id.label("committee_id"),
        _bucket(TASK_COLUMNS).label("bucket"),
        month_start(Task.effective_deadline).label("deadline_month"),
        month_start(Task.completed_on).label("completed_month"),
        sa.cast(sa.null(), sa.Date).label("begins_month"),
        _approved_extension(ExtensionRequest.task_id == Task.id,
                            ExtensionRequest.occurrence_id.is_(None)).label("extended"),
    ).where(Task.recurrence.is_(None), _tracked(), of_units)
    occurrences = (
        sa.select(
            Task.lead_unit_id, Task.committee_id, _bucket(occurrence_columns),
            month_start(TaskOccurrence.effective_deadline), month_start(TaskOccurrence.completed_on),
            # An open occurrence counts once its period has begun (queries.occurrence_has_begun).
            sa.case((TaskOccurrence.state == STATE_OPEN, month_start(TaskOccurrence.period_start))),
            _approved_extension(ExtensionRequest.occurrence_id == TaskOccurrence.id),
        )
        .join(Task, Task.id == TaskOccurrence.task_id)
        .where(Task.recurrence.is_not(None), _tracked(), of_units)
    )
    # Every task once, as the lists filter it (by its own columns, a recurring one too): the lists' totals.
    listed = sa.select(
        Task.lead_unit_id, Task.committee_id, _bucket(TASK_COLUMNS), month_start(Task.effective_deadline),
        month_start(Task.completed_on), sa.cast(sa.null(), sa.Date), sa.false(), sa.true(),
    ).where(_tracked(), of_units)
    return sa.union_all(tasks.add_columns(sa.false().label("listed")), occurrences.add_columns(sa.false()), listed)


KEY = ("lead_unit_id", "committee_id", "bucket", "deadline_month", "completed_month", "begins_month", "extended",
       "listed")


MONTH, YEAR = "month", "year"
DATES = ("deadline_month", "completed_month", "begins_month")


def _grouped(unit_ids: Iterable[int] | None) -> sa.Select:
    """The month rows of the units: their items grouped by key."""
    items = counted_items(unit_ids).subquery("item")
    key = [items.c[name] for name in KEY]
    return sa.select(*key, sa.literal(MONTH).label("grain"), sa.func.count().label("items")).group_by(*key)


def _by_year(where: ColumnElement[bool]) -> sa.Select:
    """Year rows made from the month rows meeting `where`: each date at the first day of its year."""
    table = TaskCount.__table__
    key = [year_start(table.c[name]).label(name) if name in DATES else table.c[name] for name in KEY]
    return (sa.select(*key, sa.literal(YEAR).label("grain"), sa.func.sum(table.c["items"]).label("items"))
            .where(table.c.grain == MONTH, where).group_by(*key))


def involved_items(unit_ids: Iterable[int] | None = None) -> sa.Select:
    """Every item of the scoring (tasks.periods.due_items: a task that does not recur or an occurrence of one that
    does, with a deadline, confidential directives left out) once per unit involved, lead and coordinating, with
    its key (InvolvementCount). Only the buckets the scoring counts."""
    ids = None if unit_ids is None else sorted(unit_ids)
    link = task_coordinating_units
    occurrence_columns = StatusColumns(TaskOccurrence.state, TaskOccurrence.effective_deadline,
                                       TaskOccurrence.completed_on, Task.state == STATE_WITHDRAWN)
    selects = []
    for role, unit_column in ((LEAD, Task.lead_unit_id), (COORDINATING, link.c.unit_id)):
        of_units = sa.true() if ids is None else unit_column.in_(ids)
        role_column = sa.literal(role, sa.String(12)).label("role")
        tasks = sa.select(
            unit_column.label("unit_id"), role_column, _bucket(TASK_COLUMNS).label("bucket"),
            month_start(Task.effective_deadline).label("deadline_month"),
            sa.and_(Task.deadline.is_not(None), Task.effective_deadline > Task.deadline).label("extended"),
        ).where(Task.recurrence.is_(None), Task.effective_deadline.is_not(None), _tracked(), of_units)
        occurrences = (
            sa.select(unit_column, role_column, _bucket(occurrence_columns),
                      month_start(TaskOccurrence.effective_deadline),
                      TaskOccurrence.effective_deadline > TaskOccurrence.due_on)
            .join(Task, Task.id == TaskOccurrence.task_id)
            .where(Task.recurrence.is_not(None), _tracked(), of_units)
        )
        if role == COORDINATING:
            tasks = tasks.join(link, link.c.task_id == Task.id)
            occurrences = occurrences.join(link, link.c.task_id == Task.id)
        selects += [tasks, occurrences]
    return sa.union_all(*selects)


INVOLVEMENT_KEY = ("unit_id", "role", "bucket", "deadline_month", "extended")


def _involvements_grouped(unit_ids: Iterable[int] | None) -> sa.Select:
    items = involved_items(unit_ids).subquery("involved")
    key = [items.c[name] for name in INVOLVEMENT_KEY]
    return (sa.select(*key, sa.literal(MONTH).label("grain"), sa.func.count().label("items"))
            .where(items.c.bucket.in_(SCORED_BUCKETS)).group_by(*key))


def _involvements_by_year(where: ColumnElement[bool]) -> sa.Select:
    table = InvolvementCount.__table__
    key = [year_start(table.c[name]).label(name) if name == "deadline_month" else table.c[name]
           for name in INVOLVEMENT_KEY]
    return (sa.select(*key, sa.literal(YEAR).label("grain"), sa.func.sum(table.c["items"]).label("items"))
            .where(table.c.grain == MONTH, where).group_by(*key))


def completions(where: ColumnElement[bool]) -> sa.Select:
    """The month rows (not `listed`) of the items done meeting `where`, summed by CompletionCount's key."""
    table = TaskCount.__table__.c
    key = [sa.func.coalesce(table.committee_id, ROOT_COMMITTEE_KEY).label("committee_key"),
           table.completed_month, table.bucket]
    return (sa.select(*key, sa.func.sum(table["items"]).label("items"))
            .where(table.grain == MONTH, table.listed.is_(False), table.bucket.in_(COMPLETED_BUCKETS),
                   table.completed_month.is_not(None), where)
            .group_by(*key))


def _add_completions(connection: Connection, change: dict[tuple[Any, ...], int]) -> None:
    """Add `change` ({CompletionCount key: items}) to the rows, in one statement in key order: the units' recounts
    under way at once add to the rows they share in the same order, row locks taken one after the other."""
    rows = [dict(zip(COMPLETION_KEY, key, strict=True), items=items)
            for key, items in sorted(change.items()) if items]
    if not rows:
        return
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = insert(CompletionCount.__table__).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=list(COMPLETION_KEY),
        set_={"items": CompletionCount.__table__.c["items"] + statement.excluded["items"]})
    connection.execute(statement, execution_options={KEPT: True})


def recount_units(connection: Connection, unit_ids: Iterable[int] | None) -> None:
    """Replace the rows of these units (every row when None) in the tables by a fresh count of their items."""
    ids = None if unit_ids is None else sorted(set(unit_ids))
    if ids == []:
        return
    if connection.dialect.name == "postgresql":
        if ids is None:  # waits for the per-unit recounts under way (their DELETE/INSERT), holds off new ones
            connection.execute(sa.text("LOCK TABLE task_counts, involvement_counts, completion_counts "
                                       "IN SHARE ROW EXCLUSIVE MODE"))
        else:  # two writers of one unit take turns, in id order; the second counts after the first commits
            for unit_id in ids:
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_UNITS_LOCK, unit_id)))
    table = TaskCount.__table__
    where = sa.true() if ids is None else table.c.lead_unit_id.in_(ids)
    # The units' part of the completions before and after: a few rows a unit (its months with items done).
    before = {} if ids is None else {tuple(row[:-1]): row[-1] for row in connection.execute(completions(where))}
    connection.execute(sa.delete(table).where(where), execution_options={KEPT: True})
    connection.execute(sa.insert(table).from_select([*KEY, "grain", "items"], _grouped(ids)),
                       execution_options={KEPT: True})
    if ids is None:
        connection.execute(sa.delete(CompletionCount.__table__), execution_options={KEPT: True})
        connection.execute(sa.insert(CompletionCount.__table__).from_select([*COMPLETION_KEY, "items"],
                                                                           completions(sa.true())),
                           execution_options={KEPT: True})
    else:
        change = {tuple(row[:-1]): row[-1] for row in connection.execute(completions(where))}
        for key, items in before.items():
            change[key] = change.get(key, 0) - items
        _add_completions(connection, change)
    connection.execute(sa.insert(table).from_select([*KEY, "grain", "items"], _by_year(where)),
                       execution_options={KEPT: True})
    involvements = InvolvementCount.__table__
    where = sa.true() if ids is None else involvements.c.unit_id.in_(ids)
    connection.execute(sa.delete(involvements).where(where), execution_options={KEPT: True})
    connection.execute(sa.insert(involvements).from_select([*INVOLVEMENT_KEY, "grain", "items"],
                                                           _involvements_grouped(ids)), execution_options={KEPT: True})
    connection.execute(sa.insert(involvements).from_select([*INVOLVEMENT_KEY, "grain", "items"],
                                                           _involvements_by_year(where)),
                       execution_options={KEPT: True})


def units_of(connection: Connection, task_ids: Iterable[int] = (), directive_ids: Iterable[int] = ()) -> set[int]:
    """The lead and coordinating units of these tasks and of the tasks of these directives."""
    conditions = []
    if task_ids:
        conditions.append(Task.id.in_(sorted(set(task_ids))))
    if directive_ids:
        conditions.append(Task.directive_id.in_(sorted(set(directive_ids))))
    if not conditions:
        return set()
    link = task_coordinating_units
    lead = sa.select(Task.lead_unit_id).where(sa.or_(*conditions))
    coordinating = sa.select(link.c.unit_id).join(Task, Task.id == link.c.task_id).where(sa.or_(*conditions))
    return set(connection.scalars(sa.union(lead, coordinating)))


def recount_tasks(session: Session, task_ids: Iterable[int]) -> None:
    """After a write around the ORM to these tasks or their occurrences (their lead unit unchanged)."""
    connection = session.connection()
    recount_units(connection, units_of(connection, task_ids))


def rebuild(session: Session) -> int:
    """Recount every unit from scratch (`kpi-tasks recount-tasks`); returns the number of rows written."""
    connection = session.connection()
    recount_units(connection, None)
    return sum(connection.scalar(sa.select(sa.func.count()).select_from(model)) or 0
               for model in (TaskCount, InvolvementCount, CompletionCount))


@contextmanager
def kept_by_caller(session: Session) -> Iterator[None]:
    """Core statements within are the caller's to recount (e.g. a generic deletion of tasks)."""
    session.info[_SUSPENDED] = session.info.get(_SUSPENDED, 0) + 1
    try:
        yield
    finally:
        session.info[_SUSPENDED] -= 1


# --- the hooks -----------------------------------------------------------------------------------------


def _changed(instance: Any, fields: Iterable[str]) -> bool:
    state = sa.inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in fields)


def _touched(session: Session) -> tuple[set[int], set[int], set[int]]:
    """(units, tasks, directives) whose items this flush changes; the lists still hold the pre-flush state."""
    units: set[int] = set()
    tasks: set[int] = set()
    directives: set[int] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        is_new_or_gone = instance in session.new or instance in session.deleted
        if isinstance(instance, Task):
            if is_new_or_gone or _changed(instance, (*TASK_FIELDS, "coordinating_units")):
                history = sa.inspect(instance).attrs.lead_unit_id.history
                units.update(unit for unit in (*history.deleted, instance.lead_unit_id) if unit is not None)
                # The coordinating units the task had or has (its links may be gone after the flush).
                links = sa.inspect(instance).attrs.coordinating_units.history
                units.update(unit.id for unit in links.sum() if unit.id is not None)
                if instance.id is not None:
                    tasks.add(instance.id)
        elif isinstance(instance, TaskOccurrence):
            if is_new_or_gone or _changed(instance, OCCURRENCE_FIELDS):
                tasks.update(task for task in (*sa.inspect(instance).attrs.task_id.history.deleted,
                                               instance.task_id) if task is not None)
        elif isinstance(instance, ExtensionRequest):
            if (instance in session.new and instance.status == EXTENSION_APPROVED) \
                    or instance in session.deleted or _changed(instance, ("status",)):
                tasks.add(instance.task_id)
        elif isinstance(instance, Directive) and instance not in session.new \
                and (instance in session.deleted or _changed(instance, ("confidential",))):
            directives.add(instance.id)
    return units, tasks, directives


@sa.event.listens_for(Session, "after_flush")
def _recount_after_flush(session: Session, flush_context: UOWTransaction) -> None:
    units, tasks, directives = _touched(session)
    if not (units or tasks or directives):
        return
    connection = session.connection()
    recount_units(connection, units | units_of(connection, tasks, directives))


def _statement_changes_counts(state: ORMExecuteState) -> bool:
    statement = state.statement
    if not (state.is_insert or state.is_update or state.is_delete) or state.execution_options.get(KEPT):
        return False
    table = getattr(statement, "table", None)
    fields = WATCHED.get(getattr(table, "name", ""))
    if fields is None or (table.name == "directives" and not state.is_update):  # a directive goes without tasks
        return False
    if state.is_update:
        values = getattr(statement, "_values", None) or {}
        names = {getattr(key, "key", key) for key in values}
        return not names or bool(names & fields)
    return True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_core_writes(state: ORMExecuteState) -> None:
    if not state.session.info.get(_SUSPENDED) and _statement_changes_counts(state):
        state.session.info[_RECOUNT_ALL] = True


@sa.event.listens_for(Session, "before_commit")
def _recount_all_if_unsure(session: Session) -> None:
    if session.info.pop(_RECOUNT_ALL, False):
        session.flush()
        recount_units(session.connection(), None)


@sa.event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_RECOUNT_ALL, None)
