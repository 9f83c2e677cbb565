"""The flow as a unit officer clicks it, in Debian chromium."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.tasks.models import ProgressUpdate, Task
from kpi_tasks.tasks.services import assign_staff
from tests.conftest import ARTIFACTS
from tests.factories import commit, make_task, make_unit, make_user, sign_in

pytestmark = pytest.mark.browser


def test_unit_staff_logs_in_and_posts_an_update(app, page):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        manager = make_user("unit_manager", unit, username="vhtt.giamdoc")
        make_user("unit_staff", unit, username="vhtt.chuyenvien")
        task = make_task(unit, title="Ứng dụng chuyển đổi số", deadline=dt.date(2026, 3, 18))
        staff = db.session.scalar(sa.select(type(manager)).where(type(manager).username == "vhtt.chuyenvien"))
        assign_staff(task, manager, [staff.id])
        task_id = task.id
        commit()

    sign_in(page, "vhtt.chuyenvien")
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


@pytest.mark.parametrize("width", [1280, 1366, 1920])
def test_the_top_bar_reads_on_one_row_from_1280_px(app, page, width):
    """The admin has the most links; a long name is cut short, not wrapped; the bell counts 35 unread notices (two
    digits widen it). The menus open without JavaScript."""
    with app.app_context():
        admin = make_user("admin", username="quantri")
        admin.full_name = "Nguyễn Thị Thanh Hương Giang"
        db.session.add_all(Notification(recipient_id=admin.id, kind="overdue", dedup_key=f"test:{number}")
                           for number in range(35))
        commit()
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "quantri")

    bar = page.locator("nav.navbar")
    items = bar.locator(".nav-link:visible, .navbar-brand:visible").all()
    labels = [re.sub(r"\s*\d+\+?$", "", item.inner_text()) for item in items]  # the bell: "Thông báo 35"
    for label in ("Trang chủ", "Nhiệm vụ", "Văn bản chỉ đạo", "Nhập từ văn bản", "Đề nghị gia hạn", "Chỉ tiêu",
                  "Hồ sơ TTHC", "Thi đua", "Báo cáo", "Quản trị", "Thông báo"):
        assert label in labels
    boxes = [item.bounding_box() for item in items]
    line = max(item.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)") for item in items)
    padding = bar.locator(".navbar-nav .nav-link").first.evaluate(
        "e => parseFloat(getComputedStyle(e).paddingTop) + parseFloat(getComputedStyle(e).paddingBottom)")
    assert all(box["height"] <= line + padding + 1 for box in boxes), list(zip(labels, boxes, strict=True))
    # one row: every item overlaps the middle of the bar, and no item starts a line below another
    middle = bar.bounding_box()["height"] / 2
    assert all(box["y"] <= middle <= box["y"] + box["height"] for box in boxes), list(zip(labels, boxes, strict=True))
    tops = [box["y"] for box in boxes]
    assert max(tops) - min(tops) < line / 2, list(zip(labels, boxes, strict=True))
    assert all(box["x"] + box["width"] <= width for box in boxes)

    bar.locator("summary", has_text="Quản trị").click()
    bar.get_by_role("link", name="Người dùng").click()
    page.wait_for_url("**/admin/users")
    page.locator("nav .nav-user summary").click()
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/login**")


def test_the_office_opens_the_corrections_panel_and_hands_the_task_to_another_unit(app, page):
    """The panel's form is fetched when it is first opened; its submit still answers with the whole task page."""
    with app.app_context():
        lead, other = make_unit("Phòng Văn hóa và Thông tin", code="VHTT"), make_unit("Phòng Tư pháp", code="TP")
        make_user("office", username="vanphong")
        task_id, other_id = make_task(lead, title="Rà soát thủ tục", deadline=dt.date(2026, 3, 18)).id, other.id
        commit()
    sign_in(page, "vanphong")
    page.goto(f"/tasks/{task_id}")
    panel = page.locator("#corrections")
    assert panel.locator("select").count() == 0
    panel.locator("summary").click()
    panel.get_by_label("Chuyển đơn vị chủ trì").check()
    panel.get_by_label("Đơn vị chủ trì mới").select_option(label="Phòng Tư pháp")
    panel.get_by_label("Lý do").fill("Đúng chức năng quản lý")
    panel.get_by_role("button", name="Thực hiện").click()
    page.get_by_text("Đã chuyển nhiệm vụ cho Phòng Tư pháp chủ trì.").wait_for()
    assert page.locator("h1", has_text="Rà soát thủ tục").count() == 1
    with app.app_context():
        assert db.session.get(Task, task_id).lead_unit_id == other_id
