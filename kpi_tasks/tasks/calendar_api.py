"""The API of one's calendar feed (a new secret address, revoking it) and of following a task."""

from __future__ import annotations

from flask import Blueprint

from kpi_tasks.api.input import api_user
from kpi_tasks.extensions import db
from kpi_tasks.tasks.calendar_feed import new_feed_token, revoke_feed
from kpi_tasks.tasks.calendar_views import feed_url
from kpi_tasks.tasks.following import watch
from kpi_tasks.tasks.services import get_task_or_404


def new_feed_api() -> tuple[dict, int]:
    """A new secret address of the token user's deadlines (iCalendar); the previous one stops working."""
    token = new_feed_token(api_user())
    db.session.commit()
    return {"url": feed_url(token)}, 201


def revoke_feed_api() -> dict:
    revoked = revoke_feed(api_user())
    db.session.commit()
    return {"revoked": revoked}


def _watch_api(task_id: int, on: bool) -> dict:
    user = api_user()
    task = get_task_or_404(task_id, user)
    watch(task, user, on)
    db.session.commit()
    return {"task_id": task.id, "watching": on}


def watch_api(task_id: int) -> dict:
    return _watch_api(task_id, True)


def unwatch_api(task_id: int) -> dict:
    return _watch_api(task_id, False)


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/calendar-feed", "calendar_feed", new_feed_api, methods=["POST"])
    bp.add_url_rule("/calendar-feed", "revoke_calendar_feed", revoke_feed_api, methods=["DELETE"])
    bp.add_url_rule("/tasks/<int:task_id>/watch", "watch_task", watch_api, methods=["POST"])
    bp.add_url_rule("/tasks/<int:task_id>/watch", "unwatch_task", unwatch_api, methods=["DELETE"])
