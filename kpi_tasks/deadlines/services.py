"""State-changing actions of the deadlines area, as plain functions: extension requests and decisions,
the progress table, assignment of one instruction to every unit of a kind. Each flushes and logs in the
task's history; callers commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_decide_extension,
    can_edit_milestones,
    can_manage_tasks,
    can_request_extension,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import today, utcnow
from kpi_tasks.deadlines.models import (
    EXTENSION_APPROVED,
    EXTENSION_PENDING,
    EXTENSION_REJECTED,
    ExtensionRequest,
    Milestone,
    TaskGroup,
    TaskOccurrence,
)
from kpi_tasks.deadlines.occurrences import refresh_task_deadline
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_OPEN, STATE_WITHDRAWN, Task
from kpi_tasks.tasks.services import create_task, get_task_or_404
from kpi_tasks.text import format_date
from kpi_tasks.units.models import UNIT_KINDS
from kpi_tasks.units.services import list_units
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

# How the instruction names the units of a kind in a directive.
BULK_KIND_LABELS = {
    "commune": "UBND các xã, thị trấn",
    "department": "Các phòng, ban chuyên môn",
    "other": "Các đơn vị khác",
}

# -- extension requests --------------------------------------------------------------------------------


def get_extension_request_or_404(request_id: int, user: User) -> ExtensionRequest:
    """A request on a task the user may see; any other is reported as missing."""
    request = db.session.get(ExtensionRequest, request_id)
    if request is None:
        raise NotFound("Không tìm thấy đề nghị gia hạn hoặc bạn không có quyền xem.")
    get_task_or_404(request.task_id, user)
    return request


def request_extension(
    task: Task,
    actor: User,
    *,
    new_deadline: dt.date | None,
    reason: str | None,
    occurrence: TaskOccurrence | None = None,
) -> ExtensionRequest:
    """The lead unit asks for a later deadline, for the task or for one occurrence of a recurring task."""
    if not can_request_extension(actor, task):
        raise PermissionDenied("Chỉ đơn vị chủ trì được đề nghị gia hạn.")
    if occurrence is not None and occurrence.task_id != task.id:
        raise NotFound("Không tìm thấy kỳ báo cáo của nhiệm vụ này.")
    errors: dict[str, str] = {}
    reason = check_text(errors, "reason", reason, "lý do đề nghị gia hạn", required=True, max_length=MAX_TEXT_LENGTH)
    if task.recurrence and occurrence is None:
        errors["occurrence_id"] = "Nhiệm vụ định kỳ: chọn kỳ báo cáo cần gia hạn."
        raise ValidationError("Đề nghị gia hạn chưa hợp lệ.", errors)
    if occurrence is None and task.recurrence is None and task.effective_deadline is None:
        raise ValidationError(
            "Nhiệm vụ thường xuyên (không có thời hạn) không cần gia hạn.", {"new_deadline": "Không có hạn để gia hạn."}
        )
    target_state = occurrence.state if occurrence is not None else task.state
    if task.state == STATE_WITHDRAWN or target_state != STATE_OPEN:
        raise ConflictError("Chỉ đề nghị gia hạn khi nhiệm vụ (kỳ báo cáo) đang thực hiện, chưa báo cáo hoàn thành.")
    current = occurrence.effective_deadline if occurrence is not None else task.effective_deadline
    if new_deadline is None:
        errors["new_deadline"] = "Chưa nhập hạn đề nghị."
    elif current is not None and new_deadline <= current:
        errors["new_deadline"] = f"Hạn đề nghị phải sau hạn hiện tại ({format_date(current)})."
    elif new_deadline < today():
        errors["new_deadline"] = "Hạn đề nghị không được trước ngày hôm nay."
    if errors:
        raise ValidationError("Đề nghị gia hạn chưa hợp lệ.", errors)
    pending = sa.select(ExtensionRequest.id).where(
        ExtensionRequest.task_id == task.id,
        ExtensionRequest.status == EXTENSION_PENDING,
        ExtensionRequest.occurrence_id == occurrence.id if occurrence is not None
        else ExtensionRequest.occurrence_id.is_(None),
    )
    if db.session.scalar(pending) is not None:
        raise ConflictError("Đã có một đề nghị gia hạn đang chờ quyết định; chờ quyết định trước khi đề nghị tiếp.")
    request = ExtensionRequest(
        task_id=task.id,
        occurrence_id=occurrence.id if occurrence is not None else None,
        unit_id=task.lead_unit_id,
        requested_by_id=actor.id,
        previous_deadline=current,
        new_deadline=new_deadline,
        reason=reason,
        status=EXTENSION_PENDING,
    )
    db.session.add(request)
    db.session.flush()
    changes: dict[str, tuple[object, object]] = {"requested_deadline": (current, new_deadline)}
    if occurrence is not None:
        changes["occurrence"] = (None, occurrence.due_on)
    record(actor, "task", task.id, "extension_request", changes, note=reason)
    return request


def decide_extension(
    request: ExtensionRequest, actor: User, *, decision: str, note: str | None = None
) -> ExtensionRequest:
    """The office or a leader approves (the effective deadline becomes the requested one) or rejects.

    The task's original deadline is never changed; a rejection changes nothing but the request.
    """
    if not can_decide_extension(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND hoặc lãnh đạo UBND được quyết định gia hạn.")
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, "ý kiến", max_length=MAX_TEXT_LENGTH)
    if decision not in ("approve", "reject"):
        errors["decision"] = "Quyết định phải là approve (đồng ý) hoặc reject (không đồng ý)."
    elif decision == "reject" and not note:
        errors["note"] = "Khi không đồng ý gia hạn, cần ghi rõ lý do."
    if errors:
        raise ValidationError("Ý kiến về đề nghị gia hạn chưa hợp lệ.", errors)
    if request.status != EXTENSION_PENDING:
        raise ConflictError(f"Đề nghị này đã được quyết định ({request.status_label.lower()}).")
    task = request.task
    if task.state == STATE_WITHDRAWN:
        raise ConflictError("Nhiệm vụ đã bị thu hồi, không còn theo dõi.")
    changes: dict[str, tuple[object, object]] = {}
    if request.occurrence is not None:
        changes["occurrence"] = (None, request.occurrence.due_on)
    if decision == "approve":
        target: Task | TaskOccurrence = request.occurrence if request.occurrence is not None else task
        changes["effective_deadline"] = (target.effective_deadline, request.new_deadline)
        target.effective_deadline = request.new_deadline
        request.status = EXTENSION_APPROVED
    else:
        changes["requested_deadline"] = (request.previous_deadline, request.new_deadline)
        request.status = EXTENSION_REJECTED
    request.decided_by_id = actor.id
    request.decided_at = utcnow()
    request.decision_note = note or None
    db.session.flush()
    refresh_task_deadline(task)
    record(actor, "task", task.id, f"extension_{decision}", changes, note=note or None)
    return request


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


# -- one instruction to every unit of a kind -----------------------------------------------------------------


def create_task_group(
    directive: Directive,
    actor: User,
    *,
    unit_kind: str | None,
    title: str,
    coordinating_unit_ids: Iterable[int] = (),
    **task_values: Any,
) -> tuple[TaskGroup, list[Task]]:
    """"Giao UBND các xã, thị trấn …": one task per active unit of `unit_kind`, each tracked on its own,
    grouped under the instruction. All or nothing: one invalid value refuses the whole group."""
    if not can_manage_tasks(actor):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được giao nhiệm vụ.")
    errors: dict[str, str] = {}
    title = check_text(errors, "title", title, "tên nhiệm vụ", required=True)
    if unit_kind not in UNIT_KINDS:
        errors["lead_unit_kind"] = "Loại đơn vị phải là commune (xã, thị trấn), department (phòng, ban) hoặc other."
    units = list_units(kind=unit_kind) if unit_kind in UNIT_KINDS else []
    if unit_kind in UNIT_KINDS and not units:
        errors["lead_unit_kind"] = f"Chưa có đơn vị nào thuộc nhóm “{BULK_KIND_LABELS[unit_kind]}”."
    if errors:
        raise ValidationError("Thông tin nhiệm vụ chưa hợp lệ.", errors)
    assert unit_kind is not None
    group = TaskGroup(directive_id=directive.id, unit_kind=unit_kind, title=title, created_by_id=actor.id)
    db.session.add(group)
    db.session.flush()
    coordinating = [int(unit_id) for unit_id in coordinating_unit_ids]
    tasks = [
        create_task(
            directive,
            actor,
            title=title,
            lead_unit_id=unit.id,
            # A unit of the kind named as coordinating leads its own copy; it does not coordinate on it.
            coordinating_unit_ids=[unit_id for unit_id in coordinating if unit_id != unit.id],
            group_id=group.id,
            **task_values,
        )
        for unit in units
    ]
    record(actor, "task_group", group.id, "create",
           {"title": (None, title), "lead_unit": (None, BULK_KIND_LABELS[unit_kind]), "tasks": (None, len(tasks))})
    return group, tasks


def get_group_or_404(group_id: int) -> TaskGroup:
    group = db.session.get(TaskGroup, group_id)
    if group is None:
        raise NotFound("Không tìm thấy nhóm nhiệm vụ.")
    return group
