"""Scheduled reports: their days, their figures, made once, sent to the office and to leaders."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from kpi_tasks.calendar.workdays import default_calendar
from kpi_tasks.extensions import db
from kpi_tasks.notifications.delivery import send_reminders
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import produce_report
from kpi_tasks.reports.models import ScheduledReport
from kpi_tasks.reports.scheduled import monthly_period, monthly_report_day, weekly_period, weekly_report_day
from kpi_tasks.tasks.queries import unit_stats
from tests.factories import commit
from tests.notifications.helpers import MONDAY, SmtpServer, at, build_world

CALENDAR = default_calendar()


def test_report_days():
    assert weekly_report_day(CALENDAR, MONDAY, 5) == dt.date(2026, 3, 20)
    # 30/04 (Thursday) and 01/05 (Friday) 2026 are holidays: that week's report goes on Wednesday 29/04.
    assert weekly_report_day(CALENDAR, dt.date(2026, 4, 27), 5) == dt.date(2026, 4, 29)
    assert weekly_period(CALENDAR, MONDAY, 5).key == "2026-W12"
    assert monthly_report_day(CALENDAR, 2026, 3, 25) == dt.date(2026, 3, 24)
    # 25/10/2026 is a Sunday: the meeting moves to Monday 26/10, the report is due Friday 23/10.
    assert monthly_report_day(CALENDAR, 2026, 10, 25) == dt.date(2026, 10, 23)
    period = monthly_period(CALENDAR, 2026, 3, 25)
    assert (period.start, period.end) == (dt.date(2026, 2, 25), dt.date(2026, 3, 24))


def test_weekly_report_is_made_once_with_the_figures_and_goes_to_the_office(app_ctx):
    world = build_world()
    commit()
    period = weekly_period(CALENDAR, MONDAY - dt.timedelta(days=3), 5)  # the week ending Friday 13/03
    report, created = produce_report(period, MONDAY)
    again, created_again = produce_report(period, MONDAY)
    commit()
    assert again.id == report.id
    assert (created, created_again) == (2, 0)
    recipients = set(db.session.scalars(
        sa.select(Notification.recipient_id).where(Notification.report_id == report.id)))
    assert recipients == {world.user_id("office1"), world.user_id("office2")}

    data = report.data
    by_unit = {item["unit_code"]: item for item in data["units"]}
    expected = {item["unit_code"]: item for item in unit_stats(MONDAY) if item["assigned"]}
    assert by_unit.keys() == expected.keys()
    for code, item in expected.items():
        assert by_unit[code]["overdue"] == item["overdue"]
        assert by_unit[code]["assigned"] == item["assigned"]
    # Week 07/03–13/03: "t4" (deadline Friday 13/03) becomes overdue on 14/03, outside it; done late: none.
    assert [t["title"] for t in data["newly_overdue"]] == []
    assert data["completed_late"] == []
    # Week 14/03–20/03, reported on Friday 20/03: t4 turned overdue on 14/03, the three due 18/03 on 19/03.
    this_week = produce_report(weekly_period(CALENDAR, dt.date(2026, 3, 20), 5), dt.date(2026, 3, 20))[0]
    assert [t["task_id"] for t in this_week.data["newly_overdue"]] == [
        world.tasks[key].id for key in ("t4", "t1", "t2", "t3")]


def test_monthly_report_goes_to_leaders_by_e_mail_in_vietnamese(app_ctx, app, monkeypatch):
    world = build_world()
    commit()
    server = SmtpServer()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    server.start()
    try:
        _report, created = produce_report(monthly_period(CALENDAR, 2026, 3, 25), dt.date(2026, 3, 24))
        commit()
        assert created == 2  # both leaders
        result = send_reminders(at(dt.date(2026, 3, 24), 6, 5))
        reports = [(r, m) for r, m in server.messages if m["Subject"].startswith("Báo cáo tháng")]
        assert sorted(r[0] for r, _m in reports) == sorted(
            [world.users["leader"].email, world.users["other_leader"].email])
        assert result.messages_sent >= 2
        plain = reports[0][1].get_body(preferencelist=("plain",)).get_content()
        html = reports[0][1].get_body(preferencelist=("html",)).get_content()
        assert "Báo cáo tháng từ 25/02/2026 đến 24/03/2026" in reports[0][1]["Subject"]
        for part in (plain, html):
            assert "Phòng Văn hóa và Thông tin" in part
            assert "Tổng cộng" in part
        # Every overdue task fell due in the period (02/03, 13/03 and three on 18/03); none done late.
        assert "NHIỆM VỤ MỚI QUÁ HẠN TRONG KỲ (5)" in plain
        assert "- Kiểm tra di tích lịch sử trên địa bàn (Phòng Văn hóa và Thông tin, hạn 02/03/2026)" in plain
        assert "NHIỆM VỤ HOÀN THÀNH QUÁ HẠN TRONG KỲ (0)" in plain
        assert "Kèm theo: bảng tổng hợp Excel." in plain
        attachments = list(reports[0][1].iter_attachments())
        assert [a.get_filename() for a in attachments] == ["bao-cao-thang-2026-03.xlsx"]
        workbook = load_workbook(io.BytesIO(attachments[0].get_content()), read_only=True)
        cells = {str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                 for value in row if value is not None}
        workbook.close()
        assert "Phòng Văn hóa và Thông tin" in cells
    finally:
        server.stop()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ScheduledReport)) == 1
