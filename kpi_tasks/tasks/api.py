from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import (
    can_attach_to_update,
    can_break_down,
    can_give_direction,
    can_view_unacknowledged,
    committee_id_of,
)
from kpi_tasks.api.input import Fields, api_user, iso, json_fields, page_params, query_fields
from kpi_tasks.attachments.api import attachment_json, one_file
from kpi_tasks.attachments.services import attach_to_update, task_attachments
from kpi_tasks.audit.services import history
from kpi_tasks.clock import today
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import get_directive_or_404
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.tasks import corrections, lifecycle
from kpi_tasks.tasks.lifecycle import (
    Reportable,
    decide_extension,
    get_extension_request_or_404,
    request_extension,
)
from kpi_tasks.tasks.models import (
    EXTENSION_STATUSES,
    ExtensionRequest,
    ProgressUpdate,
    Task,
    TaskDirection,
    TaskOccurrence,
)
from kpi_tasks.tasks.occurrences import get_occurrence_or_404
from kpi_tasks.tasks.queries import (
    TaskFilters,
    extension_requests_query,
    occurrence_flags,
    occurrence_rows_query,
    progress_updates,
    read_task_filters,
    subtask_summary,
    task_directions,
    task_flags,
    task_rows_query,
    unacknowledged_tasks_query,
    unit_stats,
)
from kpi_tasks.tasks.services import (
    DEADLINE_KINDS,
    DEADLINE_UNSAID,
    acknowledge_task,
    break_down,
    create_task,
    create_task_group,
    get_task_or_404,
    get_update_or_404,
    give_direction,
    update_task,
)
from kpi_tasks.units.models import UNIT_KINDS


@dataclass(frozen=True)
class TargetLinks:
    """A task as the API gives it names the KPI targets it answers for (`kpi_target_ids`), and a task created by
    the API may name them. kpis/ keeps those links; it sits above tasks, so it registers how (web.init_app):
    `of_task(task_id)` lists a task's target ids, `link(task, target_ids, actor)` makes them its targets."""

    of_task: Callable[[int], list[int]]
    link: Callable[[Task, list[int], User], object]


_target_links: list[TargetLinks] = []


def register_target_links(links: TargetLinks) -> None:
    _target_links[:] = [links]


def task_json(task: Task, status: str, due_soon: bool) -> dict:
    return {
        "id": task.id,
        "directive_id": task.directive_id,
        "title": task.title,
        "content": task.content,
        "section": task.section,
        "lead_unit_id": task.lead_unit_id,
        "coordinating_unit_ids": task.coordinating_unit_ids,
        "assignee_ids": [user.id for user in task.assignees],
        "leader_id": task.leader_id,
        "deadline_kind": task.deadline_kind,
        "deadline": iso(task.deadline),
        "deadline_working_days": task.deadline_working_days,
        "deadline_period": task.deadline_period,
        "recurrence": task.recurrence,
        "group_id": task.group_id,
        "effective_deadline": iso(task.effective_deadline),
        "status": status,
        "due_soon": bool(due_soon),
        "progress_percent": task.progress_percent,
        "completion_reported_on": iso(task.completion_reported_on),
        "completed_on": iso(task.completed_on),
        "review_note": task.review_note,
        "acknowledged_at": iso(task.acknowledged_at),
        "acknowledged_by_id": task.acknowledged_by_id,
        "parent_task_id": task.parent_task_id,
        "committee_id": task.committee_id,
        "version": task.version,
    }


def update_json(update: ProgressUpdate) -> dict:
    return {
        "id": update.id,
        "task_id": update.task_id,
        "occurrence_id": update.occurrence_id,
        "unit_id": update.unit_id,
        "author_id": update.author_id,
        "progress_percent": update.progress_percent,
        "note": update.note,
        "report_completed": update.reports_completion,
        "completed_on": iso(update.completed_on),
        "created_at": iso(update.created_at),
    }


def task_detail_json(task: Task) -> dict:
    status, due_soon = task_flags(task, today(), _due_soon_days())
    events = [
        {
            "at": iso(event.at),
            "actor_id": event.actor_id,
            "actor": event.actor.display_name if event.actor else None,
            "action": event.action,
            "changes": event.changes,
            "note": event.note,
        }
        for event in history("task", task.id)
    ]
    return {
        **task_json(task, status, due_soon),
        "history": events,
        "updates": [update_json(update) for update in progress_updates(task)],
        "kpi_target_ids": _target_links[0].of_task(task.id) if _target_links else [],
        "directions": directions_json(task.id),
        "subtasks": subtask_summary(task, today()),
    }


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


def _task_values(fields: Fields, *, lead_unit_required: bool = True) -> dict:
    return {
        "title": fields.text("title", required=True),
        "content": fields.text("content"),
        "section": fields.text("section"),
        "lead_unit_id": fields.integer("lead_unit_id", required=lead_unit_required),
        "coordinating_unit_ids": fields.int_list("coordinating_unit_ids"),
        "deadline": fields.date("deadline"),
        "deadline_working_days": fields.integer("deadline_working_days"),
        "deadline_period": fields.text("deadline_period"),
        "recurrence": fields.text("recurrence"),
        "leader_id": fields.integer("leader_id"),
        "deadline_kind": fields.choice("deadline_kind", DEADLINE_KINDS),
    }



def create_task_api(directive_id: int) -> tuple[dict, int]:
    """One task; or, with `lead_unit_kind` instead of `lead_unit_id`, one task per unit of that kind."""
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    fields = json_fields()
    unit_kind = fields.choice("lead_unit_kind", UNIT_KINDS)
    values = _task_values(fields, lead_unit_required=unit_kind is None and "lead_unit_kind" not in fields.errors)
    # A new task without any deadline field must say `deadline_kind: "none"` (API.md): "" asks the service so.
    values["deadline_kind"] = values["deadline_kind"] or DEADLINE_UNSAID
    if unit_kind is not None and values["lead_unit_id"] is not None:
        fields.errors["lead_unit_kind"] = (
            "Gửi lead_unit_id (một đơn vị) hoặc lead_unit_kind (cả nhóm), không gửi cả hai."
        )
    kpi_target_ids = fields.int_list("kpi_target_ids")
    if unit_kind is not None and kpi_target_ids:
        # A target belongs to one task; a group's tasks are linked one by one afterwards.
        fields.errors["kpi_target_ids"] = "Chỉ tiêu được gắn với từng nhiệm vụ, không gắn khi giao cho cả nhóm đơn vị."
    fields.done()
    if unit_kind is not None:
        del values["lead_unit_id"]
        group, tasks = create_task_group(directive, user, unit_kind=unit_kind, **values)
        db.session.commit()
        return {
            "group_id": group.id,
            "lead_unit_kind": group.unit_kind,
            "items": [task_detail_json(task) for task in tasks],
            "total": len(tasks),
        }, 201
    task = create_task(directive, user, **values)
    if kpi_target_ids:
        _target_links[0].link(task, kpi_target_ids, user)
    db.session.commit()
    return task_detail_json(task), 201


def create_subtask_api(task_id: int) -> tuple[dict, int]:
    """The lead committee's office breaks a task it received down into its own tasks (API.md)."""
    user = api_user()
    task = get_task_or_404(task_id, user)
    if not can_break_down(user, task):
        raise PermissionDenied("Chỉ Văn phòng của cấp nhận nhiệm vụ được giao tiếp nhiệm vụ cho các đơn vị của mình.")
    fields = json_fields()
    values = _task_values(fields)
    values["deadline_kind"] = values["deadline_kind"] or DEADLINE_UNSAID
    kpi_target_ids = fields.int_list("kpi_target_ids")
    fields.done()
    subtask = break_down(task, user, **values)
    if kpi_target_ids:
        _target_links[0].link(subtask, kpi_target_ids, user)
    db.session.commit()
    return task_detail_json(subtask), 201


def list_tasks_api() -> dict:
    user = api_user()
    fields = query_fields()
    page, per_page = page_params(fields)
    filters = read_task_filters(fields, user, own_unit_first=False)
    fields.done()
    result = paginate_rows(task_rows_query(user, filters, today(), _due_soon_days()), page, per_page)
    return {
        "items": [task_json(row.Task, row.status, row.due_soon) for row in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


def get_task_api(task_id: int) -> dict:
    return task_detail_json(get_task_or_404(task_id, api_user()))


def update_task_api(task_id: int) -> dict:
    user = api_user()
    task = get_task_or_404(task_id, user)
    fields = json_fields()
    values = _task_values(fields)
    version = fields.integer("version", required=True)
    fields.done()
    update_task(task, user, expected_version=version, **values)
    db.session.commit()
    return task_detail_json(task)


def withdraw_task_api(task_id: int) -> dict:
    user = api_user()
    task = get_task_or_404(task_id, user)
    fields = json_fields()
    note = fields.text("note")
    version = fields.integer("version")
    fields.done()
    corrections.withdraw_task(task, user, note=note, expected_version=version)
    db.session.commit()
    return task_detail_json(task)


def reassign_task_api(task_id: int) -> dict:
    user = api_user()
    task = get_task_or_404(task_id, user)
    fields = json_fields()
    lead_unit_id = fields.integer("lead_unit_id", required=True)
    note = fields.text("note")
    version = fields.integer("version")
    fields.done()
    corrections.reassign_lead_unit(task, user, lead_unit_id=lead_unit_id, note=note, expected_version=version)
    db.session.commit()
    return task_detail_json(task)


def delete_task_api(task_id: int) -> tuple[str, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    fields = json_fields()
    note = fields.text("note")
    fields.done()
    corrections.delete_task(task, user, note=note)
    db.session.commit()
    return "", 204


def withdraw_directive_api(directive_id: int) -> dict:
    user = api_user()
    directive = get_directive_or_404(directive_id, user)
    fields = json_fields()
    note = fields.text("note")
    fields.done()
    tasks = corrections.withdraw_directive(directive, user, note=note)
    db.session.commit()
    return {"directive_id": directive.id, "withdrawn_task_ids": [task.id for task in tasks]}


def report_values(fields: Fields) -> dict:
    """The body of a progress report, against a task or one of its occurrences."""
    return {
        "progress_percent": fields.integer("progress_percent"),
        "note": fields.text("note"),
        "report_completed": fields.boolean("report_completed"),
        "completed_on": fields.date("completed_on"),
        "expected_version": fields.integer("version"),
    }


def post_update_api(task_id: int) -> tuple[dict, int]:
    return _report_api(_api_subject(task_id))


def review_values(fields: Fields) -> dict:
    """The body of the office's decision on a completion report, for a task or one of its occurrences."""
    return {
        "decision": fields.choice("decision", ("approve", "return"), required=True) or "",
        "note": fields.text("note"),
        "expected_version": fields.integer("version"),
    }


def review_task_api(task_id: int) -> dict:
    return _review_api(_api_subject(task_id))


def _api_subject(task_id: int, occurrence_id: int | None = None) -> Reportable:
    """The task (or its period) the path names, if the token's user may see it (404 otherwise)."""
    task = get_task_or_404(task_id, api_user())
    return Reportable(task, get_occurrence_or_404(task, occurrence_id) if occurrence_id is not None else None)


def _subject_json(subject: Reportable) -> dict:
    if subject.occurrence is None:
        return task_detail_json(subject.task)
    return _occurrence_detail(subject.occurrence)


def _report_api(subject: Reportable) -> tuple[dict, int]:
    """A report on the task or period: the update, with what it reported on as it is now."""
    fields = json_fields()
    values = report_values(fields)
    fields.done()
    update = lifecycle.report(subject, api_user(), **values)
    db.session.commit()
    return {**update_json(update), "task" if subject.occurrence is None else "occurrence": _subject_json(subject)}, 201


def _review_api(subject: Reportable) -> dict:
    fields = json_fields()
    values = review_values(fields)
    fields.done()
    lifecycle.review(subject, api_user(), **values)
    db.session.commit()
    return _subject_json(subject)


def unit_stats_api() -> dict:
    fields = query_fields()
    date_from, date_to = fields.date("from"), fields.date("to")
    unit_id = fields.integer("unit_id")
    fields.done()
    # Each committee's statistics count its own tasks and units (the root's: the province's own work).
    items = unit_stats(today(), date_from, date_to, unit_id=unit_id, level=committee_id_of(api_user()))
    return {
        "items": [
            {key: item[key] for key in ("unit_id", "unit_code", "unit_name", "assigned", "in_progress",
                                        "overdue", "awaiting_review", "done_on_time", "done_late",
                                        "ongoing", "on_time_rate", "extended")}
            for item in items
        ]
    }


def direction_json(direction: TaskDirection) -> dict:
    return {
        "id": direction.id,
        "task_id": direction.task_id,
        "text": direction.text,
        "given_by_id": direction.given_by_id,
        "given_by": direction.given_by.display_name,
        "author_id": direction.author_id,
        "author": direction.author.display_name,
        "created_at": iso(direction.created_at),
    }


def directions_json(task_id: int) -> list[dict]:
    """The `directions` field of GET /tasks/{id}: newest first."""
    return [direction_json(direction) for direction in task_directions(task_id)]


def post_direction_api(task_id: int) -> tuple[dict, int]:
    """Leaders, the office (optionally for a leader: `given_by_id`) and admin; 404 for a task not visible."""
    user = api_user()
    task = get_task_or_404(task_id, user)
    if not can_give_direction(user, task):
        raise PermissionDenied("Chỉ lãnh đạo UBND và Văn phòng HĐND và UBND được ghi ý kiến chỉ đạo.")
    fields = json_fields()
    text = fields.text("text", required=True)
    given_by_id = fields.integer("given_by_id")
    fields.done()
    direction = give_direction(task, user, text=text, given_by_id=given_by_id)
    db.session.commit()
    return direction_json(direction), 201


def extension_json(request: ExtensionRequest) -> dict:
    return {
        "id": request.id,
        "task_id": request.task_id,
        "occurrence_id": request.occurrence_id,
        "unit_id": request.unit_id,
        "requested_by_id": request.requested_by_id,
        "previous_deadline": iso(request.previous_deadline),
        "new_deadline": iso(request.new_deadline),
        "granted_deadline": iso(request.granted_deadline),
        "reason": request.reason,
        "status": request.status,
        "decided_by_id": request.decided_by_id,
        "decided_at": iso(request.decided_at),
        "decision_note": request.decision_note,
        "created_at": iso(request.created_at),
    }


def occurrence_json(occurrence: TaskOccurrence, status: str, due_soon: bool) -> dict:
    return {
        "id": occurrence.id,
        "task_id": occurrence.task_id,
        "period_start": iso(occurrence.period_start),
        "due_on": iso(occurrence.due_on),
        "effective_deadline": iso(occurrence.effective_deadline),
        "status": status,
        "due_soon": bool(due_soon),
        "progress_percent": occurrence.progress_percent,
        "completion_reported_on": iso(occurrence.completion_reported_on),
        "completed_on": iso(occurrence.completed_on),
        "review_note": occurrence.review_note,
        "version": occurrence.version,
    }


def _occurrence_detail(occurrence: TaskOccurrence) -> dict:
    status, due_soon = occurrence_flags(occurrence, today(), _due_soon_days())
    updates = progress_updates(occurrence.task, occurrence)
    return {**occurrence_json(occurrence, status, due_soon), "updates": [update_json(u) for u in updates]}


# -- extension requests ----------------------------------------------------------------------------------------


def create_extension_request_api(task_id: int) -> tuple[dict, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    fields = json_fields()
    new_deadline = fields.date("new_deadline", required=True)
    reason = fields.text("reason", required=True)
    occurrence_id = fields.integer("occurrence_id")
    fields.done()
    occurrence = get_occurrence_or_404(task, occurrence_id) if occurrence_id is not None else None
    request = request_extension(task, user, new_deadline=new_deadline, reason=reason, occurrence=occurrence)
    db.session.commit()
    return extension_json(request), 201


def task_extension_requests_api(task_id: int) -> dict:
    user = api_user()
    task = get_task_or_404(task_id, user)
    rows = db.session.scalars(extension_requests_query(user, task_id=task.id)).unique()
    return {"items": [extension_json(request) for request in rows]}


def extension_requests_api() -> dict:
    user = api_user()
    fields = query_fields()
    status = fields.choice("status", EXTENSION_STATUSES)
    page, per_page = page_params(fields)
    fields.done()
    result = paginate_rows(extension_requests_query(user, status), page, per_page)
    return {
        "items": [extension_json(row.ExtensionRequest) for row in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


def decide_extension_api(request_id: int) -> dict:
    user = api_user()
    request = get_extension_request_or_404(request_id, user)
    fields = json_fields()
    decision = fields.choice("decision", ("approve", "reject"), required=True)
    note = fields.text("note")
    new_deadline = fields.date("new_deadline")
    fields.done()
    decide_extension(request, user, decision=decision or "", note=note, new_deadline=new_deadline)
    db.session.commit()
    return {**extension_json(request), "task": task_detail_json(request.task)}


# -- occurrences -----------------------------------------------------------------------------------------------


def occurrences_api(task_id: int) -> dict:
    task = get_task_or_404(task_id, api_user())
    fields = query_fields()
    page, per_page = page_params(fields)
    fields.done()
    result = paginate_rows(occurrence_rows_query(task, today(), _due_soon_days()), page, per_page)
    return {
        "items": [occurrence_json(row.TaskOccurrence, row.status, row.due_soon) for row in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


def occurrence_api(task_id: int, occurrence_id: int) -> dict:
    task = get_task_or_404(task_id, api_user())
    return _occurrence_detail(get_occurrence_or_404(task, occurrence_id))


def report_occurrence_api(task_id: int, occurrence_id: int) -> tuple[dict, int]:
    return _report_api(_api_subject(task_id, occurrence_id))


def review_occurrence_api(task_id: int, occurrence_id: int) -> dict:
    return _review_api(_api_subject(task_id, occurrence_id))


def upload_update_file_api(task_id: int, update_id: int) -> tuple[dict, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    update = get_update_or_404(task, update_id)
    if not can_attach_to_update(user, task, update.unit_id):  # before reading any file
        raise PermissionDenied("Chỉ đơn vị đã gửi cập nhật được đính kèm tệp vào cập nhật đó.")
    attachment = attach_to_update(update, task, user, [one_file()])[0]
    db.session.commit()
    return attachment_json(attachment), 201


def task_files_api(task_id: int) -> dict:
    task = get_task_or_404(task_id, api_user())
    return {"items": [attachment_json(a) for a in task_attachments(task)]}


def acknowledge_api(task_id: int) -> dict:
    user = api_user()
    task = acknowledge_task(get_task_or_404(task_id, user), user)
    db.session.commit()
    return task_detail_json(task)


def unacknowledged_api() -> dict:
    """The tasks no lead unit has acknowledged after one working day (office, leaders, admin)."""
    user = api_user()
    if not can_view_unacknowledged(user):
        raise PermissionDenied("Chỉ Văn phòng, lãnh đạo UBND và quản trị xem danh sách nhiệm vụ chưa tiếp nhận.")
    fields = query_fields()
    page, per_page = page_params(fields)
    fields.done()
    result = db.paginate(unacknowledged_tasks_query(user, today()), page=page, per_page=per_page, error_out=False)
    return {
        "items": [{**task_json(task, *task_flags(task, today(), _due_soon_days())), "given_at": iso(task.given_at)}
                  for task in result.items],
        "total": result.total,
        "page": page,
        "per_page": per_page,
    }


def directive_tasks_json(directive: Directive, user: User) -> list[dict]:
    """The `tasks` of a directive as the API gives it (directives/api.py): those `user` may see."""
    rows = db.session.execute(task_rows_query(user, TaskFilters(directive_id=directive.id), today(), _due_soon_days()))
    return [task_json(row.Task, row.status, row.due_soon) for row in rows]


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/directives/<int:directive_id>/tasks", "create_task", create_task_api, methods=["POST"])
    bp.add_url_rule("/tasks", "tasks", list_tasks_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/subtasks", "create_subtask", create_subtask_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>", "task", get_task_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>", "update_task", update_task_api, methods=["PATCH"])
    bp.add_url_rule("/tasks/<int:task_id>", "delete_task", delete_task_api, methods=["DELETE"])
    bp.add_url_rule("/tasks/<int:task_id>/withdraw", "withdraw_task", withdraw_task_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/reassign", "reassign_task", reassign_task_api, methods=["POST"])
    bp.add_url_rule("/directives/<int:directive_id>/withdraw", "withdraw_directive", withdraw_directive_api,
                    methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/updates", "post_update", post_update_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/review", "review_task", review_task_api, methods=["POST"])
    bp.add_url_rule("/stats/units", "unit_stats", unit_stats_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/directions", "post_direction", post_direction_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/extension-requests", "create_extension_request",
                    create_extension_request_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/extension-requests", "task_extension_requests",
                    task_extension_requests_api, methods=["GET"])
    bp.add_url_rule("/extension-requests", "extension_requests", extension_requests_api, methods=["GET"])
    bp.add_url_rule("/extension-requests/<int:request_id>/decision", "decide_extension", decide_extension_api,
                    methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/occurrences", "occurrences", occurrences_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/occurrences/<int:occurrence_id>", "occurrence", occurrence_api,
                    methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/occurrences/<int:occurrence_id>/updates", "report_occurrence",
                    report_occurrence_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/occurrences/<int:occurrence_id>/review", "review_occurrence",
                    review_occurrence_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/updates/<int:update_id>/attachments", "upload_update_file",
                    upload_update_file_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/attachments", "task_files", task_files_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/acknowledge", "acknowledge_task", acknowledge_api, methods=["POST"])
    bp.add_url_rule("/tasks/unacknowledged", "unacknowledged_tasks", unacknowledged_api, methods=["GET"])
