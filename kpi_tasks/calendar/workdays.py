"""The working-day calendar: weekends, Vietnamese public holidays and the days the admin records.

The public holidays come from the maintained `holidays` package (Tết by the lunar calendar, Giỗ Tổ Hùng
Vương, 30/4, 1/5, 2/9 with its extra day, the days off moved by the Government and the make-up working
Saturdays it knows). Each year the Government may still announce changes the package does not carry yet,
so the admin records extra days off and make-up working days; those win over the package.

No Flask and no database here: `kpi_tasks.calendar.services.current_calendar()` builds a calendar from the
recorded days, `default_calendar()` serves callers that have none.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
import functools
import re
from collections.abc import Iterable
from typing import Literal, NamedTuple

import holidays

from kpi_tasks.errors import ValidationError

PeriodKind = Literal["month", "quarter", "year"]

SATURDAY = 5
# Shown for a day off the admin recorded: the record's note lives in the database, not here.
ADMIN_DAY_OFF_NAME = "Ngày nghỉ (do quản trị ghi nhận)"
ADMIN_WORKING_DAY_NAME = "Ngày làm việc bù (do quản trị ghi nhận)"
PACKAGE_WORKING_DAY_NAME = "Ngày làm việc bù"


class _YearHolidays(NamedTuple):
    days_off: dict[dt.date, str]
    weekend_workdays: frozenset[dt.date]


@functools.lru_cache(maxsize=64)
def _package_year(year: int) -> _YearHolidays:
    """The package's holidays and make-up Saturdays of one year, computed once per process.

    The package object is built per year because its `weekend_workdays` set also carries entries of
    other years; only this year's are kept.
    """
    vn = holidays.VN(years=year, language="vi")
    days_off = {day: name for day, name in vn.items() if day.year == year}
    workdays = frozenset(day for day in vn.weekend_workdays if day.year == year)
    return _YearHolidays(days_off, workdays)


class SpecialDay(NamedTuple):
    """A day that differs from the plain Monday-to-Friday rule, for the admin's calendar page."""

    day: dt.date
    name: str
    is_working_day: bool
    source: Literal["package", "admin"]


class WorkingCalendar:
    """Working days = Monday to Friday, minus public holidays, plus make-up working days.

    Precedence, strongest first: `extra_working_days` and `extra_days_off` recorded by the admin, then
    the package's days off, then the package's make-up Saturdays, then the weekday. The same day cannot be
    recorded both ways. Instances are immutable, so one can be shared between threads.
    """

    def __init__(
        self,
        extra_days_off: Iterable[dt.date] = (),
        extra_working_days: Iterable[dt.date] = (),
    ) -> None:
        self.extra_days_off: frozenset[dt.date] = frozenset(extra_days_off)
        self.extra_working_days: frozenset[dt.date] = frozenset(extra_working_days)
        both = self.extra_days_off & self.extra_working_days
        if both:
            raise ValueError(f"days recorded both as day off and as working day: {sorted(both)}")

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar(extra_days_off={sorted(self.extra_days_off)}, "
            f"extra_working_days={sorted(self.extra_working_days)})"
        )

    def is_working_day(self, d: dt.date) -> bool:
        if d in self.extra_working_days:
            return True
        if d in self.extra_days_off:
            return False
        package = _package_year(d.year)
        if d in package.days_off:
            return False
        return d.weekday() < SATURDAY or d in package.weekend_workdays

    def holiday_name(self, d: dt.date) -> str | None:
        """The Vietnamese name of the holiday or recorded day off on `d`, None on any other day.

        A day the admin turned into a working day has no holiday name: the calendar in force says work.
        """
        if d in self.extra_working_days:
            return None
        if d in self.extra_days_off:
            return _package_year(d.year).days_off.get(d, ADMIN_DAY_OFF_NAME)
        return _package_year(d.year).days_off.get(d)

    def add_working_days(self, d: dt.date, n: int) -> dt.date:
        """The date `n` working days after `d` ("N ngày làm việc kể từ ngày D"); `d` itself is not counted.

        n = 0 gives `d` when it is a working day, else the next working day. A negative n counts back:
        -1 is the last working day strictly before `d`.
        """
        step = dt.timedelta(days=1 if n >= 0 else -1)
        if n == 0:
            while not self.is_working_day(d):
                d += step
            return d
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, d1: dt.date, d2: dt.date) -> int:
        """Working days in the half-open interval (d1, d2]: d1 excluded, d2 included.

        Negative when d2 < d1 (minus the working days in (d2, d1]), 0 when equal. This is the inverse of
        `add_working_days`: for a working day d, working_days_between(d, add_working_days(d, n)) == n.
        """
        if d2 < d1:
            return -self.working_days_between(d2, d1)
        count = 0
        day = d1
        while day < d2:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def next_working_day(self, d: dt.date) -> dt.date:
        """`d` if it is a working day, else the first working day after it."""
        return self.add_working_days(d, 0)

    def previous_working_day(self, d: dt.date) -> dt.date:
        """`d` if it is a working day, else the last working day before it."""
        return d if self.is_working_day(d) else self.add_working_days(d, -1)

    def holidays_in_year(self, year: int) -> list[SpecialDay]:
        """Every day of `year` that breaks the Monday-to-Friday rule, in date order.

        Package holidays falling on a weekend are listed too (they are named days even if no work is
        lost); a package day the admin overrode is listed once, as the admin recorded it.
        """
        package = _package_year(year)
        days: dict[dt.date, SpecialDay] = {}
        for day, name in package.days_off.items():
            days[day] = SpecialDay(day, name, False, "package")
        for day in package.weekend_workdays:
            days[day] = SpecialDay(day, PACKAGE_WORKING_DAY_NAME, True, "package")
        for day in self.extra_days_off:
            if day.year == year:
                days[day] = SpecialDay(day, self.holiday_name(day) or ADMIN_DAY_OFF_NAME, False, "admin")
        for day in self.extra_working_days:
            if day.year == year:
                days[day] = SpecialDay(day, ADMIN_WORKING_DAY_NAME, True, "admin")
        return [days[day] for day in sorted(days)]


@functools.cache
def default_calendar() -> WorkingCalendar:
    """The package's calendar without admin-recorded days, for callers that have no database."""
    return WorkingCalendar()


def _last_day_of_month(year: int, month: int) -> dt.date:
    return dt.date(year, month, stdlib_calendar.monthrange(year, month)[1])


def period_end(kind: PeriodKind, year: int, index: int | None = None) -> dt.date:
    """The last calendar day of a month (index 1-12), a quarter (index 1-4) or a year (index None).

    A period deadline ("trong quý I/2024") is its last calendar day, even on a weekend: the directive
    names the period, not a working day.
    """
    if not 1 <= year <= 9999:
        raise ValidationError(f"Năm {year} không hợp lệ.")
    if kind == "year":
        if index is not None:
            raise ValidationError("Kỳ năm không có số thứ tự tháng hoặc quý.")
        return dt.date(year, 12, 31)
    if kind == "quarter":
        if index is None or not 1 <= index <= 4:
            raise ValidationError("Quý phải từ 1 đến 4.")
        return _last_day_of_month(year, index * 3)
    if kind == "month":
        if index is None or not 1 <= index <= 12:
            raise ValidationError("Tháng phải từ 1 đến 12.")
        return _last_day_of_month(year, index)
    raise ValidationError(f"Loại kỳ “{kind}” không hợp lệ (tháng, quý hoặc năm).")


_PERIOD_RE = re.compile(r"(?P<year>\d{4})(?:-(?:(?P<quarter>[qQ][1-4])|(?P<month>0[1-9]|1[0-2])))?")


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period written "2024", "2024-Q1" or "2024-03"."""
    match = _PERIOD_RE.fullmatch(text.strip())
    if match is None:
        raise ValidationError(f"Kỳ “{text}” không hợp lệ: ghi theo dạng 2024, 2024-Q1 hoặc 2024-03.")
    year = int(match["year"])
    if match["quarter"]:
        quarter = int(match["quarter"][1])
        end = period_end("quarter", year, quarter)
        return dt.date(year, quarter * 3 - 2, 1), end
    if match["month"]:
        end = period_end("month", year, int(match["month"]))
        return end.replace(day=1), end
    return dt.date(year, 1, 1), period_end("year", year)
