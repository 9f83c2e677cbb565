"""Deadlines beyond a single date: recurring occurrences, extension requests, progress tables, task groups."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_OPEN, Task
from kpi_tasks.units.models import Unit

EXTENSION_PENDING = "pending"
EXTENSION_APPROVED = "approved"
EXTENSION_REJECTED = "rejected"
EXTENSION_STATUSES = (EXTENSION_PENDING, EXTENSION_APPROVED, EXTENSION_REJECTED)
EXTENSION_STATUS_LABELS = {
    EXTENSION_PENDING: "Chờ quyết định",
    EXTENSION_APPROVED: "Đồng ý gia hạn",
    EXTENSION_REJECTED: "Không đồng ý",
}


class TaskGroup(db.Model):
    """One instruction given to every unit of a kind ("UBND các xã, thị trấn"): one task per unit."""

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


class Milestone(db.Model):
    """One step of a long task's progress table ("bảng tiến độ"): what, by when, done when."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(sa.ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=1)
    step: Mapped[str] = mapped_column(sa.String(500))
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    done_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative API
