"""Scheduled reports: the weekly summary to the office, the monthly report to leaders on the working day
before the monthly meeting. Each is computed once per period, kept as sent, and announced to its
recipients as a `report` notification (in-app and e-mail: notifications.services.produce_report)."""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.roles import LEADER, OFFICE
from kpi_tasks.calendar.workdays import WorkingCalendar
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.reports.excel import build_monthly_workbook
from kpi_tasks.reports.models import MONTHLY, WEEKLY, ScheduledReport
from kpi_tasks.tasks.periods import newly_overdue_tasks, tasks_completed_late
from kpi_tasks.tasks.queries import status_totals, unit_stats

REPORT_RECIPIENT_ROLES = {WEEKLY: OFFICE, MONTHLY: LEADER}
STAT_KEYS = ("assigned", "in_progress", "overdue", "awaiting_review", "done_on_time", "done_late", "ongoing")


@dataclass(frozen=True)
class Period:
    kind: str
    key: str
    start: dt.date
    end: dt.date
    # The working day the report is due (the day it is produced on schedule).
    due_on: dt.date


def weekly_report_day(calendar: WorkingCalendar, day: dt.date, iso_weekday: int) -> dt.date:
    """The report day of `day`'s week: the configured weekday, or the working day before it in a holiday."""
    monday = day - dt.timedelta(days=day.weekday())
    target = monday + dt.timedelta(days=min(max(iso_weekday, 1), 7) - 1)
    report_day = calendar.previous_working_day(target)
    return report_day if report_day >= monday else target


def weekly_period(calendar: WorkingCalendar, day: dt.date, iso_weekday: int) -> Period:
    """The week of `day` (ISO week): seven days ending on its report day."""
    due_on = weekly_report_day(calendar, day, iso_weekday)
    year, week, _ = day.isocalendar()
    return Period(WEEKLY, f"{year}-W{week:02d}", due_on - dt.timedelta(days=6), due_on, due_on)


def meeting_day(calendar: WorkingCalendar, year: int, month: int, day_of_month: int) -> dt.date:
    last = stdlib_calendar.monthrange(year, month)[1]
    return calendar.next_working_day(dt.date(year, month, min(max(day_of_month, 1), last)))


def monthly_report_day(calendar: WorkingCalendar, year: int, month: int, day_of_month: int) -> dt.date:
    """The working day before the month's meeting (DESIGN.md §1: reported one day before the meeting)."""
    return calendar.add_working_days(meeting_day(calendar, year, month, day_of_month), -1)


def monthly_period(calendar: WorkingCalendar, year: int, month: int, day_of_month: int) -> Period:
    """From the day after last month's report day up to this month's report day."""
    due_on = monthly_report_day(calendar, year, month, day_of_month)
    previous_year, previous_month = (year, month - 1) if month > 1 else (year - 1, 12)
    previous = monthly_report_day(calendar, previous_year, previous_month, day_of_month)
    return Period(MONTHLY, f"{year}-{month:02d}", previous + dt.timedelta(days=1), due_on, due_on)


def report_data(period: Period, today: dt.date) -> dict[str, Any]:
    """Counts by status per lead unit (the same SQL as every other figure), newly overdue, completed late."""
    stats = unit_stats(today)
    units = [{key: item[key] for key in ("unit_id", "unit_code", "unit_name", *STAT_KEYS, "on_time_rate")}
             for item in stats if item["assigned"]]
    newly_overdue = newly_overdue_tasks(period.start, period.end, today)
    completed_late = tasks_completed_late(period.start, period.end)
    return {
        "today": today.isoformat(),
        "units": units,
        "totals": status_totals(stats),
        "newly_overdue": [
            {"task_id": task_id, "title": title, "unit_name": unit_name, "deadline": deadline.isoformat()}
            for task_id, title, unit_name, deadline in newly_overdue
        ],
        "completed_late": [
            {"task_id": task_id, "title": title, "unit_name": unit_name, "deadline": deadline.isoformat(),
             "completed_on": completed_on.isoformat()}
            for task_id, title, unit_name, deadline, completed_on in completed_late
        ],
    }


def store_report(period: Period, today: dt.date) -> ScheduledReport:
    """The period's report, made now unless it exists.

    Idempotent under concurrency like the scan: the report is unique per (kind, period).
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ScheduledReport)
        .values(kind=period.kind, period_key=period.key, period_from=period.start, period_to=period.end,
                created_at=utcnow(), data=report_data(period, today))
        .on_conflict_do_nothing(index_elements=["kind", "period_key"])
    )
    return db.session.scalar(
        sa.select(ScheduledReport).where(ScheduledReport.kind == period.kind, ScheduledReport.period_key == period.key)
    )


def report_recipient_ids(report: ScheduledReport) -> list[int]:
    """The active users of the role the report is for (the office for the weekly one, leaders the monthly)."""
    role = REPORT_RECIPIENT_ROLES[report.kind]
    return list(db.session.scalars(sa.select(User.id).where(User.role == role, User.active.is_(True))))


def report_workbook(report: ScheduledReport) -> tuple[str, bytes] | None:
    """The monthly report's Excel workbook (reports/: the five appendices for the Chairman), as attached
    to the leaders' e-mail; figures as of the day it is built. The weekly summary has none."""
    if report.kind != MONTHLY:
        return None
    return f"bao-cao-thang-{report.period_key}.xlsx", build_monthly_workbook(report.period_key)


def report_view(report: ScheduledReport) -> dict[str, Any]:
    """The stored figures ready for a template: dates as dates again (they are kept as ISO text in JSON)."""
    data = report.data or {}

    def dated(items: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
        return [{**item, **{key: dt.date.fromisoformat(item[key]) for key in keys}} for item in items]

    return {
        "today": dt.date.fromisoformat(data["today"]) if data.get("today") else report.period_to,
        "units": data.get("units", []),
        "totals": data.get("totals", {}),
        "newly_overdue": dated(data.get("newly_overdue", []), "deadline"),
        "completed_late": dated(data.get("completed_late", []), "deadline", "completed_on"),
    }


def report_settings() -> tuple[int, int]:
    """(ISO weekday of the weekly report, day of month of the monthly meeting)."""
    config = current_app.config
    return config["WEEKLY_REPORT_DAY"], config["MEETING_DAY"]
