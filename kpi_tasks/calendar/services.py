"""The working calendar in force: the holidays package plus the days the admin recorded."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi_tasks.calendar.models import CALENDAR_DAY_KINDS, DAY_OFF, WORKING_DAY, CalendarDay
from kpi_tasks.calendar.workdays import WorkingCalendar
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import format_date

_CACHE_KEY = "current_calendar"


def current_calendar() -> WorkingCalendar:
    """The calendar as the current transaction sees it. A page asks for it several times (each list's "due soon"
    limit): it is read once per transaction, and read again after a day is recorded or deleted in it."""
    session = db.session()
    transaction = session.get_transaction()
    cached = session.info.get(_CACHE_KEY)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1]
    rows = db.session.execute(sa.select(CalendarDay.day, CalendarDay.kind)).all()
    calendar = WorkingCalendar(
        extra_days_off={day for day, kind in rows if kind == DAY_OFF},
        extra_working_days={day for day, kind in rows if kind == WORKING_DAY},
    )
    session.info[_CACHE_KEY] = (session.get_transaction(), calendar)
    return calendar


def _forget_calendar() -> None:
    db.session.info.pop(_CACHE_KEY, None)


def list_calendar_days(year: int | None = None) -> list[CalendarDay]:
    query = sa.select(CalendarDay).order_by(CalendarDay.day)
    if year:
        query = query.where(CalendarDay.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return list(db.session.scalars(query))


def record_calendar_day(day: dt.date, kind: str, note: str = "") -> CalendarDay:
    if kind not in CALENDAR_DAY_KINDS:
        raise ValidationError("Loại ngày không hợp lệ.", {"kind": "Chọn ngày nghỉ hoặc ngày làm việc bù."})
    if kind == WORKING_DAY and day.weekday() < 5:
        # A make-up working day replaces a weekend day; a weekday is a working day already.
        raise ValidationError(
            f"Ngày {format_date(day)} là ngày trong tuần: ngày làm việc bù phải là thứ Bảy hoặc Chủ nhật.",
            {"day": "Ngày làm việc bù phải là thứ Bảy hoặc Chủ nhật."},
        )
    _forget_calendar()
    existing = db.session.scalar(sa.select(CalendarDay).where(CalendarDay.day == day))
    if existing is not None:
        existing.kind, existing.note = kind, note
        return existing
    calendar_day = CalendarDay(day=day, kind=kind, note=note)
    db.session.add(calendar_day)
    db.session.flush()
    return calendar_day


def delete_calendar_day(calendar_day_id: int) -> None:
    _forget_calendar()
    calendar_day = db.session.get(CalendarDay, calendar_day_id)
    if calendar_day is not None:
        db.session.delete(calendar_day)
