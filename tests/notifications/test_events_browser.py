"""Must show 3, in Debian chromium: the commune's chairman hands a task to an officer; the officer finds "Được giao"
in the bell, opens the task from it, answers in its thread naming the office; the office's bell shows it."""

from __future__ import annotations

import re

import pytest

from kpi_tasks.extensions import db
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, commit, make_task, make_unit, make_user

pytestmark = pytest.mark.browser
TITLE = "Rà soát, cập nhật danh sách hộ nghèo năm 2026"


def _sign_in(page, username: str) -> None:
    page.context.clear_cookies()  # one browser context for the three people: each signs in afresh
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r".*/$"))


def test_handed_over_seen_in_the_bell_answered_in_the_thread_seen_by_the_office(app, page):
    with app.app_context():
        commune = make_unit("UBND xã Châu Ổ", kind="commune", code="CHAUO")
        make_user("unit_manager", commune, "binhson.chutich")
        make_user("unit_staff", commune, "binhson.congchuc").full_name = "Trần Thị Bình"
        make_user("office", None, "vanphong")
        task_id = make_task(commune, title=TITLE).id
        commit()
        db.session.remove()

    _sign_in(page, "binhson.chutich")
    page.goto(f"/tasks/{task_id}")
    page.get_by_role("group", name="Giao cho chuyên viên").get_by_label("Trần Thị Bình").check()
    page.locator("form[action$='/assign']").get_by_role("button", name="Lưu").click()
    page.get_by_text("Đã giao việc cho chuyên viên.").wait_for()

    _sign_in(page, "binhson.congchuc")
    assert page.locator("#notification-badge [data-unread]").inner_text() == "1"
    page.locator("#notification-badge").click()
    line = page.locator("[data-kind='assigned']")
    assert "Được giao" in line.inner_text()
    line.get_by_role("link", name=TITLE).click()
    page.wait_for_url(f"**/tasks/{task_id}")
    assert page.locator("#notification-badge [data-unread]").count() == 0  # opened from the bell: read
    page.get_by_label(re.compile("Ý kiến trao đổi")).fill("Đã nhận, @vanphong cho xin mẫu biểu tổng hợp.")
    page.get_by_role("button", name="Gửi ý kiến").click()
    page.get_by_text("Đã gửi ý kiến trao đổi.").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "task-thread.png"), full_page=True)

    _sign_in(page, "vanphong")
    page.locator("#notification-badge [data-unread]").wait_for()
    page.locator("#notification-badge").click()
    mention = page.locator("[data-kind='mention']")
    assert "Được nhắc đến" in mention.inner_text()
    assert "Trần Thị Bình" in mention.inner_text()
    assert "@vanphong cho xin mẫu biểu tổng hợp" in mention.inner_text()
    page.screenshot(path=str(ARTIFACTS / "office-bell-mention.png"), full_page=True)
