"""The appendix of the committee's decision on the year's emulation scores, as a Word document
(documents/word/scoring_appendix.docx): units grouped by kind (departments and communes are graded apart,
as their targets differ), each group in score order, with the counts, rates, points and grade."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

import sqlalchemy as sa

from kpi_tasks.documents.context import base_context, roman, table
from kpi_tasks.documents.identity import Identity
from kpi_tasks.documents.kinds import SCORING_APPENDIX
from kpi_tasks.documents.word import render_document
from kpi_tasks.extensions import db
from kpi_tasks.scoring.queries import ScoringResult, UnitResult, counted_by_occurrence
from kpi_tasks.scoring.rules import PENALTY_LABELS, SCORED_OUTCOMES, grade_ranges
from kpi_tasks.text import format_date, format_number
from kpi_tasks.units.models import UNIT_KIND_GROUP_LABELS, UNIT_KINDS, Unit


def outcome_totals(unit: UnitResult) -> dict[str, int]:
    totals = dict.fromkeys(SCORED_OUTCOMES, 0)
    for line in unit.breakdown["tasks"]["lines"]:
        if not line.get("not_scored"):  # a coordinating unit's item late by the lead unit's doing
            totals[line["outcome"]] += line["count"]
    return totals


def units_by_kind(result: ScoringResult) -> list[tuple[str, list[UnitResult]]]:
    """The result's units grouped by their unit's kind, in the order of UNIT_KINDS, each group in the
    result's order (best score first)."""
    ids = [unit.unit_id for unit in result.units]
    rows = db.session.execute(sa.select(Unit.id, Unit.kind).where(Unit.id.in_(ids))).all() if ids else []
    kinds = dict(rows)  # .all() gives rows, not the Result whose keys() dict() would call
    return [(kind, members) for kind in UNIT_KINDS
            if (members := [unit for unit in result.units if kinds.get(unit.unit_id, "other") == kind])]


def _points(value: float | None) -> str:
    return "" if value is None else format_number(value, 2)


def unit_cells(unit: UnitResult, position: int) -> list[str]:
    tasks, kpi = unit.breakdown["tasks"], unit.breakdown["kpi"]
    totals = outcome_totals(unit)
    return [
        str(position), unit.unit_name, *[format_number(totals[outcome]) for outcome in SCORED_OUTCOMES],
        "—" if tasks["rate"] is None else format_number(tasks["rate"], 2) + "%",
        _points(tasks["points"] if tasks["rate"] is not None else None),
        f"{kpi['met']}/{kpi['total']}" if kpi["rate"] is not None else "—",
        _points(kpi["points"] if kpi["rate"] is not None else None),
        _points(unit.breakdown["penalty_points"]), _points(unit.score), unit.grade or "Chưa có dữ liệu",
    ]


def scoring_notes(result: ScoringResult) -> list[str]:
    settings = result.settings
    rule = f"phiên bản {result.rule.version}" if result.rule else "mặc định"
    grades = "; ".join(
        f"{name}: từ {format_number(floor, 0 if floor == floor.to_integral_value() else 2)} điểm"
        for name, floor, _ceiling in grade_ranges(settings)
    )
    coordinating = f"nhiệm vụ đơn vị phối hợp tính theo hệ số {format_number(settings['weight_coordinating'], 2)}."
    counted = "- Chỉ tính nhiệm vụ đã đến hạn trong kỳ (hạn xử lý sau gia hạn trong kỳ và không muộn hơn ngày tính)"
    if counted_by_occurrence(result):
        counted += ", mỗi nhiệm vụ ở một kỳ; nhiệm vụ định kỳ tính theo từng kỳ báo cáo đến hạn; " + coordinating
    else:  # a version published before occurrences were counted: the rule it was computed under
        counted += " hoặc đã hoàn thành trong kỳ; " + coordinating
    notes = [f"- Tiêu chí chấm điểm năm {result.period.year} ({rule}). Xếp loại: {grades}.", counted,
             "- Các đơn vị xếp theo tổng điểm trong nhóm của mình (cơ quan chuyên môn, xã, phường, đơn vị khác)."]
    if not result.sources.get("kpi"):
        notes.append("- Chỉ tiêu được giao: chưa có nguồn dữ liệu; điểm của phần này được chia cho phần nhiệm vụ.")
    for code, label in PENALTY_LABELS.items():
        if not result.sources.get(code):
            notes.append(f"- Điểm trừ “{label}”: chưa có nguồn dữ liệu (phân hệ hồ sơ TTHC), tính 0 điểm.")
    return notes


def period_line(result: ScoringResult, version_label: str) -> str:
    period = result.period
    return (f"Kỳ đánh giá từ {format_date(period.start)} đến {format_date(period.end)}; số liệu tính đến ngày "
            f"{format_date(period.as_of)}; {version_label}")


def decision_reference(identity: Identity, year: int) -> str:
    return (f"(Kèm theo Quyết định số      /QĐ-{identity.committee_symbol} ngày …… tháng …… năm {year} "
            f"của {identity.issuing_body})")


def appendix_context(result: ScoringResult, identity: Identity, version_label: str, day: dt.date) -> dict[str, Any]:
    groups = [(f"{roman(number)}. {UNIT_KIND_GROUP_LABELS[kind]}",
               [unit_cells(unit, position) for position, unit in enumerate(members, start=1)])
              for number, (kind, members) in enumerate(units_by_kind(result), start=1)]
    sums = [sum(outcome_totals(unit)[outcome] for unit in result.units) for outcome in SCORED_OUTCOMES]
    year = result.period.year
    return base_context(identity, SCORING_APPENDIX, day) | {
        "title": f"KẾT QUẢ CHẤM ĐIỂM THI ĐUA VỀ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO NĂM {year}",
        "attached_to": decision_reference(identity, year),
        "period": period_line(result, version_label),
        "scores": table(groups, total=["", "Tổng cộng", *map(format_number, sums), *[""] * 7]),
        "notes": scoring_notes(result),
    }


def write_appendix_docx(target: IO[bytes], result: ScoringResult, identity: Identity, version_label: str,
                        day: dt.date) -> None:
    title = f"Phụ lục kết quả chấm điểm thi đua năm {result.period.year}"
    target.write(render_document(SCORING_APPENDIX, appendix_context(result, identity, version_label, day),
                                 title=title, author=identity.issuing_body))
