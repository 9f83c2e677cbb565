"""The monthly report to the Chairman as a Word document: the administrative header, title, sections, tables."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document

from kpi_tasks.reports.docx import issuer_lines, long_date, place_of, write_monthly_docx
from kpi_tasks.reports.queries import monthly_report
from tests.reports.scenario import build_district

TODAY = dt.date(2026, 3, 16)


def test_header_lines_place_and_date_follow_the_issuer():
    assert issuer_lines("UBND huyện Tây Sơn") == ("ỦY BAN NHÂN DÂN", "HUYỆN TÂY SƠN")
    assert issuer_lines("Ủy ban nhân dân thị xã An Nhơn") == ("ỦY BAN NHÂN DÂN", "THỊ XÃ AN NHƠN")
    assert issuer_lines("Văn phòng HĐND và UBND") == ("VĂN PHÒNG HĐND VÀ UBND", "")
    assert place_of("UBND huyện Tây Sơn") == "Tây Sơn"
    assert place_of("UBND thành phố Quy Nhơn") == "Quy Nhơn"
    assert place_of("UBND huyện") == ""
    assert long_date(TODAY, "Tây Sơn") == "Tây Sơn, ngày 16 tháng 3 năm 2026"
    assert long_date(dt.date(2026, 2, 5)) == "Ngày 05 tháng 02 năm 2026"


def test_monthly_report_document(app_ctx):
    build_district()
    report = monthly_report("2026-03", TODAY, "UBND huyện Tây Sơn", 3)
    buffer = io.BytesIO()
    write_monthly_docx(buffer, report)
    document = Document(io.BytesIO(buffer.getvalue()))
    header = document.tables[0]
    assert [p.text for p in header.cell(0, 0).paragraphs] == ["ỦY BAN NHÂN DÂN", "HUYỆN TÂY SƠN", "",
                                                               "Số:        /BC-UBND"]
    assert [p.text for p in header.cell(0, 1).paragraphs] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "", "Tây Sơn, ngày 16 tháng 3 năm 2026"]
    assert header.cell(0, 0).paragraphs[0].runs[0].bold
    texts = [p.text for p in document.paragraphs]
    assert texts[texts.index("BÁO CÁO") + 2] == "Tháng 3/2026"
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân huyện Tây Sơn." in texts
    headings = [text for text in texts if text[:3] in ("I. ", "II.", "III", "IV.", "V. ", "VI.", "VII")]
    assert headings == ["I. TÌNH HÌNH CHUNG", "II. KẾT QUẢ THEO ĐƠN VỊ (xếp theo tỷ lệ hoàn thành đúng hạn)",
                        "III. NHIỆM VỤ QUÁ HẠN PHÁT SINH TRONG THÁNG", "IV. NHIỆM VỤ HOÀN THÀNH QUÁ HẠN",
                        "V. ĐỀ NGHỊ GIA HẠN", "VI. TÌNH HÌNH THỰC HIỆN CHỈ TIÊU", "VII. ĐỀ XUẤT, KIẾN NGHỊ"]
    assert "- Đang thực hiện quá hạn: 3 nhiệm vụ;" in texts
    assert "Tỷ lệ hoàn thành đúng hạn (trên số nhiệm vụ đã đến hạn): 50,00%." in texts
    units = document.tables[1]
    assert [cell.text for cell in units.rows[0].cells][:3] == ["STT", "Đơn vị", "Được giao"]
    assert [row.cells[1].text for row in units.rows[1:]] == [
        "Phòng Tư pháp", "UBND xã Cát Tân", "Phòng Văn hóa và Thông tin", "Tổng cộng"]
    assert [cell.text for cell in units.rows[-1].cells][2:] == ["12", "3", "3", "1", "4", "1", "50,00%"]
    overdue = document.tables[2]
    assert [row.cells[1].text for row in overdue.rows[1:]] == [
        "Báo cáo công tác hộ tịch", "Rà soát thủ tục hành chính lĩnh vực văn hóa",
        "Thống kê tỷ lệ số hóa hồ sơ hàng tuần"]
    assert [row.cells[-1].text for row in overdue.rows[1:]] == ["14", "5", "3"]
    extensions = document.tables[4]
    assert [cell.text for cell in extensions.rows[1].cells][1:] == [
        "Tổ chức hội nghị tập huấn chữ ký số", "Phòng Văn hóa và Thông tin", "25/03/2026", "15/04/2026",
        "Chờ kinh phí tổ chức hội nghị", "Chờ quyết định"]
    kpis = document.tables[5]
    assert [cell.text for cell in kpis.rows[1].cells][1:] == [
        "Tỷ lệ văn bản được ký số", "Tháng 3/2026", "3", "1", "2", "72,50%"]
    proposal = texts[texts.index("VII. ĐỀ XUẤT, KIẾN NGHỊ") + 1]
    assert "Phòng Tư pháp (1 nhiệm vụ)" in proposal
    assert "UBND xã Cát Tân (1 nhiệm vụ)" in proposal
    closing = document.tables[-1]
    assert closing.cell(0, 0).paragraphs[0].text == "Nơi nhận:"
    assert closing.cell(0, 1).paragraphs[0].text == "CHÁNH VĂN PHÒNG"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
