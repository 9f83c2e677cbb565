"""API of the progress table (API.md: milestones)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from kpi_tasks.api.input import Fields, api_user, iso, json_fields
from kpi_tasks.extensions import db
from kpi_tasks.milestones.models import Milestone
from kpi_tasks.milestones.queries import milestone_progress, task_milestones
from kpi_tasks.milestones.services import add_milestone, delete_milestone, get_milestone_or_404, update_milestone
from kpi_tasks.tasks.services import get_task_or_404


def _due_soon_days() -> int:
    return current_app.config["DUE_SOON_WORKING_DAYS"]


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
    bp.add_url_rule("/tasks/<int:task_id>/milestones", "milestones", milestones_api, methods=["GET"])
    bp.add_url_rule("/tasks/<int:task_id>/milestones", "create_milestone", create_milestone_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/milestones/<int:milestone_id>", "update_milestone", update_milestone_api,
                    methods=["PATCH"])
    bp.add_url_rule("/tasks/<int:task_id>/milestones/<int:milestone_id>", "delete_milestone", delete_milestone_api,
                    methods=["DELETE"])
