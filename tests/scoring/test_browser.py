"""The Interior department publishes the year's scoring and downloads the appendix, in Debian chromium."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from kpi_tasks.extensions import db
from kpi_tasks.scoring.models import Scoring
from tests.conftest import ARTIFACTS
from tests.factories import commit, make_user, sign_in
from tests.scoring.dataset import build_district

pytestmark = pytest.mark.browser


def test_interior_publishes_and_downloads_the_appendix(app, page):
    with app.app_context():
        build_district()
        make_user("interior", username="noivu.cv")
        commit()

    sign_in(page, "noivu.cv")
    page.get_by_role("link", name="Thi đua").click()
    page.get_by_role("link", name="Bản nháp (tính đến hôm nay)").click()
    page.wait_for_url("**/scoring/2026/draft")
    assert page.locator("#scores tbody tr").first.get_by_text("Đơn vị B").is_visible()
    page.get_by_role("button", name="Công bố…").click()
    # A confirmation page comes first: what will be frozen, then the one button that publishes.
    page.wait_for_url("**/scoring/2026/publish?**")
    assert page.locator('[data-summary="units"]').inner_text() == "5"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "scoring-publish-confirmation.png"), full_page=True)
    # 16/03/2026: the year is not over. Publishing without ticking the confirmation is refused.
    assert page.locator("#unfinished-warning").is_visible()
    page.get_by_role("button", name="Xác nhận công bố").click()
    page.get_by_text("đánh dấu ô này nếu vẫn công bố kết quả tạm tính").wait_for()
    page.get_by_label("Tôi biết kỳ đánh giá đến hết ngày 31/12/2026 mới kết thúc").check()
    page.get_by_role("button", name="Xác nhận công bố").click()
    page.get_by_text("Đã công bố kết quả chấm điểm năm 2026, phiên bản 1.").wait_for()
    page.screenshot(path=str(ARTIFACTS / "scoring-published.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải Excel (phụ lục)").click()
    saved = ARTIFACTS / "scoring-2026-v1.xlsx"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "cham-diem-thi-dua-2026-v1.xlsx"
    sheet = load_workbook(saved).active
    assert sheet["A2"].value.startswith("PHỤ LỤC")
    assert "Phiên bản 1" in sheet["A4"].value
    with app.app_context():
        assert db.session.query(Scoring).count() == 1
