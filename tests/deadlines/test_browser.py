"""A unit reports on one occurrence of a recurring task with a signed scan attached, in Debian chromium."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.attachments.models import Attachment
from kpi_tasks.extensions import db
from kpi_tasks.milestones.services import add_milestone
from kpi_tasks.tasks.models import TaskOccurrence
from tests.attachments.helpers import PDF
from tests.conftest import ARTIFACTS
from tests.factories import commit, make_directive, make_task, make_unit, make_user, sign_in

pytestmark = pytest.mark.browser
D = dt.date


def test_unit_reports_an_occurrence_with_a_file(app, page, tmp_path):
    with app.app_context():
        unit = make_unit("UBND thị trấn Châu Ổ", kind="commune", code="CHAUO")
        make_user("unit_manager", unit, username="binhson.chutich")
        task = make_task(unit, directive=make_directive(issued_on=D(2026, 3, 2)), deadline=None,
                         recurrence="weekly:fri;until=2026-03-31", title="Thống kê tỷ lệ số hóa hồ sơ")
        add_milestone(task, make_user("office"), step="Rà soát hồ sơ tồn", due_on=D(2026, 3, 20))
        task_id = task.id
        commit()
    scan = tmp_path / "Báo cáo tuần 1.pdf"
    scan.write_bytes(PDF)

    sign_in(page, "binhson.chutich")
    page.goto(f"/tasks/{task_id}")
    assert page.locator("#recurrence").inner_text() == "Định kỳ vào thứ Sáu hàng tuần, đến ngày 31/03/2026"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "recurring-task.png"), full_page=True)

    page.locator("#occurrences tbody tr").last.get_by_role("link", name="Báo cáo, xem").click()
    page.wait_for_url(f"**/tasks/{task_id}/occurrences/*")
    assert "02/03/2026 – 06/03/2026" in page.locator("h1").inner_text()
    page.get_by_label("Nội dung báo cáo").fill("Đã số hóa 120/150 hồ sơ")
    page.get_by_label("Báo cáo đã hoàn thành kỳ này").check()
    page.get_by_label("Ngày hoàn thành").fill("06/03/2026")
    page.get_by_label("Tệp đính kèm (báo cáo, bản scan có chữ ký)").set_input_files(str(scan))
    page.get_by_role("button", name="Gửi báo cáo").click()
    page.get_by_text("Đã báo cáo hoàn thành kỳ; chờ Văn phòng xác nhận.").wait_for()
    assert page.locator("[data-status]").first.get_attribute("data-status") == "awaiting_review"
    assert page.get_by_role("link", name="Báo cáo tuần 1.pdf").is_visible()
    page.screenshot(path=str(ARTIFACTS / "occurrence-reported.png"), full_page=True)

    with app.app_context():
        occurrence = db.session.scalar(sa.select(TaskOccurrence).where(TaskOccurrence.due_on == D(2026, 3, 6)))
        assert (occurrence.state, occurrence.completion_reported_on) == ("awaiting_review", D(2026, 3, 6))
        attachment = db.session.scalar(sa.select(Attachment))
        assert (attachment.original_name, attachment.kind, attachment.size) == ("Báo cáo tuần 1.pdf", "pdf", len(PDF))
