"""The flow as a unit officer clicks it, in Debian chromium."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import ProgressUpdate
from kpi_tasks.tasks.services import assign_staff
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, commit, make_task, make_unit, make_user

pytestmark = pytest.mark.browser


def test_unit_staff_logs_in_and_posts_an_update(app, page):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        manager = make_user("unit_manager", unit, username="vhtt.truongphong")
        make_user("unit_staff", unit, username="vhtt.chuyenvien")
        task = make_task(unit, title="Ứng dụng chuyển đổi số", deadline=dt.date(2026, 3, 18))
        staff = db.session.scalar(sa.select(type(manager)).where(type(manager).username == "vhtt.chuyenvien"))
        assign_staff(task, manager, [staff.id])
        task_id = task.id
        commit()

    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill("vhtt.chuyenvien")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    assert page.get_by_text("Sắp đến hạn").first.is_visible()

    page.get_by_role("link", name="Ứng dụng chuyển đổi số").first.click()
    page.wait_for_url(f"**/tasks/{task_id}")
    page.get_by_label("Tiến độ (%)").fill("45")
    page.get_by_label("Nội dung cập nhật").fill("Đã hướng dẫn 4/10 xã cài đặt ứng dụng")
    page.get_by_role("button", name="Gửi cập nhật").click()
    page.get_by_text("Đã cập nhật tiến độ.").wait_for()
    assert page.locator("#updates").get_by_text("Đã hướng dẫn 4/10 xã").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "unit-staff-task.png"), full_page=True)

    with app.app_context():
        update = db.session.scalar(sa.select(ProgressUpdate).where(ProgressUpdate.task_id == task_id))
        assert update.progress_percent == 45
        assert update.note == "Đã hướng dẫn 4/10 xã cài đặt ứng dụng"
