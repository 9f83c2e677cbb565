"""The working-day calendar on real Vietnamese dates (no Flask app, no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.calendar.workdays import (
    ADMIN_DAY_OFF_NAME,
    SpecialDay,
    WorkingCalendar,
    default_calendar,
    parse_period,
    period_end,
)
from kpi_tasks.errors import ValidationError

D = dt.date


@pytest.fixture
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def test_five_working_days_after_13_02_2026_land_after_the_tet_break(cal: WorkingCalendar) -> None:
    # Tết Bính Ngọ: Monday 16/02 to Friday 20/02/2026 off, with the weekends around them.
    assert cal.add_working_days(D(2026, 2, 13), 5) == D(2026, 2, 27)
    assert all(not cal.is_working_day(D(2026, 2, day)) for day in range(14, 23))
    assert cal.holiday_name(D(2026, 2, 17)) == "Tết Nguyên Đán"
    assert cal.working_days_between(D(2026, 2, 13), D(2026, 2, 27)) == 5


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (D(2024, 8, 30), D(2024, 9, 4)),  # 2/9 and 3/9/2024 off
        (D(2025, 8, 29), D(2025, 9, 3)),  # 1/9 and 2/9/2025 off
        (D(2026, 8, 28), D(2026, 9, 3)),  # 31/8 (moved from Saturday 22/8), 1/9 and 2/9/2026 off
    ],
)
def test_national_day_is_skipped(cal: WorkingCalendar, before: dt.date, expected: dt.date) -> None:
    assert cal.add_working_days(before, 1) == expected
    assert not cal.is_working_day(D(before.year, 9, 2))
    assert cal.holiday_name(D(before.year, 9, 2)) == "Quốc khánh"


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (D(2026, 4, 29), D(2026, 5, 4)),  # Thursday 30/4 and Friday 1/5/2026
        (D(2025, 4, 29), D(2025, 5, 5)),  # 30/4, 1/5 and 2/5/2025 (moved from Saturday 26/4)
        (D(2024, 4, 26), D(2024, 5, 2)),  # 29/4 (moved from Saturday 4/5), 30/4 and 1/5/2024
    ],
)
def test_reunification_and_labour_days_are_skipped(cal: WorkingCalendar, before: dt.date, expected: dt.date) -> None:
    assert cal.add_working_days(before, 1) == expected
    assert not cal.is_working_day(D(before.year, 4, 30))
    assert not cal.is_working_day(D(before.year, 5, 1))
    assert cal.holiday_name(D(before.year, 4, 30)) == "Ngày Chiến thắng"
    assert cal.holiday_name(D(before.year, 5, 1)) == "Ngày Quốc tế Lao động"


def test_the_packages_make_up_saturdays_are_working_days(cal: WorkingCalendar) -> None:
    assert cal.is_working_day(D(2026, 8, 22))
    assert cal.is_working_day(D(2025, 4, 26))
    assert cal.is_working_day(D(2024, 5, 4))
    assert cal.holiday_name(D(2026, 8, 22)) is None
    assert not cal.is_working_day(D(2026, 8, 29))  # an ordinary Saturday


def test_an_admin_recorded_make_up_saturday_counts_as_a_working_day() -> None:
    saturday = D(2026, 3, 7)
    cal = WorkingCalendar(extra_working_days={saturday})
    assert not default_calendar().is_working_day(saturday)
    assert cal.is_working_day(saturday)
    assert cal.add_working_days(D(2026, 3, 6), 1) == saturday
    assert default_calendar().add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)
    assert cal.working_days_between(D(2026, 3, 6), D(2026, 3, 9)) == 2


def test_an_admin_recorded_day_off_is_not_a_working_day() -> None:
    monday = D(2026, 3, 9)
    cal = WorkingCalendar(extra_days_off={monday})
    assert not cal.is_working_day(monday)
    assert cal.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 10)
    assert cal.holiday_name(monday) == ADMIN_DAY_OFF_NAME


def test_admin_records_override_the_package() -> None:
    cal = WorkingCalendar(extra_working_days={D(2026, 11, 24)}, extra_days_off={D(2026, 8, 22)})
    assert cal.is_working_day(D(2026, 11, 24))  # Ngày Văn hóa Việt Nam in the package
    assert cal.holiday_name(D(2026, 11, 24)) is None
    assert not cal.is_working_day(D(2026, 8, 22))  # the package's make-up Saturday


def test_a_day_cannot_be_recorded_both_ways() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar(extra_days_off={D(2026, 3, 9)}, extra_working_days={D(2026, 3, 9)})


def test_zero_working_days_is_the_day_itself_or_the_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2026, 3, 4), 0) == D(2026, 3, 4)
    assert cal.add_working_days(D(2026, 3, 7), 0) == D(2026, 3, 9)
    assert cal.add_working_days(D(2026, 2, 14), 0) == D(2026, 2, 23)


def test_negative_counts_go_back(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(D(2026, 2, 27), -5) == D(2026, 2, 13)
    assert cal.add_working_days(D(2026, 2, 23), -1) == D(2026, 2, 13)
    assert cal.add_working_days(D(2026, 3, 8), -1) == D(2026, 3, 6)  # from a Sunday
    assert cal.previous_working_day(D(2026, 2, 20)) == D(2026, 2, 13)
    assert cal.next_working_day(D(2026, 2, 20)) == D(2026, 2, 23)


def test_working_days_between_counts_the_half_open_interval(cal: WorkingCalendar) -> None:
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 2)) == 0
    assert cal.working_days_between(D(2026, 3, 2), D(2026, 3, 3)) == 1  # (Mon, Tue]
    assert cal.working_days_between(D(2026, 3, 6), D(2026, 3, 8)) == 0  # (Fri, Sun]
    assert cal.working_days_between(D(2026, 3, 6), D(2026, 3, 9)) == 1
    assert cal.working_days_between(D(2026, 3, 9), D(2026, 3, 6)) == -1
    assert cal.working_days_between(D(2026, 2, 27), D(2026, 2, 13)) == -5
    # 2026: 261 weekdays; 13 of them off (1/1, 16-20/2, 27/4 for Giỗ Tổ on a Sunday, 30/4, 1/5, 31/8 moved
    # from Saturday 22/8, 1/9, 2/9, 24/11 Ngày Văn hóa Việt Nam); 1 make-up Saturday (22/8)
    assert cal.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 261 - 13 + 1


def test_adding_and_counting_are_inverse(cal: WorkingCalendar) -> None:
    start = D(2026, 1, 2)
    for offset in range(0, 70, 3):
        day = cal.next_working_day(start + dt.timedelta(days=offset))
        for n in (-7, -1, 1, 5, 12):
            assert cal.working_days_between(day, cal.add_working_days(day, n)) == n


def test_holidays_in_year_lists_package_and_admin_days() -> None:
    cal = WorkingCalendar(extra_days_off={D(2026, 3, 9)}, extra_working_days={D(2026, 3, 7)})
    days = {special.day: special for special in cal.holidays_in_year(2026)}
    assert days[D(2026, 9, 2)] == SpecialDay(D(2026, 9, 2), "Quốc khánh", False, "package")
    assert days[D(2026, 8, 22)].is_working_day
    assert days[D(2026, 3, 9)].source == "admin"
    assert not days[D(2026, 3, 9)].is_working_day
    assert days[D(2026, 3, 7)].is_working_day
    assert list(days) == sorted(days)
    assert all(day.year == 2026 for day in days)


def test_default_calendar_is_shared_and_has_no_admin_days() -> None:
    assert default_calendar() is default_calendar()
    assert not default_calendar().extra_days_off
    assert not default_calendar().extra_working_days


@pytest.mark.parametrize(
    ("kind", "year", "index", "expected"),
    [
        ("month", 2024, 2, D(2024, 2, 29)),
        ("month", 2025, 2, D(2025, 2, 28)),
        ("month", 2024, 4, D(2024, 4, 30)),
        ("quarter", 2024, 1, D(2024, 3, 31)),
        ("quarter", 2024, 2, D(2024, 6, 30)),
        ("quarter", 2024, 4, D(2024, 12, 31)),
        ("year", 2021, None, D(2021, 12, 31)),
    ],
)
def test_period_end(kind: str, year: int, index: int | None, expected: dt.date) -> None:
    assert period_end(kind, year, index) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "index"), [("month", 0), ("month", 13), ("month", None), ("quarter", 5), ("year", 1), ("week", 1)]
)
def test_period_end_refuses_bad_periods(kind: str, index: int | None) -> None:
    with pytest.raises(ValidationError):
        period_end(kind, 2024, index)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", (D(2024, 1, 1), D(2024, 12, 31))),
        ("2024-Q1", (D(2024, 1, 1), D(2024, 3, 31))),
        ("2024-q3", (D(2024, 7, 1), D(2024, 9, 30))),
        ("2024-03", (D(2024, 3, 1), D(2024, 3, 31))),
        (" 2024-02 ", (D(2024, 2, 1), D(2024, 2, 29))),
    ],
)
def test_parse_period(text: str, expected: tuple[dt.date, dt.date]) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["", "24", "2024-13", "2024-00", "2024-Q5", "2024/03", "2024-3", "Q1-2024"])
def test_parse_period_refuses_other_shapes(text: str) -> None:
    with pytest.raises(ValidationError, match="không hợp lệ"):
        parse_period(text)
