"""The scan: who hears about which deadline, once — also when scans run at the same moment."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from kpi_tasks.calendar.workdays import default_calendar
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import (
    ReminderSettings,
    escalation_threshold,
    offset_windows,
    scan,
)
from kpi_tasks.tasks.lookups import tracked_status_counts
from kpi_tasks.tasks.models import Task
from tests.factories import commit, make_directive, make_task, make_unit, make_user
from tests.notifications.helpers import MONDAY, build_world, notification_triples

RULES = ReminderSettings(offsets=(7, 3, 1), escalate_after=5)
# The scan's own notices (giving a task also tells its units: that is test_events.py's).
SCAN_KINDS = Notification.kind.in_(("due_soon", "overdue"))


def test_frozen_day_creates_exactly_what_the_rules_say_and_a_second_scan_nothing(app_ctx):
    world = build_world()
    commit()

    first = scan(MONDAY, RULES)
    commit()
    triples = notification_triples(world)
    assert Counter(triples) == Counter(world.expected)  # each expected one exactly once, nothing else
    assert first.created == {"due_soon": 7, "overdue": 8}
    # The three due-soon tasks are two working days away: the reminder is the 3-day one, not the 7-day one.
    offsets = set(db.session.scalars(sa.select(Notification.offset_days).where(Notification.kind == "due_soon")))
    assert offsets == {3}
    assert first.statuses["overdue"] == 2
    assert first.statuses["in_progress"] == 4

    second = scan(MONDAY, RULES)
    commit()
    assert second.total_created == 0
    assert len(notification_triples(world)) == len(world.expected)


def test_three_scans_at_once_create_each_notification_once(app):
    with app.app_context():
        world = build_world()
        commit()
        expected, keys = world.expected, world.id_keys()

    created: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                result = scan(MONDAY, RULES)
                db.session.commit()
                created.append(result.total_created)
                db.session.remove()
        except BaseException as error:  # reported below; a thread's exception is otherwise lost
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(created) == 3
    assert sum(created) == len(expected)  # the three runs together inserted each row once
    with app.app_context():
        assert Counter(notification_triples(keys)) == Counter(expected)
        db.session.remove()


def test_a_task_entering_the_window_late_gets_only_the_nearest_reminder_then_the_next_ones(app_ctx):
    unit = make_unit()
    manager = make_user("unit_manager", unit)
    # Created on Monday with its deadline next Monday (5 working days): the 7-day reminder is not sent late.
    task = make_task(unit, deadline=dt.date(2026, 3, 23))
    commit()

    def offsets() -> list[int]:
        return sorted(db.session.scalars(
            sa.select(Notification.offset_days).where(Notification.task_id == task.id, SCAN_KINDS,
                                                      Notification.recipient_id == manager.id)))

    scan(MONDAY, RULES)
    assert offsets() == [7]
    scan(dt.date(2026, 3, 17), RULES)  # 4 working days: still the 7-day window
    assert offsets() == [7]
    # Scans missed on Wednesday and Thursday: Friday (1 working day left) brings only the 1-day reminder.
    scan(dt.date(2026, 3, 20), RULES)
    assert offsets() == [1, 7]
    scan(dt.date(2026, 3, 23), RULES)  # the deadline day itself: nothing new
    assert offsets() == [1, 7]
    scan(dt.date(2026, 3, 24), RULES)  # overdue the day after
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.task_id == task.id, SCAN_KINDS)).all()
    assert sorted(kinds) == ["due_soon", "due_soon", "overdue", "overdue"]  # manager and the office creator


def test_an_extension_brings_fresh_reminders_for_the_new_deadline(app_ctx):
    unit = make_unit()
    make_user("unit_manager", unit)
    task = make_task(unit, deadline=dt.date(2026, 3, 17))
    commit()
    scan(MONDAY, RULES)
    task.effective_deadline = dt.date(2026, 3, 18)  # what an approved extension does (tasks/lifecycle.py)
    db.session.flush()
    result = scan(MONDAY, RULES)
    assert result.created["due_soon"] == 1
    deadlines = db.session.scalars(
        sa.select(Notification.deadline).where(Notification.task_id == task.id, SCAN_KINDS)).all()
    assert sorted(deadlines) == [dt.date(2026, 3, 17), dt.date(2026, 3, 18)]


def test_inactive_users_and_confidential_directives_are_left_out(app_ctx):
    unit = make_unit()
    manager = make_user("unit_manager", unit)
    manager.active = False
    office = make_user("office")
    secret = make_directive(office, issued_on=dt.date(2026, 1, 5))
    task = make_task(unit, deadline=dt.date(2026, 3, 10), directive=secret)
    secret.confidential = True  # marked confidential after its task was entered
    db.session.flush()
    result = scan(MONDAY, RULES)
    assert result.total_created == 0
    assert db.session.scalar(sa.select(sa.func.count()).where(Notification.task_id == task.id)) == 0


@pytest.mark.parametrize("today", [dt.date(2026, 2, 13) + dt.timedelta(days=n) for n in range(0, 70, 3)])
def test_offset_windows_and_escalation_agree_with_counting_working_days(today):
    """Against the plain definition, across Tết 2026 and weekends: r working days away → the smallest
    offset ≥ r; n working days late → the leader hears when n > M."""
    calendar = default_calendar()
    offsets = (7, 3, 1)
    windows = offset_windows(calendar, today, offsets)
    for day in (today + dt.timedelta(days=n) for n in range(0, 25)):
        remaining = calendar.working_days_between(today, day)
        wanted = min((o for o in offsets if o >= remaining), default=None)
        found = [offset for offset, (start, end) in windows if start <= day < end]
        assert found == ([wanted] if wanted is not None else []), (today, day, remaining)
    threshold = escalation_threshold(calendar, today, 5)
    for day in (today - dt.timedelta(days=n) for n in range(1, 25)):
        late = calendar.working_days_between(day, today)
        assert (day < threshold) == (late > 5), (today, day, late)


def test_status_counts_follow_the_status_rules(app_ctx):
    world = build_world()
    counts = tracked_status_counts(MONDAY)
    assert counts["overdue"] == 2
    assert counts["awaiting_review"] == 1
    assert counts["done_on_time"] == 1
    assert counts["withdrawn"] == 1
    assert counts["ongoing"] == 1
    assert sum(counts.values()) == db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    assert world.tasks["far"].id


def test_each_occurrence_of_a_recurring_task_is_reminded_of_on_its_own(app_ctx):
    unit = make_unit()
    manager = make_user("unit_manager", unit)
    office = make_user("office")
    directive = make_directive(office, issued_on=dt.date(2026, 3, 2))
    # Weekly on Friday: 06/03 (now overdue), 13/03 (overdue), 20/03 (four working days away), 27/03 …
    task = make_task(unit, directive=directive, deadline=None, recurrence="weekly:fri;until=2026-04-30")
    commit()
    scan(MONDAY, RULES)
    rows = db.session.execute(
        sa.select(Notification.kind, Notification.deadline, Notification.offset_days, Notification.occurrence_id)
        .where(Notification.task_id == task.id, Notification.recipient_id == manager.id, SCAN_KINDS)
        .order_by(Notification.deadline)).all()
    assert [(kind, deadline, offset) for kind, deadline, offset, _o in rows] == [
        ("overdue", dt.date(2026, 3, 6), 0), ("overdue", dt.date(2026, 3, 13), 0),
        ("due_soon", dt.date(2026, 3, 20), 7)]
    assert all(occurrence_id is not None for *_rest, occurrence_id in rows)
    assert len({occurrence_id for *_rest, occurrence_id in rows}) == 3
    assert scan(MONDAY, RULES).total_created == 0
