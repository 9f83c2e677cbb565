"""Fixture data and small factories of the KPI tests."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from kpi_tasks.accounts.models import User
from kpi_tasks.kpis.models import Kpi
from kpi_tasks.kpis.services import create_kpi
from tests.factories import make_office

# Seed 000 (UBND huyện Tây Sơn, 2021), Phụ lục 1: certified electronic copies from originals on the national
# public-service portal, per unit — (unit, completed and total as of 19/3/2021, completed and total as of
# 20/12/2020), copied from the appendix in the order it prints them.
APPENDIX_1 = [
    ("UBND huyện Hoài Ân", 5413, 6041, 3758, 3969),
    ("UBND thành phố Quy Nhơn", 383, 429, 322, 354),
    ("UBND huyện Tây Sơn", 197, 223, 186, 217),
    ("UBND thị xã Hoài Nhơn", 73, 89, 71, 84),
    ("UBND huyện An Lão", 80, 101, 67, 87),
    ("UBND huyện Vĩnh Thạnh", 36, 52, 34, 49),
    ("UBND huyện Phù Mỹ", 81, 111, 29, 45),
    ("UBND huyện Vân Canh", 6, 10, 5, 5),
    ("UBND thị xã An Nhơn", 7, 8, 3, 5),
    ("UBND huyện Tuy Phước", 13, 16, 3, 5),
    ("UBND huyện Phù Cát", 52, 57, 2, 5),
]
# The appendix's printed "TỔNG CỘNG" row.
APPENDIX_1_TOTALS = {"2021-03-19": (6341, 7137), "2020-12-20": (4480, 4825)}


def make_kpi(office: User | None = None, **values: Any) -> Kpi:
    defaults = {
        "code": "BSCT", "name": "Tỷ lệ bản sao chứng thực điện tử hoàn thành", "measure": "percent",
        "formula": "ratio", "direction": "at_least", "numerator_label": "Số lượng hoàn thành (bản sao)",
        "denominator_label": "Tổng số",
    }
    return create_kpi(office or make_office(), **{**defaults, **values})


def header_row(sheet) -> int:
    """The row of the "STT" header in an import template."""
    for row in range(1, 40):
        if sheet.cell(row=row, column=1).value == "STT":
            return row
    raise AssertionError("no STT header in the template")


def unit_rows(sheet) -> dict[str, int]:
    """Unit name → row number in a downloaded template."""
    first = header_row(sheet) + 2
    return {sheet.cell(row=row, column=3).value: row for row in range(first, sheet.max_row + 1)
            if sheet.cell(row=row, column=3).value}


def open_workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def open_workbook_values(data: bytes):
    """The workbook as a previewer shows it: a formula's stored value instead of the formula."""
    return load_workbook(io.BytesIO(data), data_only=True)


def workbook_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
