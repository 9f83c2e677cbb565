"""The notification centre in Debian chromium: the badge's count, opening the centre, marking read."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import ReminderSettings, scan
from tests.conftest import ARTIFACTS
from tests.factories import commit, sign_in
from tests.notifications.helpers import MONDAY, build_world

pytestmark = pytest.mark.browser


def test_badge_open_and_mark_read(app, page):
    with app.app_context():
        world = build_world()
        commit()
        scan(MONDAY, ReminderSettings())
        commit()
        manager_id = world.user_id("lead_manager")
        db.session.remove()

    sign_in(page, "vhtt.giamdoc")
    badge = page.locator("#notification-badge [data-unread]")
    assert badge.inner_text() == "5"

    page.locator("#notification-badge").click()
    page.wait_for_url("**/notifications/")
    items = page.locator("[data-notification-id]")
    assert items.count() == 5
    first = items.filter(has_text="Kiểm tra di tích lịch sử trên địa bàn")
    assert first.get_attribute("data-read") == "0"
    first.get_by_role("button", name="Đánh dấu đã đọc").click()
    # htmx swaps the row in place and the badge reloads itself: wait on what the user sees.
    page.locator("[data-notification-id][data-read='1']").filter(
        has_text="Kiểm tra di tích lịch sử trên địa bàn").wait_for()
    page.locator("#notification-badge [data-unread='4']").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notification-centre.png"), full_page=True)

    page.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    page.get_by_text("Đã đánh dấu 4 thông báo là đã đọc.").wait_for()
    assert page.locator("#notification-badge [data-unread]").count() == 0

    with app.app_context():
        unread = db.session.scalar(sa.select(sa.func.count()).where(
            Notification.recipient_id == manager_id, Notification.read_at.is_(None)))
        db.session.remove()
    assert unread == 0
