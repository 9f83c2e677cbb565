"""The KPI and penalty lines of a breakdown, item by item: what each item is called, so that the page,
the exports, an objection and the office's decision name it in the same words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kpi_tasks.scoring.models import SUBJECT_KPI
from kpi_tasks.scoring.rules import LATE_APOLOGY_LETTERS, PENALTIES, PENALTY_LABELS, REPEAT_LATE_MONTHS
from kpi_tasks.text import format_date, format_number

LINES = (SUBJECT_KPI, *PENALTIES)
LINE_LABELS = {SUBJECT_KPI: "Chỉ tiêu được giao", **PENALTY_LABELS}


def _num(value: float | int | None) -> str:
    """65.5 → "65,5", 60.0 → "60" (a figure as a clerk writes it)."""
    if value is None:
        return ""
    if float(value) == int(value):
        return format_number(int(value))
    return format_number(value, 2).rstrip("0").rstrip(",")


def period_code(start: dt.date, end: dt.date) -> str | None:
    """A target's period as the KPI pages name it ("2026", "2026-Q1", "2026-03"); None for other spans."""
    label = period_label(start, end)
    if label.startswith("năm "):
        return str(start.year)
    if label.startswith("quý "):
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if label.startswith("tháng "):
        return f"{start.year}-{start.month:02d}"
    return None


def period_label(start: dt.date, end: dt.date) -> str:
    """A target's period: "năm 2026", "quý I/2026", "tháng 3/2026", else the two dates."""
    next_day = end + dt.timedelta(days=1)
    if start.day == 1 and next_day.day == 1:
        months = (next_day.year - start.year) * 12 + next_day.month - start.month
        if months == 12 and start.month == 1:
            return f"năm {start.year}"
        if months == 3 and start.month % 3 == 1:
            return f"quý {('I', 'II', 'III', 'IV')[start.month // 3]}/{start.year}"
        if months == 1:
            return f"tháng {start.month}/{start.year}"
    return f"{format_date(start)}–{format_date(end)}"


def item_label(line: str, item: dict[str, Any]) -> str:
    """One item of a KPI or penalty line in words."""
    if line == SUBJECT_KPI:
        period = period_label(dt.date.fromisoformat(item["period_start"]), dt.date.fromisoformat(item["period_end"]))
        actual = "chưa có số liệu" if item["actual_value"] is None else f"thực hiện {_num(item['actual_value'])}"
        verdict = "đạt" if item["met"] else "chưa đạt"
        return f"{item['kpi_code']} – {item['kpi_name']}, {period}: chỉ tiêu {_num(item['target_value'])}, " \
               f"{actual} ({verdict})"
    if line == LATE_APOLOGY_LETTERS:
        sent = f"gửi ngày {format_date(dt.date.fromisoformat(item['issued_on']))}" if item["issued_on"] \
            else "chưa gửi"
        return f"Hồ sơ {item['dossier_code']}: phiếu xin lỗi phải gửi trước ngày " \
               f"{format_date(dt.date.fromisoformat(item['due_by']))}, {sent}"
    if line == REPEAT_LATE_MONTHS:
        month = dt.date.fromisoformat(item["month"])
        return f"Tháng {month.month:02d}/{month.year}: {format_number(item['late_dossiers'])} hồ sơ trễ hạn"
    raise ValueError(line)


def line_items(breakdown: dict[str, Any], line: str) -> list[dict[str, Any]] | None:
    """The items of a KPI or penalty line; None when its source is missing or the breakdown was stored
    before items were listed."""
    if line == SUBJECT_KPI:
        entry = breakdown["kpi"]
    else:
        entry = next((penalty for penalty in breakdown["penalties"] if penalty["code"] == line), None)
    if entry is None or entry.get("status") == "no_source":
        return None
    return entry.get("items")


def whole_line_label(line: str, items: list[dict[str, Any]]) -> str:
    counted = sum(1 for item in items if not item.get("excluded"))
    return f"Toàn bộ dòng “{LINE_LABELS[line]}” ({format_number(counted)} mục)"


def objection_subject_text(objection: Any) -> str:
    """What an objection names, in words (a task's title, or the line and its item)."""
    if objection.task_id is not None:
        return objection.task.title if objection.task else f"Nhiệm vụ số {objection.task_id}"
    return f"{LINE_LABELS.get(objection.subject, objection.subject)}: {objection.item_label}"


def objection_counted_text(objection: Any, outcome_labels: dict[str, str], role_labels: dict[str, str]) -> str:
    """How the named thing was counted when the unit objected (templates/scoring/_objection_counted.html)."""
    parts = objection.counted_as.split("/")
    if objection.task_id is not None:
        role = f" ({role_labels.get(parts[1], parts[1])})" if len(parts) > 1 else ""
        return outcome_labels.get(parts[0], parts[0]) + role
    line = LINE_LABELS.get(parts[0], parts[0]).lower()
    return f"cả dòng, {line}" if len(parts) > 1 and parts[1] == "line" else f"một mục của dòng {line}"
