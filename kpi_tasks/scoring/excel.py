"""The scoring as an appendix workbook (the one writer, documents/appendix.py): title block, a two-row header,
units grouped by kind (departments and communes are graded apart, as their targets differ), each group in score
order with STT, Đơn vị, components, score and grade, a bold total row of the task counts, then the notes."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from typing import Any

from kpi_tasks.documents.appendix import CENTER, DECIMAL, INT, PERCENT, WRAP, Appendix, Column, TitleBlock
from kpi_tasks.scoring.appendix import outcome_totals, scoring_notes, units_by_kind
from kpi_tasks.scoring.queries import ScoringResult, UnitResult
from kpi_tasks.scoring.rules import SCORED_OUTCOMES
from kpi_tasks.text import format_date
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS

COUNTS = "Số nhiệm vụ, kỳ báo cáo đã đến hạn (chủ trì và phối hợp)"
COLUMNS = [
    Column("Đơn vị", 36, WRAP),
    Column("Hoàn thành đúng hạn", 12, INT, "sum", group=COUNTS),
    Column("Gia hạn, hoàn thành trong hạn mới", 13, INT, "sum", group=COUNTS),
    Column("Hoàn thành quá hạn", 12, INT, "sum", group=COUNTS),
    Column("Quá hạn, chưa hoàn thành", 12, INT, "sum", group=COUNTS),
    Column("Tỷ lệ (%)", 11, PERCENT, group="Thực hiện nhiệm vụ"),
    Column("Điểm", 10, DECIMAL, group="Thực hiện nhiệm vụ"),
    Column("Đạt / giao", 11, CENTER, group="Chỉ tiêu được giao"),
    Column("Điểm", 10, DECIMAL, group="Chỉ tiêu được giao"),
    Column("Điểm trừ", 10, DECIMAL),
    Column("Tổng điểm", 11, DECIMAL),
    Column("Xếp loại", 30, WRAP),
]


def _row(unit: UnitResult) -> list[Any]:
    tasks, kpi = unit.breakdown["tasks"], unit.breakdown["kpi"]
    totals = outcome_totals(unit)
    return [
        unit.unit_name,
        *[totals[outcome] for outcome in SCORED_OUTCOMES],
        tasks["rate"] / 100 if tasks["rate"] is not None else None,  # a real rate, shown with the % format
        tasks["points"] if tasks["rate"] is not None else None,
        f"{kpi['met']}/{kpi['total']}" if kpi["rate"] is not None else "—",
        kpi["points"] if kpi["rate"] is not None else None,
        unit.breakdown["penalty_points"],
        unit.score,
        unit.grade or "Chưa có dữ liệu",
    ]


def write_scoring_workbook(target: BytesIO, result: ScoringResult, issuer: str, version_label: str,
                           extracted_on: dt.date) -> None:
    period = result.period
    title = f"Kết quả chấm điểm thi đua về thực hiện nhiệm vụ được giao năm {period.year}"
    with Appendix(target, title=f"Phụ lục {title.lower()}", author=issuer) as book:
        block = TitleBlock(
            issuer, f"Phụ lục\n{title}",
            f"(Kèm theo Báo cáo số        /BC-UBND ngày      /{extracted_on.month}/{extracted_on.year} của "
            f"{issuer} về kết quả chấm điểm thi đua năm {period.year})",
            f"Kỳ đánh giá từ {format_date(period.start)} đến {format_date(period.end)}; số liệu tính đến ngày "
            f"{format_date(period.as_of)}; {version_label}.", extracted_on)
        sheet = book.sheet(f"Thi đua {period.year}", block, COLUMNS, total_label="TỔNG CỘNG")
        for number, (kind, members) in enumerate(units_by_kind(result), start=1):
            sheet.group(UNIT_KIND_GROUP_LABELS[kind], number)
            for unit in members:
                sheet.append(_row(unit))
        if not sheet.rows:
            sheet.note("Chưa có đơn vị nào được chấm điểm.")
        # The task counts add up; scores and grades do not.
        sheet.finish(notes=["Ghi chú:", *scoring_notes(result)])


def scoring_workbook(result: ScoringResult, issuer: str, version_label: str, extracted_on: dt.date) -> bytes:
    buffer = BytesIO()
    write_scoring_workbook(buffer, result, issuer, version_label, extracted_on)
    return buffer.getvalue()
