"""Lay out the shipped Word templates (word/<kind>.docx), one per kind of document.

Run `python -m kpi_tasks.documents.build_templates` after changing a layout, and commit the .docx files it
writes: they are what the application renders (docxtpl), and what an office downloads to adjust in Word and
upload back. The context each template reads is described by documents/samples.py.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from docx.document import Document as DocumentObject

from kpi_tasks.documents.kinds import APOLOGY_LETTER, MONTHLY_REPORT, SCORING_APPENDIX, UNIT_REPORT, WORD_KINDS
from kpi_tasks.documents.layout import (
    CENTER,
    LEFT,
    Column,
    body,
    closing_block,
    data_table,
    header_block,
    heading,
    new_document,
    paragraph,
    short_rule,
    tag,
    text_width_mm,
)

TEMPLATE_FOLDER = Path(__file__).resolve().parent / "word"

STAT_COLUMNS = [
    Column("Hạng", 13), Column("Đơn vị", 36, LEFT), Column("Được giao", 14, nowrap=True),
    Column("Trong hạn", 14, nowrap=True), Column("Quá hạn", 14, nowrap=True),
    Column("Chờ xác nhận", 15, nowrap=True), Column("Hoàn thành đúng hạn", 15, nowrap=True),
    Column("Hoàn thành quá hạn", 15, nowrap=True), Column("Tỷ lệ đúng hạn", 17, nowrap=True),
]
OVERDUE_COLUMNS = [
    Column("STT", 10), Column("Nhiệm vụ", 54, LEFT), Column("Văn bản giao", 25), Column("Đơn vị chủ trì", 31, LEFT),
    Column("Hạn xử lý", 21, nowrap=True), Column("Số ngày quá hạn", 16, nowrap=True),
]
LATE_COLUMNS = [
    Column("STT", 10), Column("Nhiệm vụ", 44, LEFT), Column("Văn bản giao", 24), Column("Đơn vị chủ trì", 27, LEFT),
    Column("Hạn xử lý", 21, nowrap=True), Column("Ngày hoàn thành", 21, nowrap=True),
    Column("Số ngày chậm", 14, nowrap=True),
]
EXTENSION_COLUMNS = [
    Column("STT", 10), Column("Nhiệm vụ", 38, LEFT), Column("Đơn vị đề nghị", 26, LEFT),
    Column("Hạn trước", 21, nowrap=True), Column("Hạn đề nghị", 21, nowrap=True), Column("Lý do", 24, LEFT),
    Column("Kết quả", 21),
]
KPI_COLUMNS = [
    Column("STT", 10), Column("Chỉ tiêu", 45, LEFT), Column("ĐVT", 12), Column("Kỳ", 27, nowrap=True),
    Column("Chỉ tiêu giao", 20, nowrap=True), Column("Kết quả", 20, nowrap=True), Column("Đánh giá", 27),
]
UNIT_TASK_COLUMNS = [
    Column("STT", 10), Column("Nhiệm vụ", 58, LEFT), Column("Văn bản giao", 27), Column("Hạn xử lý", 21, nowrap=True),
    Column("Tiến độ", 15, nowrap=True), Column("Ghi chú", 31, nowrap=True),
]
UNIT_KPI_COLUMNS = [
    Column("STT", 10), Column("Chỉ tiêu", 62, LEFT), Column("Chỉ tiêu giao", 22, nowrap=True),
    Column("Kết quả", 22, nowrap=True), Column("Đánh giá", 44),
]
SCORING_COLUMNS = [  # 10 pt, to hold thirteen columns and "Không hoàn thành nhiệm vụ" on one line
    Column("STT", 10), Column("Đơn vị", 44, LEFT),
    Column("Số nhiệm vụ, kỳ báo cáo đã đến hạn (chủ trì và phối hợp)", 16, nowrap=True, sub="Hoàn thành đúng hạn"),
    Column("", 16, nowrap=True, sub="Gia hạn, hoàn thành trong hạn mới"),
    Column("", 16, nowrap=True, sub="Hoàn thành quá hạn"),
    Column("", 16, nowrap=True, sub="Quá hạn, chưa hoàn thành"),
    Column("Thực hiện nhiệm vụ", 16, nowrap=True, sub="Tỷ lệ"), Column("", 14, nowrap=True, sub="Điểm"),
    Column("Chỉ tiêu được giao", 16, nowrap=True, sub="Đạt / giao"), Column("", 14, nowrap=True, sub="Điểm"),
    Column("Điểm trừ", 14, nowrap=True), Column("Tổng điểm", 15, nowrap=True), Column("Xếp loại", 52),
]


def _title(document: DocumentObject, kind_word: str) -> None:
    """"BÁO CÁO" and its subject, line by line (`title_lines`), centred and bold, with a short rule under them."""
    paragraph(document, kind_word, bold=True, align=CENTER, before=12)
    tag(document, "for line in title_lines")
    paragraph(document, "{{ line }}", bold=True, align=CENTER)
    tag(document, "endfor")
    short_rule(document, text_width_mm(document), 40, before=6, after=6)


def _section(document: DocumentObject, title: str, name: str, columns: list[Column], *, total: bool = False) -> None:
    """A numbered part with its introduction, then its table, or its "none" sentence when the table is empty."""
    heading(document, title)
    tag(document, f"if {name}.groups")
    tag(document, f"if {name}.intro")
    body(document, "{{ " + name + ".intro }}")
    tag(document, "endif")
    data_table(document, columns, name, total=total)
    paragraph(document, after=6)
    tag(document, "else")
    body(document, "{{ " + name + ".empty }}")
    tag(document, "endif")


def _lines(document: DocumentObject, name: str) -> None:
    tag(document, f"for line in {name}")
    body(document, "{{ line }}", after=3)
    tag(document, "endfor")


def _report(kind: str, general: str) -> DocumentObject:
    """A report's opening: header, "BÁO CÁO" and its subject, "Kính gửi", the introduction, part I."""
    document = new_document(WORD_KINDS[kind].label)
    header_block(document)
    _title(document, "BÁO CÁO")
    paragraph(document, "Kính gửi: {{ addressee }}.", align=CENTER, after=12)
    body(document, "{{ intro }}")
    heading(document, general)
    _lines(document, "general")
    return document


def monthly_report() -> DocumentObject:
    """The office's monthly report to the Chairman (seed 002, section 2.1)."""
    document = _report(MONTHLY_REPORT, "I. TÌNH HÌNH CHUNG")
    _section(document, "II. KẾT QUẢ THEO ĐƠN VỊ", "stats", STAT_COLUMNS, total=True)
    _section(document, "III. NHIỆM VỤ QUÁ HẠN PHÁT SINH TRONG THÁNG", "overdue", OVERDUE_COLUMNS)
    _section(document, "IV. NHIỆM VỤ HOÀN THÀNH QUÁ HẠN", "late", LATE_COLUMNS)
    _section(document, "V. ĐỀ NGHỊ GIA HẠN", "extensions", EXTENSION_COLUMNS)
    _section(document, "VI. TÌNH HÌNH THỰC HIỆN CHỈ TIÊU", "kpis", KPI_COLUMNS)
    heading(document, "VII. ĐỀ XUẤT, KIẾN NGHỊ")
    _lines(document, "proposals")
    body(document, "{{ closing }}", after=12)
    closing_block(document)
    return document


def unit_report() -> DocumentObject:
    """A unit's report on the tasks the committee gave it, to the committee."""
    document = _report(UNIT_REPORT, "I. KẾT QUẢ CHUNG")
    _section(document, "II. NHIỆM VỤ ĐANG QUÁ HẠN", "overdue", UNIT_TASK_COLUMNS)
    _section(document, "III. NHIỆM VỤ SẮP ĐẾN HẠN", "due_soon", UNIT_TASK_COLUMNS)
    _section(document, "IV. CHỈ TIÊU ĐƯỢC GIAO", "kpis", UNIT_KPI_COLUMNS)
    body(document, "{{ closing }}", after=12)
    closing_block(document)
    return document


def apology_letter() -> DocumentObject:
    """Form no. 04 of Circular 01/2018/TT-VPCP: the apology for a late dossier and its new appointment."""
    document = new_document(WORD_KINDS[APOLOGY_LETTER].label)
    header_block(document)
    paragraph(document, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", bold=True, align=CENTER, before=18)
    short_rule(document, text_width_mm(document), 40, before=6, after=6)
    paragraph(document, "Kính gửi: {{ addressee }}.", align=CENTER, after=12)
    tag(document, "for line in paragraphs")
    body(document, "{{ line }}")
    tag(document, "endfor")
    paragraph(document, after=6)
    closing_block(document)
    return document


def scoring_appendix() -> DocumentObject:
    """The appendix of the committee's decision on the year's emulation scores (A4 landscape)."""
    document = new_document(WORD_KINDS[SCORING_APPENDIX].label, landscape=True)
    header_block(document, number=False)
    paragraph(document, "PHỤ LỤC", bold=True, align=CENTER, before=6)
    paragraph(document, "{{ title }}", bold=True, align=CENTER)
    paragraph(document, "{{ attached_to }}", italic=True, align=CENTER)
    short_rule(document, text_width_mm(document), 50, before=6, after=6)
    paragraph(document, "{{ period }}", italic=True, size=13, align=CENTER, after=6)
    data_table(document, SCORING_COLUMNS, "scores", total=True, size=10)
    paragraph(document, "Ghi chú:", bold=True, italic=True, size=13, before=6)
    tag(document, "for line in notes")
    paragraph(document, "{{ line }}", italic=True, size=13, align=LEFT)
    tag(document, "endfor")
    return document


BUILDERS: dict[str, Callable[[], DocumentObject]] = {
    MONTHLY_REPORT: monthly_report, UNIT_REPORT: unit_report, APOLOGY_LETTER: apology_letter,
    SCORING_APPENDIX: scoring_appendix,
}


def build(folder: Path = TEMPLATE_FOLDER) -> list[Path]:
    """Write every kind's template into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, builder in BUILDERS.items():
        path = folder / f"{kind}.docx"
        builder().save(str(path))
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_FOLDER):
        print(path)
