"""Small wording and layout fixes the walk-through found: the home table's column names are the status names of
every other page (DESIGN.md §4), and the intake page's draft table scrolls in its box on a phone."""

from __future__ import annotations

import re

import pytest

from kpi_tasks.intake.services import start_intake
from kpi_tasks.tasks.status import STATUS_LABELS
from tests.factories import commit, login, make_task, make_unit, make_user, sign_in

DIRECTIVE = """UBND HUYỆN THỬ
Số: 15/UBND-VP
V/v triển khai nhiệm vụ chuyển đổi số năm 2026 trên địa bàn huyện và báo cáo kết quả thực hiện định kỳ
1. Giao Phòng Văn hóa và Thông tin chủ trì rà soát, hoàn thành trước ngày 30/4/2026.
"""


def test_the_home_table_names_its_columns_as_the_statuses_are_named(app, client):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        make_user("office", username="vanphong")
        make_task(unit)
        commit()
    login(client, "vanphong")
    page = client.get("/").get_data(as_text=True)
    head = re.search(r'<table[^>]*id="unit-stats">\s*<thead[^>]*>(.*?)</thead>', page, re.S).group(1)
    columns = re.findall(r"<th>(.*?)</th>", head)
    assert columns[3:9] == [STATUS_LABELS[code] for code in
                            ("in_progress", "overdue", "awaiting_review", "done_on_time", "done_late", "ongoing")]
    assert "Hoàn thành quá hạn" in columns
    assert "Quá hạn (đã xong)" not in page


@pytest.fixture
def office_with_a_draft(app):
    with app.app_context():
        make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        office = make_user("office", username="vanphong")
        start_intake(office, filename="ke-hoach-chuyen-doi-so-nam-2026-cua-uy-ban-nhan-dan-huyen.txt", text=DIRECTIVE)
        commit()


def test_the_intake_drafts_table_sits_in_a_scrolling_box(app, client, office_with_a_draft):
    login(client, "vanphong")
    page = client.get("/intake/").get_data(as_text=True)
    table = page.index('<table class="table table-sm" id="open-intakes">')
    assert page.rfind('<div class="table-responsive">', 0, table) > page.rfind("</div>", 0, table)


@pytest.mark.browser
def test_on_a_phone_the_intake_page_does_not_scroll_sideways(app, page, office_with_a_draft):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "vanphong")
    page.goto("/intake/")
    assert page.locator("#open-intakes tbody tr").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
