"""Appendix tables whose rows give a unit a task or a target ("STT | Nhiệm vụ | Đơn vị chủ trì | Thời
hạn"), or give each kind of unit its target in a column of its own ("STT | Chỉ tiêu | Cơ quan chuyên môn
cấp huyện | UBND cấp xã | Thời hạn"); tables that only report figures per unit give nothing."""

from __future__ import annotations

import dataclasses
import re

from kpi_tasks.intake.context import Context
from kpi_tasks.intake.drafts import Draft
from kpi_tasks.intake.paragraphs import is_table_row
from kpi_tasks.intake.text import Line, Text, match_form, vn
from kpi_tasks.intake.unit_matching import GROUP_COMMUNES, GROUP_DEPARTMENTS, display_name, fold, group_token_for
from kpi_tasks.intake.unit_phrases import read_units

_APPENDIX_RE = vn(r"^\s*phụ lục\s*(?:số\s*)?(?P<label>[\w.]*)")
_TASK_COLUMN_RE = vn(r"nhiệm vụ|nội dung|công việc|tên chỉ tiêu")
# "Đơn vị tính" is the unit of measure, not a unit of the Committee.
_LEAD_COLUMN_RE = vn(r"chủ trì|đơn vị thực hiện|cơ quan thực hiện|đơn vị được giao|đơn vị(?!\s+tính)")
_COORDINATION_COLUMN_RE = vn(r"phối hợp")
_DEADLINE_COLUMN_RE = vn(r"thời hạn|thời gian|hạn hoàn thành|tiến độ")
_TARGET_COLUMN_RE = vn(r"chỉ tiêu|mục tiêu|kế hoạch giao")
_ROW_NUMBER_RE = re.compile(r"^\s*\|?\s*(?P<n>\d{1,3}|[IVX]{1,4}|[a-z])\s*[.)]?\s*$")
# A column headed by a level stands for that level's units: "Cấp huyện", "Cấp xã", "Xã, thị trấn".
_LEVEL_COLUMNS = (
    (re.compile(r"^(?:cap\s+)?(?:huyen|tinh)$"), GROUP_DEPARTMENTS),
    (re.compile(r"^(?:cap\s+xa|cac\s+xa|xa)(?:,?\s*(?:phuong|thi tran))*$"), GROUP_COMMUNES),
)
_EMPTY_CELL_RE = re.compile(r"^[-–—x/\s]*$", re.IGNORECASE)


@dataclasses.dataclass(frozen=True, slots=True)
class _Columns:
    task: int
    lead: int | None
    coordination: int | None
    deadline: int | None
    target: int | None
    by_unit: tuple[tuple[int, str], ...] = ()  # columns holding the target of one kind of unit


def appendix_drafts(source: Text, lines: list[Line], context: Context) -> list[Draft]:
    """Rows of appendix tables that give a unit a task or a target ("STT | Nhiệm vụ | Đơn vị chủ trì | Thời
    hạn"). Tables that only report figures per unit have no task column and give nothing."""
    drafts: list[Draft] = []
    label = ""
    index = 0
    while index < len(lines):
        text = lines[index].text(source)
        if appendix := _APPENDIX_RE.match(match_form(text)):
            label = appendix["label"].strip(".").upper()
        if not is_table_row(text):
            index += 1
            continue
        table_end = index
        while table_end < len(lines) and is_table_row(lines[table_end].text(source)):
            table_end += 1
        drafts += _table_drafts(source, lines[index:table_end], label, context)
        index = table_end
    return drafts


def _cells(source: Text, line: Line) -> list[Text]:
    row = source.slice(line.start, line.end)
    separator = "|" if row.text.lstrip().startswith("|") else "\t"
    cells, start = [], 0
    for position, ch in enumerate(row.text + separator):
        if ch == separator:
            cells.append(row.slice(start, min(position, len(row))).collapsed())
            start = position + 1
    if separator == "|":
        cells = cells[1:-1] if len(cells) > 2 else cells
    return cells


def _table_drafts(source: Text, rows: list[Line], label: str, context: Context) -> list[Draft]:
    cell_rows = [_cells(source, row) for row in rows]
    first_data_row = next(
        (i for i, cells in enumerate(cell_rows) if cells and _ROW_NUMBER_RE.match(cells[0].text)), None
    )
    if first_data_row is None:
        return []
    # header cells spread over several rows (merged cells) are read together, column by column
    header: list[str] = []
    for cells in cell_rows[:first_data_row]:
        for position, cell in enumerate(cells):
            header.extend([""] * (position + 1 - len(header)))
            header[position] += " " + cell.low
    columns = _columns(header) or _columns_by_unit(header)
    if columns is None:
        return []
    drafts = (_row_draft(cells, columns, label, context) for cells in cell_rows[first_data_row:])
    return [draft for draft in drafts if draft is not None]


def _columns(header: list[str]) -> _Columns | None:
    def find(pattern: re.Pattern[str], exclude: set[int]) -> int | None:
        return next((i for i, text in enumerate(header) if i not in exclude and pattern.search(text)), None)

    task = find(_TASK_COLUMN_RE, set())
    if task is None:
        return None
    coordination = find(_COORDINATION_COLUMN_RE, {task})
    lead = find(_LEAD_COLUMN_RE, {task} | ({coordination} if coordination is not None else set()))
    if lead is None:
        return None
    taken = {task, lead} | ({coordination} if coordination is not None else set())
    deadline = find(_DEADLINE_COLUMN_RE, taken)
    target = find(_TARGET_COLUMN_RE, taken | ({deadline} if deadline is not None else set()))
    return _Columns(task, lead, coordination, deadline, target)


def _columns_by_unit(header: list[str]) -> _Columns | None:
    """A table of targets with a column per kind of unit: "Chỉ tiêu | Cơ quan chuyên môn cấp huyện | UBND
    cấp xã | Thời hạn". The first column that is neither the row number nor a unit's is the target's name."""
    by_unit = tuple((i, token) for i, text in enumerate(header) if (token := _unit_column(text)) is not None)
    if not by_unit:
        return None
    taken = {i for i, _ in by_unit}
    deadline = next((i for i, text in enumerate(header) if i not in taken and _DEADLINE_COLUMN_RE.search(text)), None)
    task = next(
        (i for i, text in enumerate(header) if i not in taken and i != deadline and text.strip() and i > 0), None
    )
    if task is None:
        return None
    return _Columns(task, None, None, deadline, None, by_unit)


def _unit_column(text: str) -> str | None:
    """The group token or unit name a column header stands for, if it names one."""
    name = " ".join(text.split())
    if not name:
        return None
    if token := group_token_for(name):
        return token
    folded = " ".join(fold(name).replace(",", " , ").split()).replace(" ,", ",")
    return next((token for pattern, token in _LEVEL_COLUMNS if pattern.match(folded)), None)


def _row_draft(cells: list[Text], columns: _Columns, label: str, context: Context) -> Draft | None:
    def cell(index: int | None) -> Text | None:
        return cells[index] if index is not None and index < len(cells) and cells[index].text else None

    number = _ROW_NUMBER_RE.match(cells[0].text) if cells else None
    task = cell(columns.task)
    if number is None or task is None:
        return None
    section = f"Phụ lục {label}.{number['n']}" if label else f"Phụ lục.{number['n']}"
    if columns.by_unit:
        targets = tuple(
            (target, [token])
            for index, token in columns.by_unit
            if (target := cell(index)) is not None and not _EMPTY_CELL_RE.match(target.text)
        )
        if not targets:
            return None
        lead = [units[0] for _, units in targets]
        return Draft(section, task, lead, [], context, deadline_cell=cell(columns.deadline), target_cells=targets)
    lead_cell = cell(columns.lead)
    if lead_cell is None:
        return None
    lead = units_in_cell(lead_cell)
    coordination_cell = cell(columns.coordination)
    coordinating = units_in_cell(coordination_cell) if coordination_cell else []
    return Draft(
        section,
        task,
        lead,
        [unit for unit in coordinating if unit not in lead],
        context,
        deadline_cell=cell(columns.deadline),
        target_cells=((target, lead),) if (target := cell(columns.target)) else (),
    )


def units_in_cell(cell: Text) -> list[str]:
    """The units a cell or a labelled field names ("Phòng Tư pháp", "Các phòng, ban, ngành"); names the
    reader does not know as units are kept as written, one per comma."""
    units = read_units(cell, 0)
    if units.names:
        return units.names
    return [display_name(part) for part in re.split(r"\s*[,;]\s*", cell.text) if part.strip()]
