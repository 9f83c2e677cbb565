"""The API of one's calendar feed (a new secret address, revoking it) and of following a task."""

from __future__ import annotations

from kpi_tasks.api.input import api_user
from kpi_tasks.api.routes import ApiRoutes
from kpi_tasks.extensions import db
from kpi_tasks.tasks.calendar_feed import new_feed_token, revoke_feed
from kpi_tasks.tasks.calendar_views import feed_url
from kpi_tasks.tasks.following import watch
from kpi_tasks.tasks.schemas import CalendarFeed, CalendarFeedRevoked, Following
from kpi_tasks.tasks.services import get_task_or_404

routes = ApiRoutes()
register_api = routes


@routes.operation("POST", "/calendar-feed", "calendar_feed",
                  "Tạo đường dẫn bí mật (iCalendar) các hạn xử lý của mình; đường dẫn cũ hết hiệu lực", status=201,
                  answer=CalendarFeed, description="The feed's address")
def new_feed_api() -> CalendarFeed:
    """A new secret address of the token user's deadlines (iCalendar); the previous one stops working."""
    token = new_feed_token(api_user())
    db.session.commit()
    return CalendarFeed(url=feed_url(token))


@routes.operation("DELETE", "/calendar-feed", "revoke_calendar_feed", "Thu hồi đường dẫn lịch",
                  answer=CalendarFeedRevoked, description="Whether there was one")
def revoke_feed_api() -> CalendarFeedRevoked:
    revoked = revoke_feed(api_user())
    db.session.commit()
    return CalendarFeedRevoked(revoked=revoked)


def _watch_api(task_id: int, on: bool) -> Following:
    user = api_user()
    task = get_task_or_404(task_id, user)
    watch(task, user, on)
    db.session.commit()
    return Following(task_id=task.id, watching=on)


@routes.operation("POST", "/tasks/<int:task_id>/watch", "watch_task", "Theo dõi nhiệm vụ (nhận thông báo về nhiệm vụ)",
                  answer=Following, description="Following", errors="403 404")
def watch_api(task_id: int) -> Following:
    return _watch_api(task_id, True)


@routes.operation("DELETE", "/tasks/<int:task_id>/watch", "unwatch_task", "Bỏ theo dõi nhiệm vụ", answer=Following,
                  description="Not following", errors="403 404")
def unwatch_api(task_id: int) -> Following:
    return _watch_api(task_id, False)
