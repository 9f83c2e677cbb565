"""The progress table of a task as an Excel workbook, laid out like the seeds' appendices by the one writer
(documents/appendix.py): a title block, then STT, Bước thực hiện, Hạn hoàn thành, Ngày hoàn thành, Ghi chú, with
real date cells, and a bold total row (steps, steps done, their share) whose formulas carry their values."""

from __future__ import annotations

import io

from kpi_tasks.clock import today
from kpi_tasks.documents.appendix import DATE, WRAP, Appendix, Column, Figures, TitleBlock, Total, number_kind
from kpi_tasks.milestones.models import Milestone
from kpi_tasks.tasks.models import Task


def _share(figures: Figures) -> float:
    steps = figures.filled["B"]
    return figures.numbers["D"] / steps if steps else 0


# Totals as formulas, so that a row added by hand in Excel is counted: steps, steps done, their share.
COLUMNS = [
    Column("Bước thực hiện", 60, WRAP),
    Column("Hạn hoàn thành", 16, DATE, Total("=COUNTA(B{first}:B{last})", lambda figures: figures.filled["B"]),
           number_kind('0" bước"')),
    Column("Ngày hoàn thành", 16, DATE, "count", number_kind('0" đã xong"')),
    Column("Ghi chú", 40, WRAP, Total("=IF(C{row}=0,0,D{row}/C{row})", _share), number_kind('0%" hoàn thành"')),
]


def milestones_workbook(task: Task, milestones: list[Milestone], issuer: str) -> io.BytesIO:
    done = sum(1 for milestone in milestones if milestone.done_on is not None)
    share = round(done * 100 / len(milestones)) if milestones else 0
    day = today()
    buffer = io.BytesIO()
    with Appendix(buffer, title=f"Bảng tiến độ thực hiện nhiệm vụ: {task.title}", author=issuer) as book:
        block = TitleBlock(
            issuer, "Bảng tiến độ thực hiện nhiệm vụ",
            f"(Kèm theo nhiệm vụ giao tại văn bản số {task.directive.number} ngày "
            f"{task.directive.issued_on:%d/%m/%Y} · Đơn vị chủ trì: {task.lead_unit.name})",
            f"Nhiệm vụ: {task.title} — đã hoàn thành {done}/{len(milestones)} bước ({share}%), "
            f"số liệu đến ngày {day:%d/%m/%Y}", day)
        sheet = book.sheet("Bảng tiến độ", block, COLUMNS, first_frozen_column=0)
        for milestone in milestones:
            sheet.append([milestone.step, milestone.due_on, milestone.done_on, milestone.note or ""])
        if not sheet.rows:
            sheet.note("Nhiệm vụ chưa có bước thực hiện nào.")
        sheet.finish()
    buffer.seek(0)
    return buffer
