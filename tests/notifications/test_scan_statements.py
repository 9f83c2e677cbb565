"""The scan's cost does not grow with the data: a second scan on the same day finds its notifications with a
constant number of statements, and inserts only what is missing."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import ReminderSettings, add_notifications, scan
from tests.factories import commit, make_directive, make_task, make_unit, make_user, sent_statements
from tests.notifications.helpers import DUE_IN_TWO, MONDAY, OVERDUE_ONE

RULES = ReminderSettings(offsets=(7, 3, 1), escalate_after=5)


def _inserts(sent: list[str]) -> list[str]:
    return [statement for statement in sent if statement.lstrip().upper().startswith("INSERT INTO NOTIFICATIONS")]


def _notifications() -> int:
    # The scan's own (giving the tasks also told their units, once each).
    return db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind.in_(("due_soon", "overdue"))))


def test_a_second_scan_issues_the_same_few_statements_for_5_tasks_as_for_60(app_ctx):
    lead, coord = make_unit(), make_unit()
    make_user("unit_manager", lead)
    make_user("unit_manager", coord)
    directive = make_directive(make_user("office"))

    def add_tasks(count: int) -> None:
        # Due soon: the lead and the coordinating unit's managers; overdue: the lead manager and the office.
        for n in range(count):
            make_task(lead, deadline=DUE_IN_TWO if n % 2 else OVERDUE_ONE, directive=directive, coordinating=[coord])
        commit()

    def scan_twice(expected_created: int) -> tuple[int, int]:
        with sent_statements() as first_sent:
            first = scan(MONDAY, RULES)
            commit()
        assert first.total_created == expected_created
        with sent_statements() as second_sent:
            second = scan(MONDAY, RULES)
            commit()
        assert second.total_created == 0
        assert _inserts(second_sent) == []  # what exists is left out before any INSERT is sent
        return len(first_sent), len(second_sent)

    add_tasks(5)
    small_first, small_second = scan_twice(expected_created=2 * 5)
    assert _notifications() == 10

    add_tasks(55)  # the 5 tasks' notifications exist: only the 55 new tasks' are created
    large_first, large_second = scan_twice(expected_created=2 * 55)
    assert _notifications() == 2 * 60
    assert large_second == small_second
    assert large_first == small_first
    assert small_second < 60


def test_add_notifications_counts_only_the_rows_it_inserted(app_ctx):
    users = [make_user("unit_staff", make_unit()) for _ in range(3)]
    commit()
    rows = [{"recipient_id": user.id, "kind": "due_soon", "dedup_key": "k:1"} for user in users]
    assert add_notifications(rows[:1]) == ["due_soon"]
    # One already there, one given twice, one new: two inserted, each once.
    again = [*rows, rows[1], {"recipient_id": users[0].id, "kind": "overdue", "dedup_key": "k:2"}]
    assert sorted(add_notifications(again)) == ["due_soon", "due_soon", "overdue"]
    assert add_notifications(again) == []
    assert add_notifications([]) == []
    assert _notifications() == 4
    keys = set(db.session.execute(sa.select(Notification.recipient_id, Notification.dedup_key)).all())
    assert keys == {(user.id, "k:1") for user in users} | {(users[0].id, "k:2")}
