"""The settings of a scoring rule: every number is a setting, stored as one JSON object per rule version.

The default rule and its reasoning are documented in README.md ("Chấm điểm thi đua").
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpi_tasks.errors import ValidationError

# Task outcomes that earn (or lose) points, in the order pages and exports show them.
DONE_ON_TIME = "done_on_time"
EXTENDED_ON_TIME = "extended_on_time"
DONE_LATE = "done_late"
OVERDUE = "overdue"
SCORED_OUTCOMES = (DONE_ON_TIME, EXTENDED_ON_TIME, DONE_LATE, OVERDUE)
# Listed in the breakdown so the unit sees them, but not scored.
AWAITING_REVIEW = "awaiting_review"
EXCLUDED = "excluded"
# How an objection names a recurring task, counted through its occurrences (which may differ in outcome).
OCCURRENCES = "occurrences"

OUTCOME_LABELS = {
    DONE_ON_TIME: "Hoàn thành đúng hạn",
    EXTENDED_ON_TIME: "Được gia hạn, hoàn thành trong hạn mới",
    DONE_LATE: "Hoàn thành quá hạn",
    OVERDUE: "Quá hạn, chưa hoàn thành",
    AWAITING_REVIEW: "Đã báo cáo, chờ Văn phòng xác nhận (chưa tính điểm)",
    EXCLUDED: "Loại khỏi chấm điểm theo đề nghị được chấp nhận",
    OCCURRENCES: "Nhiệm vụ định kỳ, tính theo từng kỳ báo cáo",
}

LEAD = "lead"
COORDINATING = "coordinating"
ROLES = (LEAD, COORDINATING)
ROLE_LABELS = {LEAD: "Chủ trì", COORDINATING: "Phối hợp"}

SHARE_SETTING = {
    DONE_ON_TIME: "share_done_on_time",
    EXTENDED_ON_TIME: "share_extended_on_time",
    DONE_LATE: "share_done_late",
    OVERDUE: "share_overdue",
}
WEIGHT_SETTING = {LEAD: "weight_lead", COORDINATING: "weight_coordinating"}

# Penalties fed by the dossiers area (apology letters, repeat-late months).
LATE_APOLOGY_LETTERS = "late_apology_letters"
REPEAT_LATE_MONTHS = "repeat_late_months"
PENALTIES = (LATE_APOLOGY_LETTERS, REPEAT_LATE_MONTHS)
PENALTY_LABELS = {
    LATE_APOLOGY_LETTERS: "Phiếu xin lỗi trễ hạn hoặc chưa gửi khi đã đến hạn",
    REPEAT_LATE_MONTHS: "Tháng có hồ sơ trễ hạn từ 2 tháng liên tiếp trở lên",
}
PENALTY_SETTING = {
    LATE_APOLOGY_LETTERS: ("penalty_late_apology_letter", "penalty_late_apology_letter_cap"),
    REPEAT_LATE_MONTHS: ("penalty_repeat_late_month", "penalty_repeat_late_month_cap"),
}


@dataclass(frozen=True)
class NumberSetting:
    key: str
    label: str
    minimum: Decimal
    maximum: Decimal
    unit: str


def _setting(key: str, label: str, minimum: str, maximum: str, unit: str) -> NumberSetting:
    return NumberSetting(key, label, Decimal(minimum), Decimal(maximum), unit)


NUMBER_SETTINGS = (
    _setting("share_done_on_time", "Hoàn thành đúng hạn", "0", "100", "% điểm của nhiệm vụ"),
    _setting("share_extended_on_time", "Được gia hạn, hoàn thành trong hạn mới", "0", "100", "% điểm của nhiệm vụ"),
    _setting("share_done_late", "Hoàn thành quá hạn", "0", "100", "% điểm của nhiệm vụ"),
    _setting("share_overdue", "Quá hạn, chưa hoàn thành", "0", "100", "% điểm của nhiệm vụ"),
    _setting("weight_lead", "Hệ số nhiệm vụ chủ trì", "0", "10", "hệ số"),
    _setting("weight_coordinating", "Hệ số nhiệm vụ phối hợp", "0", "10", "hệ số"),
    _setting("points_tasks", "Điểm tối đa: thực hiện nhiệm vụ", "0", "100", "điểm"),
    _setting("points_kpi", "Điểm tối đa: chỉ tiêu được giao", "0", "100", "điểm"),
    _setting("penalty_late_apology_letter", "Trừ mỗi phiếu xin lỗi trễ hạn", "0", "100", "điểm"),
    _setting("penalty_late_apology_letter_cap", "Trừ tối đa: phiếu xin lỗi trễ hạn", "0", "100", "điểm"),
    _setting("penalty_repeat_late_month", "Trừ mỗi tháng trễ hạn liên tiếp", "0", "100", "điểm"),
    _setting("penalty_repeat_late_month_cap", "Trừ tối đa: tháng trễ hạn liên tiếp", "0", "100", "điểm"),
)
NUMBER_KEYS = tuple(setting.key for setting in NUMBER_SETTINGS)
GRADE_COUNT = 4
MAX_GRADE_NAME = 120

# The grade table of Đắk Nông, QĐ 1748/QĐ-UBND (2018): a 100-point scale, 90 / 75 / 50.
DEFAULT_GRADES = (
    {"min": 90, "name": "Hoàn thành xuất sắc nhiệm vụ"},
    {"min": 75, "name": "Hoàn thành tốt nhiệm vụ"},
    {"min": 50, "name": "Hoàn thành nhiệm vụ"},
    {"min": 0, "name": "Không hoàn thành nhiệm vụ"},
)
DEFAULT_SETTINGS: dict[str, Any] = {
    "share_done_on_time": 100,
    "share_extended_on_time": 90,
    "share_done_late": 50,
    "share_overdue": 0,
    "weight_lead": 1,
    "weight_coordinating": 0.3,
    "points_tasks": 80,
    "points_kpi": 20,
    "penalty_late_apology_letter": 0.5,
    "penalty_late_apology_letter_cap": 5,
    "penalty_repeat_late_month": 2,
    "penalty_repeat_late_month_cap": 10,
    # A coordinating unit answers for its own part, not for the lead unit's lateness: its items whose task is
    # overdue or done late are listed but not scored, unless the year's rule says otherwise.
    "coordinating_lateness": False,
    "grades": [dict(grade) for grade in DEFAULT_GRADES],
}
COORDINATING_LATENESS_LABEL = "Đơn vị phối hợp cũng bị tính điểm khi nhiệm vụ quá hạn (do đơn vị chủ trì)"


def coordinating_lateness(settings: dict[str, Any]) -> bool:
    """Whether the rule scores a coordinating unit on the lead unit's lateness (rules before it: no)."""
    return bool(settings.get("coordinating_lateness", False))


def default_settings() -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_SETTINGS)


def number(settings: dict[str, Any], key: str) -> Decimal:
    """A stored setting as an exact decimal (JSON numbers are floats; str() keeps 0.3 as 0.3)."""
    return Decimal(str(settings[key]))


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip().replace(",", "."))
        except ArithmeticError:
            return None
        return parsed if parsed.is_finite() else None
    return None


def _plain(value: Decimal) -> int | float:
    """A decimal as the JSON number a person would type: 80 not 80.0, 0.3 not 0.299999."""
    return int(value) if value == value.to_integral_value() else float(value)


def validate_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """Check every setting; return the clean settings or raise ValidationError with a message per field.

    Field names are the setting keys, and `grade_<n>_min` / `grade_<n>_name` for the grade table.
    """
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for setting in NUMBER_SETTINGS:
        value = _as_number(raw.get(setting.key))
        if value is None:
            errors[setting.key] = "Phải là một số."
        elif not setting.minimum <= value <= setting.maximum:
            errors[setting.key] = f"Phải từ {_plain(setting.minimum)} đến {_plain(setting.maximum)}."
        elif value != value.quantize(Decimal("0.01")):
            errors[setting.key] = "Tối đa 2 chữ số thập phân."
        else:
            clean[setting.key] = _plain(value)
    if "points_tasks" in clean and "points_kpi" in clean:
        if Decimal(str(clean["points_tasks"])) + Decimal(str(clean["points_kpi"])) != 100:
            errors["points_kpi"] = "Điểm tối đa phần nhiệm vụ và phần chỉ tiêu phải cộng lại bằng 100."
        elif clean["points_tasks"] == 0:
            errors["points_tasks"] = "Phần thực hiện nhiệm vụ phải có điểm (lớn hơn 0)."
    if clean.get("weight_lead") == 0:
        errors["weight_lead"] = "Hệ số nhiệm vụ chủ trì phải lớn hơn 0."
    clean["coordinating_lateness"] = raw.get("coordinating_lateness") in (True, "y", "on", "1", 1)
    clean["grades"] = _validate_grades(raw.get("grades"), errors)
    if errors:
        raise ValidationError("Tiêu chí chấm điểm chưa hợp lệ.", errors)
    return clean


def _validate_grades(raw: Any, errors: dict[str, str]) -> list[dict[str, Any]]:
    grades: list[dict[str, Any]] = []
    items = raw if isinstance(raw, list) else []
    if len(items) != GRADE_COUNT:
        errors["grades"] = f"Phải có đúng {GRADE_COUNT} mức xếp loại."
        return grades
    previous: Decimal | None = None
    for index, item in enumerate(items, start=1):
        item = item if isinstance(item, dict) else {}
        name = item.get("name").strip() if isinstance(item.get("name"), str) else ""
        minimum = _as_number(item.get("min"))
        if not name:
            errors[f"grade_{index}_name"] = "Chưa nhập tên mức xếp loại."
        elif len(name) > MAX_GRADE_NAME:
            errors[f"grade_{index}_name"] = f"Tên mức xếp loại dài tối đa {MAX_GRADE_NAME} ký tự."
        if minimum is None:
            errors[f"grade_{index}_min"] = "Phải là một số."
        elif not 0 <= minimum <= 100:
            errors[f"grade_{index}_min"] = "Phải từ 0 đến 100."
        elif previous is not None and minimum >= previous:
            errors[f"grade_{index}_min"] = "Điểm sàn phải thấp hơn điểm sàn của mức trên."
        elif index == GRADE_COUNT and minimum != 0:
            errors[f"grade_{index}_min"] = "Mức thấp nhất phải bắt đầu từ 0 điểm."
        elif minimum != minimum.quantize(Decimal("0.01")):
            errors[f"grade_{index}_min"] = "Tối đa 2 chữ số thập phân."
        if minimum is not None:
            previous = minimum
        grades.append({"min": _plain(minimum) if minimum is not None else None, "name": name})
    return grades


def grade_for(score: Decimal | None, settings: dict[str, Any]) -> str | None:
    """The name of the highest grade whose floor the score reaches (floors inclusive: 90 is excellent)."""
    if score is None:
        return None
    for grade in settings["grades"]:
        if score >= Decimal(str(grade["min"])):
            return grade["name"]
    return settings["grades"][-1]["name"]


def grade_ranges(settings: dict[str, Any]) -> list[tuple[str, Decimal, Decimal | None]]:
    """(name, floor, ceiling exclusive) for display: 90–100, 75–<90, …"""
    grades = settings["grades"]
    ranges: list[tuple[str, Decimal, Decimal | None]] = []
    for index, grade in enumerate(grades):
        ceiling = Decimal(str(grades[index - 1]["min"])) if index else None
        ranges.append((grade["name"], Decimal(str(grade["min"])), ceiling))
    return ranges
