"""Deadlines read from a draft's text: dates after a deadline word, N (working) days, the end of a named
period ("trong quý I/2024"), and recurring duties ("định kỳ vào ngày thứ 6 hàng tuần"), written as the
rule codes of `kpi_tasks.calendar.recurrence`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator

from kpi_tasks.calendar.workdays import default_calendar, period_end
from kpi_tasks.intake.context import Context, Json
from kpi_tasks.intake.text import Text, vn

_EVERY = r"(?:hàng|hằng|mỗi)"
_WEEKDAYS = {"2": "mon", "hai": "mon", "3": "tue", "ba": "tue", "4": "wed", "tư": "wed", "5": "thu",
             "năm": "thu", "6": "fri", "sáu": "fri", "7": "sat", "bảy": "sat"}  # fmt: skip
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# Recurring duties.
_WEEKLY_ON_DAY_RE = vn(
    r"(?:định kỳ\s+)?(?:vào\s+)?(?:trước\s+)?(?:ngày\s+)?"
    rf"(?:thứ\s+(?P<wd>[2-7]|hai|ba|tư|năm|sáu|bảy)|(?P<sun>chủ nhật))\s+{_EVERY}\s+tuần"
)
_WEEKLY_RE = vn(rf"(?:định kỳ\s+)?{_EVERY}\s+tuần")
_BEFORE_MEETING_RE = vn(
    rf"trước\s+(?P<n>\d{{1,2}})\s+ngày\s+(?:tổ chức\s+)?(?:phiên\s+)?họp\s+(?:thường kỳ\s+)?{_EVERY}\s+tháng"
    r"(?:\s+của\s+(?:ubnd|ủy ban nhân dân)(?:\s+(?:huyện|tỉnh|xã|phường|thành phố|thị xã|quận))?)?"
)
_MONTHLY_ON_DAY_RE = vn(rf"(?:định kỳ\s+)?(?:trước|vào|chậm nhất)?\s*ngày\s+(?P<day>\d{{1,2}})\s+{_EVERY}\s+tháng")
_MONTHLY_RE = vn(rf"(?:định kỳ\s+)?{_EVERY}\s+tháng")
_QUARTERLY_ON_DAY_RE = vn(
    r"(?:định kỳ\s+)?(?:vào\s+|trước\s+)?ngày\s+(?P<day>\d{1,2})\s+(?:của\s+)?tháng\s+cuối\s+(?:của\s+|mỗi\s+)?quý"
)
_QUARTERLY_RE = vn(rf"(?:định kỳ\s+)?{_EVERY}\s+quý")
_YEARLY_ON_DAY_RE = vn(rf"(?:trước|vào)\s+ngày\s+(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})\s+{_EVERY}\s+năm")
_YEARLY_RE = vn(rf"(?:định kỳ\s+)?{_EVERY}\s+năm")

# One-off deadlines: a date after a deadline word, N (working) days, the end of a named period.
_DATE_CUE = (
    r"(?:(?:hoàn thành|xong|kết thúc|báo cáo)\s+)?(?:trước|chậm nhất(?:\s+là)?|muộn nhất|hạn chót|hạn cuối"
    r"|thời hạn(?:\s+hoàn thành)?\s*:?|(?<!tính\s)(?<!từ\s)đến)"
)
_PART_OF_DAY = r"(?:(?:sáng|chiều|tối|trưa)\s+)?"
# "trước 17 giờ 00 ngày 15/11/2025", "trước 16h30, ngày ...": the hour the day's deadline falls at.
_TIME_OF_DAY = r"(?:\d{1,2}\s*(?:giờ|h)(?:\s*\d{1,2}(?:\s*phút)?)?\s*,?\s+)?"
_DATE_NUMERIC_RE = vn(
    rf"{_DATE_CUE}\s+{_TIME_OF_DAY}{_PART_OF_DAY}(?:ngày\s+)?(?P<d>\d{{1,2}})\s*[/.-]\s*(?P<m>\d{{1,2}})(?:\s*[/.-]\s*(?P<y>\d{{4}}))?(?![\d/])"
)
_DATE_WORDS_RE = vn(
    rf"{_DATE_CUE}\s+{_TIME_OF_DAY}{_PART_OF_DAY}ngày\s+(?P<d>\d{{1,2}})\s+tháng\s+(?P<m>\d{{1,2}})(?:\s+năm\s+(?P<y>\d{{4}}))?"
)
# A time window: its last day is the deadline ("từ chiều ngày 17/7/2025 đến hết ngày 27/7/2025", "từ ngày 13
# đến hết ngày 15 tháng 5 năm 2019", "từ ngày 25 tháng 4 cho đến hết ngày 03 tháng 5 năm 2021").
_RANGE_RE = vn(
    rf"từ\s+{_TIME_OF_DAY}{_PART_OF_DAY}(?:ngày\s+)?\d{{1,2}}(?:\s*[/.-]\s*\d{{1,2}}(?:\s*[/.-]\s*\d{{2,4}})?"
    r"|\s+tháng\s+\d{1,2}(?:\s+năm\s+\d{4})?)?"
    rf"\s*(?:,\s*)?(?:cho\s+)?(?:đến|tới|-)\s+(?:hết\s+)?{_TIME_OF_DAY}{_PART_OF_DAY}(?:ngày\s+)?(?P<d>\d{{1,2}})"
    r"(?:\s*[/.-]\s*(?P<m>\d{1,2})(?:\s*[/.-]\s*(?P<y>\d{4}))?|\s+tháng\s+(?P<m2>\d{1,2})(?:\s+năm\s+(?P<y2>\d{4}))?)"
    r"(?![\d/])"
)
# The day an event is held ("tiếp âm ... vào sáng ngày 15/5/2019"): due that day, unless a deadline word says otherwise.
_EVENT_DAY_RE = vn(
    rf"vào\s+{_TIME_OF_DAY}{_PART_OF_DAY}ngày\s+(?P<d>\d{{1,2}})\s*(?:[/.-]\s*(?P<m>\d{{1,2}})(?:\s*[/.-]\s*(?P<y>\d{{4}}))?"
    r"|tháng\s+(?P<m2>\d{1,2})(?:\s+năm\s+(?P<y2>\d{4}))?)(?![\d/])"
)
_WORKING_DAYS_RE = vn(
    r"(?:(?:trong\s+(?:vòng|thời hạn|thời gian)|chậm nhất(?:\s+sau)?|trong)\s+)?(?P<n>\d{1,3})\s+ngày\s+làm\s+việc"
)
_CALENDAR_DAYS_RE = vn(
    r"(?:trong\s+(?:vòng|thời hạn|thời gian)|chậm nhất(?:\s+sau)?)\s+(?P<n>\d{1,3})\s+ngày(?!\s+làm)"
)
_PERIOD_CUE = r"(?:trong|trước|hết|cuối|đến hết|đến cuối|hoàn thành trong|hoàn thành|ngay trong|vào)"
_QUARTER_RE = vn(rf"{_PERIOD_CUE}\s+quý\s+(?P<q>iv|iii|ii|i|[1-4])(?![^\W\d_])(?:\s*(?:/|năm|-)\s*(?P<y>\d{{4}}))?")
_MONTH_RE = vn(rf"{_PERIOD_CUE}\s+tháng\s+(?P<m>\d{{1,2}})(?:\s*(?:/|năm)\s*(?P<y>\d{{4}}))?(?![\d/])")
_HALF_YEAR_RE = vn(rf"(?:{_PERIOD_CUE}\s+)?6\s+tháng\s+(?P<which>đầu|cuối)\s+năm(?:\s+(?P<y>\d{{4}}))?")
_YEAR_RE = vn(rf"{_PERIOD_CUE}\s+năm\s+(?:(?P<y>\d{{4}})|(?P<this>nay))")


@dataclasses.dataclass(frozen=True, slots=True)
class Deadline:
    kind: str  # none, date, period_end, recurring
    date: dt.date | None = None
    rule: str = ""
    text: str = ""
    period: str = ""  # the KPI period it implies: "2021", "2024-Q1", "2024-03"
    working_days: int | None = None
    calendar_days: int | None = None
    start: int = 0  # where the phrase lies in the draft's text
    end: int = 0
    priority: int = 99  # lower wins when a text holds several

    def as_json(self) -> Json:
        data: Json = {
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "rule": self.rule,
            "text": self.text,
        }
        if self.working_days is not None:
            data["working_days"] = self.working_days
        if self.calendar_days is not None:
            data["calendar_days"] = self.calendar_days
        if self.kind == "period_end":
            data["period"] = self.period  # "2024-Q1": the period code the task services take
        return data


NO_DEADLINE = Deadline("none")


def find_deadline(seg: Text, context: Context) -> Deadline:
    """The deadline a draft's text sets. Where it sets several, a date beats a period end, which beats a
    recurrence ("hoàn thành trước 15/12; định kỳ hàng tháng báo cáo" is due on 15/12)."""
    found = [deadline for finder in _DEADLINE_FINDERS for deadline in finder(seg, context)]
    # "trước ngày 31/12 hằng năm" is a yearly duty, not the date inside it
    recurring = [(d.start, d.end) for d in found if d.kind == "recurring"]
    found = [d for d in found if d.kind == "recurring" or not any(a <= d.start < b for a, b in recurring)]
    if not found:
        return NO_DEADLINE
    return min(found, key=lambda deadline: (deadline.priority, deadline.start))


def phrase(seg: Text, match: re.Match[str]) -> str:
    return seg.text[match.start() : match.end()].strip()


def _dates(seg: Text, context: Context) -> Iterator[Deadline]:
    for pattern in (_DATE_NUMERIC_RE, _DATE_WORDS_RE):
        for match in pattern.finditer(seg.low):
            year = int(match["y"]) if match["y"] else context.year
            if year is None:
                continue
            try:
                day = dt.date(year, int(match["m"]), int(match["d"]))
            except ValueError:
                continue
            yield Deadline("date", day, "", phrase(seg, match), "", start=match.start(), end=match.end(), priority=0)
    for pattern, priority in ((_RANGE_RE, 0), (_EVENT_DAY_RE, 1)):
        for match in pattern.finditer(seg.low):
            year = match["y"] or match["y2"]
            year = int(year) if year else context.year
            month = match["m"] or match["m2"]
            if year is None or month is None:
                continue
            try:
                day = dt.date(year, int(month), int(match["d"]))
            except ValueError:
                continue
            yield Deadline("date", day, "", phrase(seg, match), start=match.start(), end=match.end(), priority=priority)


def _relative_days(seg: Text, context: Context) -> Iterator[Deadline]:
    for match in _WORKING_DAYS_RE.finditer(seg.low):
        n = int(match["n"])
        day = default_calendar().add_working_days(context.issued_on, n) if context.issued_on else None
        yield Deadline(
            "date", day, "", phrase(seg, match), working_days=n, start=match.start(), end=match.end(), priority=1
        )
    for match in _CALENDAR_DAYS_RE.finditer(seg.low):
        n = int(match["n"])
        day = context.issued_on + dt.timedelta(days=n) if context.issued_on else None
        yield Deadline(
            "date", day, "", phrase(seg, match), calendar_days=n, start=match.start(), end=match.end(), priority=1
        )


def _period_ends(seg: Text, context: Context) -> Iterator[Deadline]:
    for match in _QUARTER_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        if year is not None:
            quarter = _ROMAN_QUARTERS[match["q"]]
            yield _period_deadline(seg, match, period_end("quarter", year, quarter), f"{year}-Q{quarter}")
    for match in _MONTH_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        month = int(match["m"])
        if year is not None and 1 <= month <= 12:
            yield _period_deadline(seg, match, period_end("month", year, month), f"{year}-{month:02d}")
    for match in _HALF_YEAR_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        if year is not None:
            end = dt.date(year, 6, 30) if match["which"] == "đầu" else dt.date(year, 12, 31)
            yield _period_deadline(seg, match, end, str(year))
    for match in _YEAR_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        if year is not None:
            yield _period_deadline(seg, match, period_end("year", year), str(year))


def _period_deadline(seg: Text, match: re.Match[str], end: dt.date, period: str) -> Deadline:
    return Deadline("period_end", end, "", phrase(seg, match), period, start=match.start(), end=match.end(), priority=2)


def _recurrences(seg: Text, context: Context) -> Iterator[Deadline]:
    del context  # a recurrence does not depend on the directive's date
    for match in _WEEKLY_ON_DAY_RE.finditer(seg.low):
        weekday = "sun" if match["sun"] else _WEEKDAYS[match["wd"]]
        yield _recurring(seg, match, f"weekly:{weekday}", 3)
    for match in _BEFORE_MEETING_RE.finditer(seg.low):
        yield _recurring(seg, match, f"monthly:day-{int(match['n'])}-before-meeting", 3)
    for match in _MONTHLY_ON_DAY_RE.finditer(seg.low):
        yield _recurring(seg, match, f"monthly:day{int(match['day'])}", 3)
    for match in _QUARTERLY_ON_DAY_RE.finditer(seg.low):
        yield _recurring(seg, match, f"quarterly:day{int(match['day'])}-last-month", 3)
    for match in _YEARLY_ON_DAY_RE.finditer(seg.low):
        yield _recurring(seg, match, f"yearly:{int(match['m']):02d}-{int(match['d']):02d}", 3)
    # A week without a named day is due when the working week closes, as "hàng tháng" is due when the
    # month closes (see kpi_tasks.calendar.recurrence).
    for pattern, rule in ((_WEEKLY_RE, "weekly:fri"), (_MONTHLY_RE, "monthly"), (_QUARTERLY_RE, "quarterly"),
                          (_YEARLY_RE, "yearly")):  # fmt: skip
        for match in pattern.finditer(seg.low):
            yield _recurring(seg, match, rule, 4)


def _recurring(seg: Text, match: re.Match[str], rule: str, priority: int) -> Deadline:
    return Deadline(
        "recurring", None, rule, phrase(seg, match), start=match.start(), end=match.end(), priority=priority
    )


_DEADLINE_FINDERS = (_dates, _relative_days, _period_ends, _recurrences)


def cell_deadline(cell: Text, context: Context) -> Deadline:
    """A "Thời hạn" cell: its phrase ("Hàng tháng", "Trước 15/12/2025"), or a bare date or period, read
    as if preceded by "trước" / "trong"."""
    found = find_deadline(cell, context)
    if found.kind != "none":
        return found
    for cue in ("trước ", "trong "):
        prefixed = Text.join([Text.of([(ch, cell.starts[0], cell.starts[0]) for ch in cue.strip()]), cell])
        found = find_deadline(prefixed, context)
        if found.kind != "none":
            return dataclasses.replace(found, text=cell.text)
    return NO_DEADLINE
