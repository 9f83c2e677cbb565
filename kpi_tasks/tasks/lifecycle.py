"""The lifecycle of what has a deadline and a report: a task, or one period (occurrence) of a recurring task.

One set of rules for both: the assigned units report progress (the lead unit may report completion), the office
confirms or returns a completion report, the lead unit asks for a later deadline and the office or a leader decides.
What differs between a task and a period is only the words of the messages and of the history (`Words`), and that
a period's task follows its earliest open period's deadline. Each function flushes and logs in the task's history;
callers commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict, Unpack

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_contribute,
    can_decide_extension,
    can_report_progress,
    can_request_extension,
    can_review,
)
from kpi_tasks.audit.services import record
from kpi_tasks.clock import today, utcnow
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks import events
from kpi_tasks.tasks.events import TaskEvent, emit, emit_logged
from kpi_tasks.tasks.models import (
    EXTENSION_APPROVED,
    EXTENSION_PENDING,
    EXTENSION_REJECTED,
    STATE_AWAITING_REVIEW,
    STATE_DONE,
    STATE_OPEN,
    STATE_WITHDRAWN,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskOccurrence,
)
from kpi_tasks.tasks.occurrences import refresh_task_deadline
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.text import format_date
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

DECISIONS = ("approve", "return")


@dataclass(frozen=True)
class Words:
    """How the messages and the history name the subject: the task itself, or one of its periods."""

    who_reports: str
    stale: str  # formatted with the stored and the expected version
    note: str
    missing_note: str
    invalid_report: str
    not_reported: str
    awaiting_review: str
    done: str
    history_prefix: str  # "" for the task, "occurrence_" for a period ("occurrence_report", "occurrence_approve")
    reported: str  # what the page says after a report, after a completion report, after a review
    reported_done: str
    reviewed: str


TASK_WORDS = Words(
    who_reports="Chỉ đơn vị được giao nhiệm vụ mới được cập nhật tiến độ.",
    stale="Nhiệm vụ vừa được người khác cập nhật (phiên bản {stored}, bạn đang sửa phiên bản {expected}). "
          "Vui lòng tải lại trang để xem thay đổi mới nhất rồi thực hiện lại.",
    note="nội dung cập nhật",
    missing_note="Chưa nhập nội dung cập nhật.",
    invalid_report="Cập nhật tiến độ chưa hợp lệ.",
    not_reported="Nhiệm vụ chưa được đơn vị báo cáo hoàn thành nên chưa thể xác nhận.",
    awaiting_review="Nhiệm vụ đã báo cáo hoàn thành, đang chờ Văn phòng xác nhận; không thể cập nhật thêm.",
    done="Nhiệm vụ đã được xác nhận hoàn thành; không thể cập nhật thêm.",
    history_prefix="",
    reported="Đã cập nhật tiến độ.",
    reported_done="Đã báo cáo hoàn thành; chờ Văn phòng xác nhận.",
    reviewed="Đã ghi nhận ý kiến xác nhận.",
)
PERIOD_WORDS = Words(
    who_reports="Chỉ đơn vị được giao nhiệm vụ mới được báo cáo kỳ này.",
    stale="Kỳ báo cáo vừa được người khác cập nhật (phiên bản {stored}, bạn đang sửa phiên bản {expected}). "
          "Vui lòng tải lại trang rồi thực hiện lại.",
    note="nội dung báo cáo",
    missing_note="Chưa nhập nội dung báo cáo.",
    invalid_report="Báo cáo kỳ chưa hợp lệ.",
    not_reported="Kỳ báo cáo chưa được đơn vị báo cáo hoàn thành nên chưa thể xác nhận.",
    awaiting_review="Kỳ này đã báo cáo hoàn thành, đang chờ Văn phòng xác nhận; không thể cập nhật thêm.",
    done="Kỳ này đã được xác nhận hoàn thành; không thể cập nhật thêm.",
    history_prefix="occurrence_",
    reported="Đã cập nhật báo cáo kỳ.",
    reported_done="Đã báo cáo hoàn thành kỳ; chờ Văn phòng xác nhận.",
    reviewed="Đã ghi nhận ý kiến xác nhận kỳ báo cáo.",
)
WITHDRAWN_MESSAGE = "Nhiệm vụ đã bị thu hồi, không còn theo dõi."
# The history's action for a report: the task's names, or the period's.
_REPORT_ACTIONS = {"": ("progress", "report_completion"), "occurrence_": ("occurrence_progress", "occurrence_report")}


@dataclass(frozen=True)
class Reportable:
    """What the lifecycle acts on: a task, or one period of a recurring task (`occurrence`)."""

    task: Task
    occurrence: TaskOccurrence | None = None

    @classmethod
    def of(cls, item: Task | TaskOccurrence) -> Reportable:
        return cls(item.task, item) if isinstance(item, TaskOccurrence) else cls(item)

    @property
    def item(self) -> Task | TaskOccurrence:
        return self.occurrence if self.occurrence is not None else self.task

    @property
    def words(self) -> Words:
        return PERIOD_WORDS if self.occurrence is not None else TASK_WORDS

    def history_changes(self) -> dict[str, tuple[object, object]]:
        """What every history line of a period starts with: which period it is."""
        return {"occurrence": (None, self.occurrence.due_on)} if self.occurrence is not None else {}

    def check_version(self, expected_version: int | None) -> None:
        stored = self.item.version
        if expected_version is not None and expected_version != stored:
            raise ConflictError(self.words.stale.format(stored=stored, expected=expected_version))

    def check_open(self) -> None:
        """Refuse a report on what is no longer open (reported, confirmed, or its task withdrawn)."""
        state = self.item.state
        if self.task.state == STATE_WITHDRAWN:
            raise ConflictError(WITHDRAWN_MESSAGE)
        if state == STATE_AWAITING_REVIEW:
            raise ConflictError(self.words.awaiting_review)
        if state != STATE_OPEN:
            raise ConflictError(self.words.done)

    @property
    def may_ask_extension(self) -> bool:
        """A period, or a task with a deadline that is not recurring (a recurring task's periods each have theirs)."""
        task = self.task
        return self.occurrence is not None or (task.recurrence is None and task.effective_deadline is not None)

    def deadline_moved(self) -> None:
        """A recurring task's own deadline is its earliest open period's (nothing to do for a task)."""
        refresh_task_deadline(self.task)


# -- reports and their review ---------------------------------------------------------------------------


def report(
    subject: Reportable,
    actor: User,
    *,
    progress_percent: int | None,
    note: str | None,
    report_completed: bool = False,
    completed_on: dt.date | None = None,
    expected_version: int | None = None,
) -> ProgressUpdate:
    """A unit reports progress on the task or period; the lead unit may report it done (the office confirms).

    A coordinating unit's contribution is stored as an update without moving the progress.
    """
    task, words = subject.task, subject.words
    if not can_contribute(actor, task):
        raise PermissionDenied(words.who_reports)
    subject.check_version(expected_version)
    subject.check_open()
    leads = can_report_progress(actor, task)
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, words.note, max_length=MAX_TEXT_LENGTH)
    if report_completed and not leads:
        errors["report_completed"] = "Chỉ đơn vị chủ trì được báo cáo hoàn thành."
    elif report_completed and task.recurrence and subject.occurrence is None:
        errors["report_completed"] = "Nhiệm vụ định kỳ được báo cáo hoàn thành theo từng kỳ báo cáo."
    progress_percent, completed_on = _checked_report(
        errors, task, leads=leads, progress_percent=progress_percent, note=note, report_completed=report_completed,
        completed_on=completed_on, missing_note=words.missing_note,
    )
    if errors:
        raise ValidationError(words.invalid_report, errors)
    update, changes = _store_report(subject, actor, leads=leads, progress_percent=progress_percent, note=note,
                                    report_completed=report_completed, completed_on=completed_on)
    if subject.occurrence is not None:
        subject.deadline_moved()
    progress_action, completion_action = _REPORT_ACTIONS[words.history_prefix]
    record(actor, "task", task.id, completion_action if report_completed else progress_action,
           {**subject.history_changes(), **changes}, note=note or None)
    if report_completed:
        emit(TaskEvent(events.AWAITING_REVIEW, task, actor, f"update{update.id}", note=note or None,
                       occurrence_id=update.occurrence_id))
    return update


def review(
    subject: Reportable, actor: User, *, decision: str, note: str | None = None, expected_version: int | None = None
) -> Task | TaskOccurrence:
    """The office confirms a reported completion (→ done on time / late) or returns it with a note."""
    if not can_review(actor, subject.task):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được xác nhận kết quả.")
    subject.check_version(expected_version)
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, "ý kiến", max_length=MAX_TEXT_LENGTH)
    if decision not in DECISIONS:
        errors["decision"] = "Quyết định phải là approve (xác nhận) hoặc return (trả lại)."
    elif decision == "return" and not note:
        errors["note"] = "Khi trả lại, cần ghi rõ lý do để đơn vị bổ sung."
    if errors:
        raise ValidationError("Ý kiến xác nhận chưa hợp lệ.", errors)
    item = subject.item
    if item.state != STATE_AWAITING_REVIEW:
        raise ConflictError(subject.words.not_reported)
    changes = subject.history_changes()
    if decision == "approve":
        changes["state"] = (item.state, STATE_DONE)
        changes["completed_on"] = (item.completed_on, item.completion_reported_on)
        item.state = STATE_DONE
        item.completed_on = item.completion_reported_on
    else:
        changes["state"] = (item.state, STATE_OPEN)
        item.state = STATE_OPEN
        item.completion_reported_on = None
    item.review_note = note or None
    item.updated_at = utcnow()
    db.session.flush()
    if subject.occurrence is not None:
        subject.deadline_moved()
    logged = record(actor, "task", subject.task.id, subject.words.history_prefix + decision, changes,
                    note=note or None)
    if decision == "return":
        emit_logged(events.RETURNED, subject.task, actor, logged, note=note or None,
                    occurrence_id=subject.occurrence.id if subject.occurrence is not None else None)
    return item


class ReportValues(TypedDict, total=False):
    progress_percent: int | None
    note: str | None
    report_completed: bool
    completed_on: dt.date | None
    expected_version: int | None


class ReviewValues(TypedDict, total=False):
    decision: str
    note: str | None
    expected_version: int | None


def post_update(task: Task, actor: User, **values: Unpack[ReportValues]) -> ProgressUpdate:
    """`report` on a task."""
    return report(Reportable(task), actor, **values)


def review_task(task: Task, actor: User, **values: Unpack[ReviewValues]) -> Task | TaskOccurrence:
    """`review` of a task's reported completion."""
    return review(Reportable(task), actor, **values)


def report_occurrence(occurrence: TaskOccurrence, actor: User, **values: Unpack[ReportValues]) -> ProgressUpdate:
    """`report` on one period of a recurring task."""
    return report(Reportable.of(occurrence), actor, **values)


def review_occurrence(occurrence: TaskOccurrence, actor: User, **values: Unpack[ReviewValues]) -> Task | TaskOccurrence:
    """`review` of one period's reported completion."""
    return review(Reportable.of(occurrence), actor, **values)


def _checked_report(
    errors: dict[str, str],
    task: Task,
    *,
    leads: bool,
    progress_percent: int | None,
    note: str | None,
    report_completed: bool,
    completed_on: dt.date | None,
    missing_note: str,
) -> tuple[int | None, dt.date | None]:
    """Check a report into `errors`; return the progress and completion date to store: a completion report is
    100% on its date (today unless given), which can be neither in the future nor before the directive's issue."""
    if progress_percent is None:
        if leads and not report_completed:
            errors["progress_percent"] = "Chưa nhập tiến độ (%)."
    elif not 0 <= progress_percent <= 100:
        errors["progress_percent"] = "Tiến độ phải từ 0 đến 100%."
    if report_completed:
        completed_on = completed_on or today()
        if completed_on > today():
            errors["completed_on"] = "Ngày hoàn thành không được sau ngày hôm nay."
        elif completed_on < task.directive.issued_on:
            errors["completed_on"] = (
                "Ngày hoàn thành không được trước ngày ban hành văn bản "
                f"({format_date(task.directive.issued_on)})."
            )
        return 100, completed_on
    if not note and progress_percent is None:
        errors["note"] = missing_note
    return progress_percent, completed_on


def _store_report(
    subject: Reportable,
    actor: User,
    *,
    leads: bool,
    progress_percent: int | None,
    note: str | None,
    report_completed: bool,
    completed_on: dt.date | None,
) -> tuple[ProgressUpdate, dict[str, tuple[object, object]]]:
    """Store a checked report; return the update and the changes for the history. Only the lead unit moves the
    progress or reports completion."""
    task, target = subject.task, subject.item
    update = ProgressUpdate(
        task_id=task.id,
        occurrence_id=subject.occurrence.id if subject.occurrence is not None else None,
        unit_id=actor.unit_id or task.lead_unit_id,
        author_id=actor.id,
        progress_percent=progress_percent,
        note=note,
        reports_completion=report_completed,
        completed_on=completed_on if report_completed else None,
    )
    db.session.add(update)
    changes: dict[str, tuple[object, object]] = {}
    if leads:
        if progress_percent is not None and progress_percent != target.progress_percent:
            changes["progress_percent"] = (target.progress_percent, progress_percent)
            target.progress_percent = progress_percent
        if report_completed:
            changes["state"] = (target.state, STATE_AWAITING_REVIEW)
            changes["completion_reported_on"] = (target.completion_reported_on, completed_on)
            target.state = STATE_AWAITING_REVIEW
            target.completion_reported_on = completed_on
    # Touching the row bumps `version`, so a concurrent report based on the old version is refused.
    target.updated_at = utcnow()
    db.session.flush()
    return update, changes


# -- extension requests -----------------------------------------------------------------------------------


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
    request: ExtensionRequest, actor: User, *, decision: str, note: str | None = None,
    new_deadline: dt.date | None = None,
) -> ExtensionRequest:
    """The office or a leader approves (the effective deadline becomes the requested one, or `new_deadline` when
    they grant another date) or rejects.

    The task's original deadline is never changed; a rejection changes nothing but the request.
    """
    if not can_decide_extension(actor, request.task):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND hoặc lãnh đạo UBND được quyết định gia hạn.")
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, "ý kiến", max_length=MAX_TEXT_LENGTH)
    if decision not in ("approve", "reject"):
        errors["decision"] = "Quyết định phải là approve (đồng ý) hoặc reject (không đồng ý)."
    elif decision == "reject" and not note:
        errors["note"] = "Khi không đồng ý gia hạn, cần ghi rõ lý do."
    elif decision == "reject" and new_deadline is not None:
        errors["new_deadline"] = "Chỉ ghi hạn mới khi đồng ý gia hạn."
    elif new_deadline is not None and request.previous_deadline and new_deadline <= request.previous_deadline:
        errors["new_deadline"] = f"Hạn mới phải sau hạn hiện tại ({format_date(request.previous_deadline)})."
    elif new_deadline is not None and new_deadline < today():
        errors["new_deadline"] = "Hạn mới không được trước ngày hôm nay."
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
        granted = new_deadline or request.new_deadline
        changes["effective_deadline"] = (target.effective_deadline, granted)
        if granted != request.new_deadline:
            changes["requested_deadline"] = (request.new_deadline, granted)  # asked for → granted
            request.granted_deadline = granted
        target.effective_deadline = granted
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
    emit(TaskEvent(events.EXTENSION_DECIDED, task, actor, f"extension{request.id}", note=note or None,
                   user_ids=(request.requested_by_id,), occurrence_id=request.occurrence_id))
    return request
