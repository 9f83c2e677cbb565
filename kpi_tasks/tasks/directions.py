"""Ý kiến chỉ đạo: a leader's direction on a task (DESIGN.md §2: leaders "see everything, comment/direct").

A direction is written by a leader, or recorded by the office for the leader who gave it (the office often
takes down the Chairman's direction at a meeting). It is never edited or deleted once posted: like the
audit log, where each one is also recorded, it is what was said, when, by whom. Everyone who may see the
task sees its directions; the lead unit finds the ones it has not answered yet on its home page.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_give_direction, task_visibility_clause
from kpi_tasks.accounts.roles import LEADER
from kpi_tasks.audit.services import record
from kpi_tasks.clock import utcnow
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_WITHDRAWN, ProgressUpdate, Task
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

HOME_LIMIT = 20


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


def give_direction(task: Task, actor: User, *, text: str | None, given_by_id: int | None = None) -> TaskDirection:
    """Post a direction on a task the actor may see (the caller has checked that). Flushes; the caller commits.

    A leader's direction is their own. The office or the admin may name the leader who gave it; without a
    name the direction is theirs.
    """
    if not can_give_direction(actor):
        raise PermissionDenied("Chỉ lãnh đạo UBND và Văn phòng HĐND và UBND được ghi ý kiến chỉ đạo.")
    if task.state == STATE_WITHDRAWN:
        raise ConflictError("Nhiệm vụ đã thu hồi, không ghi ý kiến chỉ đạo.")
    errors: dict[str, str] = {}
    text = check_text(errors, "text", text, "nội dung ý kiến chỉ đạo", required=True, max_length=MAX_TEXT_LENGTH)
    given_by = actor
    if given_by_id is not None and given_by_id != actor.id:
        leader = db.session.get(User, given_by_id)
        if actor.role == LEADER:
            errors["given_by_id"] = "Lãnh đạo ghi ý kiến chỉ đạo của chính mình."
        elif leader is None or leader.role != LEADER or not leader.active:
            errors["given_by_id"] = "Chọn một lãnh đạo UBND đang hoạt động trong danh sách."
        else:
            given_by = leader
    if errors:
        raise ValidationError("Ý kiến chỉ đạo chưa hợp lệ.", errors)
    direction = TaskDirection(task_id=task.id, author_id=actor.id, given_by_id=given_by.id, text=text)
    db.session.add(direction)
    db.session.flush()
    changes = {"given_by": (None, given_by.display_name)} if given_by.id != actor.id else None
    record(actor, "task", task.id, "direction", changes, note=text)
    return direction


def task_directions(task_id: int) -> list[TaskDirection]:
    """A task's directions, newest first, with their authors."""
    return list(db.session.scalars(
        sa.select(TaskDirection)
        .where(TaskDirection.task_id == task_id)
        .options(joinedload(TaskDirection.author), joinedload(TaskDirection.given_by))
        .order_by(TaskDirection.created_at.desc(), TaskDirection.id.desc())
    ))


def leaders_to_record_for() -> list[User]:
    """The active leaders the office may record a direction for."""
    return list(db.session.scalars(
        sa.select(User).where(User.role == LEADER, User.active.is_(True)).order_by(User.full_name, User.id)
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

