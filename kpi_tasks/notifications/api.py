"""`GET /notifications` (API.md) and marking notifications read, for the token's own user only."""

from __future__ import annotations

from flask import Blueprint

from kpi_tasks.api.input import api_user, iso, page_params, query_fields
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import get_notification_or_404, mark_all_read, mark_read, notifications_query


def notification_json(notification: Notification) -> dict:
    letter = notification.apology_letter
    return {
        "id": notification.id,
        "kind": notification.kind,
        "task_id": notification.task_id,
        "created_at": iso(notification.created_at),
        "read": notification.read_at is not None,
        "occurrence_id": notification.occurrence_id,
        "report_id": notification.report_id,
        "offset_days": notification.offset_days,
        "deadline": iso(notification.deadline),
        "read_at": iso(notification.read_at),
        "email_state": notification.email_state,
        # An event's words (a return's reason, a direction, a comment) and who acted.
        "note": notification.note,
        "actor_id": notification.actor_id,
        # An apology_due reminder's obligation (GET /apology-letters) and the dossier it is about.
        "apology_letter_id": notification.apology_letter_id,
        "dossier_code": letter.dossier.code if letter is not None else None,
        # A job_finished notification's background job (GET /jobs/{id}).
        "job_id": notification.background_job_id,
    }


def list_notifications_api() -> dict:
    fields = query_fields()
    unread_only = fields.boolean("unread")
    page, per_page = page_params(fields)
    fields.done()
    result = db.paginate(notifications_query(api_user(), unread_only), page=page, per_page=per_page,
                         error_out=False)
    return {
        "items": [notification_json(notification) for notification in result.items],
        "total": result.total,
        "page": page,
        "per_page": per_page,
    }


def read_notification_api(notification_id: int) -> dict:
    notification = mark_read(get_notification_or_404(notification_id, api_user()))
    db.session.commit()
    return notification_json(notification)


def read_all_notifications_api() -> dict:
    count = mark_all_read(api_user())
    db.session.commit()
    return {"updated": count}


def register_api(bp: Blueprint) -> None:
    bp.add_url_rule("/notifications", "notifications", list_notifications_api, methods=["GET"])
    bp.add_url_rule("/notifications/<int:notification_id>/read", "read_notification", read_notification_api,
                    methods=["POST"])
    bp.add_url_rule("/notifications/read-all", "read_all_notifications", read_all_notifications_api,
                    methods=["POST"])
