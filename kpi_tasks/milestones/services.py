"""State-changing actions on a task's progress table, as plain functions. Each flushes and logs in the
task's history; callers commit."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_edit_milestones,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import today, utcnow
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.milestones.models import Milestone
from kpi_tasks.tasks.models import STATE_WITHDRAWN, Task
from kpi_tasks.text import format_date
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

# -- progress table ---------------------------------------------------------------------------------------


def _check_milestone(
    errors: dict[str, str], task: Task, step: str | None, due_on: dt.date | None, done_on: dt.date | None,
    note: str | None, position: int | None,
) -> tuple[str, str]:
    step = check_text(errors, "step", step, "bước thực hiện", required=True)
    note = check_text(errors, "note", note, "ghi chú", max_length=MAX_TEXT_LENGTH)
    if done_on is not None and done_on > today():
        errors["done_on"] = "Ngày hoàn thành không được sau ngày hôm nay."
    if due_on is not None and due_on < task.directive.issued_on:
        errors["due_on"] = (
            f"Hạn của bước không được trước ngày ban hành văn bản ({format_date(task.directive.issued_on)})."
        )
    if position is not None and not 1 <= position <= 1000:
        errors["position"] = "Thứ tự phải từ 1 đến 1000."
    return step, note


def _check_milestone_access(task: Task, actor: User) -> None:
    if not can_edit_milestones(actor, task):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND hoặc đơn vị chủ trì được sửa bảng tiến độ.")
    if task.state == STATE_WITHDRAWN:
        raise ConflictError("Nhiệm vụ đã bị thu hồi, không còn theo dõi.")


def get_milestone_or_404(task: Task, milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.task_id != task.id:
        raise NotFound("Không tìm thấy bước thực hiện của nhiệm vụ này.")
    return milestone


def add_milestone(
    task: Task,
    actor: User,
    *,
    step: str | None,
    due_on: dt.date | None = None,
    done_on: dt.date | None = None,
    note: str | None = "",
    position: int | None = None,
) -> Milestone:
    _check_milestone_access(task, actor)
    errors: dict[str, str] = {}
    step, note = _check_milestone(errors, task, step, due_on, done_on, note, position)
    if errors:
        raise ValidationError("Bước thực hiện chưa hợp lệ.", errors)
    last = db.session.scalar(sa.select(sa.func.max(Milestone.position)).where(Milestone.task_id == task.id))
    milestone = Milestone(task_id=task.id, position=(last or 0) + 1, step=step, due_on=due_on, done_on=done_on,
                          note=note)
    db.session.add(milestone)
    db.session.flush()
    if position is not None:
        _move(task, milestone, position)
    changes = {"milestone": (None, step), "milestone_due_on": (None, due_on), "milestone_done_on": (None, done_on)}
    record(actor, "task", task.id, "milestone_add", {key: pair for key, pair in changes.items() if pair[1]})
    return milestone


def update_milestone(
    milestone: Milestone,
    task: Task,
    actor: User,
    *,
    expected_version: int | None,
    step: str | None,
    due_on: dt.date | None = None,
    done_on: dt.date | None = None,
    note: str | None = "",
    position: int | None = None,
) -> Milestone:
    _check_milestone_access(task, actor)
    if expected_version is not None and expected_version != milestone.version:
        raise ConflictError(
            "Bước thực hiện vừa được người khác cập nhật. Vui lòng tải lại trang rồi thực hiện lại."
        )
    errors: dict[str, str] = {}
    step, note = _check_milestone(errors, task, step, due_on, done_on, note, position)
    if errors:
        raise ValidationError("Bước thực hiện chưa hợp lệ.", errors)
    before = {"milestone": milestone.step, "milestone_due_on": milestone.due_on,
              "milestone_done_on": milestone.done_on, "note": milestone.note}
    milestone.step, milestone.due_on, milestone.done_on, milestone.note = step, due_on, done_on, note
    milestone.updated_at = utcnow()
    db.session.flush()
    if position is not None and position != milestone.position:
        _move(task, milestone, position)
    after = {"milestone": step, "milestone_due_on": due_on, "milestone_done_on": done_on, "note": note}
    changes: dict[str, tuple[object, object]] = {key: (old, after[key]) for key, old in before.items()
                                                 if after[key] != old}
    changes.setdefault("milestone", (step, step))
    record(actor, "task", task.id, "milestone_update", changes)
    return milestone


def delete_milestone(milestone: Milestone, task: Task, actor: User) -> None:
    _check_milestone_access(task, actor)
    record(actor, "task", task.id, "milestone_delete", {"milestone": (milestone.step, None)})
    db.session.delete(milestone)
    db.session.flush()
    _renumber(_ordered(task))


def _ordered(task: Task) -> list[Milestone]:
    return list(db.session.scalars(
        sa.select(Milestone).where(Milestone.task_id == task.id).order_by(Milestone.position, Milestone.id)
    ))


def _renumber(milestones: list[Milestone]) -> None:
    """Positions 1..n in the given order; only rows whose position changes are written (and versioned)."""
    for number, each in enumerate(milestones, start=1):
        if each.position != number:
            each.position = number
    db.session.flush()


def _move(task: Task, milestone: Milestone, position: int) -> None:
    """Put `milestone` at `position` (1 = first; past the end = last), the others keeping their order."""
    others = [each for each in _ordered(task) if each.id != milestone.id]
    index = min(max(position, 1), len(others) + 1) - 1
    _renumber([*others[:index], milestone, *others[index:]])


