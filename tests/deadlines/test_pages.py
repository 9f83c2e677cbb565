"""The deadlines area through the pages, with CSRF on: deadline shapes in the task form, extension request
and decision, reporting on an occurrence, the coordinating unit's contributions as the lead unit sees them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update
from kpi_tasks.tasks.models import Task, TaskOccurrence
from tests.factories import commit, csrf_token, login, make_directive, make_task, make_unit, make_user

D = dt.date


def _post(client, path, data, page="/"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


@pytest.fixture
def world(app):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        partner = make_unit("UBND xã Bình Thạnh", kind="commune", code="BTHANH")
        make_user("office", username="vanphong")
        make_user("leader", username="chutich")
        manager = make_user("unit_manager", unit, "vhtt")
        partner_manager = make_user("unit_manager", partner, "binhthanh")
        directive = make_directive(issued_on=D(2026, 3, 2))
        task = make_task(unit, directive=directive, deadline=D(2026, 3, 10), coordinating=[partner],
                         title="Thống kê tỷ lệ số hóa")
        post_update(task, partner_manager, progress_percent=None, note="Xã Bình Thạnh đã gửi số liệu")
        post_update(task, manager, progress_percent=30, note="Đã tổng hợp 3/10 xã")
        ids = {"unit": unit.id, "partner": partner.id, "directive": directive.id, "task": task.id}
        commit()
    return ids


def test_task_form_takes_a_period_and_a_recurring_rule(app, client, world):
    login(client, "vanphong")
    form_page = f"/tasks/new/{world['directive']}"
    period = _post(client, form_page, {"title": "Báo cáo quý", "lead_unit_id": world["unit"],
                                       "deadline_kind": "period", "deadline_period": "2026-Q2"}, form_page)
    assert period.status_code == 303
    weekly = _post(client, form_page, {
        "title": "Thống kê hàng tuần", "lead_unit_id": world["unit"], "deadline_kind": "recurring",
        "recurrence": "weekly", "recurrence_weekday": "4", "recurrence_until": "31/03/2026"}, form_page)
    assert weekly.status_code == 303
    meeting = _post(client, form_page, {
        "title": "Báo cáo trước phiên họp", "lead_unit_id": world["unit"], "deadline_kind": "recurring",
        "recurrence": "monthly_meeting", "recurrence_days_before": "1", "recurrence_count": "3"}, form_page)
    assert meeting.status_code == 303
    bad = _post(client, form_page, {"title": "Sai", "lead_unit_id": world["unit"], "deadline_kind": "recurring",
                                    "recurrence": "yearly", "recurrence_month": "2", "recurrence_until": ""},
                form_page)
    assert bad.status_code == 200
    assert "cần cả ngày và tháng" in bad.get_data(as_text=True)
    with app.app_context():
        rows = {t.title: t for t in db.session.scalars(sa.select(Task))}
        assert (rows["Báo cáo quý"].deadline, rows["Báo cáo quý"].deadline_period) == (D(2026, 6, 30), "2026-Q2")
        assert rows["Thống kê hàng tuần"].recurrence == "weekly:fri;until=2026-03-31"
        assert rows["Báo cáo trước phiên họp"].recurrence == "monthly:day-1-before-meeting;count=3"
        weekly_id = rows["Thống kê hàng tuần"].id
        period_id = rows["Báo cáo quý"].id

    page = client.get(f"/tasks/{weekly_id}").get_data(as_text=True)
    assert "Định kỳ vào thứ Sáu hàng tuần, đến ngày 31/03/2026" in page
    assert page.count("data-occurrence=") == 4  # 06/03 … 27/03
    assert "Trong kỳ 2026-Q2 (đến hết ngày 30/06/2026)" in client.get(f"/tasks/{period_id}").get_data(as_text=True)
    edit = client.get(f"/tasks/{weekly_id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="weekly">', edit)
    assert 'value="31/03/2026"' in edit


def test_extension_request_and_decision_through_the_pages(client, world):
    task_path = f"/tasks/{world['task']}"
    login(client, "vhtt")
    page = client.get(task_path).get_data(as_text=True)
    assert 'id="extension-form"' in page
    empty = _post(client, f"{task_path}/extension-requests", {"new_deadline": "", "reason": ""}, task_path)
    assert empty.status_code == 200
    assert "Chưa nhập lý do đề nghị gia hạn." in empty.get_data(as_text=True)
    sent = _post(client, f"{task_path}/extension-requests",
                 {"new_deadline": "31/03/2026", "reason": "Chờ số liệu các xã"}, task_path)
    assert sent.status_code == 303
    page = client.get(task_path).get_data(as_text=True)
    assert 'data-status="pending"' in page
    assert 'id="extension-form"' not in page  # one pending request at a time
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "chutich")
    listing = client.get("/extension-requests").get_data(as_text=True)
    assert "Thống kê tỷ lệ số hóa" in listing
    request_id = re.search(r'data-extension="(\d+)"', listing).group(1)
    decided = _post(client, f"/extension-requests/{request_id}/decision",
                    {"decision": "approve", "note": "Đồng ý", "back": "list"}, "/extension-requests")
    assert decided.status_code == 303
    assert decided.headers["Location"].endswith("/extension-requests")
    page = client.get(task_path).get_data(as_text=True)
    assert 'data-status="in_progress"' in page
    assert "Hạn sau gia hạn: <strong>31/03/2026</strong>" in page
    history = page.split('id="history"')[1]
    assert "<strong>Đề nghị gia hạn</strong>" in history
    assert "<strong>Đồng ý gia hạn</strong>" in history


def test_the_lead_unit_sees_coordinating_contributions_labelled(client, world):
    login(client, "vhtt")
    page = client.get(f"/tasks/{world['task']}").get_data(as_text=True)
    updates = page.split('id="updates"')[1].split("</ul>")[0]
    items = updates.split('<li class="list-group-item">')[1:]
    partner_item = next(item for item in items if "Xã Bình Thạnh đã gửi số liệu" in item)
    lead_item = next(item for item in items if "Đã tổng hợp 3/10 xã" in item)
    assert "Đơn vị phối hợp" in partner_item
    assert "UBND xã Bình Thạnh" in partner_item
    assert "Đơn vị phối hợp" not in lead_item


def test_reporting_on_an_occurrence_through_its_page(app, client, world):
    with app.app_context():
        unit = db.session.get(Task, world["task"]).lead_unit
        task = make_task(unit, directive=make_directive(issued_on=D(2026, 3, 2)), deadline=None,
                         recurrence="weekly:fri;until=2026-03-31", title="Báo cáo tuần")
        occurrence_id = db.session.scalar(sa.select(TaskOccurrence.id).where(
            TaskOccurrence.task_id == task.id, TaskOccurrence.due_on == D(2026, 3, 6)))
        task_id = task.id
        commit()
    path = f"/tasks/{task_id}/occurrences/{occurrence_id}"
    login(client, "vhtt")
    page = client.get(path).get_data(as_text=True)
    assert "Kỳ báo cáo 02/03/2026 – 06/03/2026" in page
    assert 'data-status="overdue"' in page
    reported = _post(client, f"{path}/updates", {"note": "Đã gửi", "report_completed": "y",
                                                 "completed_on": "2026-03-06", "version": _version(page)}, path)
    assert reported.status_code == 303
    assert 'data-status="awaiting_review"' in client.get(path).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "vanphong")
    page = client.get(path).get_data(as_text=True)
    confirmed = _post(client, f"{path}/review", {"decision": "approve", "version": _version(page)}, path)
    assert confirmed.status_code == 303
    assert 'data-status="done_on_time"' in client.get(path).get_data(as_text=True)
    listing = client.get(f"/tasks/{task_id}/occurrences").get_data(as_text=True)
    assert listing.count("data-occurrence=") == 4
