"""Read-side queries over tasks: lists with filters, per-unit statistics. All aggregation is in SQL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar, NamedTuple, Protocol

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import InternalTraversal

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import committee_id_of
from kpi_tasks.accounts.roles import UNIT_MANAGER, UNIT_STAFF
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.clock import VIETNAM
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.sql import in_ids
from kpi_tasks.tasks.counts import BUCKETS as COUNTED_BUCKETS
from kpi_tasks.tasks.counts import COMPLETED_BUCKETS, ROOT_COMMITTEE_KEY
from kpi_tasks.tasks.counts import MONTH as MONTH_GRAIN
from kpi_tasks.tasks.counts import OPEN as COUNTED_OPEN
from kpi_tasks.tasks.counts import YEAR as YEAR_GRAIN
from kpi_tasks.tasks.models import (
    EXTENSION_APPROVED,
    EXTENSION_PENDING,
    STATE_OPEN,
    STATE_WITHDRAWN,
    CompletionCount,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskCount,
    TaskDirection,
    TaskGroup,
    TaskOccurrence,
    task_assignees,
    task_coordinating_units,
    task_watchers,
)
from kpi_tasks.tasks.status import (
    AWAITING_REVIEW,
    DONE_LATE,
    DONE_ON_TIME,
    IN_PROGRESS,
    ONGOING,
    OVERDUE,
    STATUS_LABELS,
    STATUSES,
    TASK_COLUMNS,
    WITHDRAWN,
    StatusColumns,
    counts_columns,
    due_soon_predicate,
    status_expression,
    status_predicate,
)
from kpi_tasks.text import date_range_label, fold
from kpi_tasks.units.models import Unit
from kpi_tasks.units.queries import committee_unit_ids, placed_unit_ids
from kpi_tasks.units.services import list_units

HOME_LIMIT = 20


# Who sees which task, as SQL: the policy's rule (accounts/permissions.py can_view_task) for lists and counts.


def unit_involvement_clause(unit_id: int) -> ColumnElement[bool]:
    """Tasks that `unit_id` leads or coordinates.

    `tasks.id IN (the tasks it leads UNION those it coordinates)`: both halves are index lookups, so a unit's
    lists and counts read that unit's tasks (an OR with an EXISTS would be tested on every task).
    """
    led = sa.select(Task.id).where(Task.lead_unit_id == unit_id).correlate(None)
    coordinated = (
        sa.select(task_coordinating_units.c.task_id).where(task_coordinating_units.c.unit_id == unit_id).correlate(None)
    )
    return _IdIn(Task.id, sa.union(led, coordinated))


class _IdIn(ColumnElement[bool]):
    """`column IN (ids)`, spelt `column = ANY(ARRAY(ids))` on PostgreSQL.

    PostgreSQL's planner (default costs) answers an IN (subquery) with a hash join over every task rather than a
    primary-key lookup per id; the array form is an index scan on the ids alone. SQLite looks the ids up either way.
    """

    inherit_cache = True
    type = sa.Boolean()
    _traverse_internals: ClassVar = [("column", InternalTraversal.dp_clauseelement),
                                     ("ids", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[int], ids: sa.CompoundSelect) -> None:
        self.column = column
        self.ids = ids


@compiles(_IdIn)
def _compile_id_in(element: _IdIn, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(_IdIn, "postgresql")
def _compile_id_in_postgresql(element: _IdIn, compiler: SQLCompiler, **kw: Any) -> str:
    ids = sa.func.array(element.ids.scalar_subquery())
    return compiler.process(element.column == sa.any_(ids), **kw)


def units_involvement_clause(unit_ids: list[int]) -> ColumnElement[bool]:
    """Tasks that one of `unit_ids` leads or coordinates (a committee's tree: a few dozen units)."""
    led = sa.select(Task.id).where(Task.lead_unit_id.in_(unit_ids)).correlate(None)
    coordinated = (sa.select(task_coordinating_units.c.task_id)
                   .where(task_coordinating_units.c.unit_id.in_(unit_ids)).correlate(None))
    return _IdIn(Task.id, sa.union(led, coordinated))


def coordinating_units_by_task(task_ids: list[int]) -> dict[int, list[int]]:
    """The coordinating units of each of `task_ids`, in one query."""
    found: dict[int, list[int]] = defaultdict(list)
    links = task_coordinating_units.c
    for task_id, unit_id in db.session.execute(sa.select(links.task_id, links.unit_id)
                                               .where(in_ids(links.task_id, task_ids))):
        found[task_id].append(unit_id)
    return found


def active_assignees_by_task(task_ids: list[int]) -> dict[int, list[tuple[int, int | None]]]:
    """The active officers each of `task_ids` is handed to, as (user id, unit id), in one query."""
    found: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for task_id, user_id, unit_id in db.session.execute(
        sa.select(task_assignees.c.task_id, User.id, User.unit_id)
        .join(User, User.id == task_assignees.c.user_id)
        .where(in_ids(task_assignees.c.task_id, task_ids), User.active.is_(True))
    ):
        found[task_id].append((user_id, unit_id))
    return found


def coordination() -> sa.Subquery:
    """Each (task_id, unit_id) a unit coordinates, to join to other queries."""
    return sa.select(task_coordinating_units.c.task_id, task_coordinating_units.c.unit_id).subquery("coordination")


def coordinating_unit_names() -> sa.ScalarSelect:
    """The names of a task's coordinating units joined by "; ", correlated to the enclosing query's Task."""
    coordinator = aliased(Unit)
    return (
        sa.select(sa.func.aggregate_strings(coordinator.name, "; "))
        .select_from(task_coordinating_units)
        .join(coordinator, coordinator.id == task_coordinating_units.c.unit_id)
        .where(task_coordinating_units.c.task_id == Task.id)
        .scalar_subquery()
    )


def task_visibility_clause(user: User) -> ColumnElement[bool]:
    """WHERE clause restricting a task query to what `user` may see."""
    if user.sees_all:
        committee_id = committee_id_of(user)
        if committee_id is None:
            return sa.true()
        # A commune's staff: its own work, and what was given to its units from above.
        return sa.or_(Task.committee_id == committee_id, units_involvement_clause(committee_unit_ids(committee_id)))
    if user.role not in (UNIT_MANAGER, UNIT_STAFF) or user.unit_id is None:
        return sa.false()
    clause = unit_involvement_clause(user.unit_id)
    if user.role == UNIT_STAFF:
        handed_to_user = sa.exists().where(
            task_assignees.c.task_id == Task.id, task_assignees.c.user_id == user.id
        )
        clause = sa.and_(clause, handed_to_user)
    return clause


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
    mine: bool = False  # "Việc tôi phụ trách": tasks the user is the leader in charge of, or follows
    own_level: bool = False  # only the own tasks of the user's committee (those its office confirms)
    committee_id: int | None = None  # only the own tasks of this commune committee (a drill-down into it)


FILTER_ROLES = ("lead", "coordinating")


def describe_task_filters(filters: TaskFilters) -> list[str]:
    """The filters of a list in words, for an export's title block: ["Trạng thái: Quá hạn", "Tìm: “…”"]."""
    parts = []
    if filters.status:
        parts.append("Trạng thái: " + STATUS_LABELS.get(filters.status, filters.status))
    if filters.unit_id is not None:
        unit = db.session.get(Unit, filters.unit_id)
        role = {"lead": " (chủ trì)", "coordinating": " (phối hợp)"}.get(filters.role or "", "")
        parts.append("Đơn vị: " + (unit.name if unit else str(filters.unit_id)) + role)
    if filters.due_soon:
        parts.append("Sắp đến hạn")
    if filters.mine:
        parts.append("Nhiệm vụ tôi phụ trách hoặc theo dõi")
    if filters.q:
        parts.append(f"Tìm: “{filters.q}”")
    if filters.deadline_from or filters.deadline_to:
        parts.append("Hạn xử lý " + date_range_label(filters.deadline_from, filters.deadline_to))
    if filters.directive_id:
        directive = db.session.get(Directive, filters.directive_id)
        parts.append("Văn bản " + (directive.number if directive else f"mã {filters.directive_id}"))
    return parts


class FilterArgs(Protocol):
    """What reads a list's filters: a page's query string (forms.PageArgs) or the API's (api.schema.Parsed)."""

    def text(self, name: str) -> str | None: ...
    def integer(self, name: str) -> int | None: ...
    def boolean(self, name: str) -> bool: ...
    def choice(self, name: str, choices: tuple[str, ...]) -> str | None: ...
    def date(self, name: str) -> dt.date | None: ...


def read_task_filters(args: FilterArgs, user: User, *, own_unit_first: bool) -> TaskFilters:
    """GET /tasks's filters, the same names on the pages and in the API. A unit user's lists with a role (or,
    on pages, `own_unit_first`, with no unit) are about their own unit."""
    filters = TaskFilters(
        status=args.choice("status", STATUSES),
        unit_id=args.integer("unit_id"),
        role=args.choice("role", FILTER_ROLES),
        due_soon=args.boolean("due_soon"),
        q=args.text("q"),
        deadline_from=args.date("deadline_from"),
        deadline_to=args.date("deadline_to"),
        directive_id=args.integer("directive_id"),
        mine=args.boolean("mine"),
    )
    if own_unit_first:
        if user.is_unit_user and (filters.unit_id is None or filters.role):
            filters.unit_id = user.unit_id
    elif filters.role and filters.unit_id is None:
        filters.unit_id = user.unit_id
    return filters


def due_soon_until(today: dt.date, working_days: int) -> dt.date:
    """Last day that still counts as "due soon": `working_days` working days after today."""
    return current_calendar().add_working_days(today, working_days)


def tracked_task_clause() -> sa.ColumnElement[bool]:
    """Tasks not of a confidential directive, as a condition on the task row alone.

    `tasks.directive_id NOT IN (the few confidential directives)` rather than a join on directives: a count
    or an aggregate then reads the index entries of the tasks, not one directive per task.
    """
    confidential = sa.select(Directive.id).where(Directive.confidential.is_(True)).correlate(None)
    return Task.directive_id.not_in(confidential.scalar_subquery())


def task_rows_query(user: User, filters: TaskFilters, today: dt.date, due_soon_days: int, *,
                    with_relations: bool = True) -> sa.Select:
    """Rows of (Task, status, due_soon) visible to `user`, filtered, ordered by deadline (tasks without one last).

    Each filter's first page is read from an index in list order (models.Task's indexes): the database stops
    at the page size. The directive is loaded with the page's rows, as an eager load: the query itself reads
    tasks alone, so that its count (pagination) reads index entries only. A caller that selects directive
    columns joins Directive itself. `with_relations`: the coordinating units and assignees are loaded too (the
    API's rows show them; the list page's table does not, and their query joins a province's 2,000 units).
    """
    soon = due_soon_predicate(today, due_soon_until(today, due_soon_days))
    query = (
        sa.select(Task, status_expression(today).label("status"), soon.label("due_soon"))
        .where(tracked_task_clause(), task_visibility_clause(user))
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
        elif not _sees_only_own_unit(user, filters.unit_id):
            query = query.where(unit_involvement_clause(filters.unit_id))
    if filters.due_soon:
        query = query.where(soon)
    if (filters.q or "").strip():
        query = query.where(_search_clause(filters.q))
    if filters.deadline_from:
        query = query.where(Task.effective_deadline >= filters.deadline_from)
    if filters.deadline_to:
        query = query.where(Task.effective_deadline <= filters.deadline_to)
    if filters.directive_id:
        # A directive's own tasks: a commune's breakdown of one of them is found on that task (its subtasks).
        query = query.where(Task.directive_id == filters.directive_id, Task.parent_task_id.is_(None))
    if filters.group_id:
        query = query.where(Task.group_id == filters.group_id)
    if filters.own_level:
        query = query.where(level_clause(committee_id_of(user)))
    if filters.committee_id is not None:
        query = query.where(Task.committee_id == filters.committee_id)
    if filters.mine:
        query = query.where(_leader_tasks_clause(user.id))
    query = query.options(
        joinedload(Task.directive),  # LEFT OUTER: the tasks stay the outer loop, read in index order
        joinedload(Task.lead_unit),
    )
    if with_relations:
        query = query.options(selectinload(Task.coordinating_units), selectinload(Task.assignees))
    return query.order_by(*_deadline_order(filters))


def _leader_tasks_clause(user_id: int) -> ColumnElement[bool]:
    """The tasks `user_id` is in charge of or follows: two index lookups (ix_tasks_leader, the watchers' user
    index), not an OR over every task."""
    led = sa.select(Task.id).where(Task.leader_id == user_id).correlate(None)
    followed = sa.select(task_watchers.c.task_id).where(task_watchers.c.user_id == user_id).correlate(None)
    return _IdIn(Task.id, sa.union(led, followed))


def _sees_only_own_unit(user: User, unit_id: int) -> bool:
    """Whether `task_visibility_clause(user)` keeps to the tasks `unit_id` leads or coordinates already: a unit's
    own users on their unit's lists. The clause is then not repeated: PostgreSQL would look up every pair of the
    two id arrays (a unit of a province: a million index probes for its home page's lists)."""
    return not user.sees_all and user.role in (UNIT_MANAGER, UNIT_STAFF) and user.unit_id == unit_id


def _search_clause(q: str) -> sa.ColumnElement[bool]:
    """One search box finds a task by its text (every word, accent-insensitive, in its title or content), by its
    directive's number and symbol ("287/UBND-VP"), or by its lead unit's name (the whole phrase)."""
    words = fold(q).split()
    phrase = " ".join(words)
    units = [unit.id for unit in list_units() if phrase in fold(unit.name)]
    directives = sa.select(Directive.id).where(Directive.number_key.contains("".join(words), autoescape=True))
    return sa.or_(
        sa.and_(*[Task.search_text.contains(word, autoescape=True) for word in words]),
        Task.directive_id.in_(directives),
        Task.lead_unit_id.in_(units) if units else sa.false(),
    )


def directive_task_counts(user: User, directive_ids: list[int], today: dt.date) -> dict[int, dict[str, int]]:
    """For each directive of a list page, its tasks the user may see, by status, in one GROUP BY."""
    if not directive_ids:
        return {}
    rows = db.session.execute(
        sa.select(Task.directive_id, *counts_columns(today))
        .where(Task.directive_id.in_(directive_ids), Task.parent_task_id.is_(None), tracked_task_clause(),
               task_visibility_clause(user))
        .group_by(Task.directive_id)
    ).mappings()
    return {row["directive_id"]: {code: int(row[code]) for code in STATUSES} for row in rows}


def returned_task_rows_query(user: User, unit_id: int, today: dt.date, due_soon_days: int) -> sa.Select:
    """Open tasks the unit leads whose completion report the office sent back, not reported again since."""
    return task_rows_query(user, TaskFilters(unit_id=unit_id, role="lead"), today, due_soon_days).where(
        Task.state == STATE_OPEN, Task.review_note.is_not(None)
    )


def new_task_rows_query(
    user: User, unit_id: int, since: dt.datetime, today: dt.date, due_soon_days: int
) -> sa.Select:
    """Open tasks given to the unit (to lead or to coordinate) since `since`; for an officer, the tasks their
    manager handed them since then."""
    if user.role == UNIT_STAFF:
        given = sa.exists().where(task_assignees.c.task_id == Task.id, task_assignees.c.user_id == user.id,
                                  task_assignees.c.assigned_at >= since)
    else:
        given = Task.created_at >= since
    return task_rows_query(user, TaskFilters(unit_id=unit_id), today, due_soon_days).where(
        Task.state == STATE_OPEN, given
    )


# Filters whose rows all have a deadline: by deadline, then id; ix_tasks_state_lists (within a state) or
# ix_tasks_deadline_lists (a range) serves the order.
_DATED_STATUSES = {OVERDUE, IN_PROGRESS, DONE_LATE}


def _deadline_order(filters: TaskFilters) -> tuple[sa.ColumnElement, ...]:
    """By effective deadline, tasks without one last, then by id; in the order of an index for every filter.

    "Undated last" is spelt `effective_deadline IS NULL` first: an index on that expression
    (ix_tasks_state_undated_last, ix_tasks_undated_last) serves it on SQLite, where NULL sorts first, and on
    PostgreSQL alike.
    """
    if filters.status == ONGOING:  # every row undated: the order is the id's (ix_tasks_state_lists)
        return (Task.id,)
    if filters.status in _DATED_STATUSES or filters.due_soon or filters.deadline_from or filters.deadline_to:
        return (Task.effective_deadline, Task.id)
    return (Task.effective_deadline.is_(None), Task.effective_deadline, Task.id)


PERIOD_RULE = (
    "hạn xử lý (kể cả sau gia hạn) hoặc ngày hoàn thành trong kỳ; nhiệm vụ thường xuyên chưa hoàn thành tính vào "
    "mọi kỳ; nhiệm vụ định kỳ tính từng kỳ báo cáo đã bắt đầu; không tính nhiệm vụ đã thu hồi"
)


def period_clause(
    date_from: dt.date | None, date_to: dt.date | None, columns: StatusColumns = TASK_COLUMNS
) -> sa.ColumnElement[bool]:
    """The statistics' period rule (PERIOD_RULE, written on every page that shows a figure): what has its
    effective deadline or its completion date within [date_from, date_to] (either end open), and a standing task
    (no deadline) not yet completed, which is tracked in every period. Tasks by default; `columns` of occurrences
    for their periods (those always have a deadline)."""

    def within(column: sa.ColumnElement[dt.date]) -> sa.ColumnElement[bool]:
        conditions = [column.is_not(None)]
        if date_from:
            conditions.append(column >= date_from)
        if date_to:
            conditions.append(column <= date_to)
        return sa.and_(*conditions)

    if date_from is None and date_to is None:
        return sa.true()
    standing = sa.and_(columns.deadline.is_(None), columns.completed_on.is_(None))
    return sa.or_(within(columns.deadline), within(columns.completed_on), standing)


class _AllLevels:
    """`unit_stats` over every committee's tasks and units (the default, for callers with no user)."""


ALL_LEVELS = _AllLevels()
Level = int | None | _AllLevels


def level_clause(level: Level) -> ColumnElement[bool]:
    """The tasks that are the own work of the committee `level` (None: the root's)."""
    if isinstance(level, _AllLevels):
        return sa.true()
    return Task.committee_id.is_(None) if level is None else Task.committee_id == level


def level_units(level: int | None) -> list[tuple[int, str]]:
    """(id, name) of the active units the committee `level` gives tasks to, in list_units' order: the units
    `can_assign_to_unit` allows it (the task page's corrections panel offers them).

    `placement_committee_id` of each active unit, worked out on (id, parent, is committee) rows rather than on
    loaded Unit objects: a province's 2,000 units as objects cost a task page more than all its panels."""
    rows = db.session.execute(
        sa.select(Unit.id, Unit.parent_id, Unit.is_committee, Unit.active, Unit.name).order_by(Unit.kind, Unit.name)
    ).all()
    parent_of = {row.id: row.parent_id for row in rows}
    committees = {row.id for row in rows if row.is_committee}
    committee_of: dict[int | None, int | None] = {None: None}

    def committee(unit_id: int | None) -> int | None:
        """`unit_committee_id`: the unit itself when a committee, else the nearest committee above it."""
        path: list[int | None] = []
        while unit_id not in committee_of and unit_id not in committees and unit_id not in path:
            path.append(unit_id)
            unit_id = parent_of.get(unit_id)  # type: ignore[arg-type]
        # Known already; else a committee, or a loop in the tree (no committee, as unit_committee_id says).
        found = committee_of.get(unit_id, unit_id if unit_id in committees else None)
        for seen in path:
            committee_of[seen] = found
        return found

    return [(row.id, row.name) for row in rows if row.active and committee(row.parent_id) == level]


def subtask_summary(task: Task, today: dt.date) -> dict[str, int]:
    """The breakdown of `task` (its subtasks, withdrawn ones left out) by status, in one aggregate."""
    row = db.session.execute(
        sa.select(*counts_columns(today)).where(Task.parent_task_id == task.id, tracked_task_clause())
    ).mappings().one()
    figures = {code: int(row[code] or 0) for code in STATUSES if code != WITHDRAWN}
    return {"total": sum(figures.values()), **figures}


def subtask_breakdown(rows: list[Any]) -> dict[str, int]:
    """`subtask_summary` of the rows of `subtask_rows` already read (the task page lists them all anyway)."""
    figures = dict.fromkeys((code for code in STATUSES if code != WITHDRAWN), 0)
    for row in rows:
        if row.status in figures:
            figures[row.status] += 1
    return {"total": sum(figures.values()), **figures}


def subtask_rows(task: Task, today: dt.date, due_soon_days: int) -> list[Any]:
    """The subtasks of `task` with their status, by deadline (the breakdown on the task's page)."""
    soon = due_soon_predicate(today, due_soon_until(today, due_soon_days))
    query = (sa.select(Task, status_expression(today).label("status"), soon.label("due_soon"))
             .where(Task.parent_task_id == task.id, tracked_task_clause())
             .options(joinedload(Task.lead_unit))
             .order_by(Task.effective_deadline.is_(None), Task.effective_deadline, Task.id))
    return list(db.session.execute(query))


def unit_stats(
    today: dt.date, date_from: dt.date | None = None, date_to: dt.date | None = None, unit_id: int | None = None,
    level: Level = ALL_LEVELS,
) -> list[dict]:
    """Counts by status per lead unit, every active unit listed, worst first.

    on_time_rate = done on time / (done on time + done late + overdue) × 100: the share of tasks
    already due that were done on time. None when no task is due yet.

    A recurring task counts through its occurrences that have begun (each with its own status), not
    itself. `extended` counts the tasks (and occurrences) with an approved extension.

    `level` keeps to one committee's own tasks and units (committee_id_of the user asking): each level's
    statistics count that level's work, a commune's breakdown is not counted again in the province's.
    """
    items = []
    shown = [(position, code) for position, code in enumerate(STATUSES) if code != WITHDRAWN]
    on_time, late, overdue = STATUSES.index(DONE_ON_TIME), STATUSES.index(DONE_LATE), STATUSES.index(OVERDUE)
    # Rows unpacked in the statement's column order (`_per_unit`), no mapping per row: a province lists 2,000 units.
    # Read on the session's connection: the ORM's result wrapping of plain columns costs a province's 2,000 rows
    # about 2 ms of CPU, and a read needs no autoflush; and all at once (the driver's per-row calls cost as much).
    for listed_id, code, name, kind, *sums, extended in db.session.connection().execute(
            unit_stats_query(today, date_from, date_to, unit_id, level)).fetchall():
        counts = [int(n) if n else 0 for n in sums]
        due = counts[on_time] + counts[late] + counts[overdue]
        item = {"unit_id": listed_id, "unit_code": code, "unit_name": name, "unit_kind": kind,
                "assigned": sum(counts[position] for position, _code in shown)}
        for position, status in shown:
            item[status] = counts[position]
        item["on_time_rate"] = round(counts[on_time] * 100 / due, 2) if due else None
        item["extended"] = int(extended or 0)
        items.append(item)
    items.sort(key=lambda item: (-item["overdue"], _rate_key(item), item["unit_name"]))
    return items


def _month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _month_end(first_day: dt.date) -> dt.date:
    return (first_day + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class _CountedMonths:
    """Which months the kept counts (TaskCount, by month) answer for a period on a day, and which must be read
    from the items themselves: a month the period starts or ends inside (for deadlines and completions), and the
    current month for an open item's deadline (overdue before today, in progress from it) and an open
    occurrence's start (begun or not yet)."""

    today: dt.date
    date_from: dt.date | None
    date_to: dt.date | None

    @property
    def this_month(self) -> dt.date:
        return _month_of(self.today)

    @property
    def edges(self) -> list[dt.date]:
        months = []
        if self.date_from is not None and self.date_from.day != 1:
            months.append(_month_of(self.date_from))
        if self.date_to is not None and self.date_to != _month_end(_month_of(self.date_to)):
            months.append(_month_of(self.date_to))
        return months

    def kept_row(self, count: Any) -> ColumnElement[bool]:
        """The TaskCount rows that hold no item of an edge month."""
        def outside(column: ColumnElement[dt.date]) -> ColumnElement[bool]:
            return sa.or_(column.is_(None), column.not_in(self.edges)) if self.edges else sa.true()

        return sa.and_(
            outside(count.deadline_month), outside(count.completed_month),
            sa.or_(count.begins_month.is_(None), count.begins_month != self.this_month),
            sa.or_(count.bucket != COUNTED_OPEN, count.deadline_month.is_(None),
                   count.deadline_month != self.this_month),
        )

    def edge_item(self, columns: StatusColumns, is_open: ColumnElement[bool],
                  begins: ColumnElement[dt.date] | None = None) -> ColumnElement[bool]:
        """The items (a task's or an occurrence's `columns`) that the rows of `kept_row` leave out."""
        this_month = (self.this_month, _month_end(self.this_month))
        conditions = [column.between(first, _month_end(first))
                      for first in self.edges for column in (columns.deadline, columns.completed_on)]
        conditions.append(sa.and_(is_open, columns.deadline.between(*this_month)))
        if begins is not None:
            conditions.append(sa.and_(TaskOccurrence.state == STATE_OPEN, begins.between(*this_month)))
        return sa.or_(*conditions)


def _year_aligned(date_from: dt.date | None, date_to: dt.date | None) -> bool:
    return (date_from is None or (date_from.month, date_from.day) == (1, 1)) and \
        (date_to is None or (date_to.month, date_to.day) == (12, 31))


def _open_status(is_open: ColumnElement[bool], deadline: ColumnElement[dt.date],
                 current: dt.date) -> dict[str, ColumnElement[bool]]:
    """An open row's status from its deadline's month or year (`current`: this month's or year's first day; the
    rows of `current` itself are read elsewhere)."""
    return {
        ONGOING: sa.and_(is_open, deadline.is_(None)),
        OVERDUE: sa.and_(is_open, deadline < current),
        IN_PROGRESS: sa.and_(is_open, deadline > current),
    }


def _kept_sums(where: list[ColumnElement[bool]], by_status: dict[str, ColumnElement[bool]], unit_id: int | None,
               level: Level, alternatives: tuple[ColumnElement[bool], ...] = ()) -> sa.Select:
    """Per lead unit, the sums of the kept rows meeting `where` by status, and of extended items. `alternatives`:
    disjoint conditions of which the rows meet one, each read apart (one index range each) and summed together."""
    count = TaskCount
    rows = [count.listed.is_(False), *where]
    if unit_id is not None:
        rows.append(count.lead_unit_id == unit_id)
    if not isinstance(level, _AllLevels):
        rows.append(count.committee_id.is_(None) if level is None else count.committee_id == level)
    source: Any = TaskCount.__table__
    if alternatives:  # one statement of the rows of every alternative, summed once (not a sum of sums per unit)
        read = (count.lead_unit_id, count.bucket, count.deadline_month, count.extended, count.items)
        source = sa.union_all(*[sa.select(*read).where(*rows, alternative) for alternative in alternatives]).subquery()
        rows = []
    # The status conditions, written on TaskCount's columns, read the union's columns instead.
    on_source = ClauseAdapter(source).traverse
    unit, items = source.c.lead_unit_id, source.c["items"]
    extended = sa.and_(count.extended, count.bucket != WITHDRAWN)
    return sa.select(
        unit.label("unit_id"),
        *[sa.func.coalesce(sa.func.sum(sa.case((on_source(by_status[code]), items), else_=0)), 0).label(code)
          for code in STATUSES],
        sa.func.coalesce(sa.func.sum(sa.case((on_source(extended), items), else_=0)), 0).label("extended"),
    ).select_from(source).where(*rows).group_by(unit)


def _kept_counts(months: _CountedMonths, unit_id: int | None, level: Level) -> list[sa.Select]:
    """Per lead unit, the counts by status and of extended items, from the kept rows (tasks/counts.py): for a
    period of whole years, the year rows, and the month rows of this year's open items only; else the month rows."""
    count = TaskCount
    this_month = months.this_month
    is_open = count.bucket == COUNTED_OPEN
    fixed = {code: count.bucket == code for code in (WITHDRAWN, AWAITING_REVIEW, DONE_ON_TIME, DONE_LATE)}

    def statuses(current: dt.date) -> dict[str, ColumnElement[bool]]:
        found = {**fixed, **_open_status(is_open, count.deadline_month, current)}
        found[IN_PROGRESS] = sa.or_(found[IN_PROGRESS], count.bucket == IN_PROGRESS)
        return found

    def within(first: dt.date | None, last: dt.date | None) -> ColumnElement[bool]:
        return period_clause(first, last, StatusColumns(count.bucket, count.deadline_month, count.completed_month))

    month_rows = [count.grain == MONTH_GRAIN, months.kept_row(count),
                  sa.or_(count.begins_month.is_(None), count.begins_month < this_month),
                  within(None if months.date_from is None else _month_of(months.date_from),
                         None if months.date_to is None else _month_of(months.date_to))]
    if not _year_aligned(months.date_from, months.date_to):
        return [_kept_sums(month_rows, statuses(this_month), unit_id, level)]
    this_year, last_month = dt.date(this_month.year, 1, 1), dt.date(this_month.year, 12, 1)
    open_this_year = sa.and_(is_open, count.deadline_month.between(this_year, last_month))
    of_this_year = (open_this_year, count.begins_month.between(this_year, last_month))
    year_rows = [
        count.grain == YEAR_GRAIN,
        sa.not_(sa.or_(*[sa.func.coalesce(condition, False) for condition in of_this_year])),
        sa.or_(count.begins_month.is_(None), count.begins_month < this_year),
    ]
    parts = [_kept_sums(year_rows, statuses(this_year), unit_id, level,
                        _in_years(count, months.date_from, months.date_to))]
    # This year's open items by month (none is in a period of other years: an occurrence is due after its start),
    # in two index ranges: by deadline, and the open occurrences begun this year that the first leaves out.
    if (months.date_from is None or months.date_from <= this_year) and \
            (months.date_to is None or months.date_to >= this_year):
        parts += [
            _kept_sums([*month_rows, open_this_year], statuses(this_month), unit_id, level),
            _kept_sums([*month_rows, of_this_year[1], sa.not_(sa.func.coalesce(open_this_year, False))],
                       statuses(this_month), unit_id, level),
        ]
    return parts


def _in_years(count: Any, date_from: dt.date | None, date_to: dt.date | None) -> list[ColumnElement[bool]]:
    """`period_clause` on the year rows of a period of whole years, as conditions on disjoint sets of rows that
    each read one range of an index: due in the years (ix_task_counts_reads, by bucket and deadline), completed in
    them but due in none of them (ix_task_counts_completions), standing. The rule's OR as one condition reads a
    province's every year row (56,000) for its 16,000 of one year."""
    if date_from is None and date_to is None:
        return [sa.true()]
    first = None if date_from is None else dt.date(date_from.year, 1, 1)
    last = None if date_to is None else dt.date(date_to.year, 1, 1)

    def within(column: ColumnElement[dt.date]) -> ColumnElement[bool]:
        bounds = [column.is_not(None)]
        if first is not None:
            bounds.append(column >= first)
        if last is not None:
            bounds.append(column <= last)
        return sa.and_(*bounds)

    every_bucket = count.bucket.in_(COUNTED_BUCKETS)
    return [
        sa.and_(every_bucket, within(count.deadline_month)),
        sa.and_(within(count.completed_month), sa.not_(within(count.deadline_month))),
        sa.and_(every_bucket, count.deadline_month.is_(None), count.completed_month.is_(None)),
    ]


# A statement is a value: the same arguments build the same one, and building it (the status predicates of every
# part) costs more than a province's whole statistics once compiled; a day's few periods are kept.
@lru_cache(maxsize=64)
def unit_stats_query(
    today: dt.date, date_from: dt.date | None = None, date_to: dt.date | None = None, unit_id: int | None = None,
    level: Level = ALL_LEVELS,
) -> sa.Select:
    """The one statement behind `unit_stats`: per active unit, its counts by status and of extended tasks.

    The kept counts answer for every whole month of the period; the items of the months they cannot answer for
    (`_CountedMonths`) are counted from the tasks as `scanned_counts_query` counts every item."""
    months = _CountedMonths(today, date_from, date_to)
    task_edge = months.edge_item(TASK_COLUMNS, Task.state == STATE_OPEN)
    occurrence_edge = months.edge_item(
        OCCURRENCE_COLUMNS, sa.and_(TaskOccurrence.state == STATE_OPEN, Task.state != STATE_WITHDRAWN),
        TaskOccurrence.period_start)
    scanned = _scanned_counts(today, date_from, date_to, unit_id, level, task_edge, occurrence_edge)
    return _per_unit([*_kept_counts(months, unit_id, level), *scanned], unit_id, level)


def scanned_counts_query(
    today: dt.date, date_from: dt.date | None = None, date_to: dt.date | None = None, unit_id: int | None = None,
    level: Level = ALL_LEVELS,
) -> sa.Select:
    """`unit_stats_query` computed from every item, as before the kept counts: what the tests compare it with."""
    return _per_unit(_scanned_counts(today, date_from, date_to, unit_id, level, sa.true(), sa.true()),
                     unit_id, level)


def _scanned_counts(
    today: dt.date, date_from: dt.date | None, date_to: dt.date | None, unit_id: int | None, level: Level,
    task_condition: ColumnElement[bool], occurrence_condition: ColumnElement[bool],
) -> list[sa.Select]:
    """Per lead unit, the counts by status and of extended items of the items meeting the conditions."""
    # One unit's figures (a unit's home page) read that unit's entries of the index, not every unit's.
    of_unit: tuple[ColumnElement[bool], ...] = () if unit_id is None else (Task.lead_unit_id == unit_id,)
    if not isinstance(level, _AllLevels):
        of_unit = (*of_unit, level_clause(level))
    counted_tasks = (tracked_task_clause(), Task.recurrence.is_(None), period_clause(date_from, date_to), *of_unit,
                     task_condition)
    # One pass over ix_tasks_unit_counts, which holds every column read here: no table row is read.
    task_counts = (
        sa.select(Task.lead_unit_id.label("unit_id"), *counts_columns(today), sa.literal(0).label("extended"))
        .where(*counted_tasks)
        .group_by(Task.lead_unit_id)
    )
    # The extended tasks from the (few) approved extensions, not an EXISTS evaluated for every task.
    extended_tasks = (
        sa.select(
            Task.lead_unit_id.label("unit_id"),
            *[sa.literal(0).label(code) for code in STATUSES],
            sa.func.count(sa.distinct(Task.id)).label("extended"),
        )
        .select_from(ExtensionRequest)
        .join(Task, Task.id == ExtensionRequest.task_id)
        .where(
            ExtensionRequest.status == EXTENSION_APPROVED,
            ExtensionRequest.occurrence_id.is_(None),
            sa.not_(status_predicate(WITHDRAWN, today)),
            *counted_tasks,
        )
        .group_by(Task.lead_unit_id)
    )
    occurrence_counts = occurrence_counts_query(today, date_from, date_to).where(*of_unit, occurrence_condition)
    return [task_counts, extended_tasks, occurrence_counts]


def _per_unit(parts: list[sa.Select], unit_id: int | None, level: Level) -> sa.Select:
    both = sa.union_all(*parts).subquery()
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
    elif not isinstance(level, _AllLevels):
        # The units the committee `level` gives tasks to: the ones its statistics list.
        query = query.where(Unit.id.in_(placed_unit_ids(level)))
    return query


def completions_by_month(first_month: dt.date, last_month: dt.date, unit_id: int | None = None,
                         level: Level = ALL_LEVELS) -> dict[dt.date, tuple[int, int]]:
    """{first day of a month: (done on time, done late)}: the items completed each month from `first_month` to
    `last_month` (first days), of active lead units, from the kept counts (whole months: nothing to read from the
    tasks themselves, and a completion does not depend on today).

    Every unit's: the rows summed over the units (CompletionCount, a row per committee, month and bucket), less the
    month rows of the (few, usually no) inactive units. One unit's: its month rows."""
    count = TaskCount
    unit_rows = [count.grain == MONTH_GRAIN, count.listed.is_(False), count.bucket.in_(COMPLETED_BUCKETS),
                 count.completed_month >= first_month, count.completed_month <= last_month]
    if not isinstance(level, _AllLevels):
        unit_rows.append(count.committee_id.is_(None) if level is None else count.committee_id == level)
    if unit_id is not None:
        rows = sa.select(count.completed_month, count.bucket, count.items).where(
            *unit_rows, count.lead_unit_id == unit_id,
            count.lead_unit_id.not_in(sa.select(Unit.id).where(Unit.active.is_(False))))
    else:
        kept = CompletionCount
        summed = sa.select(kept.completed_month, kept.bucket, kept.items).where(
            kept.completed_month >= first_month, kept.completed_month <= last_month)
        if not isinstance(level, _AllLevels):
            summed = summed.where(kept.committee_key == (ROOT_COMMITTEE_KEY if level is None else level))
        inactive = sa.select(count.completed_month, count.bucket, -count.items).where(
            *unit_rows, count.lead_unit_id.in_(sa.select(Unit.id).where(Unit.active.is_(False))))
        rows = sa.union_all(summed, inactive)
    both = rows.subquery()
    query = (sa.select(both.c.completed_month,
                       *[sa.func.sum(sa.case((both.c.bucket == code, both.c["items"]), else_=0))
                         for code in (DONE_ON_TIME, DONE_LATE)])
             .group_by(both.c.completed_month))
    return {month: (int(on_time or 0), int(late or 0)) for month, on_time, late in db.session.execute(query)}


def listed_total(user: User, filters: TaskFilters, today: dt.date) -> int | None:
    """The exact total of `task_rows_query(user, filters, …)` from the kept counts, when they can tell it: a user
    who sees every task (the root committee's office, leaders, …), filtered by status at most (or own level /
    one committee). None otherwise: the caller counts the rows. Whole months come from the counts; this month's
    open tasks, overdue before today and in progress from it, from ix_tasks_state_lists's entries."""
    plain = TaskFilters(status=filters.status, own_level=filters.own_level, committee_id=filters.committee_id)
    if filters != plain or not user.sees_all or committee_id_of(user) is not None:
        return None
    count = TaskCount
    this_month = _month_of(today)
    this_year = dt.date(today.year, 1, 1)
    is_open = count.bucket == COUNTED_OPEN
    status = filters.status if filters.status in STATUSES else None
    # The year rows, but this year's open tasks: those by month, but this month's (read from the tasks below).
    by_year: dict[str | None, ColumnElement[bool]] = {
        None: sa.true(),
        **{code: count.bucket == code for code in (WITHDRAWN, AWAITING_REVIEW, DONE_ON_TIME, DONE_LATE)},
        **_open_status(is_open, count.deadline_month, this_year),
    }
    of_level: list[ColumnElement[bool]] = [count.listed.is_(True)]
    if filters.own_level:
        of_level.append(count.committee_id.is_(None))
    if filters.committee_id is not None:
        of_level.append(count.committee_id == filters.committee_id)
    # Each part a range of ix_task_counts_reads (read from the index alone): the year rows of the status (none of
    # them this year's open ones), and for overdue / in progress this year's open ones by month.
    parts = [sa.select(count.items).where(count.grain == YEAR_GRAIN, by_year[status], *of_level)]
    if status in (OVERDUE, IN_PROGRESS):
        parts += _open_this_year(status, this_month, of_level)
    rows = sa.union_all(*parts).subquery()
    total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(rows.c["items"]), 0))) or 0
    if status in (OVERDUE, IN_PROGRESS):
        days = (this_month, today - dt.timedelta(days=1)) if status == OVERDUE else (today, _month_end(this_month))
        tasks = [Task.state == STATE_OPEN, Task.effective_deadline.between(*days), tracked_task_clause()]
        if filters.own_level:
            tasks.append(Task.committee_id.is_(None))
        if filters.committee_id is not None:
            tasks.append(Task.committee_id == filters.committee_id)
        total += db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(*tasks)) or 0
    return int(total)


def _open_this_year(status: str, this_month: dt.date, of_level: list[ColumnElement[bool]]) -> list[sa.Select]:
    """The kept rows of this year's open tasks of `status` but this month's: overdue those of the months before
    it, in progress those after it. Either those months' rows or, when the rest of the year is fewer months, this
    year's row less the rest's month rows (negative items): each unit has a row a month, so a province's 2,000
    units are 4,000 rows in November rather than 20,000."""
    count = TaskCount
    this_year, december = dt.date(this_month.year, 1, 1), dt.date(this_month.year, 12, 1)
    month_rows = [count.grain == MONTH_GRAIN, count.bucket == COUNTED_OPEN, *of_level]
    if status == OVERDUE:
        wanted, rest = (this_year, _month_before(this_month)), (this_month, december)
    else:
        wanted, rest = (_month_after(this_month), december), (this_year, this_month)
    if _months(*wanted) <= _months(*rest) + 1:  # + 1: the year row
        return [sa.select(count.items).where(*month_rows, count.deadline_month.between(*wanted))]
    return [
        sa.select(count.items).where(count.grain == YEAR_GRAIN, count.bucket == COUNTED_OPEN,
                                     count.deadline_month == this_year, *of_level),
        sa.select(-count.items).where(*month_rows, count.deadline_month.between(*rest)),
    ]


def _month_before(first_day: dt.date) -> dt.date:
    return _month_of(first_day - dt.timedelta(days=1))


def _month_after(first_day: dt.date) -> dt.date:
    return _month_end(first_day) + dt.timedelta(days=1)


def _months(first: dt.date, last: dt.date) -> int:
    """The number of months from `first` to `last` (first days of months), none when `last` is before `first`."""
    return max(0, (last.year - first.year) * 12 + last.month - first.month + 1)


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


def task_directions(task_id: int) -> list[TaskDirection]:
    """A task's directions, newest first, with their authors."""
    return list(db.session.scalars(
        sa.select(TaskDirection)
        .where(TaskDirection.task_id == task_id)
        .options(joinedload(TaskDirection.author), joinedload(TaskDirection.given_by))
        .order_by(TaskDirection.created_at.desc(), TaskDirection.id.desc())
    ))


def new_directions_for_unit(user: User, limit: int = HOME_LIMIT) -> list[TaskDirection]:
    """"Ý kiến chỉ đạo mới" on a unit user's home page: directions on tasks the user's unit leads and the
    user may see, that the unit has not answered yet (no progress update of the lead unit posted after the
    direction), on tasks not withdrawn; newest first, at most `limit`.
    """
    if user.unit_id is None:
        return []
    answer_after = sa.exists().where(
        ProgressUpdate.task_id == TaskDirection.task_id,
        ProgressUpdate.unit_id == Task.lead_unit_id,
        ProgressUpdate.created_at > TaskDirection.created_at,
    )
    return list(db.session.scalars(
        sa.select(TaskDirection)
        .join(Task, Task.id == TaskDirection.task_id)
        .join(Directive, Directive.id == Task.directive_id)
        .where(
            Task.lead_unit_id == user.unit_id,
            Task.state != STATE_WITHDRAWN,
            Directive.confidential.is_(False),
            task_visibility_clause(user),
            ~answer_after,
        )
        .options(joinedload(TaskDirection.task), joinedload(TaskDirection.given_by))
        .order_by(TaskDirection.created_at.desc(), TaskDirection.id.desc())
        .limit(limit)
    ))


# -- periods of recurring tasks, extension requests, groups ---------------------------------------------

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

    period = period_clause(date_from, date_to, OCCURRENCE_COLUMNS)
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


def task_group(group_id: int | None) -> TaskGroup | None:
    return db.session.get(TaskGroup, group_id) if group_id else None


def group_size(group_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(Task.group_id == group_id)) or 0


def progress_updates(task: Task, occurrence: TaskOccurrence | None = None) -> list[ProgressUpdate]:
    """The reports on a task (all of them, its periods' included), or on one of its periods, newest first."""
    # Each report shows its author and unit: loaded with it, not one statement per author and unit.
    query = (sa.select(ProgressUpdate).where(ProgressUpdate.task_id == task.id)
             .options(joinedload(ProgressUpdate.author), joinedload(ProgressUpdate.unit)))
    if occurrence is not None:
        query = query.where(ProgressUpdate.occurrence_id == occurrence.id)
    return list(db.session.scalars(query.order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())))


def acknowledgement_cutoff(today: dt.date) -> dt.datetime:
    """Tasks given before this moment are late to be acknowledged today: a unit has the day a task is given and
    one working day more (given Friday: until Monday evening), so the cutoff is the start of the previous working
    day (UTC, as stored)."""
    previous = current_calendar().add_working_days(today, -1)
    return dt.datetime.combine(previous, dt.time(), tzinfo=VIETNAM).astimezone(dt.UTC)


def unacknowledged_clause(today: dt.date) -> ColumnElement[bool]:
    """Open tracked tasks whose lead unit has not acknowledged them after one working day."""
    return sa.and_(Task.state == STATE_OPEN, Task.acknowledged_at.is_(None),
                   Task.given_at < acknowledgement_cutoff(today), tracked_task_clause())


def unacknowledged_tasks_query(user: User, today: dt.date) -> sa.Select:
    """Open tasks `user` may see that their lead unit has not acknowledged after one working day, oldest first."""
    return (
        sa.select(Task)
        .where(unacknowledged_clause(today), task_visibility_clause(user))
        .options(selectinload(Task.lead_unit), selectinload(Task.directive))
        .order_by(Task.given_at, Task.id)
    )


def unacknowledged_count(user: User, today: dt.date) -> int:
    query = sa.select(sa.func.count()).select_from(Task).where(unacknowledged_clause(today),
                                                                task_visibility_clause(user))
    return db.session.scalar(query) or 0
