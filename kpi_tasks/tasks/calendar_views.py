"""Lịch hạn xử lý: the month grid of deadlines, one's iCalendar feed address, and following a task."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.roles import LEADER
from kpi_tasks.clock import today
from kpi_tasks.forms import save_action
from kpi_tasks.tasks.calendar_feed import (
    deadlines,
    feed_deadlines,
    feed_user,
    has_feed,
    ics,
    month_weeks,
    new_feed_token,
    revoke_feed,
)
from kpi_tasks.tasks.following import is_watching, watch
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import get_task_or_404
from kpi_tasks.units.services import list_units

bp = Blueprint("schedule", __name__)
GRID_LIMIT = 3000
PER_DAY = 4


def feed_url(token: str) -> str:
    """The feed's absolute address (PUBLIC_BASE_URL: a calendar application fetches it from outside)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for("schedule.feed", token=token)


@bp.app_template_global("task_is_watched")
def task_is_watched(task: Task) -> bool:
    return is_watching(task, current_user._get_current_object())


@bp.get("/tasks/calendar")
@login_required
def month() -> str:
    day = today()
    raw = request.args.get("month", "")
    try:
        first = dt.date.fromisoformat(raw + "-01") if raw else day.replace(day=1)
    except ValueError:
        first = day.replace(day=1)
    user = current_user._get_current_object()
    unit_id = request.args.get("unit_id", type=int) if not user.is_unit_user else None
    # Leaders open on the tasks they are in charge of or follow ("việc tôi phụ trách"); the office on every task.
    mine = request.args.get("mine", "1" if user.role == LEADER else "0") == "1" and not user.is_unit_user
    weeks = month_weeks(first.year, first.month)
    items = deadlines(user, weeks[0][0], weeks[-1][-1], day, unit_id=unit_id, mine=mine or user.is_unit_user,
                      limit=GRID_LIMIT)
    by_day: dict[dt.date, list] = defaultdict(list)
    for item in items:
        by_day[item.day].append(item)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return render_template(
        "tasks/calendar.html", first=first, weeks=weeks, by_day=by_day, per_day=PER_DAY, previous=previous,
        following=following, unit_id=unit_id, mine=mine, units=[] if user.is_unit_user else list_units(),
        has_feed=has_feed(user), total=len(items),
    )


@bp.post("/tasks/calendar/feed")
@login_required
def new_feed() -> Response:
    save_action(lambda: new_feed_token(current_user), lambda token: "Đường dẫn lịch mới (chỉ hiện một lần, "
                f"đường dẫn cũ không còn dùng được): {feed_url(token)}")
    return redirect(url_for("schedule.month"), 303)


@bp.post("/tasks/calendar/feed/revoke")
@login_required
def revoke() -> Response:
    save_action(lambda: revoke_feed(current_user),
                lambda revoked: "Đã thu hồi đường dẫn lịch." if revoked else "Chưa có đường dẫn lịch nào.")
    return redirect(url_for("schedule.month"), 303)


@bp.get("/feeds/<token>.ics")
def feed(token: str) -> Response:
    """The user's deadlines for a calendar application: no session, the secret token is the key (404 otherwise)."""
    user = feed_user(token)
    if user is None:
        abort(404)
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "kpi-tasks"
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    body = ics(user, feed_deadlines(user, today()), lambda task_id: base + url_for("tasks.detail", task_id=task_id),
               host)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="han-xu-ly.ics"'
    return response


@bp.post("/tasks/<int:task_id>/watch")
@login_required
def toggle_watch(task_id: int) -> Response:
    task = get_task_or_404(task_id, current_user)
    on = request.form.get("on") == "1"
    save_action(lambda: watch(task, current_user, on),
                "Đã theo dõi nhiệm vụ: anh/chị sẽ nhận thông báo về nhiệm vụ này." if on
                else "Đã bỏ theo dõi nhiệm vụ.")
    return redirect(url_for("tasks.detail", task_id=task.id), 303)
