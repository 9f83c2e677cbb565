"""A district's March 2026 (today is frozen at Monday 16/03/2026) with one task in every situation the
reports must count or leave out: each status, a completion inside the month for a deadline outside it, a
recurring weekly report, a withdrawn task, an inactive unit, a confidential directive, an extension request
and a KPI with targets."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import Kpi
from kpi_tasks.kpis.services import create_kpi, record_measurement, set_target
from kpi_tasks.tasks.lifecycle import post_update, report_occurrence, request_extension, review_occurrence, review_task
from kpi_tasks.tasks.models import Task, TaskOccurrence
from kpi_tasks.tasks.services import withdraw_task
from kpi_tasks.units.models import Unit
from tests.factories import make_directive, make_task, make_unit, make_user

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
YEAR = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))


def d(month: int, day: int) -> dt.date:
    return dt.date(2026, month, day)


@dataclass
class District:
    office: User
    leader: User
    culture: Unit  # Phòng Văn hóa và Thông tin
    justice: Unit  # Phòng Tư pháp
    commune: Unit  # UBND xã Cát Tân
    idle: Unit  # a unit without tasks
    closed: Unit  # an inactive unit
    directive: Directive | None = None
    kpi: Kpi | None = None
    managers: dict[int, User] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)

    def manager(self, unit: Unit) -> User:
        if unit.id not in self.managers:
            self.managers[unit.id] = make_user("unit_manager", unit)
        return self.managers[unit.id]

    def task(self, key: str, unit: Unit, deadline: dt.date | None, directive: Directive | None = None,
             **values: object) -> Task:
        self.tasks[key] = make_task(unit, deadline=deadline, directive=directive or self.directive,
                                    title=values.pop("title", f"Nhiệm vụ {key} của {unit.name}"), **values)
        return self.tasks[key]

    def report_done(self, key: str, completed_on: dt.date, approve: bool = True) -> Task:
        task = self.tasks[key]
        post_update(task, self.manager(task.lead_unit), progress_percent=None, note="Đã hoàn thành",
                    report_completed=True, completed_on=completed_on)
        if approve:
            review_task(task, self.office, decision="approve")
        return task


def build_district() -> District:
    office = make_user("office", username="vanphong")
    district = District(
        office=office,
        leader=make_user("leader", username="chutich"),
        culture=make_unit("Phòng Văn hóa và Thông tin", code="VHTT"),
        justice=make_unit("Phòng Tư pháp", code="TP"),
        commune=make_unit("UBND xã Cát Tân", kind="commune", code="CATTAN"),
        idle=make_unit("Phòng Tài chính - Kế hoạch", code="TCKH"),
        closed=make_unit("Phòng Công thương (đã giải thể)", code="CT"),
    )
    district.directive = make_directive(office, issued_on=d(1, 5), number="4457/UBND-TTHC",
                                        subject="V/v đẩy mạnh cải cách thủ tục hành chính")
    c, j, x = district.culture, district.justice, district.commune
    # Phòng Văn hóa và Thông tin: one task in each status within March.
    district.task("c_on_time", c, d(3, 10), title="Tuyên truyền chuyển đổi số trên đài truyền thanh")
    district.report_done("c_on_time", d(3, 9))
    district.task("c_late", c, d(3, 5), title="Báo cáo kết quả số hóa hồ sơ quý I")
    district.report_done("c_late", d(3, 12))
    district.task("c_overdue", c, d(3, 11), coordinating=[j], title="Rà soát thủ tục hành chính lĩnh vực văn hóa")
    district.task("c_progress", c, d(3, 25), title="Tổ chức hội nghị tập huấn chữ ký số")
    district.task("c_awaiting", c, d(3, 20), title="Cập nhật cơ sở dữ liệu di tích")
    district.report_done("c_awaiting", d(3, 13), approve=False)
    district.task("c_soon", c, d(3, 18), title="Gửi danh sách cán bộ dự tập huấn")
    district.task("c_april", c, d(4, 20), title="Tổng kết phong trào văn hóa")  # outside March
    # Phòng Tư pháp: done in March although its deadline is in April; overdue; withdrawn.
    district.task("j_on_time", j, d(3, 31), title="Chứng thực bản sao điện tử từ bản chính")
    district.report_done("j_on_time", d(3, 2))
    district.task("j_early", j, d(4, 20), title="Rà soát văn bản quy phạm pháp luật")
    district.report_done("j_early", d(3, 3))
    district.task("j_overdue", j, d(3, 2), title="Báo cáo công tác hộ tịch")
    withdrawn = district.task("j_withdrawn", j, d(3, 9), title="Nhiệm vụ giao nhầm")
    withdraw_task(withdrawn, office, note="Giao nhầm đơn vị")
    district.task("j_february_late", j, d(2, 10), title="Báo cáo tháng 1")
    district.report_done("j_february_late", d(2, 20))
    # UBND xã Cát Tân: a weekly report due on Fridays; the occurrence of 06/03 reported and confirmed.
    weekly = district.task("x_weekly", x, None, recurrence="weekly:fri;until=2026-04-30",
                           title="Thống kê tỷ lệ số hóa hồ sơ hàng tuần")
    first = db.session.scalar(sa.select(TaskOccurrence).where(TaskOccurrence.task_id == weekly.id,
                                                              TaskOccurrence.due_on == d(3, 6)))
    report_occurrence(first, district.manager(x), progress_percent=None, note="Đã gửi", report_completed=True,
                      completed_on=d(3, 6))
    review_occurrence(first, office, decision="approve")
    # Left out of every statistic: an inactive unit's task, a confidential directive's task.
    district.task("closed_overdue", district.closed, d(3, 4))
    district.closed.active = False
    secret = make_directive(office, issued_on=d(2, 2), number="12/UBND-M", subject="V/v mật")
    district.task("secret", c, d(3, 3), directive=secret)
    secret.confidential = True
    # An extension request awaiting a decision.
    request_extension(district.tasks["c_progress"], district.manager(c), new_deadline=d(4, 15),
                      reason="Chờ kinh phí tổ chức hội nghị")
    # A KPI: digital signing ≥ 90% for departments in 2026; culture meets it, justice does not.
    kpi = create_kpi(office, code="KYSO", name="Tỷ lệ văn bản được ký số", measure="percent", formula="ratio",
                     direction="at_least", numerator_label="Văn bản ký số", denominator_label="Tổng số văn bản")
    set_target(kpi, office, period="2026", unit_kind="department", target_value=90)
    record_measurement(kpi, c, d(3, 13), numerator=95, denominator=100, source="entered", actor=office)
    record_measurement(kpi, j, d(3, 13), numerator=50, denominator=100, source="entered", actor=office)
    district.kpi = kpi
    db.session.flush()
    return district
