"""The appendix writer's own row path (documents/appendix.py RowWriter) writes the sheet xlsxwriter would write:
the same rows, through it and through xlsxwriter's cell methods, give the same worksheet XML, byte for byte."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import load_workbook

from kpi_tasks.documents.appendix import DATE, DECIMAL, INT, PERCENT, TEXT, WRAP, Appendix, Column

COLUMNS = [
    Column("Nội dung", 30, WRAP),
    Column("Ghi chú", 12, TEXT, "counta"),
    Column("Số", 10, INT, "sum"),
    Column("Tỷ lệ", 10, PERCENT),
    Column("Giá trị", 10, DECIMAL, "sum"),
    Column("Hạn", 12, DATE, "count"),
]

ROWS: list[list[object]] = [
    ["Triển khai kế hoạch chuyển đổi số", "", 3, 0.25, 1.5, dt.date(2025, 3, 31)],
    # Markup, quotes, a formula typed as text, a line break, a tab, a carriage return, control characters and
    # an Excel escape sequence typed by a user: each must come out as xlsxwriter writes it.
    ['Báo cáo <b>"gấp"</b> & đúng hạn\ndòng 2\tcột', "=SUM(A1:A9)", 0, 1.0, -2.75, None],
    ["  khoảng trắng đầu và cuối  ", "a\rb", 1234567, 0.6554, 65.54, dt.date(1900, 3, 1)],
    ["ký tự\x01điều\x1fkhiển", "_x0041_ viết tay", 10**15, 1 / 3, 0.1, dt.date(2026, 12, 31)],
    ["Dài " + "rất dài " * 40, None, None, None, None, dt.date(2024, 2, 29)],
    ["Có thật", True, 7, 0.0, 0.0, dt.date(2025, 1, 1)],
    ["Ngày giờ", "y", 2, 0.5, 0.5, dt.datetime(2025, 6, 1, 8, 30)],
]


def _written(direct: bool, rows: list[list[object]] = ROWS) -> bytes:
    buffer = io.BytesIO()
    with Appendix(buffer, title="Thử", author="UBND xã Bình Sơn") as book:
        sheet = book.sheet("Thử", None, COLUMNS)
        sheet._rows_out.enabled = direct
        for values in rows:
            sheet.append(values)
        sheet.append(["Dòng đậm", "z", 1, 0.1, 0.1, dt.date(2025, 1, 2)], bold=True)
        sheet.group("Nhóm khác", 2)
        sheet.append(["Sau nhóm", "w", 5, 0.2, 0.3, dt.date(2025, 1, 3)], kinds={3: DECIMAL})
        sheet.finish()
    return buffer.getvalue()


def _sheet_xml(workbook: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(workbook)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_the_row_writer_writes_the_sheet_xlsxwriter_writes() -> None:
    direct, by_cell = _sheet_xml(_written(True)), _sheet_xml(_written(False))
    assert "<row" in direct
    assert 'r="A3"' in direct
    assert direct == by_cell


def test_the_rows_read_back_as_written() -> None:
    sheet = load_workbook(io.BytesIO(_written(True))).active
    first = [cell.value for cell in sheet[2]]
    assert first == [1, "Triển khai kế hoạch chuyển đổi số", None, 3, 0.25, 1.5, dt.datetime(2025, 3, 31)]
    second = [cell.value for cell in sheet[3]]
    assert second[1] == 'Báo cáo <b>"gấp"</b> & đúng hạn\ndòng 2\tcột'
    assert second[2] == "=SUM(A1:A9)"
    assert sheet.cell(3, 3).data_type == "s"
    assert sheet.cell(4, 2).value == "  khoảng trắng đầu và cuối  "
    assert sheet.cell(4, 4).value == 1234567
    assert sheet.cell(4, 4).number_format == "#,##0"
    assert sheet.cell(5, 2).value == "ký tựđiềukhiển"
    # A literal "_x0041_" is stored with its underscore escaped, as Excel does, so Excel shows what was typed
    # (openpyxl does not undo that escape when it reads).
    assert sheet.cell(5, 3).value == "_x005F_x0041_ viết tay"
    assert sheet.cell(7, 3).value == "Có"
    assert sheet.cell(2, 7).number_format == "dd/mm/yyyy"
    assert sheet.row_dimensions[6].height > 15  # the long text's row is as tall as its lines


def test_a_text_that_looks_like_rich_text_markup_stays_text() -> None:
    # xlsxwriter copies "<r>…</r>" into the file as markup (Excel then reports a damaged file); the row
    # writer writes what the user typed.
    typed = "<r>trông như định dạng</r>"
    workbook = _written(True, [[typed, "x", 1, 0.5, 0.5, dt.date(2025, 6, 1)]])
    assert "&lt;r&gt;trông như định dạng&lt;/r&gt;" in _sheet_xml(workbook)
    assert load_workbook(io.BytesIO(workbook)).active.cell(2, 2).value == typed
