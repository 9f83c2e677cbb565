"""`GET /notifications` (API.md) and marking notifications read, for the token's own user only."""

from __future__ import annotations

from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification as Stored
from kpi_tasks.notifications.schemas import MarkedRead, Notification, NotificationPage, NotificationQuery
from kpi_tasks.notifications.services import get_notification_or_404, mark_all_read, mark_read, notifications_query

routes = ApiRoutes()
register_api = routes


def notification_out(notification: Stored) -> Notification:
    letter = notification.apology_letter
    return Notification.of(notification, read=notification.read_at is not None,
                           dossier_code=letter.dossier.code if letter is not None else None,
                           job_id=notification.background_job_id)


@routes.operation("GET", "/notifications", "notifications", "Thông báo của chính người dùng (mới nhất trước)",
                  query=NotificationQuery, answer=NotificationPage, errors="422")
def list_notifications_api(query: NotificationQuery) -> NotificationPage:
    result = db.paginate(notifications_query(api_user(), query.unread), page=query.page, per_page=query.per_page,
                         error_out=False)
    return NotificationPage(items=[notification_out(notification) for notification in result.items],
                            total=result.total, page=query.page, per_page=query.per_page)


@routes.operation("POST", "/notifications/<int:notification_id>/read", "read_notification",
                  "Đánh dấu một thông báo đã đọc", answer=Notification, errors="404")
def read_notification_api(notification_id: int) -> Notification:
    notification = mark_read(get_notification_or_404(notification_id, api_user()))
    db.session.commit()
    return notification_out(notification)


@routes.operation("POST", "/notifications/read-all", "read_all_notifications",
                  "Đánh dấu mọi thông báo của mình đã đọc", answer=MarkedRead, description="How many were unread")
def read_all_notifications_api() -> MarkedRead:
    count = mark_all_read(api_user())
    db.session.commit()
    return MarkedRead(updated=count)
