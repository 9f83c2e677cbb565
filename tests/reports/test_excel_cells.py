"""The export's fast cell path (style looked up once per sheet, cells handed to the writer as they are) writes
the very sheet openpyxl's own API writes."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from kpi_tasks.reports import excel
from kpi_tasks.reports.excel import TASK_COLUMNS, AppendixSheet, TitleBlock, new_workbook

ROWS = [
    ["Rà soát số hóa hồ sơ " * 6, "12/UBND-VP", dt.date(2025, 1, 6), "2", "UBND xã số 1", "Sở ngành số 4; Sở số 9",
     dt.date(2025, 3, 1), dt.date(2025, 3, 31), 0.5, "Đang thực hiện quá hạn", None],
    ["Báo cáo", None, None, None, "Sở ngành số 2", "", None, None, 1, "Hoàn thành đúng hạn", dt.date(2025, 2, 1)],
]


def _sheet_xml() -> bytes:
    workbook = new_workbook()
    block = TitleBlock("UBND TỈNH", "Danh sách nhiệm vụ", "(Kèm theo …)", "Tất cả nhiệm vụ", dt.date(2026, 3, 16))
    sheet = AppendixSheet(workbook, "Danh sách nhiệm vụ", block, TASK_COLUMNS)
    for values in ROWS * 3:
        sheet.append(values)
    sheet.sheet.append(["a row of plain values", 7, None, dt.date(2026, 1, 2)])  # openpyxl's own way
    sheet.finish()
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return archive.read("xl/worksheets/sheet1.xml") + archive.read("xl/styles.xml")


def test_the_fast_cell_path_writes_what_openpyxls_api_writes(monkeypatch):
    fast = _sheet_xml()

    def styled_by_name(self: AppendixSheet, value: Any, style_name: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value)
        cell.style = style_name
        return cell

    monkeypatch.setattr(AppendixSheet, "_styled", styled_by_name)
    monkeypatch.setattr(excel, "_cells_to_row", WriteOnlyWorksheet._values_to_row)
    assert _sheet_xml() == fast
    assert b"12/UBND-VP" in fast  # the rows are there
    assert b"a row of plain values" in fast
