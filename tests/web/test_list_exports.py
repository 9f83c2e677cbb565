"""Every list exports what it shows: the "Tải Excel" beside a list carries the list's filters, is not boosted by
htmx, and gives the same rows under a title block (the committee from the document identity, the list's title,
the filters in words, the day); the page prints the same title block."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kpi_tasks.clock import today
from kpi_tasks.demo.seed import DEMO_PASSWORD, seed_demo
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.text import format_date
from kpi_tasks.units.models import Unit
from tests.factories import commit, login

HEADER_ROW = 7  # documents/appendix.py: rows 1–5 the title block, 6 blank, 7 the header


def _export_link(page: str) -> str:
    """The list's "Tải Excel" link, which must not be boosted (htmx would show the file's bytes)."""
    block = page.split("data-list-exports>")[1].split("</div>")[0]
    link = re.search(r'<a class="btn btn-sm btn-success" hx-boost="false" href="([^"]+)">Tải Excel</a>', block)
    assert link, block
    assert 'data-print' in block  # and a print button
    return link.group(1).replace("&amp;", "&")


def _printed_filters(page: str) -> str:
    block = page.split("data-print-title>")[1].split("</div>")[0]
    assert current_identity().issuing_body.upper() in block.upper()
    return re.findall(r"<p[^>]*>([^<]*)</p>", block)[2]


def _shown_total(page: str) -> int:
    return int(re.search(r"· <strong[^>]*>([\d.]+)</strong>", page).group(1).replace(".", ""))


def _workbook(client, url: str) -> tuple[list[str], list[tuple]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(BytesIO(response.data)).active
    block = [sheet.cell(row=row, column=1).value or "" for row in range(1, 6)]
    rows = [row for row in sheet.iter_rows(min_row=HEADER_ROW + 1, values_only=True) if isinstance(row[0], int)]
    return block, rows


@pytest.fixture
def demo(app_ctx):
    seed_demo()
    commit()


@pytest.mark.parametrize(("username", "path", "title", "filter_words"), [
    ("vanphong", "/tasks/?status=overdue", "Danh sách nhiệm vụ", "Trạng thái: Đang thực hiện quá hạn"),
    ("tuphap.giamdoc", "/tasks/?q=ho+so", "Việc của đơn vị", "Tìm: “ho so”"),
    ("vanphong", "/directives/?q=ubnd-vp", "Danh sách văn bản chỉ đạo", "Bộ lọc: Tìm: “ubnd-vp”"),
    ("vanphong", "/extension-requests?status=all", "Danh sách đề nghị gia hạn", "Bộ lọc: Không lọc (tất cả)"),
    ("vanphong", "/dossiers/?status=resolved_late", "Danh sách hồ sơ thủ tục hành chính",
     "Bộ lọc: Tình trạng: Đã giải quyết quá hạn"),
    ("tuphap.giamdoc", "/dossiers/apology-letters", "Danh sách phiếu xin lỗi và hẹn lại ngày trả kết quả",
     "Bộ lọc: Tình trạng: Chưa gửi phiếu; Đơn vị: Sở Tư pháp"),
    ("vanphong", "/kpis/", "Danh mục chỉ tiêu", "Bộ lọc: Không lọc (tất cả)"),
])
def test_a_list_exports_and_prints_what_it_shows(client, demo, username, path, title, filter_words):
    login(client, username, DEMO_PASSWORD)
    page = client.get(path).get_data(as_text=True)
    assert filter_words in _printed_filters(page)
    assert f">{title}</p>" in page.split("data-print-title>")[1]
    block, rows = _workbook(client, _export_link(page))
    assert block[0] == current_identity().issuing_body.upper()
    assert filter_words.removeprefix("Bộ lọc: ") in block[3]
    assert f"Ngày trích xuất số liệu: {format_date(today())}" in block[4]
    assert rows, "the demo has rows for every list checked here"
    assert len(rows) == _shown_total(page)


def test_a_units_kpis_export_the_period_the_page_shows(client, demo):
    login(client, "tuphap.giamdoc", DEMO_PASSWORD)
    unit = Unit.query.filter_by(code="TP").one()
    page = client.get(f"/kpis/units/{unit.id}?period=2026").get_data(as_text=True)
    assert "Kỳ: Năm 2026" in _printed_filters(page)
    url = _export_link(page)
    assert "period=2026" in url
    block, rows = _workbook(client, url)
    assert block[1] == f"KẾT QUẢ THỰC HIỆN CHỈ TIÊU CỦA {unit.name.upper()}"
    assert len(rows) == page.count('<tr data-kpi="')
