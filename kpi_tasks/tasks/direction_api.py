"""Ý kiến chỉ đạo in /api/v1: `POST /tasks/{id}/directions`, and the `directions` field of `GET /tasks/{id}`."""

from __future__ import annotations

from flask import Blueprint

from kpi_tasks.accounts.permissions import can_give_direction
from kpi_tasks.api.input import api_user, iso, json_fields
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.tasks.directions import TaskDirection, give_direction, task_directions
from kpi_tasks.tasks.services import get_task_or_404


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
    if not can_give_direction(user):
        raise PermissionDenied("Chỉ lãnh đạo UBND và Văn phòng HĐND và UBND được ghi ý kiến chỉ đạo.")
    fields = json_fields()
    text = fields.text("text", required=True)
    given_by_id = fields.integer("given_by_id")
    fields.done()
    direction = give_direction(task, user, text=text, given_by_id=given_by_id)
    db.session.commit()
    return direction_json(direction), 201


def register_api(api: Blueprint) -> None:
    api.add_url_rule("/tasks/<int:task_id>/directions", "post_direction", post_direction_api, methods=["POST"])
