"""Trao đổi: the thread on a task. Posting (with @mentions and files), correcting within 15 minutes, listing.

A mention is `@` followed by a username (`@vanphong`) or a unit's code (`@CHAUO`, the unit's heads); `@vanphong`
also names the office as a whole (every office user), as people write it. Whoever is named must be able to see
the task, or the comment is refused with their name: a notice would lead them to a page they may not open. The
people named are told (`mention`) in the comment's transaction; every comment is in the task's history.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_comment, can_view_task
from kpi_tasks.accounts.roles import OFFICE
from kpi_tasks.attachments.services import Upload, attach_to_comment
from kpi_tasks.audit.services import record
from kpi_tasks.clock import utcnow
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks import events
from kpi_tasks.tasks.events import TaskEvent, emit
from kpi_tasks.tasks.models import STATE_WITHDRAWN, Task, TaskComment
from kpi_tasks.units.models import Unit
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

MENTION = re.compile(r"(?<![\w@])@([\w.\-]+)")
OFFICE_HANDLE = "vanphong"  # "@vanphong": the office, whoever its users are


@dataclass(frozen=True)
class Mentions:
    unit_ids: tuple[int, ...]
    user_ids: tuple[int, ...]


def mentions_in(text: str, task: Task) -> Mentions:
    """The units and people `text` names with @, each of whom must see `task` (ValidationError otherwise)."""
    handles = {match.rstrip(".-").lower() for match in MENTION.findall(text)}
    if not handles:
        return Mentions((), ())
    users = {user.username.lower(): user for user in db.session.scalars(
        sa.select(User).where(sa.func.lower(User.username).in_(handles), User.active.is_(True)))}
    units = {unit.code.lower(): unit for unit in db.session.scalars(
        sa.select(Unit).where(sa.func.lower(Unit.code).in_(handles)))}
    unknown = sorted(handle for handle in handles - users.keys() - units.keys() if handle != OFFICE_HANDLE)
    if unknown:
        raise ValidationError("Không tìm thấy người hoặc đơn vị được nhắc đến.",
                              {"text": "Không có tài khoản hay mã đơn vị: " + ", ".join("@" + h for h in unknown)})
    user_ids = {user.id for user in users.values()}
    if OFFICE_HANDLE in handles:
        user_ids |= set(db.session.scalars(sa.select(User.id).where(User.role == OFFICE, User.active.is_(True))))
    blind = [user.display_name for user in users.values() if not can_view_task(user, task)]
    on_task = {task.lead_unit_id, *task.coordinating_unit_ids}
    blind += [unit.name for unit in units.values() if unit.id not in on_task]
    if blind:
        raise ValidationError("Người hoặc đơn vị được nhắc đến không xem được nhiệm vụ này.",
                              {"text": "Không xem được nhiệm vụ: " + ", ".join(sorted(blind)) + "."})
    return Mentions(tuple(sorted(unit.id for unit in units.values())), tuple(sorted(user_ids)))


def post_comment(task: Task, actor: User, *, text: str | None, uploads: list[Upload] | None = None) -> TaskComment:
    """A comment in the task's thread, with its files; those it @mentions are told. Flushes; the caller commits."""
    if not can_comment(actor, task):
        raise PermissionDenied("Chỉ Văn phòng, lãnh đạo UBND và các đơn vị thực hiện nhiệm vụ được trao đổi ở đây.")
    if task.state == STATE_WITHDRAWN:
        raise ConflictError("Nhiệm vụ đã thu hồi, không trao đổi thêm.")
    errors: dict[str, str] = {}
    text = check_text(errors, "text", text, "nội dung trao đổi", required=True, max_length=MAX_TEXT_LENGTH)
    if errors:
        raise ValidationError("Chưa nhập nội dung trao đổi.", errors)
    mentions = mentions_in(text, task)
    comment = TaskComment(task_id=task.id, author_id=actor.id, text=text)
    db.session.add(comment)
    db.session.flush()
    files = attach_to_comment(comment, actor, uploads or [])
    changes = {"files": (None, [f.original_name for f in files])} if files else None
    record(actor, "task", task.id, "comment", changes, note=text)
    if mentions.unit_ids or mentions.user_ids:
        emit(TaskEvent(events.MENTION, task, actor, f"comment{comment.id}", note=text, unit_ids=mentions.unit_ids,
                       user_ids=mentions.user_ids))
    return comment


def may_edit(comment: TaskComment, user: User, now: dt.datetime | None = None) -> bool:
    """Its author, within EDIT_MINUTES of posting it."""
    created = comment.created_at if comment.created_at.tzinfo else comment.created_at.replace(tzinfo=dt.UTC)
    return comment.author_id == user.id and (now or utcnow()) - created <= dt.timedelta(minutes=comment.EDIT_MINUTES)


def edit_comment(comment: TaskComment, actor: User, *, text: str | None) -> TaskComment:
    """Its author corrects a comment within 15 minutes; the history keeps what it said before. Newly @mentioned
    people are told."""
    if comment.author_id != actor.id:
        raise PermissionDenied("Chỉ người viết được sửa ý kiến của mình.")
    if not may_edit(comment, actor):
        raise ConflictError(f"Ý kiến chỉ sửa được trong {comment.EDIT_MINUTES} phút sau khi gửi.")
    errors: dict[str, str] = {}
    text = check_text(errors, "text", text, "nội dung trao đổi", required=True, max_length=MAX_TEXT_LENGTH)
    if errors:
        raise ValidationError("Chưa nhập nội dung trao đổi.", errors)
    task = comment.task
    mentions = mentions_in(text, task)
    before = comment.text
    comment.text = text
    comment.edited_at = utcnow()
    db.session.flush()
    record(actor, "task", task.id, "comment_edit", {"text": (before, text)})
    if mentions.unit_ids or mentions.user_ids:  # those named before were told then: one notice each, by its key
        emit(TaskEvent(events.MENTION, task, actor, f"comment{comment.id}", note=text, unit_ids=mentions.unit_ids,
                       user_ids=mentions.user_ids))
    return comment


def task_comments_query(task: Task) -> sa.Select:
    return (sa.select(TaskComment).where(TaskComment.task_id == task.id)
            .options(selectinload(TaskComment.author)).order_by(TaskComment.created_at, TaskComment.id))


def get_comment_or_404(task: Task, comment_id: int) -> TaskComment:
    comment = db.session.get(TaskComment, comment_id)
    if comment is None or comment.task_id != task.id:
        raise NotFound("Không tìm thấy ý kiến trao đổi của nhiệm vụ này.")
    return comment

