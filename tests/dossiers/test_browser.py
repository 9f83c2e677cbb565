"""In Debian chromium: the office imports an export (upload, mapping, confirm, progress); the unit records and
prints its apology letter."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi_tasks.dossiers.models import ApologyLetter, Dossier
from kpi_tasks.extensions import db
from tests.conftest import ARTIFACTS
from tests.dossiers.helpers import make_units, standard_rows, write_xlsx
from tests.factories import commit, make_user, sign_in

pytestmark = pytest.mark.browser


def test_office_uploads_checks_the_mapping_and_imports(app, page, tmp_path, background_worker):
    with app.app_context():
        tp, _ = make_units()
        make_user("office", username="vanphong")
        make_user("unit_manager", tp, username="tuphap.giamdoc")
        commit()
    export = write_xlsx(tmp_path / "ho-so-thang-3.xlsx", standard_rows())

    sign_in(page, "vanphong")
    page.get_by_role("link", name="Hồ sơ TTHC").click()
    page.get_by_role("link", name="Nhập dữ liệu").click()
    page.get_by_label("Tệp xuất từ hệ thống một cửa điện tử (.xlsx hoặc .csv)").set_input_files(str(export))
    page.get_by_role("button", name="Tải lên và xem trước").click()
    page.locator("#column-mapping").wait_for()
    assert page.locator("#preview-rows").get_by_text("TP-OVERDUE").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dossier-import-preview.png"), full_page=True)
    page.get_by_role("button", name="Kiểm tra toàn bộ tệp và nhập").click()
    page.locator("#import-done").wait_for(timeout=30_000)  # the fragment polls until the worker has imported
    page.screenshot(path=str(ARTIFACTS / "dossier-import-done.png"), full_page=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 7
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApologyLetter)) == 3

    # The head of the handling unit sees what it owes, records the letter and prints it.
    page.locator("nav .nav-user summary").click()  # the account menu
    page.get_by_role("button", name="Đăng xuất").click()
    sign_in(page, "tuphap.giamdoc")
    page.goto("/dossiers/apology-letters")
    page.get_by_role("link", name="TP-OVERDUE").click()
    page.get_by_label("Ngày hẹn lại trả kết quả").fill("25/03/2026")
    page.get_by_label("Người ký (thủ trưởng cơ quan, đơn vị)").fill("Lê Văn Cường")
    page.get_by_label("Lý do chậm trễ").fill("Hồ sơ phải lấy ý kiến Sở Tư pháp.")
    page.get_by_role("button", name="Ghi nhận").click()
    page.get_by_text("Gửi phiếu trễ hạn").first.wait_for()
    page.goto(page.url + "/print")
    page.get_by_text("PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ").wait_for()
    page.screenshot(path=str(ARTIFACTS / "dossier-apology-letter-print.png"), full_page=True)
    with app.app_context():
        letter = db.session.scalar(sa.select(ApologyLetter).join(Dossier).where(Dossier.code == "TP-OVERDUE"))
        assert (letter.status, letter.signer) == ("late", "Lê Văn Cường")
