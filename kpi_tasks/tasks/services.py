"""Every state-changing action on a task, as plain functions. Each flushes and logs; callers commit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_acknowledge,
    can_assign_staff,
    can_assign_to_unit,
    can_break_down,
    can_give_direction,
    can_manage_tasks,
    can_view_task,
    committee_id_of,
    unit_committee_id,
)
from kpi_tasks.accounts.roles import LEADER, UNIT_STAFF
from kpi_tasks.audit.services import record
from kpi_tasks.calendar.recurrence import describe, rule_from_code, rule_to_code
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.calendar.workdays import parse_period
from kpi_tasks.clock import today, utcnow
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks import events
from kpi_tasks.tasks.events import TaskEvent, emit, emit_logged
from kpi_tasks.tasks.models import (
    STATE_AWAITING_REVIEW,
    STATE_DONE,
    STATE_OPEN,
    STATE_WITHDRAWN,
    ProgressUpdate,
    Task,
    TaskDirection,
    TaskGroup,
    task_assignees,
)
from kpi_tasks.tasks.occurrences import generate_occurrences, generation_horizon, sync_occurrences
from kpi_tasks.tasks.status import status_expression
from kpi_tasks.text import fold, format_date
from kpi_tasks.units.models import UNIT_KINDS, Unit
from kpi_tasks.units.services import list_units
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text

DEADLINE_NONE = "none"
DEADLINE_DATE = "date"
DEADLINE_WORKING_DAYS = "working_days"
DEADLINE_PERIOD = "period"
DEADLINE_RECURRING = "recurring"
# Passed as `deadline_kind` by a caller whose user must name the kind when no deadline field is sent (the API):
# the kind is then that of the one field sent, and with none sent the task is refused, never made a standing one.
DEADLINE_UNSAID = ""
DEADLINE_KINDS = (DEADLINE_DATE, DEADLINE_WORKING_DAYS, DEADLINE_PERIOD, DEADLINE_RECURRING, DEADLINE_NONE)
# The field each dated kind needs, and what to say when it was left empty (a blank deadline must never turn a
# task into a standing one: that kind is chosen, never a default).
_KIND_FIELDS = {
    DEADLINE_DATE: ("deadline", "Chưa nhập hạn xử lý (dd/mm/yyyy). Nhiệm vụ không thời hạn thì chọn "
                                "“Không thời hạn (thường xuyên)”."),
    DEADLINE_WORKING_DAYS: ("deadline_working_days", "Chưa nhập số ngày làm việc."),
    DEADLINE_PERIOD: ("deadline_period", "Chưa nhập kỳ (ví dụ 2026, 2026-Q2 hoặc 2026-06)."),
    DEADLINE_RECURRING: ("recurrence", "Chưa chọn chu kỳ định kỳ."),
}
MAX_WORKING_DAYS = 1000
# How the instruction names the units of a kind in a directive.
BULK_KIND_LABELS = {
    "commune": "UBND các xã, phường, đặc khu",
    "department": "Các cơ quan chuyên môn",
    "village": "Các thôn, ấp, tổ dân phố",
    "other": "Các đơn vị khác",
}


def get_task_or_404(task_id: int, user: User, *options: ORMOption) -> Task:
    """Load a task the user may see; a task they may not see is reported as missing (404). Its directive, which
    the check reads, comes in the same statement, and so does whatever `options` load (the task page's)."""
    task = db.session.get(Task, task_id, options=[joinedload(Task.directive), *options])
    if task is None or task.directive.confidential or not can_view_task(user, task):
        raise NotFound("Không tìm thấy nhiệm vụ hoặc bạn không có quyền xem.")
    return task


def task_status(task: Task, on: dt.date | None = None) -> str:
    """The task's status on `on` (default today), from the same SQL expression lists use."""
    return db.session.scalar(sa.select(status_expression(on or today())).where(Task.id == task.id))


def check_version(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != task.version:
        raise ConflictError(
            "Nhiệm vụ vừa được người khác cập nhật (phiên bản "
            f"{task.version}, bạn đang sửa phiên bản {expected_version}). "
            "Vui lòng tải lại trang để xem thay đổi mới nhất rồi thực hiện lại."
        )


class TaskValues(TypedDict, total=False):
    """What the office enters for a task (the form's and the API's fields), before they are checked."""

    title: str
    lead_unit_id: int | None
    content: str | None
    section: str | None
    coordinating_unit_ids: Iterable[int]
    deadline: dt.date | None
    deadline_working_days: int | None
    leader_id: int | None
    deadline_period: str | None
    recurrence: str | None
    deadline_kind: str | None


@dataclass
class _CheckedTask:
    title: str
    content: str
    section: str | None
    lead_unit: Unit
    coordinating_units: list[Unit]
    leader_id: int | None
    deadline_kind: str
    deadline: dt.date | None
    deadline_working_days: int | None
    deadline_period: str | None
    recurrence: str | None


def _check_task(values: TaskValues, directive: Directive, committee_id: int | None,
                task: Task | None = None) -> _CheckedTask:
    """Every field of a task checked at once: all the problems in one ValidationError, or the values to store."""
    errors: dict[str, str] = {}
    title = check_text(errors, "title", values.get("title", ""), "tên nhiệm vụ", required=True)
    content = check_text(errors, "content", values.get("content", ""), "nội dung", max_length=MAX_TEXT_LENGTH)
    section = check_text(errors, "section", values.get("section"), "mục", max_length=40) or None
    lead_unit, coordinating_units = check_units(errors, values.get("lead_unit_id"),
                                                values.get("coordinating_unit_ids", ()), task,
                                                committee_id=committee_id)
    working_days = values.get("deadline_working_days")
    kind, deadline, period, recurrence = _check_deadline(
        errors, directive, values.get("deadline"), working_days, values.get("deadline_period"),
        values.get("recurrence"), values.get("deadline_kind"))
    leader_id = values.get("leader_id")
    _check_leader(errors, leader_id, committee_id)
    if errors:
        raise ValidationError("Thông tin nhiệm vụ chưa hợp lệ.", errors)
    return _CheckedTask(title, content, section, lead_unit, coordinating_units, leader_id, kind, deadline,
                        working_days if kind == DEADLINE_WORKING_DAYS else None, period, recurrence)


def create_task(directive: Directive, actor: User, *, group_id: int | None = None, parent_task: Task | None = None,
                **values: Unpack[TaskValues]) -> Task:
    """A task of `directive` for its committee's units; with `parent_task`, a breakdown of that task received
    from above, for the units of the committee its lead unit belongs to (the caller checked the actor may)."""
    committee_id = unit_committee_id(parent_task.lead_unit) if parent_task is not None else directive.committee_id
    if parent_task is None and not can_manage_tasks(actor, directive):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được giao nhiệm vụ.")
    if directive.confidential:
        raise ValidationError(
            "Văn bản mật không được theo dõi trên hệ thống; không thể thêm nhiệm vụ.",
            {"directive": "Văn bản mật."},
        )
    checked = _check_task(values, directive, committee_id)
    task = Task(
        directive_id=directive.id, group_id=group_id, committee_id=committee_id, created_by_id=actor.id,
        parent_task_id=parent_task.id if parent_task is not None else None,
    )
    _store(task, checked)
    task.effective_deadline = checked.deadline
    db.session.add(task)
    db.session.flush()
    if checked.recurrence:
        generate_occurrences(task, generation_horizon(max(today(), directive.issued_on)))
    recurrence = checked.recurrence
    record(actor, "task", task.id, "create", {
        "title": (None, checked.title),
        "lead_unit": (None, checked.lead_unit.name),
        "coordinating_units": (None, [u.name for u in checked.coordinating_units]),
        "deadline": (None, checked.deadline),
        **({"recurrence": (None, describe(rule_from_code(recurrence)))} if recurrence else {}),
    })
    emit(TaskEvent(events.ASSIGNED, task, actor, "created"))
    return task


def _store(task: Task, checked: _CheckedTask) -> None:
    """Put checked values on the task (its effective deadline is the caller's: an extension may stand)."""
    task.title, task.content, task.section = checked.title, checked.content, checked.section
    task.search_text = fold(f"{checked.title} {checked.content}")
    task.lead_unit_id = checked.lead_unit.id
    task.lead_unit = checked.lead_unit
    task.coordinating_units = checked.coordinating_units
    task.leader_id = checked.leader_id
    task.deadline_kind, task.deadline = checked.deadline_kind, checked.deadline
    task.deadline_working_days = checked.deadline_working_days
    task.deadline_period = checked.deadline_period
    task.recurrence = checked.recurrence


def break_down(task: Task, actor: User, **values: Any) -> Task:
    """Giao tiếp: the committee that received `task` (its lead unit's committee: a commune given a province task)
    makes it one of its own tasks for its departments and villages. The subtask is the commune's own work; the
    province reads its progress on the task (queries.subtask_summary) and the commune still reports the task
    itself. The caller has checked that `actor` sees `task`."""
    if not can_break_down(actor, task):
        raise PermissionDenied("Chỉ Văn phòng của cấp nhận nhiệm vụ được giao tiếp nhiệm vụ cho các đơn vị của mình.")
    if task.state in (STATE_WITHDRAWN, STATE_DONE):
        raise ConflictError("Chỉ giao tiếp nhiệm vụ đang theo dõi, chưa hoàn thành.")
    if task.directive.confidential:
        raise NotFound("Không tìm thấy nhiệm vụ hoặc bạn không có quyền xem.")
    return create_task(task.directive, actor, parent_task=task, **values)


def update_task(task: Task, actor: User, *, expected_version: int | None, **values: Unpack[TaskValues]) -> Task:
    """The office corrects a task's assignment. The deadline set here is the original deadline.

    Changing a recurring task's rule regenerates the occurrences no one has reported on yet.
    """
    if not can_manage_tasks(actor, task):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được sửa nhiệm vụ.")
    check_version(task, expected_version)
    checked = _check_task(values, task.directive, task.committee_id, task)
    before = _snapshot(task)
    previous_lead_id = task.lead_unit_id
    was_recurring = task.recurrence is not None
    extended = task.effective_deadline != task.deadline and not was_recurring
    rule_changed = task.recurrence != checked.recurrence
    _store(task, checked)
    if not extended or checked.recurrence or was_recurring:
        task.effective_deadline = checked.deadline
    task.updated_at = utcnow()
    db.session.flush()
    if rule_changed or checked.recurrence:
        sync_occurrences(task, generation_horizon(max(today(), task.directive.issued_on)))
    after = _snapshot(task)
    changes = {key: (old, after[key]) for key, old in before.items() if after[key] != old}
    if previous_lead_id != task.lead_unit_id:
        # The new lead unit is given it now, and acknowledges it for itself.
        task.given_at = utcnow()
        task.acknowledged_at = task.acknowledged_by_id = None
        db.session.flush()
    logged = record(actor, "task", task.id, "update", changes)
    if previous_lead_id != task.lead_unit_id:
        # The office handed the task to another lead unit: both units hear of it.
        emit_logged(events.REASSIGNED, task, actor, logged, unit_ids=(previous_lead_id,))
    return task


def reason_given(note: str | None, what: str) -> str:
    errors: dict[str, str] = {}
    note = check_text(errors, "note", note, what, required=True, max_length=MAX_TEXT_LENGTH)
    if errors:
        raise ValidationError(f"Chưa nêu {what}.", errors)
    return note


def withdraw_task(task: Task, actor: User, *, note: str | None, expected_version: int | None = None) -> Task:
    """The office takes a task out of tracking and of every statistic; its history and reports are kept."""
    if not can_manage_tasks(actor, task):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được thu hồi nhiệm vụ.")
    check_version(task, expected_version)
    note = reason_given(note, "lý do thu hồi")
    if task.state == STATE_WITHDRAWN:
        raise ConflictError("Nhiệm vụ đã được thu hồi trước đó.")
    logged = record(actor, "task", task.id, "withdraw", {"state": (task.state, STATE_WITHDRAWN)}, note=note)
    task.state = STATE_WITHDRAWN
    task.updated_at = utcnow()
    db.session.flush()
    emit_logged(events.WITHDRAWN, task, actor, logged, note=note)
    return task


def acknowledge_task(task: Task, actor: User) -> Task:
    """Tiếp nhận: the lead unit confirms it received the task. Acknowledging again changes nothing."""
    if not can_acknowledge(actor, task):
        raise PermissionDenied("Chỉ đơn vị chủ trì được tiếp nhận nhiệm vụ.")
    if task.state == STATE_WITHDRAWN:
        raise ConflictError("Nhiệm vụ đã thu hồi, không cần tiếp nhận.")
    if task.acknowledged_at is not None:
        return task
    task.acknowledged_at = utcnow()
    task.acknowledged_by_id = actor.id
    db.session.flush()
    record(actor, "task", task.id, "acknowledge")
    return task


def assign_staff(task: Task, actor: User, user_ids: Iterable[int]) -> Task:
    """A unit manager hands the task to officers of their own unit (replacing their unit's earlier choice)."""
    if not can_assign_staff(actor, task):
        raise PermissionDenied("Chỉ lãnh đạo đơn vị được giao việc cho chuyên viên.")
    wanted = set(user_ids)
    staff = list(db.session.scalars(sa.select(User).where(User.id.in_(wanted)))) if wanted else []
    if len(staff) != len(wanted) or any(u.unit_id != actor.unit_id or u.role != UNIT_STAFF for u in staff):
        raise ValidationError(
            "Chỉ giao được cho chuyên viên của đơn vị mình.", {"user_ids": "Có người không thuộc đơn vị."}
        )
    before = [u.username for u in task.assignees]
    already = {u.id for u in task.assignees}
    kept = [u for u in task.assignees if u.unit_id != actor.unit_id]
    task.assignees = kept + staff
    task.updated_at = utcnow()
    db.session.flush()
    logged = record(actor, "task", task.id, "update", {"assignees": (before, [u.username for u in task.assignees])})
    handed = tuple(sorted(u.id for u in staff if u.id not in already))
    if handed:  # only the officers newly handed the task are told
        emit_logged(events.ASSIGNED, task, actor, logged, user_ids=handed)
    return task


def check_units(
    errors: dict[str, str],
    lead_unit_id: int | None,
    coordinating_unit_ids: Iterable[int],
    task: Task | None = None,
    *,
    committee_id: int | None = None,
) -> tuple[Unit, list[Unit]]:
    """The lead and coordinating units exist, are active and are the units of the committee `committee_id` (None:
    the root's), which gives no task to another committee's units; a unit that stopped working keeps the tasks it
    already had (`task`'s own units), so that the office can still edit them, but gets no new ones."""
    kept = set() if task is None else {task.lead_unit_id, *task.coordinating_unit_ids}
    lead_unit = db.session.get(Unit, lead_unit_id) if lead_unit_id else None
    if lead_unit_id is None:
        errors["lead_unit_id"] = "Chưa chọn đơn vị chủ trì."
    elif lead_unit is None:
        errors["lead_unit_id"] = f"Đơn vị chủ trì (mã số {lead_unit_id}) không tồn tại."
    elif not lead_unit.active and lead_unit.id not in kept:
        errors["lead_unit_id"] = f"Đơn vị chủ trì “{lead_unit.name}” đã ngừng hoạt động."
    elif not can_assign_to_unit(committee_id, lead_unit) and lead_unit.id not in kept:
        errors["lead_unit_id"] = _outside_message(lead_unit, committee_id)
    wanted = {int(unit_id) for unit_id in coordinating_unit_ids}
    coordinating = list(db.session.scalars(sa.select(Unit).where(Unit.id.in_(wanted)))) if wanted else []
    missing = wanted - {u.id for u in coordinating}
    stopped = [u.name for u in coordinating if not u.active and u.id not in kept]
    if missing:
        errors["coordinating_unit_ids"] = "Đơn vị phối hợp không tồn tại: " + ", ".join(
            str(unit_id) for unit_id in sorted(missing)
        )
    elif stopped:
        errors["coordinating_unit_ids"] = "Đơn vị phối hợp đã ngừng hoạt động: " + ", ".join(sorted(stopped)) + "."
    elif outside := [u for u in coordinating if not can_assign_to_unit(committee_id, u) and u.id not in kept]:
        errors["coordinating_unit_ids"] = _outside_message(outside[0], committee_id)
    elif lead_unit is not None and lead_unit.id in wanted:
        errors["coordinating_unit_ids"] = (f"“{lead_unit.name}” là đơn vị chủ trì nên không đồng thời là đơn vị "
                                           f"phối hợp của nhiệm vụ.")
    return lead_unit, coordinating  # type: ignore[return-value]  # errors are raised before use


def _outside_message(unit: Unit, committee_id: int | None) -> str:
    committee = db.session.get(Unit, committee_id) if committee_id is not None else None
    whose = f"của {committee.name}" if committee is not None else "trực thuộc UBND"
    return (f"Đơn vị “{unit.name}” không thuộc phạm vi giao việc {whose}: chỉ giao cho các cơ quan, đơn vị "
            f"trực thuộc cấp mình.")


def _check_deadline(
    errors: dict[str, str],
    directive: Directive,
    deadline: dt.date | None,
    working_days: int | None,
    period: str | None = None,
    recurrence: str | None = None,
    kind: str | None = None,
) -> tuple[str, dt.date | None, str | None, str | None]:
    """(deadline kind, original deadline, period text, recurrence code) from the one way the deadline was given:
    a date, N working days from the directive's issue, the end of a period, or a recurring rule.

    `kind`, when given, is the way chosen: its field must be filled (an empty one is refused, never read as
    "no deadline"), and `none` takes no deadline field. Without it, the kind is that of the one field sent."""
    period = (period or "").strip() or None
    recurrence = (recurrence or "").strip() or None
    given = [name for name, value in (("deadline", deadline), ("deadline_working_days", working_days),
                                      ("deadline_period", period), ("recurrence", recurrence)) if value is not None]
    refused = _refuse_kind(errors, kind, given)
    if refused is not None:
        return refused
    if len(given) > 1:
        errors[given[0]] = (
            "Chỉ nhập hạn theo một cách: ngày, số ngày làm việc, cuối kỳ (tháng, quý, năm) hoặc định kỳ."
        )
        return DEADLINE_DATE, deadline, None, None
    if recurrence is not None:
        try:
            return DEADLINE_RECURRING, None, None, rule_to_code(rule_from_code(recurrence))
        except ValidationError as error:
            errors["recurrence"] = error.message
            return DEADLINE_RECURRING, None, None, None
    if period is not None:
        return _period_deadline(errors, directive, period)
    if working_days is not None:
        if not 1 <= working_days <= MAX_WORKING_DAYS:
            errors["deadline_working_days"] = f"Số ngày làm việc phải từ 1 đến {MAX_WORKING_DAYS}."
            return DEADLINE_WORKING_DAYS, None, None, None
        return DEADLINE_WORKING_DAYS, current_calendar().add_working_days(directive.issued_on, working_days), None, None
    if deadline is None:
        return DEADLINE_NONE, None, None, None
    if deadline < directive.issued_on:
        errors["deadline"] = (
            f"Hạn xử lý ({format_date(deadline)}) không được trước ngày ban hành văn bản "
            f"({format_date(directive.issued_on)})."
        )
    return DEADLINE_DATE, deadline, None, None


def _refuse_kind(errors: dict[str, str], kind: str | None,
                 given: list[str]) -> tuple[str, dt.date | None, str | None, str | None] | None:
    """The deadline kind chosen, checked against the fields sent: what `_check_deadline` answers when it is
    refused, None when it stands (or none was chosen)."""
    if kind == DEADLINE_UNSAID:
        if given:
            return None
        errors["deadline_kind"] = (
            "Chưa có thời hạn: nhập hạn xử lý (deadline, deadline_working_days, deadline_period hoặc "
            "recurrence), hoặc chọn deadline_kind “none” cho nhiệm vụ thường xuyên (không thời hạn)."
        )
        return DEADLINE_NONE, None, None, None
    if kind is None:
        return None
    if kind not in DEADLINE_KINDS:
        errors["deadline_kind"] = "Cách tính thời hạn phải là: " + ", ".join(DEADLINE_KINDS) + "."
        return DEADLINE_NONE, None, None, None
    if kind == DEADLINE_NONE and given:
        errors["deadline_kind"] = "Nhiệm vụ không thời hạn (thường xuyên) không nhập hạn xử lý."
        return DEADLINE_NONE, None, None, None
    if kind != DEADLINE_NONE:
        field, message = _KIND_FIELDS[kind]
        if field not in given:
            errors[field] = message
            return kind, None, None, None
    return None


def _period_deadline(errors: dict[str, str], directive: Directive,
                     period: str) -> tuple[str, dt.date | None, str | None, str | None]:
    try:
        end = parse_period(period)[1]
    except ValidationError as error:
        errors["deadline_period"] = error.message
        return DEADLINE_PERIOD, None, None, None
    if end < directive.issued_on:
        errors["deadline_period"] = (
            f"Kỳ “{period}” kết thúc ({format_date(end)}) trước ngày ban hành văn bản "
            f"({format_date(directive.issued_on)})."
        )
    return DEADLINE_PERIOD, end, period.upper(), None


def _check_leader(errors: dict[str, str], leader_id: int | None, committee_id: int | None) -> None:
    """The leader in charge is a leader of the committee whose task it is."""
    if leader_id is None:
        return
    leader = db.session.get(User, leader_id)
    if leader is None or leader.role != LEADER or committee_id_of(leader) != committee_id:
        errors["leader_id"] = "Lãnh đạo phụ trách không hợp lệ."


def _snapshot(task: Task) -> dict[str, object]:
    return {
        "title": task.title,
        "content": task.content,
        "section": task.section,
        "lead_unit": task.lead_unit.name if task.lead_unit else None,
        "coordinating_units": sorted(u.name for u in task.coordinating_units),
        "deadline": task.deadline,
        "recurrence": describe(rule_from_code(task.recurrence)) if task.recurrence else None,
        "leader_id": task.leader_id,
    }


def give_direction(task: Task, actor: User, *, text: str | None, given_by_id: int | None = None) -> TaskDirection:
    """Post a direction on a task the actor may see (the caller has checked that). Flushes; the caller commits.

    A leader's direction is their own. The office or the admin may name the leader who gave it; without a
    name the direction is theirs.
    """
    if not can_give_direction(actor, task):
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
    emit(TaskEvent(events.DIRECTION, task, actor, f"direction{direction.id}", note=text))
    return direction


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
    """"Giao UBND các xã, phường …": one task per active unit of `unit_kind` of the directive's committee, each
    tracked on its own, grouped under the instruction. All or nothing: one invalid value refuses the whole group."""
    if not can_manage_tasks(actor, directive):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được giao nhiệm vụ.")
    errors: dict[str, str] = {}
    title = check_text(errors, "title", title, "tên nhiệm vụ", required=True)
    if unit_kind not in UNIT_KINDS:
        errors["lead_unit_kind"] = ("Loại đơn vị phải là commune (xã, phường, đặc khu), department (cơ quan chuyên "
                                    "môn), village (thôn, tổ dân phố) hoặc other.")
    units = [unit for unit in (list_units(kind=unit_kind) if unit_kind in UNIT_KINDS else [])
             if can_assign_to_unit(directive.committee_id, unit)]
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


def get_update_or_404(task: Task, update_id: int) -> ProgressUpdate:
    update = db.session.get(ProgressUpdate, update_id)
    if update is None or update.task_id != task.id:
        raise NotFound("Không tìm thấy lần cập nhật của nhiệm vụ này.")
    return update


# -- a directive's corrected date of issue (directives.services.IssueDateFollower) ---------------------------


def refuse_issue_date(directive: Directive, issued_on: dt.date) -> str | None:
    """A task's deadline is never before its directive's issue, as when it was given: a later date of issue
    must not leave tasks due before it (those counted in working days move with it)."""
    early = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(Task.deadline)).where(
            Task.directive_id == directive.id, Task.deadline < issued_on,
            Task.deadline_kind != DEADLINE_WORKING_DAYS,
        )
    ).one()
    if not early[0]:
        return None
    return (
        f"{early[0]} nhiệm vụ của văn bản có hạn xử lý trước ngày {format_date(issued_on)} (sớm nhất "
        f"{format_date(early[1])}): sửa hạn của các nhiệm vụ đó trước, hoặc kiểm tra lại ngày ban hành."
    )


def follow_issue_date(directive: Directive, actor: User) -> None:
    """The deadlines counted in working days from the directive's issue move with a corrected date (an
    approved extension keeps its extended deadline)."""
    calendar = current_calendar()
    tasks = db.session.scalars(sa.select(Task).where(
        Task.directive_id == directive.id, Task.deadline_kind == DEADLINE_WORKING_DAYS,
        Task.deadline_working_days.is_not(None),
    ).order_by(Task.id))
    note = f"Ngày ban hành văn bản sửa thành {format_date(directive.issued_on)}."
    for task in tasks:
        deadline = calendar.add_working_days(directive.issued_on, task.deadline_working_days)
        if deadline == task.deadline:
            continue
        changes: dict[str, Any] = {"deadline": (task.deadline, deadline)}
        if task.effective_deadline == task.deadline:  # no extension approved: the effective deadline follows
            changes["effective_deadline"] = (task.effective_deadline, deadline)
            task.effective_deadline = deadline
        task.deadline = deadline
        task.updated_at = utcnow()
        record(actor, "task", task.id, "update", changes, note=note)
    db.session.flush()


# -- an officer who moves (users.services.update_user) -----------------------------------------------------


def release_assignments(user: User, actor: User | None) -> list[int]:
    """An officer who moves to another unit (or stops being an officer) no longer answers for the open tasks
    their former unit handed them: they leave those tasks' assignees (each task's history says so), and their
    reminders stop. Returns the ids of those tasks."""
    assigned = sa.select(task_assignees.c.task_id).where(task_assignees.c.user_id == user.id)
    tasks = db.session.scalars(
        sa.select(Task).where(Task.id.in_(assigned), Task.state.in_((STATE_OPEN, STATE_AWAITING_REVIEW)))
        .options(selectinload(Task.assignees), selectinload(Task.coordinating_units)).order_by(Task.id)).all()
    released = []
    for task in tasks:
        if user.role == UNIT_STAFF and user.unit_id in (task.lead_unit_id, *task.coordinating_unit_ids):
            continue
        before = [u.username for u in task.assignees]
        task.assignees = [u for u in task.assignees if u.id != user.id]
        record(actor, "task", task.id, "update", {"assignees": (before, [u.username for u in task.assignees])},
               note=f"{user.full_name or user.username} chuyển công tác, thôi theo dõi nhiệm vụ.")
        released.append(task.id)
    db.session.flush()
    return released


def backdate_assignments(task_ids: sa.Select, moment: dt.datetime) -> None:
    """Say the officers were handed the tasks `task_ids` selects at `moment` (a demo dated in the past)."""
    db.session.execute(sa.update(task_assignees).where(task_assignees.c.task_id.in_(task_ids))
                       .values(assigned_at=moment))
