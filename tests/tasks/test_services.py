"""The task workflow rules of DESIGN.md §4, tested on the services directly."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from kpi_tasks.audit.services import history
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update, review_task
from kpi_tasks.tasks.models import ProgressUpdate, Task
from kpi_tasks.tasks.services import assign_staff, create_task, task_status, update_task, withdraw_task
from tests.factories import commit, make_directive, make_task, make_unit, make_user

TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def unit(app_ctx):
    return make_unit("Phòng Văn hóa và Thông tin")


def test_open_task_is_in_progress_until_its_deadline_then_overdue(unit):
    due_today = make_task(unit, deadline=TODAY)
    due_yesterday = make_task(unit, deadline=TODAY - dt.timedelta(days=1))
    standing = make_task(unit, deadline=None)

    assert task_status(due_today) == "in_progress"
    assert task_status(due_yesterday) == "overdue"
    assert task_status(standing) == "ongoing"
    assert task_status(standing, on=dt.date(2030, 1, 1)) == "ongoing"


def test_completion_reported_then_approved_is_done_on_time_or_late(unit):
    manager = make_user("unit_manager", unit)
    office = make_user("office")
    on_time = make_task(unit, deadline=dt.date(2026, 3, 10))
    late = make_task(unit, deadline=dt.date(2026, 3, 10))

    post_update(on_time, manager, progress_percent=None, note="Xong", report_completed=True,
                completed_on=dt.date(2026, 3, 10))
    post_update(late, manager, progress_percent=None, note="Xong", report_completed=True,
                completed_on=dt.date(2026, 3, 11))
    assert task_status(on_time) == "awaiting_review"

    review_task(on_time, office, decision="approve")
    review_task(late, office, decision="approve")
    assert task_status(on_time) == "done_on_time"
    assert task_status(late) == "done_late"
    assert late.completed_on == dt.date(2026, 3, 11)


def test_returned_completion_goes_back_to_open_with_the_note(unit):
    manager, office = make_user("unit_manager", unit), make_user("office")
    task = make_task(unit, deadline=dt.date(2026, 3, 1))
    post_update(task, manager, progress_percent=None, note="", report_completed=True)

    with pytest.raises(ValidationError):
        review_task(task, office, decision="return", note="")
    review_task(task, office, decision="return", note="Thiếu báo cáo kết quả")

    assert task_status(task) == "overdue"
    assert task.review_note == "Thiếu báo cáo kết quả"
    assert task.completion_reported_on is None


def test_withdrawn_task_leaves_statistics(unit):
    task = make_task(unit)
    withdraw_task(task, make_user("office"), note="Trùng nhiệm vụ")
    assert task_status(task) == "withdrawn"


def test_only_the_lead_unit_reports_completion_coordinating_unit_contributes(unit):
    partner = make_unit("Phòng Tư pháp")
    task = make_task(unit, coordinating=[partner])
    partner_manager = make_user("unit_manager", partner)

    with pytest.raises(ValidationError) as excinfo:
        post_update(task, partner_manager, progress_percent=None, note="Đã xong", report_completed=True)
    assert "report_completed" in excinfo.value.fields

    update = post_update(task, partner_manager, progress_percent=None, note="Đã gửi số liệu phối hợp")
    assert isinstance(update, ProgressUpdate)
    assert task.progress_percent == 0  # a contribution does not move the lead unit's progress


def test_unit_outside_the_task_cannot_post(unit):
    stranger = make_user("unit_manager", make_unit("Phòng Y tế"))
    with pytest.raises(PermissionDenied):
        post_update(make_task(unit), stranger, progress_percent=10, note="")


def test_staff_posts_only_when_the_task_is_handed_to_them(unit):
    manager, staff = make_user("unit_manager", unit), make_user("unit_staff", unit)
    task = make_task(unit)
    with pytest.raises(PermissionDenied):
        post_update(task, staff, progress_percent=10, note="")
    assign_staff(task, manager, [staff.id])
    post_update(task, staff, progress_percent=10, note="Bắt đầu")
    assert task.progress_percent == 10


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"progress_percent": 120, "note": ""}, "progress_percent"),
        ({"progress_percent": None, "note": "", "report_completed": True, "completed_on": dt.date(2026, 3, 17)},
         "completed_on"),
        ({"progress_percent": None, "note": "", "report_completed": True, "completed_on": dt.date(2025, 1, 1)},
         "completed_on"),
        ({"progress_percent": 10, "note": "x" * 20_001}, "note"),
    ],
)
def test_bad_progress_input_is_refused_with_a_vietnamese_message(unit, values, field):
    manager = make_user("unit_manager", unit)
    task = make_task(unit)
    with pytest.raises(ValidationError) as excinfo:
        post_update(task, manager, **values)
    assert field in excinfo.value.fields
    assert task.state == "open"


def test_deadline_before_the_issue_date_is_refused(unit):
    directive = make_directive(issued_on=dt.date(2026, 2, 1))
    with pytest.raises(ValidationError) as excinfo:
        make_task(unit, deadline=dt.date(2026, 1, 31), directive=directive)
    assert "trước ngày ban hành" in excinfo.value.fields["deadline"]


def test_deadline_in_working_days_counts_from_the_issue_date(unit):
    # 13/02/2026 is the last working day before the Tết 2026 break.
    directive = make_directive(issued_on=dt.date(2026, 2, 13))
    task = make_task(unit, deadline=None, deadline_working_days=5, directive=directive)
    assert task.deadline == dt.date(2026, 2, 27)
    assert task.deadline_kind == "working_days"


def test_confidential_directive_takes_no_tasks(unit):
    directive = make_directive(confidential=True)
    with pytest.raises(ValidationError):
        make_task(unit, directive=directive)


def test_stale_version_is_a_conflict_and_changes_nothing(unit):
    office = make_user("office")
    task = make_task(unit, title="Tên cũ")
    version = task.version
    update_task(task, office, expected_version=version, title="Tên mới", lead_unit_id=unit.id,
                deadline=task.deadline)
    with pytest.raises(ConflictError):
        update_task(task, office, expected_version=version, title="Tên khác", lead_unit_id=unit.id,
                    deadline=task.deadline)
    assert task.title == "Tên mới"


def test_a_save_that_lands_after_the_version_check_is_refused_by_the_database(unit):
    """Two requests both pass the version check; the one that writes second finds the row changed
    (UPDATE … WHERE version = n matches nothing) and saves nothing: the first writer's change is kept."""
    office = make_user("office")
    task = make_task(unit, title="Tên ban đầu")
    commit()
    version = task.version
    with db.engine.begin() as other_request:  # its own connection and transaction, committed at once
        other_request.execute(sa.update(Task).where(Task.id == task.id).values(
            title="Tên của người thứ nhất", version=Task.version + 1))

    with pytest.raises(StaleDataError):
        update_task(task, office, expected_version=version, title="Tên của người thứ hai", lead_unit_id=unit.id,
                    deadline=task.deadline)
    db.session.rollback()
    assert db.session.get(Task, task.id).title == "Tên của người thứ nhất"
    assert [event.action for event in history("task", task.id)] == ["create"]


def test_every_change_is_in_the_history(unit):
    manager, office = make_user("unit_manager", unit), make_user("office")
    task = make_task(unit)
    post_update(task, manager, progress_percent=30, note="Đang làm")
    post_update(task, manager, progress_percent=None, note="Xong", report_completed=True)
    review_task(task, office, decision="approve", note="Đạt")

    events = history("task", task.id)
    assert [e.action for e in events] == ["create", "progress", "report_completion", "approve"]
    assert events[1].changes["progress_percent"] == [0, 30]
    assert events[1].actor_id == manager.id
    assert events[3].note == "Đạt"


def test_a_unit_that_stopped_working_keeps_its_tasks_editable_but_gets_no_new_ones(unit):
    office = make_user("office")
    partner = make_unit("UBND xã Bình Thạnh", kind="commune")
    task = make_task(unit, coordinating=[partner])
    unit.active = partner.active = False
    db.session.flush()

    update_task(task, office, expected_version=task.version, title="Tên đã sửa", lead_unit_id=unit.id,
                coordinating_unit_ids=[partner.id], deadline=task.deadline)
    assert task.title == "Tên đã sửa"

    with pytest.raises(ValidationError) as refused:
        create_task(task.directive, office, title="Việc mới", lead_unit_id=unit.id, coordinating_unit_ids=[partner.id])
    assert refused.value.fields == {
        "lead_unit_id": "Đơn vị chủ trì “Phòng Văn hóa và Thông tin” đã ngừng hoạt động.",
        "coordinating_unit_ids": "Đơn vị phối hợp đã ngừng hoạt động: UBND xã Bình Thạnh.",
    }
