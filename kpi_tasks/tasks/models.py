from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import utcnow
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit

# Workflow state as stored; the status users see is derived from it and the dates (tasks/status.py).
STATE_OPEN = "open"
STATE_AWAITING_REVIEW = "awaiting_review"
STATE_DONE = "done"
STATE_WITHDRAWN = "withdrawn"

EXTENSION_PENDING = "pending"
EXTENSION_APPROVED = "approved"
EXTENSION_REJECTED = "rejected"
EXTENSION_STATUSES = (EXTENSION_PENDING, EXTENSION_APPROVED, EXTENSION_REJECTED)
EXTENSION_STATUS_LABELS = {
    EXTENSION_PENDING: "Chờ quyết định",
    EXTENSION_APPROVED: "Đồng ý gia hạn",
    EXTENSION_REJECTED: "Không đồng ý",
}

task_coordinating_units = sa.Table(
    "task_coordinating_units",
    db.metadata,
    sa.Column("task_id", sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("units.id"), primary_key=True, index=True),
)

task_assignees = sa.Table(
    "task_assignees",
    db.metadata,
    sa.Column("task_id", sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
    # When the manager handed the task to this officer: what the officer's "Mới được giao" keys on. Rows from
    # before migration 0013 carry their task's creation time.
    sa.Column("assigned_at", sa.DateTime(timezone=True), default=utcnow),
)

# Theo dõi: people who follow a task (beyond its units and its leader in charge) and hear of its events.
task_watchers = sa.Table(
    "task_watchers",
    db.metadata,
    sa.Column("task_id", sa.ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Task(db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(sa.ForeignKey("directives.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    content: Mapped[str] = mapped_column(sa.Text, default="")
    # Accent-folded title and content so that "so hoa" finds "số hóa" with a plain LIKE in SQL.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    section: Mapped[str | None] = mapped_column(sa.String(40))
    lead_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))  # indexed by ix_tasks_unit_counts
    leader_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    deadline_kind: Mapped[str] = mapped_column(sa.String(20), default="date")
    deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    deadline_working_days: Mapped[int | None] = mapped_column()
    # "2024", "2024-Q1" or "2024-03" when the deadline was given as the end of a period (deadline = its last day).
    deadline_period: Mapped[str | None] = mapped_column(sa.String(10))
    # A recurring duty's rule code (calendar/recurrence.py); its due instances are TaskOccurrence rows.
    recurrence: Mapped[str | None] = mapped_column(sa.String(120))
    # Set when the task is one unit's copy of an instruction given to every unit of a kind (TaskGroup).
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task_groups.id"), index=True)
    # The latest approved extension, else the original deadline; kept in the row so lists sort and
    # filter on an index instead of joining the extension history.
    effective_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)  # indexed by ix_tasks_deadline_lists
    state: Mapped[str] = mapped_column(sa.String(20), default=STATE_OPEN)  # indexed by ix_tasks_state_lists
    progress_percent: Mapped[int] = mapped_column(default=0)
    completion_reported_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date, index=True)
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    # When the lead unit was given the task (its creation, or its hand-over to another lead unit), and when that unit
    # confirmed it received it (tiếp nhận).
    given_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Whose own work the task is: the commune committee (a unit with `is_committee`) that gave it, NULL for the
    # root committee. Its directive's committee, or for a breakdown the committee of the parent task's lead unit.
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # The task received from above that this one breaks down (POST /tasks/{id}/subtasks).
    parent_task_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tasks.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)

    directive: Mapped[Directive] = relationship()
    parent_task: Mapped[Task | None] = relationship(remote_side=[id], foreign_keys=[parent_task_id])
    lead_unit: Mapped[Unit] = relationship(foreign_keys=[lead_unit_id])
    leader: Mapped[User | None] = relationship(foreign_keys=[leader_id])
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])
    coordinating_units: Mapped[list[Unit]] = relationship(
        secondary=task_coordinating_units, order_by=Unit.name
    )
    assignees: Mapped[list[User]] = relationship(secondary=task_assignees, order_by=User.full_name)

    # The lists and counts read these indexes alone (directive_id, completed_on are there for that): a list's
    # first page walks one in list order and stops at the page size; a count or a per-unit aggregate reads
    # no table row (tasks/queries.py).
    __table_args__ = (
        # Counts per lead unit (home page, statistics) and a unit's lists by state and deadline.
        sa.Index("ix_tasks_unit_counts", "lead_unit_id", "state", "effective_deadline", "completed_on",
                 "recurrence", "directive_id"),
        # Lists of one state by deadline (overdue, in progress, done late: a range on the deadline).
        sa.Index("ix_tasks_state_lists", "state", "effective_deadline", "id", "completed_on", "directive_id"),
        # Lists of one state whose tasks may have no deadline, in list order: by deadline, undated last.
        sa.Index("ix_tasks_state_undated_last", "state", sa.text("(effective_deadline IS NULL)"),
                 "effective_deadline", "id", "completed_on", "directive_id"),
        # Lists of a range of deadlines (a period, due soon), by deadline.
        sa.Index("ix_tasks_deadline_lists", "effective_deadline", "id", "directive_id"),
        # The list of every task, in the same order.
        sa.Index("ix_tasks_undated_last", sa.text("(effective_deadline IS NULL)"), "effective_deadline", "id",
                 "directive_id"),
        # The recurring tasks, whose occurrences the per-unit counts add (queries.py): found without
        # a pass over every task.
        # This month's open tasks, which the kept counts leave to the tasks (tasks/queries.py unit_stats_query):
        # read by deadline from the index alone.
        sa.Index("ix_tasks_open_counts", "state", "effective_deadline", "completed_on", "lead_unit_id",
                 "committee_id", "recurrence", "directive_id"),
        # The open tasks no one acknowledged yet, by when they were given (the office's home page counts those
        # given more than a working day ago): the few entries of that range, not every open task.
        sa.Index("ix_tasks_unacknowledged", "given_at", "directive_id",
                 sqlite_where=sa.text("state = 'open' AND acknowledged_at IS NULL"),
                 postgresql_where=sa.text("state = 'open' AND acknowledged_at IS NULL")),
        # The tasks a leader is in charge of (their "mine" list, with the ones they follow): few tasks name one.
        sa.Index("ix_tasks_leader", "leader_id", sqlite_where=sa.text("leader_id IS NOT NULL"),
                 postgresql_where=sa.text("leader_id IS NOT NULL")),
        sa.Index("ix_tasks_recurring", "lead_unit_id", "id", "state", "directive_id",
                 sqlite_where=sa.text("recurrence IS NOT NULL"), postgresql_where=sa.text("recurrence IS NOT NULL")),
        sa.CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name="progress_range"),
    )
    # Optimistic locking: a flush that finds another writer's version raises StaleDataError (→ 409).
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API

    @property
    def coordinating_unit_ids(self) -> list[int]:
        return [unit.id for unit in self.coordinating_units]


class ProgressUpdate(db.Model):
    __tablename__ = "progress_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # Set when the update reports on one occurrence of a recurring task (TaskOccurrence).
    occurrence_id: Mapped[int | None] = mapped_column(sa.ForeignKey("task_occurrences.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    progress_percent: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(sa.Text, default="")
    reports_completion: Mapped[bool] = mapped_column(default=False)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)

    unit: Mapped[Unit] = relationship()
    author: Mapped[User] = relationship()


# Ý kiến chỉ đạo: a leader's direction on a task (DESIGN.md §2: leaders "see everything, comment/direct").
# Written by a leader, or recorded by the office for the leader who gave it (the office often takes down the
# Chairman's direction at a meeting). Never edited or deleted once posted: like the audit log, where each one is
# also recorded, it is what was said, when, by whom. Everyone who may see the task sees its directions; the lead
# unit finds the ones it has not answered yet on its home page.
class TaskDirection(db.Model):
    __tablename__ = "task_directions"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"))
    # Who wrote it in the system, and whose direction it is: the same leader, or the office recording a
    # leader's direction (or its own, when it names no leader).
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    given_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    task: Mapped[Task] = relationship()
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    given_by: Mapped[User] = relationship(foreign_keys=[given_by_id])

    __table_args__ = (sa.Index("ix_task_directions_task_id_created_at", "task_id", "created_at"),)

    @property
    def recorded_for_leader(self) -> bool:
        """The office wrote down a leader's direction (the page says who recorded it)."""
        return self.author_id != self.given_by_id


# Trao đổi: the thread on a task, where the office, leaders and the units on it write to one another and name a
# unit or a person with @ (who is then told). A comment can be corrected by its author for EDIT_MINUTES after it was
# posted, never afterwards; the history keeps both texts.
class TaskComment(db.Model):
    __tablename__ = "task_comments"

    EDIT_MINUTES = 15

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    task: Mapped[Task] = relationship()
    author: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_task_comments_task_id_created_at", "task_id", "created_at"),)


class CalendarFeed(db.Model):
    """A user's secret address of their deadlines as an iCalendar feed (tasks/calendar_feed.py). Only the token's
    SHA-256 is kept; making a new address revokes the old one."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class TaskGroup(db.Model):
    """One instruction given to every unit of a kind ("UBND các xã, phường"): one task per unit."""

    __tablename__ = "task_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(sa.ForeignKey("directives.id"), index=True)
    unit_kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class TaskOccurrence(db.Model):
    """One due instance of a recurring task, with its own deadline, progress and workflow state.

    `due_on` is the date the rule gives (the stable key: generation never creates the same date twice);
    `effective_deadline` starts equal to it and moves only by an approved extension. `period_start` is the
    first day of the period the report covers (the day after the previous due date, or the series start).
    """

    __tablename__ = "task_occurrences"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"))
    period_start: Mapped[dt.date] = mapped_column(sa.Date)
    due_on: Mapped[dt.date] = mapped_column(sa.Date)
    effective_deadline: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    state: Mapped[str] = mapped_column(sa.String(20), default=STATE_OPEN)
    progress_percent: Mapped[int] = mapped_column(default=0)
    completion_reported_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    review_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    task: Mapped[Task] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("task_id", "due_on"),
        sa.CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name="progress_range"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API


class ExtensionRequest(db.Model):
    """The lead unit asks for a later deadline; the office or a leader decides. The original stays on the task."""

    __tablename__ = "extension_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # Set when the request concerns one occurrence of a recurring task.
    occurrence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("task_occurrences.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The deadline in force when the request was made, so the history reads "from … to …".
    previous_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    new_deadline: Mapped[dt.date] = mapped_column(sa.Date)
    # The date granted when the decision gave another one than `new_deadline` (the date asked for).
    granted_deadline: Mapped[dt.date | None] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default=EXTENSION_PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    task: Mapped[Task] = relationship()
    occurrence: Mapped[TaskOccurrence | None] = relationship()
    unit: Mapped[Unit] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return EXTENSION_STATUS_LABELS.get(self.status, self.status)


class TaskCount(db.Model):
    """How many counted items (tasks that do not recur, occurrences of recurring tasks; confidential directives
    left out) share one key: what the statistics group and filter on, kept by tasks/counts.py as tasks change.

    Nothing here depends on today's date: an open item keeps its deadline's month, and the readers decide at read
    time which months are overdue (the current month's items are read from the tasks themselves). `bucket` is the
    stored state with done split into on time / late (a fixed fact once done): withdrawn, awaiting_review,
    done_on_time, done_late, open, or in_progress for a row no status predicate matches (see tasks/status.py).
    """

    __tablename__ = "task_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    committee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    bucket: Mapped[str] = mapped_column(sa.String(20))
    # First day of the month of the effective deadline / of the completion / (open occurrences only) of the
    # period's start, which decides whether the occurrence has begun.
    deadline_month: Mapped[dt.date | None] = mapped_column(sa.Date)
    completed_month: Mapped[dt.date | None] = mapped_column(sa.Date)
    begins_month: Mapped[dt.date | None] = mapped_column(sa.Date)
    extended: Mapped[bool] = mapped_column(default=False)
    # False: the statistics' items (above). True: every task as the lists count it (a recurring one once, by its
    # own columns), so that a list's exact total need not count the tasks (tasks.queries.listed_total).
    listed: Mapped[bool] = mapped_column(default=False)
    # "month": the three dates are first days of months; "year": the same items again by first days of years, so
    # that a year's figures read a few rows per unit (the months only for this year's open items).
    grain: Mapped[str] = mapped_column(sa.String(5))
    items: Mapped[int] = mapped_column()

    # Every column in each: the figures read index entries only (by bucket and deadline; by completion month).
    __table_args__ = (
        sa.Index("ix_task_counts_reads", "grain", "listed", "bucket", "deadline_month", "completed_month",
                 "begins_month", "lead_unit_id", "committee_id", "extended", "items"),
        # By completion month, with what an item's status and the period rule read (a year's figures read the
        # items completed in the year but due in another from this index alone: tasks.queries._kept_counts).
        sa.Index("ix_task_counts_completions", "grain", "listed", "completed_month", "bucket", "deadline_month",
                 "begins_month", "lead_unit_id", "committee_id", "extended", "items"),
        sa.Index("ix_task_counts_begins", "grain", "begins_month"),
        # The lists' totals (tasks.queries.listed_total): their rows alone, in a narrow entry, read a few times faster
        # than from ix_task_counts_reads (a province's 2,000 units are a row per unit per year or month).
        sa.Index("ix_task_counts_listed", "grain", "bucket", "deadline_month", "committee_id", "items",
                 sqlite_where=sa.text("listed IS 1"), postgresql_where=sa.text("listed IS true")),
    )


class CompletionCount(db.Model):
    """The statistics' items done (on time, late) per committee's own tasks and completion month: TaskCount's month
    rows (not `listed`) summed over the lead units, kept with them by tasks/counts.py. The completions trend reads a
    year's 24 rows here rather than a province's 72,000 month rows (one per unit, month and key)."""

    __tablename__ = "completion_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # TaskCount.committee_id, 0 for the root committee's own tasks (NULL there): a key without NULL is unique,
    # which each unit's recount needs to add its change to the row it shares with the other units (an upsert).
    committee_key: Mapped[int] = mapped_column()
    bucket: Mapped[str] = mapped_column(sa.String(20))
    completed_month: Mapped[dt.date] = mapped_column(sa.Date)
    items: Mapped[int] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("committee_key", "completed_month", "bucket"),
    )


class InvolvementCount(db.Model):
    """How many of a unit's due items share one key, for each way the unit is involved (lead, coordinating): what
    the emulation scoring counts, kept by tasks/involvement_counts.py as tasks change.

    An item is what `tasks.periods.due_items` lists: a task that does not recur, or an occurrence of a recurring
    one, with a deadline, of a directive that is not confidential. Like TaskCount nothing here depends on today's
    date: `bucket` is the stored state with done split into on time / late, and the reader decides which months are
    overdue. `extended` is the scoring's own sense, an effective deadline after the original one (an approved
    extension), not TaskCount's.
    """

    __tablename__ = "involvement_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(12))
    bucket: Mapped[str] = mapped_column(sa.String(20))
    # First day of the month (grain "month") or of the year (grain "year") of the effective deadline.
    deadline_month: Mapped[dt.date] = mapped_column(sa.Date)
    extended: Mapped[bool] = mapped_column(default=False)
    grain: Mapped[str] = mapped_column(sa.String(5))
    items: Mapped[int] = mapped_column()

    # Every column: a period's figures read index entries only.
    __table_args__ = (
        sa.Index("ix_involvement_counts_reads", "grain", "deadline_month", "unit_id", "role", "bucket", "extended",
                 "items"),
    )
