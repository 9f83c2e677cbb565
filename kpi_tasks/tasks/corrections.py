"""Corrections: what undoes a mistake, each a plain function that logs what it did with its reason.

Withdrawing (a task, or a directive with all its tasks) keeps everything and takes it out of every statistic;
handing a task to another lead unit keeps its history; deleting is for what was never real (a test entry, a
wrong confirmation of the day) and refuses anything on which someone has already worked. Each tells the
people concerned through `tasks.events` (withdrawn, reassigned). Withdrawing a
task stays in services (`withdraw_task`, which other areas call); it is re-exported here with the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_delete_task, can_manage_tasks
from kpi_tasks.audit.services import record
from kpi_tasks.clock import utcnow
from kpi_tasks.deletion import delete_rows
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks import events
from kpi_tasks.tasks.counts import kept_by_caller, recount_units
from kpi_tasks.tasks.events import emit_logged
from kpi_tasks.tasks.models import (
    STATE_DONE,
    STATE_WITHDRAWN,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskDirection,
    TaskGroup,
)
from kpi_tasks.tasks.services import check_units, check_version, reason_given, withdraw_task
from kpi_tasks.units.models import Unit
from kpi_tasks.validation import MAX_TEXT_LENGTH, check_text


def withdraw_directive(directive: Directive, actor: User, *, note: str | None) -> list[Task]:
    """Withdraw every task of the directive still tracked (a directive annulled or entered by mistake)."""
    if not can_manage_tasks(actor, directive):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được thu hồi văn bản.")
    note = reason_given(note, "lý do thu hồi")
    tasks = list(db.session.scalars(
        sa.select(Task).where(Task.directive_id == directive.id, Task.state != STATE_WITHDRAWN).order_by(Task.id)))
    if not tasks:
        raise ConflictError("Văn bản không còn nhiệm vụ nào đang theo dõi.")
    for task in tasks:
        withdraw_task(task, actor, note=note)
    record(actor, "directive", directive.id, "withdraw", {"tasks": (None, len(tasks))}, note=note)
    return tasks


def reassign_lead_unit(
    task: Task, actor: User, *, lead_unit_id: int | None, note: str | None, expected_version: int | None = None
) -> Task:
    """Hand the task to another lead unit: reports, extensions and history stay with the task; the former unit's
    officers stop answering for it; a unit that coordinated and now leads no longer coordinates."""
    if not can_manage_tasks(actor, task):
        raise PermissionDenied("Chỉ Văn phòng HĐND và UBND được chuyển đơn vị chủ trì.")
    check_version(task, expected_version)
    if task.state in (STATE_WITHDRAWN, STATE_DONE):
        raise ConflictError("Chỉ chuyển đơn vị chủ trì của nhiệm vụ đang theo dõi, chưa hoàn thành.")
    errors: dict[str, str] = {}
    coordinating = [unit.id for unit in task.coordinating_units if unit.id != lead_unit_id]
    lead_unit, _ = check_units(errors, lead_unit_id, coordinating, task, committee_id=task.committee_id)
    if not errors and lead_unit.id == task.lead_unit_id:
        errors["lead_unit_id"] = "Đơn vị mới trùng với đơn vị chủ trì hiện tại."
    note = check_text(errors, "note", note, "lý do chuyển", required=True, max_length=MAX_TEXT_LENGTH)
    if errors:
        raise ValidationError("Chưa chuyển được đơn vị chủ trì.", errors)
    former: Unit = task.lead_unit
    before_assignees = [u.username for u in task.assignees]
    task.coordinating_units = [unit for unit in task.coordinating_units if unit.id != lead_unit.id]
    task.assignees = [user for user in task.assignees if user.unit_id != former.id]
    task.lead_unit_id, task.lead_unit = lead_unit.id, lead_unit
    task.updated_at = utcnow()
    db.session.flush()
    changes: dict[str, tuple[object, object]] = {"lead_unit": (former.name, lead_unit.name)}
    after_assignees = [u.username for u in task.assignees]
    if after_assignees != before_assignees:
        changes["assignees"] = (before_assignees, after_assignees)
    logged = record(actor, "task", task.id, "reassign", changes, note=note)
    emit_logged(events.REASSIGNED, task, actor, logged, unit_ids=(former.id,))
    return task


# -- deleting what was never real ----------------------------------------------------------------------------


def worked_on(task_ids: Iterable[int]) -> list[int]:
    """The tasks among `task_ids` on which someone has worked (a report, an extension request, a direction):
    those are withdrawn, never deleted."""
    ids = list(task_ids)
    if not ids:
        return []
    worked = sa.union(
        sa.select(ProgressUpdate.task_id).where(ProgressUpdate.task_id.in_(ids)),
        sa.select(ExtensionRequest.task_id).where(ExtensionRequest.task_id.in_(ids)),
        sa.select(TaskDirection.task_id).where(TaskDirection.task_id.in_(ids)),
    )
    return sorted(db.session.scalars(sa.select(worked.subquery().c[0])))


def remove_tasks(tasks: list[Task], actor: User, *, note: str) -> int:
    """Delete tasks no one has worked on, with the rows that only describe them (as the database's own ON
    DELETE rules say: SQLite does not enforce them here). A row that refers to a task without such a rule
    (an objection to a score) refuses the deletion. Each deletion is logged on the task. Callers check who may."""
    ids = [task.id for task in tasks]
    worked = worked_on(ids)
    if worked:
        raise ConflictError(
            "Có nhiệm vụ đã được cập nhật, đề nghị gia hạn hoặc có ý kiến chỉ đạo (mã "
            + ", ".join(str(i) for i in worked) + "): không xóa được, hãy thu hồi."
        )
    for task in tasks:
        record(actor, "task", task.id, "delete",
               {"title": (task.title, None), "lead_unit": (task.lead_unit.name, None)}, note=note)
    db.session.flush()
    units = {task.lead_unit_id for task in tasks} | {unit for task in tasks for unit in task.coordinating_unit_ids}
    for task in tasks:
        db.session.expunge(task)
    with kept_by_caller(db.session):
        delete_rows(Task.__table__, ids)
    recount_units(db.session.connection(), units)
    return len(ids)


def remove_directive_tasks(directive: Directive, actor: User, *, note: str) -> int:
    """Delete every task of a directive (and their groups) when the directive itself was never real, e.g. an
    intake confirmation undone the same day. Refuses if anyone has worked on one of them."""
    tasks = list(db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id).order_by(Task.id)))
    removed = remove_tasks(tasks, actor, note=note)
    groups = list(db.session.scalars(sa.select(TaskGroup.id).where(TaskGroup.directive_id == directive.id)))
    delete_rows(TaskGroup.__table__, groups)
    return removed


def delete_task(task: Task, actor: User, *, note: str | None) -> None:
    """The administrator deletes a task that was never real (a test entry); the deletion stays in the log."""
    if not can_delete_task(actor):
        raise PermissionDenied("Chỉ quản trị hệ thống được xóa nhiệm vụ (nhiệm vụ nhập thử, nhập nhầm).")
    remove_tasks([task], actor, note=reason_given(note, "lý do xóa"))
