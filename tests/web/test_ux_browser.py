"""A phone-sized screen (390 px) in Debian chromium: the menu folds, and pages do not scroll sideways."""

from __future__ import annotations

import pytest

from tests.factories import commit, make_unit, make_user, sign_in

pytestmark = pytest.mark.browser


def test_on_a_phone_the_menu_folds_and_wide_tables_scroll_in_their_box(app, page):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        make_user("admin", username="quantri")
        for name in ("vhtt.giamdoc", "vhtt.chuyenvien.nguyenthithanhhuong", "tuphap.giamdoc"):
            make_user("unit_manager", unit, username=name)
        commit()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "quantri")

    bar = page.locator("nav.navbar")
    assert not bar.get_by_role("link", name="Văn bản chỉ đạo").is_visible()
    bar.get_by_text("Danh mục").click()
    assert bar.get_by_role("link", name="Văn bản chỉ đạo").is_visible()
    bar.get_by_role("link", name="Văn bản chỉ đạo").click()
    page.wait_for_url("**/directives/")

    for path in ("/", "/directives/", "/kpis/", "/reports/", "/reports/monthly", "/admin/users", "/admin/jobs/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
