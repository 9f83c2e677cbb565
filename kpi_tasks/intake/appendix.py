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
_TASK_COLUMN_RE = vn(r"nhiệm vụ|nội dung|công việc|(?:tên\s+)?chỉ tiêu")
# "Đơn vị tính" is the unit of measure, not a unit of the Committee.
_LEAD_COLUMN_RE = vn(r"chủ trì|đơn vị thực hiện|cơ quan thực hiện|đơn vị được giao|đơn vị(?!\s+tính)")
_COORDINATION_COLUMN_RE = vn(r"phối hợp")
_DEADLINE_COLUMN_RE = vn(r"thời hạn|thời gian|hạn hoàn thành|tiến độ")
_TARGET_COLUMN_RE = vn(r"chỉ tiêu|mục tiêu|kế hoạch giao")
# "1", "a", a group "II" and its rows "II.1", "1.2"
_ROW_NUMBER_RE = re.compile(r"^\s*\|?\s*(?P<n>(?:\d{1,3}|[IVX]{1,4})(?:\.\d{1,3})*|[a-z])\s*[.)]?\s*$")
_GROUP_NUMBER_RE = re.compile(r"^[IVX]{1,4}$")
# A column headed by its period ("Thực hiện trong năm 2023", "Năm 2024", "Quý IV/2025") holds each row's target
# for that period.
_PERIOD_COLUMN_RE = vn(r"(?:(?:thực hiện|kế hoạch|chỉ tiêu)\s+)?(?:trong\s+|đến hết\s+)?(?:năm|quý|tháng)\s+[\divx]")
# A title cell that is only the formula of its indicator: "Theo công thức (b/a). Trong đó: …", "b/a".
_FORMULA_ONLY_RE = vn(r"(?:theo\s+)?công thức|[a-z]\s*/\s*[a-z](?![^\W\d_])")
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
    period_header: Text | None = None  # the target column's header when it names the period


@dataclasses.dataclass(slots=True)
class _Table:
    """What a table's rows share: the appendix label, the group row they stand under ("I. Nhóm chỉ tiêu
    về …"), and the header that gives their period."""

    label: str
    context: Context
    group: Text | None = None


def appendix_drafts(source: Text, lines: list[Line], context: Context) -> list[Draft]:
    """Rows of appendix tables that give a unit a task or a target ("STT | Nhiệm vụ | Đơn vị chủ trì | Thời
    hạn"). Tables that only report figures per unit have no task column and give nothing."""
    drafts: list[Draft] = []
    label = ""
    index = 0
    # Appendices without a number of their own, when there are several, are numbered in order, so that
    # their rows' sections ("Phụ lục 2.1") stay apart.
    headings = [line for line in lines if _APPENDIX_RE.match(match_form(line.text(source)))]
    ordinal = 0
    while index < len(lines):
        text = lines[index].text(source)
        if appendix := _APPENDIX_RE.match(match_form(text)):
            ordinal += 1
            label = appendix["label"].strip(".").upper() or (str(ordinal) if len(headings) > 1 else "")
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
    header_cells: dict[int, Text] = {}
    for cells in cell_rows[:first_data_row]:
        for position, cell in enumerate(cells):
            header.extend([""] * (position + 1 - len(header)))
            header[position] += " " + cell.low
            if cell.text:
                header_cells[position] = cell
    columns = _columns(header, header_cells) or _columns_by_unit(header)
    if columns is None:
        return []
    table = _Table(label, context)
    drafts = []
    for cells in cell_rows[first_data_row:]:
        number = _ROW_NUMBER_RE.match(cells[0].text) if cells else None
        if number and _GROUP_NUMBER_RE.match(number["n"]) and columns.task < len(cells):
            table.group = cells[columns.task] if cells[columns.task].text else table.group
        draft = _row_draft(cells, columns, table)
        if draft is not None:
            drafts.append(draft)
    return drafts


def _columns(header: list[str], header_cells: dict[int, Text]) -> _Columns | None:
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
    period_header = None
    if target is None and (period := find(_PERIOD_COLUMN_RE, taken | ({deadline} if deadline is not None else set()))):
        target, period_header = period, header_cells.get(period)
    return _Columns(task, lead, coordination, deadline, target, period_header=period_header)


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


def _title_cell(cells: list[Text], columns: _Columns, table: _Table) -> Text | None:
    """The row's title: its task cell, unless that holds only the indicator's formula ("Theo công thức
    (b/a). Trong đó: …"); then another wording cell of the row, or its group's title, before the formula."""
    task = cells[columns.task] if columns.task < len(cells) and cells[columns.task].text else None
    if task is None or not _FORMULA_ONLY_RE.match(task.low):
        return task
    used = {columns.task, columns.lead, columns.coordination, columns.deadline, columns.target, 0}
    used |= {index for index, _ in columns.by_unit}
    wording = next(
        (cell for index, cell in enumerate(cells)
         if index not in used and cell.text and not _FORMULA_ONLY_RE.match(cell.low) and len(cell.text.split()) > 2),
        None,
    )  # fmt: skip
    title = wording or table.group
    return Text.join([title, task], ": ") if title is not None else task


def _row_draft(cells: list[Text], columns: _Columns, table: _Table) -> Draft | None:
    def cell(index: int | None) -> Text | None:
        return cells[index] if index is not None and index < len(cells) and cells[index].text else None

    label, context = table.label, table.context
    number = _ROW_NUMBER_RE.match(cells[0].text) if cells else None
    task = _title_cell(cells, columns, table)
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
        deadline_cell=cell(columns.deadline) or columns.period_header,
        target_cells=((target, lead),) if (target := cell(columns.target)) else (),
    )


def units_in_cell(cell: Text) -> list[str]:
    """The units a cell or a labelled field names ("Phòng Tư pháp", "Các phòng, ban, ngành"); names the
    reader does not know as units are kept as written, one per comma."""
    units = read_units(cell, 0)
    if units.names:
        return units.names
    return [display_name(part) for part in re.split(r"\s*[,;]\s*", cell.text) if part.strip()]
