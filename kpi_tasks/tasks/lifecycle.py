"""The lifecycle of what has a deadline and a report (a task, or one period of a recurring task): extension
requests and their decisions. Each flushes and logs in the task's history; callers commit."""


from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_decide_extension,
    can_request_extension,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import today, utcnow
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import (
    EXTENSION_APPROVED,
    EXTENSION_PENDING,
    EXTENSION_REJECTED,
    STATE_OPEN,
    STATE_WITHDRAWN,
    ExtensionRequest,
    Task,
    TaskOccurrence,
)
from kpi_tasks.tasks.occurrences import refresh_task_deadline
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.text import format_date
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text


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
