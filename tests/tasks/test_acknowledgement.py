"""Tiếp nhận (Must show 2): a task its lead unit has not acknowledged one working day after it was given is
listed for the office, the daily reminder job tells the unit once, and acknowledging takes it off the list.

The clock is frozen (KPI_TASKS_TODAY): the task is given on Friday 13/03/2026; the unit has Friday and Monday
16/03; on Tuesday 17/03 it is late.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi_tasks.clock import VIETNAM
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.notifications.services import ReminderSettings, scan
from kpi_tasks.tasks.services import update_task
from tests.factories import api_headers, commit, csrf_token, login, make_task, make_unit, make_user

FRIDAY, MONDAY, TUESDAY = "2026-03-13", "2026-03-16", "2026-03-17"


def _given_on_friday(monkeypatch):
    monkeypatch.setenv("KPI_TASKS_TODAY", FRIDAY)
    unit = make_unit("UBND xã Châu Ổ", kind="commune", code="CHAUO")
    manager = make_user("unit_manager", unit, "binhson.chutich")
    office = make_user("office", None, "vanphong")
    task = make_task(unit, title="Rà soát hộ nghèo năm 2026")
    commit()
    return task, manager, office


def _listed(client, office) -> list[int]:
    answer = client.get("/api/v1/tasks/unacknowledged", headers=api_headers(office))
    assert answer.status_code == 200
    return [item["id"] for item in answer.json["items"]]


def test_an_unacknowledged_task_is_listed_after_one_working_day_and_acknowledging_removes_it(
        app_ctx, client, monkeypatch):
    task, manager, office = _given_on_friday(monkeypatch)
    task_id = task.id
    for day in (FRIDAY, MONDAY):
        monkeypatch.setenv("KPI_TASKS_TODAY", day)
        assert _listed(client, office) == [], day
    monkeypatch.setenv("KPI_TASKS_TODAY", TUESDAY)
    assert _listed(client, office) == [task_id]
    login(client, office.username)
    home = client.get("/").get_data(as_text=True)
    assert "1 nhiệm vụ chưa được đơn vị tiếp nhận sau 1 ngày làm việc" in home
    page = client.get("/tasks/unacknowledged").get_data(as_text=True)
    assert "Rà soát hộ nghèo năm 2026" in page
    assert "UBND xã Châu Ổ" in page

    # The reminder job tells the head of the unit, once however often it runs.
    for _run in range(2):
        scan(dt.date(2026, 3, 17), ReminderSettings())
        commit()
    reminders = db.session.scalars(sa.select(Notification.recipient_id).where(
        Notification.kind == "unacknowledged", Notification.task_id == task_id)).all()
    assert reminders == [manager.id]
    told = client.get("/api/v1/notifications", headers=api_headers(manager)).json["items"]
    assert [item["kind"] for item in told if item["task_id"] == task_id] == ["unacknowledged", "assigned"]

    acknowledged = client.post(f"/api/v1/tasks/{task_id}/acknowledge", headers=api_headers(manager))
    assert acknowledged.status_code == 200
    # Stored in UTC: the Vietnamese Tuesday begins at 17:00 UTC on Monday.
    acknowledged_at = dt.datetime.fromisoformat(acknowledged.json["acknowledged_at"])
    assert acknowledged_at.astimezone(VIETNAM).date() == dt.date.fromisoformat(TUESDAY)
    assert acknowledged.json["acknowledged_by_id"] == manager.id
    assert acknowledged.json["history"][-1]["action"] == "acknowledge"
    assert _listed(client, office) == []
    assert "chưa được đơn vị tiếp nhận" not in client.get("/").get_data(as_text=True)


def test_the_unit_acknowledges_on_the_task_page_and_others_may_not(app_ctx, client, monkeypatch):
    task, manager, office = _given_on_friday(monkeypatch)
    other = make_user("unit_manager", make_unit("Phòng Tư pháp", code="TP"))
    commit()
    assert client.post(f"/api/v1/tasks/{task.id}/acknowledge", headers=api_headers(office)).status_code == 403
    assert client.post(f"/api/v1/tasks/{task.id}/acknowledge", headers=api_headers(other)).status_code == 404
    login(client, manager.username)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Đơn vị chủ trì chưa tiếp nhận" in page
    token = csrf_token(client, f"/tasks/{task.id}")
    response = client.post(f"/tasks/{task.id}/acknowledge", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Đã tiếp nhận" in page
    assert "Tiếp nhận nhiệm vụ</button>" not in page
    assert "Tiếp nhận nhiệm vụ" in page  # in the history


def test_a_task_handed_to_another_unit_waits_for_that_units_acknowledgement(app_ctx, client, monkeypatch):
    task, manager, office = _given_on_friday(monkeypatch)
    client.post(f"/api/v1/tasks/{task.id}/acknowledge", headers=api_headers(manager))
    new_unit = make_unit("UBND xã Bình Thạnh", kind="commune", code="BINHTHANH")
    db.session.refresh(task)
    monkeypatch.setenv("KPI_TASKS_TODAY", MONDAY)
    update_task(task, office, expected_version=task.version, title=task.title, lead_unit_id=new_unit.id,
                deadline=task.deadline)
    commit()
    assert task.acknowledged_at is None
    # Handed over on Monday: the new unit has Monday and Tuesday.
    monkeypatch.setenv("KPI_TASKS_TODAY", TUESDAY)
    assert _listed(client, office) == []
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-03-18")
    assert _listed(client, office) == [task.id]
