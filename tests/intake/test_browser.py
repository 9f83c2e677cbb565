"""The intake in Debian chromium: the office uploads seed 002, reviews the drafts beside the marked text,
picks the units the document names loosely, confirms, and the directive's tasks exist with the right units."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from kpi_tasks.demo.seed import DEMO_PASSWORD
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from tests.conftest import ARTIFACTS
from tests.factories import commit
from tests.intake.helpers import SEED_002, demo_district, needs_seed_002

pytestmark = [pytest.mark.browser, needs_seed_002]


def test_office_uploads_seed_002_reviews_and_confirms(app, page, live_server):
    with app.app_context():
        office, _units = demo_district()
        username = office.username
        commit()

    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")
    page.get_by_role("link", name="Nhập từ văn bản").click()
    page.wait_for_url("**/intake/")
    page.get_by_label("Tệp văn bản (.docx, .pdf có lớp chữ, .txt)").set_input_files(str(SEED_002))
    page.get_by_role("button", name="Đọc văn bản").click()
    page.wait_for_url(re.compile(r"/intake/\d+$"))

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "intake-review.png"))
    drafts = page.locator("article.intake-draft")
    assert drafts.count() == 16
    assert page.locator("#intake-text mark.intake-mark").count() >= 16
    # the "chuyển đổi số" draft: its link scrolls the text to its sentence, marked
    digital = drafts.filter(has_text="chuyển đổi số vào công tác quản lý")
    chosen = digital.locator("[id$='-leads'] .form-check:has(input:checked) label").all_inner_texts()
    assert chosen == ["Phòng Văn hóa và Thông tin"]
    key = digital.get_attribute("id").removeprefix("draft-")
    digital.get_by_role("link", name="Xem trong văn bản").click()
    page.wait_for_url(f"**#src-{key}")
    source_mark = page.locator(f"#src-{key} + mark")
    assert "chuyển đổi số" in source_mark.inner_text()
    assert source_mark.is_visible()
    page.screenshot(path=str(ARTIFACTS / "intake-review-source.png"))

    # the seed is the unsigned draft: the clerk fills in its number and day of issue
    page.get_by_label("Số, ký hiệu").fill("35/UBND-TTHC")
    page.get_by_label("Ngày ban hành").fill("10/01/2024")
    # units the district does not record under the document's names are shown, and picked by hand
    unmatched = page.locator("article.intake-draft:has(.intake-unmatched)")
    assert unmatched.count() == 2
    assert "Tổ công nghệ số cộng đồng huyện" in unmatched.nth(1).locator(".intake-unmatched").inner_text()
    for index in range(unmatched.count()):
        leads = unmatched.nth(index).locator("[id$='-leads']")
        leads.get_by_label("Phòng Văn hóa và Thông tin", exact=True).check()
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(re.compile(r"/directives/\d+$"))
    assert "Đã tạo văn bản 35/UBND-TTHC" in page.locator(".alert-success").inner_text()

    with app.app_context():
        directive = db.session.scalars(sa.select(Directive).where(Directive.number == "35/UBND-TTHC")).one()
        tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id)).all()
        digital_tasks = [t for t in tasks if "chuyển đổi số vào công tác quản lý" in t.content]
        assert [t.lead_unit.name for t in digital_tasks] == ["Phòng Văn hóa và Thông tin"]
        assert digital_tasks[0].deadline_period == "2024-Q1"
        friday = [t for t in tasks if t.recurrence == "weekly:fri"]
        assert [t.lead_unit.name for t in friday] == ["Văn phòng HĐND và UBND huyện"]
        # "UBND các xã, thị trấn" and "các cơ quan, đơn vị" gave every unit its own copy
        assert len({t.lead_unit_id for t in tasks}) > 20
        db.session.remove()
