"""Recurring duties ("định kỳ") and the due dates they produce.

A `RecurrenceRule` says when a recurring task falls due: weekly on a weekday, monthly on a day of the
month or N days before the monthly meeting of the People's Committee, quarterly on a day of the quarter's
last month, yearly on a day. `occurrence_dates` lists the due dates in a window; the occurrence service
stores one `TaskOccurrence` per date.

Rules travel as compact codes, the ones the directive intake writes ("weekly:fri", "monthly",
"monthly:day-1-before-meeting", "quarterly:day25-last-month", "yearly"), optionally followed by
";until=YYYY-MM-DD", ";count=N" and ";adjust=…" so that a stored code keeps the whole rule.

A rule without a day means the end of its period: "monthly" is the last day of each month, "quarterly"
the last day of each quarter, "yearly" 31/12 (a report "hàng tháng" is due when the month closes).
"""

from __future__ import annotations

import calendar as stdlib_calendar
import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Literal

from kpi_tasks.calendar.workdays import WorkingCalendar
from kpi_tasks.errors import ValidationError
from kpi_tasks.text import MAX_YEAR, MIN_YEAR, parse_iso_date

Frequency = Literal["weekly", "monthly", "quarterly", "yearly"]
Adjustment = Literal["none", "previous_working_day", "next_working_day"]

FREQUENCIES: tuple[Frequency, ...] = ("weekly", "monthly", "quarterly", "yearly")
ADJUSTMENTS: tuple[Adjustment, ...] = ("none", "previous_working_day", "next_working_day")
LAST_DAY = -1

# The day of month of the Committee's regular monthly meeting ("phiên họp thường kỳ hàng tháng") is a
# setting of each Committee; callers pass it. This default only serves callers without the setting:
# many Committees meet in the last week of the month.
DEFAULT_MEETING_DAY = 25

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

_MAX_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # 29/02 allowed, clamped in common years


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, {"recurrence": message})


@dataclasses.dataclass(frozen=True, slots=True)
class RecurrenceRule:
    """When a recurring task falls due.

    - weekly: `weekday` 0 = Monday … 6 = Sunday.
    - monthly: `day` of the month (1-31, clamped to the month's length; -1 = last day; None = last day),
      or `days_before_meeting` = N for "N days before the monthly meeting" (calendar days, as "trước 01
      ngày" is read); the meeting's day of month is a setting given to `occurrence_dates`.
    - quarterly: `day` of the quarter's last month (25 → 25/03, 25/06, 25/09, 25/12; -1 or None = last day).
    - yearly: `month` and `day` (29/02 falls on 28/02 in common years); neither = 31/12.

    `until` and `count` bound the series. `adjust` moves a due date that falls on a non-working day;
    the default "none" keeps the written day, because officials hold units to the day the directive
    wrote (a deadline is inclusive, so a Sunday deadline becomes overdue only on Monday).

    Missing days are normalised on creation (monthly/quarterly → -1, yearly → 12/31), so two rules with
    the same dates are equal and have the same code.
    """

    freq: Frequency
    weekday: int | None = None
    day: int | None = None
    month: int | None = None
    days_before_meeting: int | None = None
    until: dt.date | None = None
    count: int | None = None
    adjust: Adjustment = "none"

    def __post_init__(self) -> None:
        if self.freq not in FREQUENCIES:
            raise _refuse(f"Chu kỳ “{self.freq}” không hợp lệ (hàng tuần, hàng tháng, hàng quý, hàng năm).")
        if self.adjust not in ADJUSTMENTS:
            raise _refuse(f"Cách xử lý ngày nghỉ “{self.adjust}” không hợp lệ.")
        if self.count is not None and self.count < 1:
            raise _refuse("Số kỳ phải từ 1 trở lên.")
        if self.freq != "weekly" and self.weekday is not None:
            raise _refuse("Chỉ chu kỳ hàng tuần mới chọn thứ trong tuần.")
        if self.freq != "yearly" and self.month is not None:
            raise _refuse("Chỉ chu kỳ hàng năm mới chọn tháng.")
        if self.freq != "monthly" and self.days_before_meeting is not None:
            raise _refuse("Chỉ chu kỳ hàng tháng mới tính theo ngày họp thường kỳ.")
        {
            "weekly": self._check_weekly,
            "monthly": self._check_monthly,
            "quarterly": self._check_quarterly,
            "yearly": self._check_yearly,
        }[self.freq]()

    def _check_weekly(self) -> None:
        if self.weekday is None or not 0 <= self.weekday <= 6:
            raise _refuse("Chu kỳ hàng tuần cần chọn thứ trong tuần (thứ Hai đến Chủ nhật).")
        if self.day is not None:
            raise _refuse("Chu kỳ hàng tuần không chọn ngày trong tháng.")

    def _check_monthly(self) -> None:
        if self.days_before_meeting is not None:
            if self.day is not None:
                raise _refuse("Chọn một trong hai: ngày trong tháng hoặc số ngày trước phiên họp.")
            if not 1 <= self.days_before_meeting <= 31:
                raise _refuse("Số ngày trước phiên họp thường kỳ phải từ 1 đến 31.")
            return
        self._check_day_of_month()

    def _check_quarterly(self) -> None:
        self._check_day_of_month()

    def _check_day_of_month(self) -> None:
        if self.day is None:
            object.__setattr__(self, "day", LAST_DAY)
        elif self.day != LAST_DAY and not 1 <= self.day <= 31:
            raise _refuse("Ngày trong tháng phải từ 1 đến 31 (hoặc ngày cuối tháng).")

    def _check_yearly(self) -> None:
        if self.month is None and self.day is None:
            object.__setattr__(self, "month", 12)
            object.__setattr__(self, "day", 31)
            return
        if self.month is None or self.day is None:
            raise _refuse("Chu kỳ hàng năm cần cả ngày và tháng.")
        if not 1 <= self.month <= 12:
            raise _refuse("Tháng phải từ 1 đến 12.")
        if not 1 <= self.day <= _MAX_DAYS_IN_MONTH[self.month - 1]:
            raise _refuse(f"Tháng {self.month} không có ngày {self.day}.")


def _day_in_month(year: int, month: int, day: int) -> dt.date:
    """Day `day` of the month, clamped to its length; -1 is the last day."""
    length = stdlib_calendar.monthrange(year, month)[1]
    return dt.date(year, month, length if day == LAST_DAY else min(day, length))


def _nominal_dates(rule: RecurrenceRule, start: dt.date, meeting_day: int) -> Iterator[dt.date]:
    """The written due dates in increasing order, from a period early enough to cover `start`.

    Generation starts one or two periods before `start` because an adjusted date or a date "before the
    meeting" may fall in an earlier period than its own; the caller filters on the final date.
    """
    if rule.freq == "weekly":
        assert rule.weekday is not None
        first = start - dt.timedelta(days=(start.weekday() - rule.weekday) % 7 + 7)
        for week in itertools.count():
            yield first + dt.timedelta(weeks=week)
    elif rule.freq == "monthly":
        # Two months back: "N days before the meeting" can reach into the month before the meeting's.
        for index in itertools.count(start.year * 12 + start.month - 1 - 2):
            year, month = index // 12, index % 12 + 1
            if rule.days_before_meeting is not None:
                meeting = _day_in_month(year, month, meeting_day)
                yield meeting - dt.timedelta(days=rule.days_before_meeting)
            else:
                assert rule.day is not None
                yield _day_in_month(year, month, rule.day)
    elif rule.freq == "quarterly":
        assert rule.day is not None
        first_quarter = (start.year * 4 + (start.month - 1) // 3) - 1
        for index in itertools.count(first_quarter):
            year, quarter = divmod(index, 4)
            yield _day_in_month(year, quarter * 3 + 3, rule.day)
    else:
        assert rule.month is not None
        assert rule.day is not None
        for year in itertools.count(start.year - 1):
            yield _day_in_month(year, rule.month, rule.day)


def _adjusted(day: dt.date, adjust: Adjustment, calendar: WorkingCalendar) -> dt.date:
    if adjust == "previous_working_day":
        return calendar.previous_working_day(day)
    if adjust == "next_working_day":
        return calendar.next_working_day(day)
    return day


def occurrence_dates(
    rule: RecurrenceRule,
    start: dt.date,
    end: dt.date | None,
    calendar: WorkingCalendar,
    meeting_day: int = DEFAULT_MEETING_DAY,
) -> list[dt.date]:
    """The due dates of `rule` with start ≤ date ≤ min(end, rule.until), at most `rule.count`, ascending.

    Dates are the final ones, after `rule.adjust`. `count` counts from `start`, so pass the task's own
    start (e.g. the directive's issue date), not a moving window. When a move to a working day makes two
    occurrences fall on the same date (a weekly duty across the Tết break), the date appears once.
    `meeting_day` (1-31 clamped to the month, -1 = last day) is the Committee's monthly meeting day.
    """
    if meeting_day != LAST_DAY and not 1 <= meeting_day <= 31:
        raise _refuse("Ngày họp thường kỳ hàng tháng phải từ 1 đến 31.")
    bounds = [day for day in (end, rule.until) if day is not None]
    last = min(bounds) if bounds else None
    if last is None and rule.count is None:
        raise _refuse("Nhiệm vụ định kỳ cần ngày kết thúc hoặc số kỳ.")
    dates: list[dt.date] = []
    if last is not None and last < start:
        return dates
    for nominal in _nominal_dates(rule, start, meeting_day):
        day = _adjusted(nominal, rule.adjust, calendar)
        if last is not None and day > last:
            break  # both the nominal dates and the moves are monotonic, so nothing later can fit
        if day < start or (dates and dates[-1] == day):
            continue
        dates.append(day)
        if rule.count is not None and len(dates) >= rule.count:
            break
    return dates


# -- codes -----------------------------------------------------------------------------------------

_WEEKLY_RE = re.compile(r"weekly:(?P<wd>[a-z]+)")
_MONTHLY_RE = re.compile(
    r"monthly(?::(?:day(?P<day>\d{1,2})|(?P<last>last-day|day-1)|day-(?P<before>\d{1,2})-before-meeting))?"
)
_QUARTERLY_RE = re.compile(r"quarterly(?::(?:day(?P<day>\d{1,2})-last-month|(?P<last>last-day)))?")
_YEARLY_RE = re.compile(r"yearly(?::(?P<month>\d{1,2})-(?P<day>\d{1,2}))?")


def rule_to_code(rule: RecurrenceRule) -> str:
    """The compact code of `rule`; `rule_from_code(rule_to_code(rule)) == rule`."""
    if rule.freq == "weekly":
        assert rule.weekday is not None
        code = f"weekly:{WEEKDAY_CODES[rule.weekday]}"
    elif rule.freq == "monthly":
        if rule.days_before_meeting is not None:
            code = f"monthly:day-{rule.days_before_meeting}-before-meeting"
        else:
            code = "monthly" if rule.day == LAST_DAY else f"monthly:day{rule.day}"
    elif rule.freq == "quarterly":
        code = "quarterly" if rule.day == LAST_DAY else f"quarterly:day{rule.day}-last-month"
    else:
        assert rule.month is not None
        assert rule.day is not None
        code = "yearly" if (rule.month, rule.day) == (12, 31) else f"yearly:{rule.month:02d}-{rule.day:02d}"
    if rule.until is not None:
        code += f";until={rule.until.isoformat()}"
    if rule.count is not None:
        code += f";count={rule.count}"
    if rule.adjust != "none":
        code += f";adjust={rule.adjust}"
    return code


def rule_from_code(code: str) -> RecurrenceRule:
    """Parse a code written by `rule_to_code` or by the directive intake; case and spaces are ignored.

    Also accepted: "monthly:day-1" and "monthly:last-day" / "quarterly:last-day" for the last day,
    "yearly:12-31" for "yearly". Anything else raises `ValidationError`.
    """
    text = "".join(code.split()).lower()
    pattern, *options = text.split(";")
    fields: dict[str, object] = _pattern_fields(pattern, code)
    for option in options:
        key, sep, value = option.partition("=")
        if not sep or key not in ("until", "count", "adjust") or key in fields:
            raise _refuse(f"Mã định kỳ “{code}” có phần “{option}” không hợp lệ.")
        fields[key] = _option_value(key, value, code)
    return RecurrenceRule(**fields)  # type: ignore[arg-type]


def _pattern_fields(pattern: str, code: str) -> dict[str, object]:
    if match := _WEEKLY_RE.fullmatch(pattern):
        if match["wd"] not in WEEKDAY_CODES:
            raise _refuse(
                f"Mã định kỳ “{code}”: thứ trong tuần không hợp lệ, ghi là mon, tue, wed, thu, fri, sat hoặc sun."
            )
        return {"freq": "weekly", "weekday": WEEKDAY_CODES.index(match["wd"])}
    if match := _MONTHLY_RE.fullmatch(pattern):
        if match["before"]:
            return {"freq": "monthly", "days_before_meeting": int(match["before"])}
        return {"freq": "monthly", "day": int(match["day"]) if match["day"] else LAST_DAY}
    if match := _QUARTERLY_RE.fullmatch(pattern):
        return {"freq": "quarterly", "day": int(match["day"]) if match["day"] else LAST_DAY}
    if match := _YEARLY_RE.fullmatch(pattern):
        if match["month"]:
            return {"freq": "yearly", "month": int(match["month"]), "day": int(match["day"])}
        return {"freq": "yearly"}
    raise _refuse(
        f"Mã định kỳ “{code}” không hợp lệ. Ví dụ hợp lệ: weekly:fri, monthly, monthly:day25, "
        "monthly:day-1-before-meeting, quarterly:day25-last-month, yearly:12-15."
    )


def _option_value(key: str, value: str, code: str) -> object:
    if key == "until":
        try:
            return parse_iso_date(value)
        except ValueError:
            raise _refuse(f"Mã định kỳ “{code}”: ngày kết thúc phải ghi dạng YYYY-MM-DD, từ năm {MIN_YEAR} đến năm "
                          f"{MAX_YEAR}.") from None
    if key == "count":
        if not value.isdigit():
            raise _refuse(f"Mã định kỳ “{code}”: số kỳ phải là số nguyên dương.")
        return int(value)
    if value not in ADJUSTMENTS:
        raise _refuse(f"Mã định kỳ “{code}”: cách xử lý ngày nghỉ phải là {', '.join(ADJUSTMENTS)}.")
    return value


# -- Vietnamese description ---------------------------------------------------------------------------


def describe(rule: RecurrenceRule) -> str:
    """How the rule reads to an official: "Định kỳ vào thứ Sáu hàng tuần", "Ngày 25 tháng cuối quý"."""
    if rule.freq == "weekly":
        assert rule.weekday is not None
        text = f"Định kỳ vào {WEEKDAY_NAMES[rule.weekday]} hàng tuần"
    elif rule.freq == "monthly":
        if rule.days_before_meeting is not None:
            text = f"Trước {rule.days_before_meeting:02d} ngày tổ chức phiên họp thường kỳ hàng tháng"
        elif rule.day == LAST_DAY:
            text = "Ngày cuối cùng hàng tháng"
        else:
            text = f"Ngày {rule.day} hàng tháng"
    elif rule.freq == "quarterly":
        text = "Ngày cuối cùng của quý" if rule.day == LAST_DAY else f"Ngày {rule.day} tháng cuối quý"
    else:
        text = f"Ngày {rule.day:02d}/{rule.month:02d} hàng năm"
    if rule.until is not None:
        text += f", đến ngày {rule.until:%d/%m/%Y}"
    if rule.count is not None:
        text += f", {rule.count} kỳ"
    if rule.adjust == "previous_working_day":
        text += "; trùng ngày nghỉ thì lùi về ngày làm việc liền trước"
    elif rule.adjust == "next_working_day":
        text += "; trùng ngày nghỉ thì chuyển sang ngày làm việc liền sau"
    return text
