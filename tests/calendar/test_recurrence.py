"""Recurring duties: due dates on real calendars, rule codes and their Vietnamese descriptions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from kpi_tasks.calendar.recurrence import (
    RecurrenceRule,
    describe,
    occurrence_dates,
    rule_from_code,
    rule_to_code,
)
from kpi_tasks.calendar.workdays import WorkingCalendar, default_calendar
from kpi_tasks.errors import ValidationError

D = dt.date


@pytest.fixture
def cal() -> WorkingCalendar:
    return default_calendar()


def test_weekly_on_friday_gives_the_13_fridays_of_q1_2026(cal: WorkingCalendar) -> None:
    dates = occurrence_dates(rule_from_code("weekly:fri"), D(2026, 1, 1), D(2026, 3, 31), cal)
    assert dates == [
        D(2026, 1, 2), D(2026, 1, 9), D(2026, 1, 16), D(2026, 1, 23), D(2026, 1, 30),
        D(2026, 2, 6), D(2026, 2, 13), D(2026, 2, 20), D(2026, 2, 27),
        D(2026, 3, 6), D(2026, 3, 13), D(2026, 3, 20), D(2026, 3, 27),
    ]  # fmt: skip
    # "none" keeps the written day, even 20/02/2026 in the Tết break
    assert len(dates) == 13


def test_weekly_includes_both_ends_of_the_window(cal: WorkingCalendar) -> None:
    rule = RecurrenceRule("weekly", weekday=4)
    assert occurrence_dates(rule, D(2026, 1, 2), D(2026, 1, 16), cal) == [
        D(2026, 1, 2), D(2026, 1, 9), D(2026, 1, 16)
    ]  # fmt: skip
    assert occurrence_dates(rule, D(2026, 1, 3), D(2026, 1, 15), cal) == [D(2026, 1, 9)]
    assert occurrence_dates(rule, D(2026, 1, 10), D(2026, 1, 15), cal) == []
    assert occurrence_dates(rule, D(2026, 2, 1), D(2026, 1, 1), cal) == []


def test_quarterly_day_25_of_the_last_month(cal: WorkingCalendar) -> None:
    rule = rule_from_code("quarterly:day25-last-month")
    assert occurrence_dates(rule, D(2026, 1, 1), D(2026, 12, 31), cal) == [
        D(2026, 3, 25), D(2026, 6, 25), D(2026, 9, 25), D(2026, 12, 25)
    ]  # fmt: skip
    assert occurrence_dates(rule, D(2024, 1, 1), D(2024, 12, 31), cal) == [
        D(2024, 3, 25), D(2024, 6, 25), D(2024, 9, 25), D(2024, 12, 25)
    ]  # fmt: skip


def test_quarterly_without_a_day_is_the_quarters_last_day(cal: WorkingCalendar) -> None:
    assert occurrence_dates(rule_from_code("quarterly"), D(2024, 1, 1), D(2024, 12, 31), cal) == [
        D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31)
    ]  # fmt: skip


def test_monthly_one_day_before_the_meeting_on_the_5th(cal: WorkingCalendar) -> None:
    rule = rule_from_code("monthly:day-1-before-meeting")
    assert rule.days_before_meeting == 1
    dates = occurrence_dates(rule, D(2026, 1, 1), D(2026, 6, 30), cal, meeting_day=5)
    assert dates == [D(2026, month, 4) for month in range(1, 7)]


def test_days_before_the_meeting_can_fall_in_the_previous_month(cal: WorkingCalendar) -> None:
    rule = RecurrenceRule("monthly", days_before_meeting=2)
    dates = occurrence_dates(rule, D(2026, 1, 1), D(2026, 4, 30), cal, meeting_day=1)
    # for the meetings of 01/02 to 01/05; 01/01's deadline, 30/12/2025, is before the window
    assert dates == [D(2026, 1, 30), D(2026, 2, 27), D(2026, 3, 30), D(2026, 4, 29)]


def test_meeting_on_the_last_day_of_the_month(cal: WorkingCalendar) -> None:
    rule = RecurrenceRule("monthly", days_before_meeting=1)
    dates = occurrence_dates(rule, D(2024, 1, 1), D(2024, 3, 31), cal, meeting_day=-1)
    assert dates == [D(2024, 1, 30), D(2024, 2, 28), D(2024, 3, 30)]


def test_monthly_days_are_clamped_to_the_months_length(cal: WorkingCalendar) -> None:
    rule = rule_from_code("monthly:day31")
    assert occurrence_dates(rule, D(2024, 1, 1), D(2024, 4, 30), cal) == [
        D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31), D(2024, 4, 30)
    ]  # fmt: skip
    assert occurrence_dates(rule_from_code("monthly"), D(2025, 1, 1), D(2025, 4, 30), cal) == [
        D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30)
    ]  # fmt: skip
    assert occurrence_dates(rule_from_code("monthly:day25"), D(2025, 11, 26), D(2026, 1, 31), cal) == [
        D(2025, 12, 25), D(2026, 1, 25)
    ]  # fmt: skip


def test_yearly_dates(cal: WorkingCalendar) -> None:
    rule = rule_from_code("yearly:12-15")
    assert occurrence_dates(rule, D(2024, 1, 1), D(2026, 12, 31), cal) == [
        D(2024, 12, 15), D(2025, 12, 15), D(2026, 12, 15)
    ]  # fmt: skip
    assert occurrence_dates(rule_from_code("yearly"), D(2024, 6, 1), D(2025, 12, 31), cal) == [
        D(2024, 12, 31), D(2025, 12, 31)
    ]  # fmt: skip
    leap = RecurrenceRule("yearly", month=2, day=29)
    assert occurrence_dates(leap, D(2024, 1, 1), D(2025, 12, 31), cal) == [D(2024, 2, 29), D(2025, 2, 28)]


def test_until_and_count_bound_the_series(cal: WorkingCalendar) -> None:
    friday = RecurrenceRule("weekly", weekday=4, until=D(2026, 1, 16))
    assert occurrence_dates(friday, D(2026, 1, 1), D(2026, 12, 31), cal) == [
        D(2026, 1, 2), D(2026, 1, 9), D(2026, 1, 16)
    ]  # fmt: skip
    assert occurrence_dates(friday, D(2026, 1, 1), None, cal)[-1] == D(2026, 1, 16)
    assert occurrence_dates(friday, D(2026, 1, 1), D(2026, 1, 9), cal)[-1] == D(2026, 1, 9)
    four = RecurrenceRule("quarterly", day=25, count=4)
    assert occurrence_dates(four, D(2026, 4, 1), None, cal) == [
        D(2026, 6, 25), D(2026, 9, 25), D(2026, 12, 25), D(2027, 3, 25)
    ]  # fmt: skip
    assert len(occurrence_dates(four, D(2026, 4, 1), D(2026, 10, 1), cal)) == 2


def test_an_endless_series_is_refused(cal: WorkingCalendar) -> None:
    with pytest.raises(ValidationError, match="kết thúc hoặc số kỳ"):
        occurrence_dates(RecurrenceRule("weekly", weekday=4), D(2026, 1, 1), None, cal)


def test_a_bad_meeting_day_is_refused(cal: WorkingCalendar) -> None:
    rule = RecurrenceRule("monthly", days_before_meeting=1)
    with pytest.raises(ValidationError, match="họp thường kỳ"):
        occurrence_dates(rule, D(2026, 1, 1), D(2026, 12, 31), cal, meeting_day=32)


def test_adjust_moves_dates_off_weekends(cal: WorkingCalendar) -> None:
    # 2022: 25/06 is a Saturday, 25/09 and 25/12 are Sundays
    window = (D(2022, 1, 1), D(2022, 12, 31))
    written = RecurrenceRule("quarterly", day=25)
    assert occurrence_dates(written, *window, cal) == [
        D(2022, 3, 25), D(2022, 6, 25), D(2022, 9, 25), D(2022, 12, 25)
    ]  # fmt: skip
    earlier = dataclasses.replace(written, adjust="previous_working_day")
    assert occurrence_dates(earlier, *window, cal) == [
        D(2022, 3, 25), D(2022, 6, 24), D(2022, 9, 23), D(2022, 12, 23)
    ]  # fmt: skip
    later = dataclasses.replace(written, adjust="next_working_day")
    assert occurrence_dates(later, *window, cal) == [
        D(2022, 3, 25), D(2022, 6, 27), D(2022, 9, 26), D(2022, 12, 26)
    ]  # fmt: skip


def test_adjust_across_the_tet_break_follows_the_calendar(cal: WorkingCalendar) -> None:
    window = (D(2026, 2, 1), D(2026, 2, 28))
    later = RecurrenceRule("weekly", weekday=4, adjust="next_working_day")
    assert occurrence_dates(later, *window, cal) == [
        D(2026, 2, 6), D(2026, 2, 13), D(2026, 2, 23), D(2026, 2, 27)
    ]  # fmt: skip
    # Friday 20/02 moves back onto 13/02, which is already due: the date is listed once
    earlier = RecurrenceRule("weekly", weekday=4, adjust="previous_working_day")
    assert occurrence_dates(earlier, *window, cal) == [D(2026, 2, 6), D(2026, 2, 13), D(2026, 2, 27)]


def test_adjust_uses_the_admins_days() -> None:
    cal = WorkingCalendar(extra_days_off={D(2026, 3, 25)}, extra_working_days={D(2026, 6, 27)})
    rule = RecurrenceRule("quarterly", day=27, adjust="previous_working_day")
    dates = occurrence_dates(rule, D(2026, 1, 1), D(2026, 6, 30), cal)
    assert dates == [D(2026, 3, 27), D(2026, 6, 27)]  # Saturday 27/06 recorded as a working day
    rule = RecurrenceRule("monthly", day=25, adjust="next_working_day")
    assert occurrence_dates(rule, D(2026, 3, 1), D(2026, 3, 31), cal) == [D(2026, 3, 26)]


INTAKE_CODES = [
    "weekly:fri",
    "monthly",
    "monthly:day-1-before-meeting",
    "quarterly:day25-last-month",
    "yearly",
]


@pytest.mark.parametrize(
    "code",
    [
        *INTAKE_CODES,
        "weekly:mon",
        "weekly:sun",
        "monthly:day1",
        "monthly:day25",
        "monthly:day-3-before-meeting",
        "quarterly",
        "quarterly:day1-last-month",
        "yearly:12-15",
        "yearly:02-29",
        "weekly:fri;until=2026-03-31",
        "quarterly:day25-last-month;count=4",
        "monthly:day-1-before-meeting;until=2026-12-31;count=12;adjust=previous_working_day",
        "yearly:01-01;adjust=next_working_day",
    ],
)
def test_codes_round_trip(code: str) -> None:
    rule = rule_from_code(code)
    assert rule_to_code(rule) == code
    assert rule_from_code(rule_to_code(rule)) == rule


@pytest.mark.parametrize(
    "rule",
    [
        RecurrenceRule("weekly", weekday=6),
        RecurrenceRule("monthly", day=-1, count=3),
        RecurrenceRule("monthly", days_before_meeting=2, until=D(2026, 6, 30)),
        RecurrenceRule("quarterly", day=31, adjust="previous_working_day"),
        RecurrenceRule("yearly", month=6, day=30),
    ],
)
def test_rules_round_trip(rule: RecurrenceRule) -> None:
    assert rule_from_code(rule_to_code(rule)) == rule


def test_intake_codes_mean_what_the_seeds_say() -> None:
    assert rule_from_code("weekly:fri") == RecurrenceRule("weekly", weekday=4)
    assert rule_from_code("monthly:day-1-before-meeting") == RecurrenceRule("monthly", days_before_meeting=1)
    assert rule_from_code("quarterly:day25-last-month") == RecurrenceRule("quarterly", day=25)
    assert rule_from_code("monthly") == RecurrenceRule("monthly", day=-1)
    assert rule_from_code("yearly") == RecurrenceRule("yearly", month=12, day=31)


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("monthly:day-1", "monthly"),
        ("monthly:last-day", "monthly"),
        ("quarterly:last-day", "quarterly"),
        ("yearly:12-31", "yearly"),
        (" Weekly: FRI ", "weekly:fri"),
        ("yearly:2-1", "yearly:02-01"),
    ],
)
def test_aliases_normalise(alias: str, canonical: str) -> None:
    assert rule_to_code(rule_from_code(alias)) == canonical


@pytest.mark.parametrize(
    "code",
    [
        "",
        "daily",
        "weekly",
        "weekly:friday",
        "weekly:7",
        "monthly:day0",
        "monthly:day32",
        "monthly:day-0-before-meeting",
        "monthly:day-2",
        "quarterly:day25",
        "quarterly:day32-last-month",
        "yearly:13-01",
        "yearly:02-30",
        "yearly:12",
        "weekly:fri;count=0",
        "weekly:fri;count=two",
        "weekly:fri;until=2026-02-30",
        "weekly:fri;adjust=nearest",
        "weekly:fri;count=2;count=3",
        "weekly:fri;every=2",
        "weekly:fri;",
    ],
)
def test_bad_codes_are_refused_in_vietnamese(code: str) -> None:
    with pytest.raises(ValidationError) as refused:
        rule_from_code(code)
    assert refused.value.fields["recurrence"] == refused.value.message
    assert any(word in refused.value.message for word in ("không hợp lệ", "phải", "không có", "cần"))


@pytest.mark.parametrize(
    "fields",
    [
        {"freq": "daily"},
        {"freq": "weekly"},
        {"freq": "weekly", "weekday": 4, "day": 1},
        {"freq": "monthly", "weekday": 4},
        {"freq": "monthly", "day": 5, "days_before_meeting": 1},
        {"freq": "quarterly", "month": 3, "day": 25},
        {"freq": "quarterly", "days_before_meeting": 1},
        {"freq": "yearly", "month": 12},
        {"freq": "monthly", "adjust": "nearest"},
    ],
)
def test_inconsistent_rules_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RecurrenceRule(**fields)  # type: ignore[arg-type]


def test_rules_are_frozen_and_hashable() -> None:
    rule = RecurrenceRule("weekly", weekday=4)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.weekday = 3  # type: ignore[misc]
    assert len({rule, rule_from_code("weekly:fri")}) == 1


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("weekly:fri", "Định kỳ vào thứ Sáu hàng tuần"),
        ("weekly:sun", "Định kỳ vào Chủ nhật hàng tuần"),
        ("monthly", "Ngày cuối cùng hàng tháng"),
        ("monthly:day25", "Ngày 25 hàng tháng"),
        ("monthly:day-1-before-meeting", "Trước 01 ngày tổ chức phiên họp thường kỳ hàng tháng"),
        ("quarterly:day25-last-month", "Ngày 25 tháng cuối quý"),
        ("quarterly", "Ngày cuối cùng của quý"),
        ("yearly:12-15", "Ngày 15/12 hàng năm"),
        ("yearly", "Ngày 31/12 hàng năm"),
        (
            "weekly:fri;until=2026-03-31;count=13;adjust=previous_working_day",
            "Định kỳ vào thứ Sáu hàng tuần, đến ngày 31/03/2026, 13 kỳ; "
            "trùng ngày nghỉ thì lùi về ngày làm việc liền trước",
        ),
        (
            "monthly:day5;adjust=next_working_day",
            "Ngày 5 hàng tháng; trùng ngày nghỉ thì chuyển sang ngày làm việc liền sau",
        ),
    ],
)
def test_describe_in_vietnamese(code: str, text: str) -> None:
    assert describe(rule_from_code(code)) == text
