"""The monthly report to the Chairman and a unit's report as Word documents, from their templates: the
identity's header, title, sections, tables grouped by kind of unit, "Nơi nhận" and the signer."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document

from kpi_tasks.reports.docx import write_monthly_docx
from kpi_tasks.reports.queries import make_period, monthly_report
from kpi_tasks.reports.unit_report import unit_report, write_unit_docx
from tests.factories import make_identity, make_user
from tests.reports.scenario import build_district

TODAY = dt.date(2026, 3, 16)


def _texts(cell) -> list[str]:
    return [p.text for p in cell.paragraphs]


def test_monthly_report_document(app_ctx):
    build_district()
    report = monthly_report("2026-03", TODAY, make_identity(), 3)
    buffer = io.BytesIO()
    write_monthly_docx(buffer, report)
    document = Document(io.BytesIO(buffer.getvalue()))
    header = document.tables[0]
    # The office reports: the committee above it, its own symbol, the place before the date.
    assert _texts(header.cell(0, 0))[:2] == ["UBND TỈNH GIA LAI", "VĂN PHÒNG"]
    assert header.cell(1, 0).text == "Số:        /BC-VP"
    assert _texts(header.cell(0, 1))[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert header.cell(1, 1).text == "Gia Lai, ngày 16 tháng 3 năm 2026"
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index("BÁO CÁO") + 1:texts.index("BÁO CÁO") + 3] == [
        "Kết quả thực hiện nhiệm vụ do Ủy ban nhân dân, Chủ tịch", "Ủy ban nhân dân tỉnh Gia Lai giao tháng 3 năm 2026"]
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Gia Lai." in texts
    assert any("Văn phòng UBND tỉnh báo cáo kết quả thực hiện nhiệm vụ tháng 3 năm 2026" in text for text in texts)
    headings = [text for text in texts if text[:3] in ("I. ", "II.", "III", "IV.", "V. ", "VI.", "VII")]
    assert headings[0] == "I. TÌNH HÌNH CHUNG"
    assert headings[-1] == "VII. ĐỀ XUẤT, KIẾN NGHỊ"
    assert "- Đang thực hiện quá hạn: 3 nhiệm vụ;" in texts
    assert "Tỷ lệ hoàn thành đúng hạn (trên số nhiệm vụ đã đến hạn): 50,00%." in texts
    units = document.tables[1]
    assert [cell.text for cell in units.rows[0].cells][:3] == ["Hạng", "Đơn vị", "Được giao"]
    # Departments and communes are ranked apart, each group under its own heading row.
    assert [row.cells[1].text for row in units.rows[1:]] == [
        "I. Các cơ quan chuyên môn", "Phòng Tư pháp", "Phòng Văn hóa và Thông tin",
        "II. Ủy ban nhân dân các xã, phường", "UBND xã Cát Tân", "Tổng cộng"]
    assert [row.cells[0].text for row in units.rows[1:]] == [
        "I. Các cơ quan chuyên môn", "1", "2", "II. Ủy ban nhân dân các xã, phường", "1", ""]
    assert [cell.text for cell in units.rows[-1].cells][2:] == ["12", "3", "3", "1", "4", "1", "50,00%"]
    overdue = document.tables[2]
    assert [row.cells[1].text for row in overdue.rows[1:]] == [
        "Báo cáo công tác hộ tịch", "Rà soát thủ tục hành chính lĩnh vực văn hóa",
        "Thống kê tỷ lệ số hóa hồ sơ hàng tuần"]
    assert [row.cells[-1].text for row in overdue.rows[1:]] == ["14", "5", "3"]
    kpis = document.tables[5]
    # Unit of measure, the target in force, the result as a rate, how many units met it.
    assert [cell.text for cell in kpis.rows[1].cells][1:] == [
        "Tỷ lệ văn bản được ký số", "%", "Tháng 3/2026", "≥ 90,00%", "72,50%", "1/3 đơn vị đạt"]
    proposal = texts[texts.index("VII. ĐỀ XUẤT, KIẾN NGHỊ") + 1]
    assert "Đề nghị Chủ tịch Ủy ban nhân dân tỉnh Gia Lai chỉ đạo" in proposal
    assert "Phòng Tư pháp (1 nhiệm vụ)" in proposal
    closing = document.tables[-1]
    assert _texts(closing.cell(0, 0)) == ["Nơi nhận:", "- Như trên;", "- Các Phó Chủ tịch UBND tỉnh;",
                                          "- Lãnh đạo Văn phòng;", "- Lưu: VT."]
    signer = [text for text in _texts(closing.cell(0, 1)) if text]
    assert signer == ["CHÁNH VĂN PHÒNG", "Nguyễn Văn An"]
    properties = document.core_properties
    assert properties.author == "Văn phòng UBND tỉnh"
    assert properties.title == "Báo cáo kết quả thực hiện nhiệm vụ tháng 3 năm 2026"
    assert properties.created.year >= 2026


def test_unit_report_is_issued_by_the_unit_under_the_committee(app_ctx):
    district = build_district()
    user = make_user("admin")
    period = make_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31), TODAY)
    buffer = io.BytesIO()
    write_unit_docx(buffer, unit_report(user, district.justice, period, TODAY, make_identity(), 3))
    document = Document(io.BytesIO(buffer.getvalue()))
    header = document.tables[0]
    assert _texts(header.cell(0, 0))[:2] == ["UBND TỈNH GIA LAI", "PHÒNG TƯ PHÁP"]
    assert header.cell(1, 0).text.endswith(f"/BC-{district.justice.code}")
    texts = [p.text for p in document.paragraphs]
    assert "Kính gửi: Ủy ban nhân dân tỉnh Gia Lai." in texts
    assert any(text.startswith("Tỷ lệ hoàn thành đúng hạn: ") and "xếp thứ 1/2 trong các cơ quan chuyên môn" in text
               for text in texts)
    overdue = document.tables[1]
    assert [row.cells[1].text for row in overdue.rows[1:]] == ["Báo cáo công tác hộ tịch"]
    assert overdue.rows[1].cells[-1].text == "Quá hạn 14 ngày"
    closing = document.tables[-1]
    assert [text for text in _texts(closing.cell(0, 1)) if text] == ["GIÁM ĐỐC"]
    assert document.core_properties.author == "Phòng Tư pháp"
