"""The one Excel writer (documents/appendix.py) read back with openpyxl: text stays text, totals carry their
values, two-row headers and group rows, print set-up, one font, data validation on template input cells."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from kpi_tasks.documents.appendix import (
    DATE,
    INPUT_NUMBER,
    INT,
    PERCENT,
    POINTS,
    WRAP,
    Appendix,
    Column,
    TitleBlock,
    count_rows,
    rate_total,
)

FORMULA_TEXT = '=HYPERLINK("http://ke-gian.example/","Bấm vào đây")'
COLUMNS = [
    Column("Đơn vị", 30, WRAP),
    Column("Đúng hạn", 10, INT, "sum", group="Hoàn thành"),
    Column("Quá hạn", 10, INT, "sum", group="Hoàn thành"),
    Column("Chưa xong quá hạn", 10, INT, "sum"),
    Column("Tỷ lệ", 10, PERCENT, rate_total("C", "D", "E")),
    Column("Thay đổi", 14, POINTS),
    Column("Ngày", 12, DATE, count_rows(), INT),
]


def _book() -> bytes:
    buffer = io.BytesIO()
    with Appendix(buffer, title="Thử", author="UBND tỉnh Gia Lai") as book:
        block = TitleBlock("Ủy ban nhân dân tỉnh Gia Lai", "Thống kê", "(Kèm theo …)", "Tháng 3/2026",
                           dt.date(2026, 3, 16), form="Biểu 01")
        sheet = book.sheet("Biểu 01. Thống kê", block, COLUMNS)
        sheet.group("Các cơ quan chuyên môn", 1)
        sheet.append([FORMULA_TEXT, 3, 1, 0, 0.75, 5.83, dt.date(2026, 3, 2)])
        sheet.append(["Sở Tư pháp", 1, 0, 1, 0.5, -2.5, None])
        sheet.group("Ủy ban nhân dân các xã, phường", 2)
        sheet.append(["UBND xã Cát Tân", 2, 2, 0, 0.5, 0, None])
        assert sheet.finish(notes=["Ghi chú: thử."]) == 14
        template = book.sheet("Nhập", None, [Column("Đơn vị", 30), Column("Số liệu", 12, INPUT_NUMBER)],
                              numbered=False)
        template.append(["Sở Tư pháp", None])
        template.validate_numbers(1, 1, 1, 1)
    return buffer.getvalue()


def test_totals_carry_their_values_and_typed_text_stays_text():
    data = _book()
    formulas = load_workbook(io.BytesIO(data))["Biểu 01. Thống kê"]
    stored = load_workbook(io.BytesIO(data), data_only=True)["Biểu 01. Thống kê"]
    assert formulas["B10"].value == FORMULA_TEXT
    assert formulas["B10"].data_type == "s"
    assert [formulas.cell(row=14, column=col).value for col in (1, 3, 4, 5, 8)] == [
        "TỔNG CỘNG", "=SUM(C9:C13)", "=SUM(D9:D13)", "=SUM(E9:E13)", "=COUNT(A9:A13)"]
    # Every total cell shows a value without a spreadsheet program computing it.
    assert [stored.cell(row=14, column=col).value for col in (3, 4, 5, 8)] == [6, 3, 1, 3]
    assert stored["F14"].value == 6 / 10  # on time ÷ (on time + late + overdue), not an average of rates
    assert formulas["F14"].number_format == "0.00%"


def test_layout_groups_header_and_print_setup():
    book = load_workbook(io.BytesIO(_book()))
    sheet = book["Biểu 01. Thống kê"]
    assert sheet["A1"].value == "ỦY BAN NHÂN DÂN TỈNH GIA LAI"
    assert "Biểu 01" in [cell.value for cell in sheet[1]]
    merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
    assert {"A7:A8", "B7:B8", "C7:D7", "F7:F8", "A14:B14"} <= merged
    assert (sheet["C7"].value, sheet["C8"].value, sheet["D8"].value) == ("Hoàn thành", "Đúng hạn", "Quá hạn")
    assert [(sheet.cell(row=row, column=1).value, sheet.cell(row=row, column=2).value) for row in (9, 12)] == [
        ("I", "Các cơ quan chuyên môn"), ("II", "Ủy ban nhân dân các xã, phường")]
    assert [sheet.cell(row=row, column=1).value for row in (10, 11, 13)] == [1, 2, 1]  # STT again in each group
    assert sheet["F10"].number_format == "0.00%"
    assert sheet["G10"].value == 5.83
    assert "điểm %" in sheet["G10"].number_format
    assert sheet["H10"].number_format == "dd/mm/yyyy"
    assert sheet["A16"].value == "Ghi chú: thử."
    assert sheet.print_title_rows == "$7:$8"
    assert sheet.freeze_panes == "C9"
    assert (sheet.page_setup.orientation, str(sheet.page_setup.paperSize)) == ("landscape", "9")
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert "Trang &P/&N" in sheet.oddFooter.center.text
    fonts = {cell.font.name for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert fonts == {"Times New Roman"}
    assert book.properties.creator == "UBND tỉnh Gia Lai"


def test_template_input_cells_are_validated():
    sheet = load_workbook(io.BytesIO(_book()))["Nhập"]
    (validation,) = sheet.data_validations.dataValidation
    assert (validation.type, validation.operator, str(validation.sqref)) == ("decimal", "greaterThanOrEqual", "B2")
    assert validation.error
    assert validation.prompt
    assert sheet["B2"].fill.fgColor.rgb.endswith("FFF2CC")
