"""Demo KPIs: the targets of seed 000 (a district's plan of 2021, as a province sets them today) with a few months of
figures per unit."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.accounts.models import User
from kpi_tasks.kpis.services import create_kpi, link_targets, record_measurement, set_target
from kpi_tasks.tasks.lookups import first_task_titled
from kpi_tasks.units.models import Unit

# (code, name, numerator, denominator, direction, {unit kind: target %}, title of the demo task it belongs to)
DEMO_KPIS = [
    ("KYSO", "Tỷ lệ văn bản, hồ sơ công việc được xử lý trên môi trường mạng, ký số",
     "Số văn bản, hồ sơ được ký số, xử lý trên môi trường mạng", "Tổng số văn bản, hồ sơ công việc", "at_least",
     {"department": 90, "commune": 70}, "Sử dụng chữ ký số cá nhân phê duyệt hồ sơ, văn bản điện tử"),
    ("DVCTT", "Tỷ lệ thủ tục hành chính cung cấp dịch vụ công trực tuyến mức độ 3, 4",
     "Số thủ tục cung cấp trực tuyến mức độ 3, 4", "Tổng số thủ tục hành chính", "above",
     {"department": 50, "commune": 50}, "Đẩy mạnh cung cấp dịch vụ công trực tuyến mức độ 3, 4"),
    ("TTTT", "Tỷ lệ giao dịch thanh toán trực tuyến",
     "Số giao dịch thanh toán trực tuyến", "Tổng số giao dịch thanh toán của thủ tục có nghĩa vụ tài chính",
     "above", {"department": 25, "commune": 25}, None),
]
# One commune held to a higher digital-signing target than the communes' 70%.
OVERRIDE = ("KYSO", "21220", 80)
MONTHS = 3


def _month_ends(day: dt.date, count: int) -> list[dt.date]:
    """The last days of the `count` months before `day`'s month, oldest first."""
    ends, cursor = [], day.replace(day=1)
    for _ in range(count):
        cursor -= dt.timedelta(days=1)
        ends.append(cursor)
        cursor = cursor.replace(day=1)
    return list(reversed(ends))


def seed_kpis(units: dict[str, Unit], office: User, day: dt.date) -> int:
    """Create the demo KPIs with kind targets, one override, and monthly cumulative figures; returns the count."""
    ends = _month_ends(day, MONTHS)
    years = sorted({end.year for end in ends} | {day.year})
    reporting = [unit for unit in units.values() if unit.kind in ("department", "commune")]
    for kpi_index, (code, name, numerator, denominator, direction, targets, task_title) in enumerate(DEMO_KPIS):
        kpi = create_kpi(office, code=code, name=name, measure="%", formula="ratio", direction=direction,
                         numerator_label=numerator, denominator_label=denominator)
        current = []
        for year in years:
            for kind, value in targets.items():
                target = set_target(kpi, office, period=str(year), unit_kind=kind, target_value=value)
                if year == day.year:
                    current.append(target)
        if OVERRIDE[0] == code and OVERRIDE[1] in units:
            for year in years:
                set_target(kpi, office, period=str(year), unit_id=units[OVERRIDE[1]].id, target_value=OVERRIDE[2])
        if task_title:
            task = first_task_titled(task_title)
            if task is not None:
                link_targets(task, [target.id for target in current], actor=office)
        for unit_index, unit in enumerate(reporting):
            # Deterministic spread: some units above their target, some below, all rising month by month.
            total = 40 + 17 * ((unit_index * 7 + kpi_index * 3) % 11)
            base = targets.get(unit.kind, 50) - 12 + (unit_index * 5 + kpi_index * 4) % 21
            for month_index, end in enumerate(ends):
                rate = min(100, max(0, base + 3 * month_index))
                denominator_value = total * (month_index + 1)
                record_measurement(kpi, unit, end, numerator=denominator_value * rate // 100,
                                   denominator=denominator_value, source="imported", actor=office)
    return len(DEMO_KPIS)
