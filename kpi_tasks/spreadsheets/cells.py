"""How every export writes a cell: text stays text.

openpyxl takes a string starting with "=" for a formula and one like "#N/A" for an error. A task title, a unit
name, a step of a progress table or a search filter typed as `=HYPERLINK("http://…","Bấm vào đây")` or
`=cmd|' /C calc'!A0` would then run in the office's Excel. Here every string is written with the text data
type ("s"), so Excel shows it as typed; the only formulas are those this program writes (totals), marked by
wrapping them in `Formula`. CSV has no data types: a field that starts with =, +, -, @, a tab or a carriage
return is prefixed with an apostrophe (OWASP's rule against CSV injection).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

_CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class Formula(str):
    """A formula written by this program (a total row), the only text written as a formula."""


def put(cell: Cell, value: Any) -> Cell:
    """Set `cell` to `value`: a string as text (control characters a worksheet cannot hold dropped), a
    `Formula` as a formula, anything else (numbers, dates, None) as openpyxl writes it."""
    if isinstance(value, Formula):
        cell.value = str(value)
    elif isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def write(sheet: Worksheet, row: int, column: int, value: Any) -> Cell:
    """`sheet.cell(row=row, column=column, value=value)`, with `put`'s rule."""
    return put(sheet.cell(row=row, column=column), value)


def new_cell(sheet: Any, value: Any) -> Cell:
    """A cell for `sheet.append` (write-only sheets and ordinary ones alike), with `put`'s rule."""
    return put(WriteOnlyCell(sheet), value)


def append(sheet: Any, values: Iterable[Any]) -> None:
    """`sheet.append(values)`, each value written with `put`'s rule."""
    sheet.append([value if isinstance(value, Cell) else new_cell(sheet, value) for value in values])


def csv_field(value: Any) -> Any:
    """A value for a CSV export: text that a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_CSV_TRIGGERS):
        return "'" + value
    return value
