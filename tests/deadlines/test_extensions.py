"""Extension requests (DESIGN.md §4): the lead unit asks, the office or a leader decides; status follows the
effective deadline; the original deadline stays; every request and decision is in the task's history."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.audit.services import history
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import decide_extension, post_update, request_extension, review_task
from kpi_tasks.tasks.models import TaskOccurrence
from kpi_tasks.tasks.queries import occurrence_flags, unit_stats
from kpi_tasks.tasks.services import task_status
from tests.factories import make_directive, make_task, make_unit, make_user

D = dt.date
TODAY = D(2026, 3, 16)


@pytest.fixture
def world(app_ctx):
    unit = make_unit("Phòng Văn hóa và Thông tin")
    partner = make_unit("Phòng Tư pháp")
    task = make_task(unit, deadline=D(2026, 3, 10), coordinating=[partner])  # overdue on 16/03
    return {
        "unit": unit,
        "task": task,
        "manager": make_user("unit_manager", unit),
        "partner_manager": make_user("unit_manager", partner),
        "office": make_user("office"),
        "leader": make_user("leader"),
    }


def _actions(task) -> list[str]:
    return [event.action for event in history("task", task.id)]


def test_approved_extension_turns_overdue_into_in_progress_and_a_later_completion_done_on_time(world):
    task, manager = world["task"], world["manager"]
    assert task_status(task) == "overdue"

    request = request_extension(task, manager, new_deadline=D(2026, 3, 31), reason="Chờ số liệu của các xã")
    assert request.status == "pending"
    assert request.previous_deadline == D(2026, 3, 10)
    assert task_status(task) == "overdue"  # a request alone changes nothing

    decide_extension(request, world["leader"], decision="approve", note="Đồng ý đến 31/3")
    assert request.status == "approved"
    assert (task.deadline, task.effective_deadline) == (D(2026, 3, 10), D(2026, 3, 31))
    assert task_status(task) == "in_progress"

    post_update(task, manager, progress_percent=None, note="Đã hoàn thành", report_completed=True,
                completed_on=D(2026, 3, 16))  # after the original deadline, within the extended one
    review_task(task, world["office"], decision="approve")
    assert task_status(task) == "done_on_time"

    events = history("task", task.id)
    request_event = next(e for e in events if e.action == "extension_request")
    approve_event = next(e for e in events if e.action == "extension_approve")
    assert request_event.changes["requested_deadline"] == ["2026-03-10", "2026-03-31"]
    assert request_event.note == "Chờ số liệu của các xã"
    assert approve_event.changes["effective_deadline"] == ["2026-03-10", "2026-03-31"]
    assert approve_event.actor_id == world["leader"].id


def test_rejected_extension_changes_nothing_and_is_in_the_history(world):
    task = world["task"]
    version = task.version
    request = request_extension(task, world["manager"], new_deadline=D(2026, 3, 31), reason="Thiếu người")

    with pytest.raises(ValidationError) as no_note:
        decide_extension(request, world["office"], decision="reject")
    assert "lý do" in no_note.value.fields["note"]
    decide_extension(request, world["office"], decision="reject", note="Nhiệm vụ cấp bách, không gia hạn")

    assert request.status == "rejected"
    assert (task.deadline, task.effective_deadline) == (D(2026, 3, 10), D(2026, 3, 10))
    assert task.version == version
    assert task_status(task) == "overdue"
    assert _actions(task)[-2:] == ["extension_request", "extension_reject"]
    assert history("task", task.id)[-1].note == "Nhiệm vụ cấp bách, không gia hạn"

    post_update(task, world["manager"], progress_percent=None, note="Xong", report_completed=True)
    review_task(task, world["office"], decision="approve")
    assert task_status(task) == "done_late"


def test_who_may_request_and_decide(world):
    task = world["task"]
    with pytest.raises(PermissionDenied):
        request_extension(task, world["partner_manager"], new_deadline=D(2026, 3, 31), reason="Phối hợp")
    with pytest.raises(PermissionDenied):
        request_extension(task, world["office"], new_deadline=D(2026, 3, 31), reason="Văn phòng")
    request = request_extension(task, world["manager"], new_deadline=D(2026, 3, 31), reason="Chờ số liệu")
    for not_a_decider in (world["manager"], make_user("interior"), make_user("viewer")):
        with pytest.raises(PermissionDenied):
            decide_extension(request, not_a_decider, decision="approve")
    decide_extension(request, make_user("admin"), decision="approve")


def test_request_values_are_checked(world):
    task, manager = world["task"], world["manager"]
    cases = [
        ({"new_deadline": None, "reason": "x"}, "new_deadline", "Chưa nhập"),
        ({"new_deadline": D(2026, 3, 10), "reason": "x"}, "new_deadline", "sau hạn hiện tại (10/03/2026)"),
        ({"new_deadline": D(2026, 3, 12), "reason": "x"}, "new_deadline", "trước ngày hôm nay"),
        ({"new_deadline": D(2026, 3, 31), "reason": "  "}, "reason", "Chưa nhập lý do"),
    ]
    for values, field, text in cases:
        with pytest.raises(ValidationError) as refused:
            request_extension(task, manager, **values)
        assert text in refused.value.fields[field]
    standing = make_task(world["unit"], deadline=None)
    with pytest.raises(ValidationError):
        request_extension(standing, manager, new_deadline=D(2026, 3, 31), reason="Không có hạn")


def test_one_pending_request_at_a_time_and_one_decision_per_request(world):
    task, manager = world["task"], world["manager"]
    first = request_extension(task, manager, new_deadline=D(2026, 3, 31), reason="Lần 1")
    with pytest.raises(ConflictError):
        request_extension(task, manager, new_deadline=D(2026, 4, 15), reason="Lần 2")
    decide_extension(first, world["office"], decision="approve")
    with pytest.raises(ConflictError):
        decide_extension(first, world["office"], decision="reject", note="Đổi ý")

    second = request_extension(task, manager, new_deadline=D(2026, 4, 15), reason="Lần 2")
    assert second.previous_deadline == D(2026, 3, 31)
    decide_extension(second, world["leader"], decision="approve")
    assert task.effective_deadline == D(2026, 4, 15)  # the latest approved request
    assert task.deadline == D(2026, 3, 10)


def test_no_request_once_completion_is_reported(world):
    task = world["task"]
    post_update(task, world["manager"], progress_percent=None, note="Xong", report_completed=True)
    with pytest.raises(ConflictError):
        request_extension(task, world["manager"], new_deadline=D(2026, 3, 31), reason="Muộn")


def test_statistics_count_the_tasks_that_were_extended(world):
    unit, manager = world["unit"], world["manager"]
    other = make_task(unit, deadline=D(2026, 3, 12))
    rejected = make_task(unit, deadline=D(2026, 3, 13))
    decide_extension(request_extension(world["task"], manager, new_deadline=D(2026, 3, 31), reason="a"),
                     world["office"], decision="approve")
    decide_extension(request_extension(other, manager, new_deadline=D(2026, 3, 20), reason="b"),
                     world["office"], decision="approve")
    decide_extension(request_extension(rejected, manager, new_deadline=D(2026, 3, 20), reason="c"),
                     world["office"], decision="reject", note="Không")

    [item] = unit_stats(TODAY, unit_id=unit.id)
    assert item["extended"] == 2
    assert (item["assigned"], item["in_progress"], item["overdue"]) == (3, 2, 1)


def test_an_occurrence_of_a_recurring_task_is_extended_on_its_own(world):
    unit, manager = world["unit"], world["manager"]
    directive = make_directive(issued_on=D(2026, 3, 2))
    task = make_task(unit, directive=directive, deadline=None, recurrence="weekly:fri;until=2026-03-31")
    first = db.session.scalar(sa.select(TaskOccurrence).where(TaskOccurrence.task_id == task.id,
                                                              TaskOccurrence.due_on == D(2026, 3, 6)))
    with pytest.raises(ValidationError) as which:
        request_extension(task, manager, new_deadline=D(2026, 3, 31), reason="Cả nhiệm vụ")
    assert "occurrence_id" in which.value.fields

    request = request_extension(task, manager, new_deadline=D(2026, 3, 18), reason="Máy chủ hỏng", occurrence=first)
    decide_extension(request, world["office"], decision="approve")
    assert (first.due_on, first.effective_deadline) == (D(2026, 3, 6), D(2026, 3, 18))
    assert occurrence_flags(first, TODAY, 3) == ("in_progress", True)
    assert task.effective_deadline == D(2026, 3, 13)  # the 13/03 occurrence is now the earliest open one
    assert unit_stats(TODAY, unit_id=unit.id)[0]["extended"] == 1
