"""API of the deadlines area (API.md: extension requests; and occurrences, milestones)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, current_app

from kpi_tasks.api.input import Fields, api_user, iso, json_fields, page_params, query_fields
from kpi_tasks.clock import today
from kpi_tasks.deadlines.models import EXTENSION_STATUSES, ExtensionRequest, Milestone, TaskOccurrence
from kpi_tasks.deadlines.occurrences import get_occurrence_or_404, report_occurrence, review_occurrence
from kpi_tasks.deadlines.queries import (
    extension_requests_query,
    milestone_progress,
    occurrence_flags,
    occurrence_rows_query,
    task_milestones,
)
from kpi_tasks.deadlines.services import (
    add_milestone,
    decide_extension,
    delete_milestone,
    get_extension_request_or_404,
    get_milestone_or_404,
    request_extension,
    update_milestone,
)
from kpi_tasks.extensions import db
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.tasks.api import report_values, review_values, task_detail_json, update_json
from kpi_tasks.tasks.models import ProgressUpdate
from kpi_tasks.tasks.services import get_task_or_404


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


def extension_json(request: ExtensionRequest) -> dict:
    return {
        "id": request.id,
        "task_id": request.task_id,
        "occurrence_id": request.occurrence_id,
        "unit_id": request.unit_id,
        "requested_by_id": request.requested_by_id,
        "previous_deadline": iso(request.previous_deadline),
        "new_deadline": iso(request.new_deadline),
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
    updates = db.session.scalars(
        sa.select(ProgressUpdate)
        .where(ProgressUpdate.occurrence_id == occurrence.id)
        .order_by(ProgressUpdate.created_at.desc(), ProgressUpdate.id.desc())
    )
    return {**occurrence_json(occurrence, status, due_soon), "updates": [update_json(u) for u in updates]}


def milestone_json(milestone: Milestone) -> dict:
    return {
        "id": milestone.id,
        "task_id": milestone.task_id,
        "position": milestone.position,
        "step": milestone.step,
        "due_on": iso(milestone.due_on),
        "done_on": iso(milestone.done_on),
        "note": milestone.note,
        "version": milestone.version,
    }


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
    fields.done()
    decide_extension(request, user, decision=decision or "", note=note)
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
    user = api_user()
    task = get_task_or_404(task_id, user)
    occurrence = get_occurrence_or_404(task, occurrence_id)
    fields = json_fields()
    values = report_values(fields)
    fields.done()
    update = report_occurrence(occurrence, user, **values)
    db.session.commit()
    return {**update_json(update), "occurrence": _occurrence_detail(occurrence)}, 201


def review_occurrence_api(task_id: int, occurrence_id: int) -> dict:
    user = api_user()
    task = get_task_or_404(task_id, user)
    occurrence = get_occurrence_or_404(task, occurrence_id)
    fields = json_fields()
    values = review_values(fields)
    fields.done()
    review_occurrence(occurrence, user, **values)
    db.session.commit()
    return _occurrence_detail(occurrence)


# -- milestones ------------------------------------------------------------------------------------------------


def _milestone_values(fields: Fields) -> dict:
    return {
        "step": fields.text("step", required=True),
        "due_on": fields.date("due_on"),
        "done_on": fields.date("done_on"),
        "note": fields.text("note"),
        "position": fields.integer("position"),
    }


def milestones_api(task_id: int) -> dict:
    task = get_task_or_404(task_id, api_user())
    done, total, percent = milestone_progress(task)
    return {
        "items": [milestone_json(milestone) for milestone in task_milestones(task)],
        "done": done,
        "total": total,
        "percent_done": percent,
    }


def create_milestone_api(task_id: int) -> tuple[dict, int]:
    user = api_user()
    task = get_task_or_404(task_id, user)
    fields = json_fields()
    values = _milestone_values(fields)
    fields.done()
    milestone = add_milestone(task, user, **values)
    db.session.commit()
    return milestone_json(milestone), 201


def update_milestone_api(task_id: int, milestone_id: int) -> dict:
    user = api_user()
    task = get_task_or_404(task_id, user)
    milestone = get_milestone_or_404(task, milestone_id)
    fields = json_fields()
    values = _milestone_values(fields)
    version = fields.integer("version", required=True)
    fields.done()
    update_milestone(milestone, task, user, expected_version=version, **values)
    db.session.commit()
    return milestone_json(milestone)


def delete_milestone_api(task_id: int, milestone_id: int) -> Response:
    user = api_user()
    task = get_task_or_404(task_id, user)
    milestone = get_milestone_or_404(task, milestone_id)
    delete_milestone(milestone, task, user)
    db.session.commit()
    return Response(status=204)


def register_api(bp: Blueprint) -> None:
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
    bp.add_url_rule("/tasks/<int:task_id>/milestones", "milestones", milestones_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/milestones", "create_milestone", create_milestone_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/milestones/<int:milestone_id>", "update_milestone", update_milestone_api,
                    methods=["PATCH"])
    bp.add_url_rule("/tasks/<int:task_id>/milestones/<int:milestone_id>", "delete_milestone", delete_milestone_api,
                    methods=["DELETE"])

