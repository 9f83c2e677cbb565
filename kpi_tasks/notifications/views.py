"""The notification centre: the navbar badge, the list, mark read (htmx or plain form), the user's own
e-mail settings, and the scheduled reports' pages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response
from wtforms import EmailField, RadioField, SelectField
from wtforms.validators import Length, Optional

from kpi_tasks.accounts.permissions import can_view_scheduled_reports
from kpi_tasks.extensions import db
from kpi_tasks.forms import Form, htmx_target, options, save, save_action
from kpi_tasks.notifications.models import EMAIL_MODE_LABELS, KIND_LABELS, Notification
from kpi_tasks.notifications.services import (
    BADGE_CAP,
    get_notification_or_404,
    group_notifications_query,
    group_of,
    job_title,
    kind_preferences,
    mark_all_read,
    mark_group_read,
    notification_groups,
    notification_groups_query,
    notification_target,
    unread_badge_count,
    update_preferences,
)
from kpi_tasks.pagination import paginate_rows
from kpi_tasks.reports.models import ScheduledReport
from kpi_tasks.reports.scheduled import report_view

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30
CHANGED_EVENT = "notifications-changed"


class PreferencesForm(Form):
    email_mode = RadioField("Nhận thông báo qua e-mail", choices=options(EMAIL_MODE_LABELS.items()))
    email = EmailField("Địa chỉ e-mail", validators=[Optional(), Length(max=255)])


# One choice per kind ("kind_assigned" …), "" following the general choice above.
for _kind, _label in KIND_LABELS.items():
    setattr(PreferencesForm, f"kind_{_kind}", SelectField(
        _label, choices=options([("", "Như cài đặt chung"), *EMAIL_MODE_LABELS.items()]), default=""))


@bp.app_context_processor
def _badge_helpers() -> dict:
    def unread_notifications() -> int:
        return unread_badge_count(current_user) if current_user.is_authenticated else 0

    def notification_url(notification: Notification) -> str:
        endpoint, values = notification_target(notification)
        try:
            return url_for(endpoint, **values)
        except BuildError:  # the area the notification points to is not installed
            return url_for("notifications.index")

    return {"unread_notifications": unread_notifications, "notification_url": notification_url,
            "badge_cap": BADGE_CAP, "job_title": job_title}


def _safe_next(default: str) -> str:
    """Only a path of this site: never an absolute URL an attacker could slip into the form."""
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else default


@bp.get("/")
@login_required
def index() -> str:
    unread_only = request.args.get("unread") == "1"
    page_number = request.args.get("page", 1, type=int)
    opened = request.args.get("group", type=int)
    if opened is not None:
        # One line of the bell opened: each of its notices.
        group = group_of(get_notification_or_404(opened, current_user))
        page = db.paginate(group_notifications_query(group.latest), page=page_number, per_page=PER_PAGE,
                           error_out=False)
        args: dict[str, object] = {"group": opened}
    else:
        group = None
        page = paginate_rows(notification_groups_query(current_user, unread_only), page_number, PER_PAGE)
        page.items = notification_groups(page.items)
        args = {"unread": "1"} if unread_only else {}
    template = "notifications/_list.html" if htmx_target() == "notification-list" else "notifications/index.html"
    return render_template(template, page=page, page_args=args, unread_only=unread_only, opened=group)


@bp.get("/badge")
@login_required
def badge() -> str:
    return render_template("notifications/_badge.html")


@bp.post("/<int:notification_id>/read")
@login_required
def read(notification_id: int) -> str | Response:
    notification = get_notification_or_404(notification_id, current_user)
    save_action(lambda: mark_group_read(notification))
    if (htmx_target() or "").startswith("notification-"):
        response = Response(render_template("notifications/_item.html", notification=notification,
                                            group=group_of(notification)))
        response.headers["HX-Trigger"] = CHANGED_EVENT
        return response
    return redirect(_safe_next(url_for("notifications.index")), 303)


@bp.get("/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Response:
    """Follow a notice from the bell: it and the rest of its line are read, and the page it is about opens."""
    notification = get_notification_or_404(notification_id, current_user)
    save_action(lambda: mark_group_read(notification))
    endpoint, values = notification_target(notification)
    try:
        target = url_for(endpoint, **values)
    except BuildError:  # the area the notification points to is not installed
        target = url_for("notifications.index")
    return redirect(target, 303)


@bp.post("/read-all")
@login_required
def read_all() -> Response:
    save_action(lambda: mark_all_read(current_user),
                lambda count: f"Đã đánh dấu {count} thông báo là đã đọc." if count else "Không còn thông báo chưa đọc.")
    return redirect(_safe_next(url_for("notifications.index")), 303)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> str | Response:
    chosen = kind_preferences(current_user)
    form = PreferencesForm(data={"email_mode": current_user.email_mode, "email": current_user.email,
                                 **{f"kind_{kind}": chosen.get(kind, "") for kind in KIND_LABELS}})
    if form.validate_on_submit():
        by_kind = {kind: form[f"kind_{kind}"].data or "" for kind in KIND_LABELS}
        if save(form, lambda: update_preferences(current_user, form.email_mode.data or "", form.email.data, by_kind),
                "Đã lưu cài đặt nhận thông báo."):
            return redirect(url_for("notifications.settings"), 303)
    return render_template("notifications/settings.html", form=form, kinds=KIND_LABELS)


@bp.get("/reports/<int:report_id>")
@login_required
def report(report_id: int) -> str:
    if not can_view_scheduled_reports(current_user):
        abort(403)
    scheduled = db.get_or_404(ScheduledReport, report_id)
    return render_template(
        "notifications/report.html", report=scheduled, view=report_view(scheduled),
        task_url=lambda task_id: url_for("tasks.detail", task_id=task_id),
    )
