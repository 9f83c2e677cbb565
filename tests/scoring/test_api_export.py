"""GET /api/v1/scores (API.md) and the appendix workbook."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kpi_tasks.scoring.services import publish_scoring
from tests.factories import api_headers, commit, login, make_user
from tests.scoring.dataset import build_district, finish


@pytest.fixture
def district(app, app_ctx):
    world = build_district()
    world.viewer_headers = api_headers(make_user("viewer"))
    make_user("unit_manager", world.units["C"], username="c.chutich")
    commit()
    return world


def test_scores_api_gives_the_draft_then_the_published_version(client, district):
    answer = client.get("/api/v1/scores?year=2026", headers=district.viewer_headers)
    assert answer.status_code == 200
    body = answer.json
    assert body["source"] == "draft"
    assert body["scoring_id"] is None
    items = {item["unit_id"]: item for item in body["items"]}
    a = items[district.units["A"].id]
    assert set(a) >= {"unit_id", "score", "grade", "breakdown"}
    assert a["score"] == round(100 * 4.2 / 6.6, 2)
    assert a["grade"] == "Hoàn thành nhiệm vụ"
    assert items[district.units["D"].id]["score"] is None
    assert {line["outcome"] for line in a["breakdown"]["tasks"]["lines"]} == {
        "done_on_time", "extended_on_time", "done_late", "overdue"}

    scoring = publish_scoring(2026, district.interior, unfinished_confirmed=True)
    commit()
    finish(district.tasks["a5"], district.tasks["a5"].deadline, district.admin, district.office)
    commit()
    body = client.get("/api/v1/scores?year=2026", headers=district.viewer_headers).json
    assert (body["source"], body["scoring_id"], body["version"]) == ("published", scoring.id, 1)
    assert {item["unit_id"]: item for item in body["items"]}[district.units["A"].id]["score"] == a["score"]


@pytest.mark.parametrize("query", ["year=1800", "year=abc", "year=99999999999"])
def test_scores_api_refuses_a_bad_year(client, district, query):
    answer = client.get(f"/api/v1/scores?{query}", headers=district.viewer_headers)
    assert answer.status_code == 422
    assert "year" in answer.json["error"]["fields"]


def test_the_export_is_an_appendix_with_title_block_and_header(client, district):
    login(client, "c.chutich")
    answer = client.get("/scoring/2026/draft.xlsx")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(answer.data)).active
    assert sheet["A2"].value.startswith("PHỤ LỤC\n")
    assert "NĂM 2026" in sheet["A2"].value
    assert sheet["A3"].value.startswith("(Kèm theo Báo cáo số")
    assert "BẢN NHÁP" in sheet["A4"].value
    assert "Ngày trích xuất số liệu: 16/03/2026" in sheet["A5"].value
    assert (sheet["A7"].value, sheet["B7"].value, sheet["M7"].value) == ("STT", "Đơn vị", "Xếp loại")
    assert sheet["C8"].value == "Hoàn thành đúng hạn"
    assert sheet["L7"].value == "Tổng điểm"
    headers = [cell for row in sheet.iter_rows(min_row=7, max_row=8) for cell in row if cell.value]
    assert len(headers) == 8 + 8
    assert all(cell.font.bold for cell in headers)
    assert sheet.column_dimensions["B"].width >= 30
    assert sheet.column_dimensions["M"].width >= 28
    assert [sheet["A9"].value, sheet["B9"].value] == ["I", "Các cơ quan chuyên môn"]
    listed = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=10, max_row=15)]
    # Departments and communes are graded apart: C, the commune, under its own group row.
    assert [row[:2] for row in listed if isinstance(row[0], str)] == [["II", "Ủy ban nhân dân các xã, phường"]]
    rows = [row for row in listed if isinstance(row[0], int)]
    assert [row[1] for row in rows] == ["Đơn vị B", "Đơn vị E", "Đơn vị A", "Đơn vị D", "Đơn vị C"]
    assert rows[0][0] == 1
    assert rows[0][11] == 90.0
    assert rows[0][12] == "Hoàn thành xuất sắc nhiệm vụ"
    a_row = rows[2]
    # A: on time 2 lead + 1 coordinating; extended 1; late 2; overdue 1 lead + 1 coordinating.
    assert a_row[2:6] == [3, 1, 2, 2]
    assert a_row[11] == round(100 * 4.2 / 6.6, 2)
    assert a_row[6] == pytest.approx(4.2 / 6.6, abs=0.00005)  # the task rate as a real rate, shown as 63,64%
    assert sheet["G12"].number_format == "0.00%"
    assert rows[3][11] is None
    assert rows[3][12] == "Chưa có dữ liệu"
    total = [cell.value for cell in sheet[16]]
    assert total[0] == "TỔNG CỘNG"
    assert sheet["A16"].font.bold
    assert total[2] == "=SUM(C9:C15)"
    stored = [cell.value for cell in load_workbook(BytesIO(answer.data), data_only=True).active[16]]
    assert stored[2:6] == [sum(row[column] for row in rows) for column in range(2, 6)]
    assert sheet.freeze_panes == "C9"
    assert sheet.print_title_rows == "$7:$8"
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize), setup.fitToWidth or 1, setup.fitToHeight) == (
        "landscape", "9", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
