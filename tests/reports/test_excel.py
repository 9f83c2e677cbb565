"""The Excel exports read back with openpyxl: title block, header, cells, number formats, total row, print
set-up; the write-only (streaming) workbook; the API export with GET /tasks's filters."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import tracemalloc
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from bench.generate import generate
from kpi_tasks.accounts.models import User
from kpi_tasks.extensions import db
from kpi_tasks.reports import build_monthly_workbook, excel
from kpi_tasks.reports.excel import write_task_list
from kpi_tasks.reports.queries import ReportFilters
from kpi_tasks.tasks.queries import TaskFilters
from tests.factories import api_headers, commit, make_identity
from tests.reports.scenario import MARCH, build_district, d

TODAY = dt.date(2026, 3, 16)
TASK_HEADER = ["STT", "Nhiệm vụ", "Văn bản giao", "Ngày văn bản", "Mục", "Đơn vị chủ trì", "Đơn vị phối hợp",
               "Hạn ban đầu", "Hạn xử lý", "Tiến độ", "Trạng thái", "Ngày hoàn thành"]


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


def values(sheet, row: int) -> list:
    return [cell.value for cell in sheet[row]]


def total_row(sheet) -> int:
    return next(row for row in range(8, sheet.max_row + 1) if sheet.cell(row=row, column=1).value == "TỔNG CỘNG")


def assert_appendix_layout(sheet, title: str, last_column: str, header_rows: int = 1) -> None:
    """The title block, frozen header and A4 landscape print set-up every export shares."""
    assert sheet["A1"].value == "ỦY BAN NHÂN DÂN TỈNH GIA LAI"
    assert sheet["A1"].font.b
    assert sheet["A2"].value == title.upper()
    assert sheet["A2"].font.b
    assert sheet["A3"].value.startswith("(Kèm theo Báo cáo số")
    assert sheet["A3"].font.i
    assert "16/03/2026" in sheet["A5"].value
    assert f"A2:{last_column}2" in {str(merged) for merged in sheet.merged_cells.ranges}
    assert sheet["A7"].value == "STT"
    assert sheet["A7"].font.b
    assert sheet.freeze_panes == f"C{7 + header_rows}"
    assert sheet.print_title_rows == f"$7:${6 + header_rows}"
    setup = sheet.page_setup
    # xlsxwriter leaves out fitToWidth when it is 1, the default.
    assert (setup.orientation, str(setup.paperSize), setup.fitToWidth or 1, setup.fitToHeight) == (
        "landscape", "9", 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    row = total_row(sheet)
    assert sheet.cell(row=row, column=1).font.b
    assert f"A{row}:B{row}" in {str(merged) for merged in sheet.merged_cells.ranges}


def test_task_list_workbook(app, app_ctx, client, monkeypatch):
    make_identity()
    district = build_district()
    headers = api_headers(district.office)
    response = client.get(f"/api/v1/reports/tasks.xlsx?unit_id={district.culture.id}&role=lead", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == excel.XLSX_MIME
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = open_xlsx(response.data)["Danh sách nhiệm vụ"]
    assert_appendix_layout(sheet, "Danh sách nhiệm vụ", "L")
    assert sheet["A4"].value == "Đơn vị: Phòng Văn hóa và Thông tin (chủ trì)"
    assert values(sheet, 7) == TASK_HEADER
    assert 46 <= sheet.column_dimensions["B"].width < 47
    listed = client.get(f"/api/v1/tasks?unit_id={district.culture.id}&role=lead&per_page=200",
                        headers=headers).json
    assert [sheet.cell(row=8 + i, column=2).value for i in range(listed["total"])] == [
        item["title"] for item in listed["items"]]
    first = values(sheet, 8)
    assert first[:3] == [1, "Báo cáo kết quả số hóa hồ sơ quý I", "4457/UBND-TTHC"]
    assert first[3] == dt.datetime(2026, 1, 5)
    assert sheet["D8"].number_format == "dd/mm/yyyy"
    assert first[8] == dt.datetime(2026, 3, 5)
    assert first[11] == dt.datetime(2026, 3, 12)
    assert first[9] == 1
    assert sheet["J8"].number_format == "0%"
    assert first[10] == "Hoàn thành quá hạn"
    soon = next(row for row in range(8, 20)
                if sheet.cell(row=row, column=2).value == "Gửi danh sách cán bộ dự tập huấn")
    assert sheet.cell(row=soon, column=11).value == "Đang thực hiện trong hạn (sắp đến hạn)"
    coordinated = next(row for row in range(8, 20) if sheet.cell(row=row, column=7).value)
    assert sheet.cell(row=coordinated, column=7).value == "Phòng Tư pháp"
    total = total_row(sheet)
    assert total == 8 + listed["total"]
    assert sheet.cell(row=total, column=3).value == f"=COUNT(A8:A{total - 1})"
    assert sheet.cell(row=total, column=3).number_format == '#,##0 "nhiệm vụ"'
    assert sheet.cell(row=total, column=3).font.b


def test_task_list_export_follows_filters_and_visibility(app_ctx, client):
    district = build_district()
    office = api_headers(district.office)
    overdue = client.get("/api/v1/reports/tasks.xlsx?status=overdue", headers=office)
    titles = [row[1] for row in open_xlsx(overdue.data).active.iter_rows(min_row=8, values_only=True)][:-1]
    expected = client.get("/api/v1/tasks?status=overdue&per_page=200", headers=office).json["items"]
    assert titles == [item["title"] for item in expected]
    # With a period the rows are the statistics' (the weekly report by occurrence).
    march = client.get("/api/v1/reports/tasks.xlsx?from=2026-03-01&to=2026-03-31"
                       f"&unit_id={district.commune.id}&role=lead", headers=office)
    sheet = open_xlsx(march.data).active
    assert [row[8] for row in sheet.iter_rows(min_row=8, max_row=10, values_only=True)] == [
        dt.datetime(2026, 3, 6), dt.datetime(2026, 3, 13), dt.datetime(2026, 3, 20)]
    assert "Kỳ thống kê" in sheet["A4"].value
    # A unit manager's export holds only what the unit may see.
    manager = api_headers(district.manager(district.commune))
    own = open_xlsx(client.get("/api/v1/reports/tasks.xlsx", headers=manager).data).active
    assert {row[5] for row in own.iter_rows(min_row=8, values_only=True) if isinstance(row[0], int)} == {
        "UBND xã Cát Tân"}
    bad = client.get("/api/v1/reports/tasks.xlsx?status=late&deadline_from=16/03/2026", headers=office)
    assert bad.status_code == 422
    assert set(bad.json["error"]["fields"]) == {"status", "deadline_from"}
    assert client.get("/api/v1/reports/tasks.xlsx").status_code == 401


def test_empty_task_list_says_so(app_ctx):
    buffer = io.BytesIO()
    assert write_task_list(buffer, [], issuer="UBND", description="Tất cả nhiệm vụ", today=TODAY) == 0
    sheet = open_xlsx(buffer.getvalue()).active
    assert sheet["A8"].value == "Không có nhiệm vụ nào theo bộ lọc đã chọn."
    assert values(sheet, 9)[:3] == ["TỔNG CỘNG", None, "=COUNT(A8:A8)"]
    assert values(load_workbook(io.BytesIO(buffer.getvalue()), data_only=True).active, 9)[:3] == [
        "TỔNG CỘNG", None, 0]


def test_unit_statistics_workbook(app, app_ctx, client, monkeypatch):
    make_identity()
    district = build_district()
    commit()
    response = client.get("/api/v1/reports/units.xlsx?from=2026-03-01&to=2026-03-31",
                          headers=api_headers(district.leader))
    assert response.status_code == 200
    sheet = open_xlsx(response.data).active
    assert_appendix_layout(sheet, "Thống kê kết quả thực hiện nhiệm vụ theo đơn vị", "K", header_rows=2)
    assert sheet["A4"].value == "Kỳ thống kê: tháng 3/2026"
    assert values(sheet, 7) == ["STT", "Đơn vị", "Tổng số nhiệm vụ được giao", "Đang thực hiện", None,
                                "Chờ xác nhận hoàn thành", "Hoàn thành", None, "Thường xuyên",
                                "Tỷ lệ hoàn thành đúng hạn", "Xếp hạng trong nhóm"]
    assert values(sheet, 8)[3:8] == ["Đang thực hiện trong hạn", "Quá hạn", None, "Đúng hạn", "Quá hạn"]
    api = {item["unit_name"]: item for item in client.get("/api/v1/stats/units?from=2026-03-01&to=2026-03-31",
                                                           headers=api_headers(district.leader)).json["items"]}
    # Departments and communes are ranked apart (their targets differ), each under its group row.
    assert [sheet.cell(row=row, column=col).value for row, col in ((9, 1), (9, 2), (12, 1), (12, 2))] == [
        "I", "Các cơ quan chuyên môn", "II", "Ủy ban nhân dân các xã, phường"]
    rows = [row for row in sheet.iter_rows(min_row=9, values_only=True) if isinstance(row[0], int)]
    assert [row[1] for row in rows] == ["Phòng Tư pháp", "Phòng Văn hóa và Thông tin", "UBND xã Cát Tân"]
    for row in rows:
        item = api[row[1]]
        assert list(row[2:9]) == [item[key] for key in ("assigned", "in_progress", "overdue", "awaiting_review",
                                                         "done_on_time", "done_late", "ongoing")]
        assert row[9] == pytest.approx(item["on_time_rate"] / 100)
    assert [row[10] for row in rows] == [1, 2, 1]  # 66,67% and 33,33% among departments; 50% the one commune
    assert sheet["J10"].number_format == "0.00%"
    assert sheet["C10"].number_format == "#,##0"
    total = total_row(sheet)
    assert total == 14
    assert [sheet.cell(row=total, column=col).value for col in range(3, 11)] == [
        "=SUM(C9:C13)", "=SUM(D9:D13)", "=SUM(E9:E13)", "=SUM(F9:F13)", "=SUM(G9:G13)", "=SUM(H9:H13)",
        "=SUM(I9:I13)", '=IF((G14+H14+E14)>0,G14/(G14+H14+E14),"")']
    stored = load_workbook(io.BytesIO(response.data), data_only=True).active
    figures = [stored.cell(row=total, column=col).value for col in range(3, 11)]
    assert figures[:7] == [sum(row[col] for row in rows) for col in range(2, 9)]
    assert figures[7] == pytest.approx(figures[4] / (figures[4] + figures[5] + figures[2]), abs=1e-6)
    assert sheet.cell(row=total, column=10).number_format == "0.00%"
    assert all(sheet.cell(row=total, column=col).font.b for col in (1, *range(3, 12)))  # B is merged into A


def test_monthly_workbook_has_one_sheet_per_section(app, app_ctx, monkeypatch):
    make_identity()
    build_district()
    book = open_xlsx(build_monthly_workbook("2026-03"))
    # Numbered as the report (.docx) refers to them.
    assert book.sheetnames == ["Biểu 01. Thống kê", "Biểu 02. Quá hạn trong tháng", "Biểu 03. Hoàn thành quá hạn",
                               "Biểu 04. Đề nghị gia hạn", "Biểu 05. Chỉ tiêu"]
    for number, (sheet, title, last, header_rows) in enumerate(zip(book.worksheets, [
        "Thống kê kết quả thực hiện nhiệm vụ tháng 3/2026", "Nhiệm vụ quá hạn phát sinh tháng 3/2026",
        "Nhiệm vụ hoàn thành quá hạn tháng 3/2026", "Đề nghị gia hạn tháng 3/2026 và đề nghị chờ quyết định",
        "Tình hình thực hiện chỉ tiêu tháng 3/2026"], "KMMHJ", (2, 1, 1, 1, 2), strict=True), start=1):
        assert_appendix_layout(sheet, title, last, header_rows)
        assert sheet["A4"].value == "Kỳ báo cáo: tháng 3/2026 (số liệu đến ngày 16/03/2026)"
        assert "về kết quả thực hiện nhiệm vụ tháng 3/2026" in sheet["A3"].value
        assert "/BC-VP" in sheet["A3"].value
        assert f"Biểu 0{number}" in [cell.value for cell in sheet[1]]
    overdue = book["Biểu 02. Quá hạn trong tháng"]
    assert overdue["M7"].value == "Số ngày quá hạn"
    assert [(row[1], row[12]) for row in overdue.iter_rows(min_row=8, max_row=10, values_only=True)] == [
        ("Báo cáo công tác hộ tịch", 14), ("Rà soát thủ tục hành chính lĩnh vực văn hóa", 5),
        ("Thống kê tỷ lệ số hóa hồ sơ hàng tuần", 3)]
    late = book["Biểu 03. Hoàn thành quá hạn"]
    assert (late["B8"].value, late["M8"].value) == ("Báo cáo kết quả số hóa hồ sơ quý I", 7)
    requests = book["Biểu 04. Đề nghị gia hạn"]
    assert values(requests, 8) == [1, "Tổ chức hội nghị tập huấn chữ ký số", "Phòng Văn hóa và Thông tin",
                                   dt.datetime(2026, 3, 16), dt.datetime(2026, 3, 25), dt.datetime(2026, 4, 15),
                                   "Chờ kinh phí tổ chức hội nghị", "Chờ quyết định"]
    assert requests["C9"].value == "=COUNTA(B8:B8)"
    kpis = book["Biểu 05. Chỉ tiêu"]
    # The result is a number formatted as a percentage, beside the unit of measure and the target given; unit
    # counts are not added up across KPIs: the total row counts the KPIs.
    row = values(kpis, 9)
    assert row[:4] == [1, "Tỷ lệ văn bản được ký số", "%", "Tháng 3/2026"]
    assert row[4].startswith("≥ ")
    assert row[5] == pytest.approx(0.725)
    assert kpis["F9"].number_format == "0.00%"
    assert row[6:] == [3, 1, 2, 2]
    assert values(kpis, 10)[:3] == ["TỔNG CỘNG", None, "=COUNTA(B9:B9)"]
    assert kpis["C10"].number_format == '#,##0 "chỉ tiêu"'
    assert all(value is None for value in values(kpis, 10)[3:])


def test_monthly_workbook_of_a_month_without_tasks_explains_each_empty_sheet(app_ctx):
    stats, overdue, _late, _requests, kpis = open_xlsx(build_monthly_workbook("2025-07")).worksheets
    assert stats["A9"].value == "Không có đơn vị nào có nhiệm vụ trong kỳ."
    assert overdue["A8"].value == "Không có nhiệm vụ quá hạn phát sinh tháng 7/2025."
    assert kpis["A9"].value == "Chưa có chỉ tiêu nào được theo dõi trên Phần mềm."


def _fake_rows(count: int):
    for number in range(count):
        yield SimpleNamespace(
            title=f"Triển khai số hóa hồ sơ thủ tục hành chính đợt {number} trên địa bàn huyện",
            directive_number=f"{number}/UBND-VP", directive_issued_on=d(1, 5), section="2.1",
            lead_unit_name="UBND xã Cát Tân", coordinating_unit_names="Phòng Tư pháp; Phòng Văn hóa và Thông tin",
            deadline=d(3, 10), effective_deadline=d(3, 10), progress_percent=40, status="overdue",
            due_soon=False, completed_on=None,
        )


def _peak_bytes(rows: int) -> int:
    with tempfile.TemporaryFile() as target:
        tracemalloc.start()
        write_task_list(target, _fake_rows(rows), issuer="UBND huyện", description="Tất cả", today=TODAY)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_exports_stream_rows_to_disk():
    # Rows go to disk as they come: four thousand rows take about the memory of five hundred.
    _peak_bytes(100)  # warm up the writer's caches
    small, large = _peak_bytes(500), _peak_bytes(4000)
    assert large < small * 1.5, (small, large)


def test_a_few_thousand_generated_tasks_export_completely(app, app_ctx, client):
    """Province-like data written by bulk inserts (bench/generate.py), exported through the API."""
    generate(tasks=3000, units=30, updates_per_task=0)
    office = db.session.scalar(db.select(User).where(User.username == "office"))
    headers = api_headers(office)
    response = client.get("/api/v1/reports/tasks.xlsx", headers=headers)
    sheet = load_workbook(io.BytesIO(response.data), read_only=True).active
    rows = list(sheet.iter_rows(min_row=8, values_only=True))
    assert len(rows) == 3001
    assert rows[-1][0] == "TỔNG CỘNG"
    assert rows[-1][2] == "=COUNT(A8:A3007)"
    assert [row[0] for row in rows[:-1]] == list(range(1, 3001))
    # The statistics' export over the year lists what GET /stats/units counts.
    year = client.get("/api/v1/reports/tasks.xlsx?from=2025-01-01&to=2025-12-31", headers=headers)
    counted = sum(item["assigned"] for item in client.get("/api/v1/stats/units?from=2025-01-01&to=2025-12-31",
                                                          headers=headers).json["items"])
    year_rows = list(load_workbook(io.BytesIO(year.data), read_only=True).active.iter_rows(min_row=8, values_only=True))
    assert len(year_rows) - 1 == counted > 0
    assert ReportFilters(TaskFilters(), MARCH[0]).counts_like_statistics


def test_control_characters_in_a_filter_do_not_break_the_export(app_ctx, client):
    district = build_district()
    response = client.get("/api/v1/reports/tasks.xlsx?q=s%01o%0Bhoa", headers=api_headers(district.office))
    assert response.status_code == 200
    sheet = open_xlsx(response.data).active
    assert sheet["A4"].value == "Tìm: “sohoa”"
