"""Recurring tasks: occurrences generated from the rule (idempotently), reported and confirmed one by one,
counted one by one in the statistics."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update, report_occurrence, review_occurrence
from kpi_tasks.tasks.models import ProgressUpdate, TaskOccurrence
from kpi_tasks.tasks.occurrences import generate_all_occurrences, generate_occurrences
from kpi_tasks.tasks.queries import occurrence_flags, open_occurrences_due_between, unit_stats
from kpi_tasks.tasks.services import task_status, update_task, withdraw_task
from tests.factories import make_directive, make_task, make_unit, make_user

D = dt.date
TODAY = D(2026, 3, 16)
FRIDAYS_OF_Q1_2026 = [
    D(2026, 1, 2), D(2026, 1, 9), D(2026, 1, 16), D(2026, 1, 23), D(2026, 1, 30),
    D(2026, 2, 6), D(2026, 2, 13), D(2026, 2, 20), D(2026, 2, 27),
    D(2026, 3, 6), D(2026, 3, 13), D(2026, 3, 20), D(2026, 3, 27),
]  # fmt: skip


@pytest.fixture
def unit(app_ctx):
    return make_unit("UBND thị trấn Châu Ổ", kind="commune")


def _due_dates(task) -> list[dt.date]:
    return list(db.session.scalars(
        sa.select(TaskOccurrence.due_on).where(TaskOccurrence.task_id == task.id).order_by(TaskOccurrence.due_on)
    ))


def _occurrence(task, due_on: dt.date) -> TaskOccurrence:
    return db.session.scalar(
        sa.select(TaskOccurrence).where(TaskOccurrence.task_id == task.id, TaskOccurrence.due_on == due_on)
    )


def _recurring(unit, code: str, issued_on: dt.date = D(2026, 1, 1), **values):
    directive = make_directive(issued_on=issued_on)
    return make_task(unit, directive=directive, deadline=None, recurrence=code, **values)


def test_weekly_on_friday_for_a_quarter_gives_13_occurrences_and_a_second_run_none(unit):
    task = _recurring(unit, "weekly:fri;until=2026-03-31")

    assert _due_dates(task) == FRIDAYS_OF_Q1_2026
    assert len(_due_dates(task)) == 13
    assert generate_occurrences(task, until=D(2026, 3, 31)) == []
    assert generate_occurrences(task, until=D(2026, 12, 31)) == []  # the rule's own end date bounds the series
    assert len(_due_dates(task)) == 13


def test_generation_with_a_count_is_idempotent_and_runs_ahead_in_steps(unit):
    task = _recurring(unit, "weekly:fri;count=13", issued_on=D(2026, 3, 2))
    # Created with the default horizon (today + 92 days): the 13 Fridays from 06/03 fit in it.
    assert len(_due_dates(task)) == 13
    assert generate_occurrences(task, until=D(2027, 1, 1)) == []

    open_ended = _recurring(unit, "weekly:fri", issued_on=D(2026, 3, 2))
    first = _due_dates(open_ended)
    assert first[0] == D(2026, 3, 6)
    assert first[-1] <= TODAY + dt.timedelta(days=92)
    created = generate_occurrences(open_ended, until=D(2026, 12, 31))
    assert created[0].due_on == first[-1] + dt.timedelta(days=7)
    assert _due_dates(open_ended)[-1] == D(2026, 12, 25)
    assert generate_occurrences(open_ended, until=D(2026, 12, 31)) == []


def test_quarterly_day_25_of_the_last_month(unit):
    task = _recurring(unit, "quarterly:day25-last-month")
    generate_occurrences(task, until=D(2026, 12, 31))

    assert _due_dates(task) == [D(2026, 3, 25), D(2026, 6, 25), D(2026, 9, 25), D(2026, 12, 25)]
    assert generate_occurrences(task, until=D(2026, 12, 31)) == []
    periods = [(o.period_start, o.due_on) for o in db.session.scalars(
        sa.select(TaskOccurrence).where(TaskOccurrence.task_id == task.id).order_by(TaskOccurrence.due_on))]
    assert periods[0] == (D(2026, 1, 1), D(2026, 3, 25))  # the first period starts at the directive's issue
    assert periods[1] == (D(2026, 3, 26), D(2026, 6, 25))


def test_the_same_due_date_cannot_be_stored_twice(unit):
    task = _recurring(unit, "weekly:fri;count=2", issued_on=D(2026, 3, 2))
    db.session.add(TaskOccurrence(task_id=task.id, period_start=D(2026, 3, 2), due_on=D(2026, 3, 6),
                                  effective_deadline=D(2026, 3, 6)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_days_before_the_monthly_meeting_follow_the_meeting_day_setting(app, unit):
    assert app.config["MEETING_DAY"] == 25
    task = _recurring(unit, "monthly:day-1-before-meeting;count=3")
    assert _due_dates(task) == [D(2026, 1, 24), D(2026, 2, 24), D(2026, 3, 24)]

    app.config["MEETING_DAY"] = 5
    try:
        other = _recurring(unit, "monthly:day-2-before-meeting;count=2")
    finally:
        app.config["MEETING_DAY"] = 25
    assert _due_dates(other) == [D(2026, 1, 3), D(2026, 2, 3)]


def test_a_bad_rule_is_refused_in_vietnamese(unit):
    directive = make_directive(issued_on=D(2026, 1, 1))
    with pytest.raises(ValidationError) as refused:
        make_task(unit, directive=directive, deadline=None, recurrence="weekly:friday")
    assert "thứ trong tuần" in refused.value.fields["recurrence"]
    with pytest.raises(ValidationError) as both:
        make_task(unit, directive=directive, deadline=D(2026, 3, 31), recurrence="weekly:fri")
    assert "một cách" in both.value.fields["deadline"]


def test_the_unit_reports_on_an_occurrence_and_the_office_confirms_it(unit):
    partner = make_unit("Phòng Văn hóa và Thông tin")
    manager, office = make_user("unit_manager", unit), make_user("office")
    partner_manager = make_user("unit_manager", partner)
    task = _recurring(unit, "weekly:fri;until=2026-03-31", issued_on=D(2026, 3, 2), coordinating=[partner])
    first, second = _occurrence(task, D(2026, 3, 6)), _occurrence(task, D(2026, 3, 13))
    # The task shows the earliest occurrence not done: overdue since 06/03.
    assert task.deadline is None
    assert task.effective_deadline == D(2026, 3, 6)
    assert task_status(task) == "overdue"

    contribution = report_occurrence(first, partner_manager, progress_percent=80, note="Số liệu phòng VH-TT")
    assert contribution.occurrence_id == first.id
    assert first.progress_percent == 0  # a coordinating unit's contribution does not move the progress
    with pytest.raises(ValidationError):
        report_occurrence(first, partner_manager, progress_percent=None, note="", report_completed=True)

    report_occurrence(first, manager, progress_percent=None, note="Đã gửi báo cáo tuần", report_completed=True,
                      completed_on=D(2026, 3, 6))
    report_occurrence(second, manager, progress_percent=None, note="Gửi muộn", report_completed=True,
                      completed_on=D(2026, 3, 16))
    assert occurrence_flags(first, TODAY, 3)[0] == "awaiting_review"
    assert task.effective_deadline == D(2026, 3, 20)  # next open occurrence
    assert task_status(task) == "in_progress"

    with pytest.raises(PermissionDenied):
        review_occurrence(first, manager, decision="approve")
    review_occurrence(first, office, decision="approve")
    review_occurrence(second, office, decision="approve")
    assert occurrence_flags(first, TODAY, 3)[0] == "done_on_time"
    assert occurrence_flags(second, TODAY, 3)[0] == "done_late"
    with pytest.raises(ConflictError):
        report_occurrence(first, manager, progress_percent=10, note="thêm")


def test_a_recurring_task_is_reported_done_per_occurrence_not_as_a_whole(unit):
    manager = make_user("unit_manager", unit)
    task = _recurring(unit, "weekly:fri;until=2026-03-31", issued_on=D(2026, 3, 2))
    with pytest.raises(ValidationError) as refused:
        post_update(task, manager, progress_percent=None, note="Xong", report_completed=True)
    assert "từng kỳ" in refused.value.fields["report_completed"]
    assert post_update(task, manager, progress_percent=20, note="Ghi chú chung").occurrence_id is None


def test_statistics_count_the_occurrences_that_have_begun_instead_of_the_task(unit):
    office, manager = make_user("office"), make_user("unit_manager", unit)
    make_task(unit, deadline=D(2026, 3, 31))  # a one-off task: in progress
    task = _recurring(unit, "weekly:fri;until=2026-03-31", issued_on=D(2026, 3, 2))
    # Begun by 16/03: the periods ending 06/03, 13/03 and 20/03 (which began 14/03); 27/03 has not begun.
    report_occurrence(_occurrence(task, D(2026, 3, 6)), manager, progress_percent=None, note="Xong",
                      report_completed=True, completed_on=D(2026, 3, 6))
    review_occurrence(_occurrence(task, D(2026, 3, 6)), office, decision="approve")

    [item] = unit_stats(TODAY, unit_id=unit.id)
    assert item["assigned"] == 1 + 3
    assert (item["done_on_time"], item["overdue"], item["in_progress"]) == (1, 1, 2)
    assert item["extended"] == 0
    within_march = unit_stats(TODAY, D(2026, 3, 1), D(2026, 3, 31), unit_id=unit.id)[0]
    assert within_march["assigned"] == 4

    withdraw_task(task, office, note="Không còn yêu cầu báo cáo")
    [after] = unit_stats(TODAY, unit_id=unit.id)
    assert after["assigned"] == 1
    assert generate_occurrences(task, until=D(2026, 12, 31)) == []


def test_open_occurrences_due_between_is_what_reminders_need(unit):
    manager = make_user("unit_manager", unit)
    task = _recurring(unit, "weekly:fri;until=2026-03-31", issued_on=D(2026, 3, 2))
    report_occurrence(_occurrence(task, D(2026, 3, 20)), manager, progress_percent=None, note="Sớm",
                      report_completed=True)
    make_task(unit, deadline=D(2026, 3, 20))  # not recurring: not an occurrence

    rows = open_occurrences_due_between(D(2026, 3, 13), D(2026, 3, 27))
    assert [(row.task_id, row.effective_deadline) for row in rows] == [(task.id, D(2026, 3, 13)),
                                                                        (task.id, D(2026, 3, 27))]
    assert rows[0].occurrence_id == _occurrence(task, D(2026, 3, 13)).id
    assert rows[0].lead_unit_id == unit.id


def test_changing_the_rule_keeps_reported_occurrences_and_regenerates_the_rest(unit):
    office, manager = make_user("office"), make_user("unit_manager", unit)
    task = _recurring(unit, "weekly:fri;until=2026-03-31", issued_on=D(2026, 3, 2))
    report_occurrence(_occurrence(task, D(2026, 3, 6)), manager, progress_percent=50, note="Tuần 1")

    update_task(task, office, expected_version=task.version, title=task.title, lead_unit_id=unit.id,
                recurrence="weekly:mon;until=2026-03-31")
    assert _due_dates(task) == [D(2026, 3, 2), D(2026, 3, 6), D(2026, 3, 9), D(2026, 3, 16), D(2026, 3, 23),
                                D(2026, 3, 30)]
    update_task(task, office, expected_version=task.version, title=task.title, lead_unit_id=unit.id,
                deadline=D(2026, 4, 30))
    assert _due_dates(task) == [D(2026, 3, 6)]  # only the reported one stays, as history
    assert (task.recurrence, task.effective_deadline, task_status(task)) == (None, D(2026, 4, 30), "in_progress")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgressUpdate)) == 1


def test_generate_all_occurrences_runs_every_recurring_task(unit):
    _recurring(unit, "monthly:day25", issued_on=D(2026, 3, 2))
    _recurring(unit, "quarterly", issued_on=D(2026, 3, 2))
    # Created up to 16/06 (today + 92 days): 25/03, 25/04, 25/05 and 31/03; the year adds the rest.
    assert generate_all_occurrences(D(2026, 12, 31)) == (10 - 3) + (4 - 1)
    assert generate_all_occurrences(D(2026, 12, 31)) == 0
