"""Corrections (tasks/corrections.py) by API and page: withdraw a task or a directive, hand a task to another lead
unit, grant another date than asked, delete what was never real, undo an intake confirmation of the day; and a
deadline that cannot be lost (its kind is chosen, an empty value under a dated kind is refused)."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.audit.services import history
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import assign_staff
from tests.factories import (
    api_headers,
    commit,
    form_post,
    login,
    make_directive,
    make_task,
    make_unit,
    make_user,
)


@pytest.fixture
def world(app_ctx):
    lead, other = make_unit("Phòng Văn hóa và Thông tin", code="VHTT"), make_unit("Phòng Tư pháp", code="TP")
    users = {"office": make_user("office"), "admin": make_user("admin"), "manager": make_user("unit_manager", lead),
             "staff": make_user("unit_staff", lead), "leader": make_user("leader")}
    directive = make_directive(users["office"], issued_on=dt.date(2026, 3, 2), number="287/UBND-VP")
    task = make_task(lead, directive=directive, deadline=dt.date(2026, 3, 10), title="Rà soát thủ tục")
    commit()
    return {"lead": lead, "other": other, "directive": directive, "task": task, **users}


def _events(task_id):
    return [(event.action, event.note) for event in history("task", task_id)]


def test_withdraw_by_api_takes_the_task_out_of_the_statistics_and_is_in_the_history(client, world):
    office = api_headers(world["office"])
    task_id, lead_id = world["task"].id, world["lead"].id
    before = client.get("/api/v1/stats/units", headers=office).json["items"]
    assert [(i["unit_id"], i["assigned"], i["overdue"]) for i in before if i["unit_id"] == lead_id] == [(lead_id, 1, 1)]

    refused = client.post(f"/api/v1/tasks/{task_id}/withdraw", headers=office, json={"note": " "})
    assert refused.status_code == 422
    assert "note" in refused.json["error"]["fields"]
    manager = client.post(f"/api/v1/tasks/{task_id}/withdraw", headers=api_headers(world["manager"]),
                          json={"note": "Nhập nhầm"})
    assert manager.status_code == 403

    done = client.post(f"/api/v1/tasks/{task_id}/withdraw", headers=office, json={"note": "Văn bản đã bị thay thế"})
    assert done.status_code == 200, done.json
    assert done.json["status"] == "withdrawn"
    assert ("withdraw", "Văn bản đã bị thay thế") in [(e["action"], e["note"]) for e in done.json["history"]]
    after = client.get("/api/v1/stats/units", headers=office).json["items"]
    assert all(item["assigned"] == 0 for item in after if item["unit_id"] == lead_id)
    again = client.post(f"/api/v1/tasks/{task_id}/withdraw", headers=office, json={"note": "Lần nữa"})
    assert again.status_code == 409


def test_a_decision_with_another_date_sets_that_effective_deadline(client, world):
    task_id = world["task"].id
    asked = client.post(f"/api/v1/tasks/{task_id}/extension-requests", headers=api_headers(world["manager"]),
                        json={"new_deadline": "2026-04-30", "reason": "Chờ số liệu các xã"})
    assert asked.status_code == 201, asked.json
    leader = api_headers(world["leader"])
    path = f"/api/v1/extension-requests/{asked.json['id']}/decision"
    early = client.post(path, headers=leader, json={"decision": "approve", "new_deadline": "2026-03-05"})
    assert early.status_code == 422
    assert "new_deadline" in early.json["error"]["fields"]

    decided = client.post(path, headers=leader, json={"decision": "approve", "new_deadline": "2026-04-15",
                                                      "note": "Đồng ý đến giữa tháng 4"})
    assert decided.status_code == 200, decided.json
    assert (decided.json["new_deadline"], decided.json["granted_deadline"]) == ("2026-04-30", "2026-04-15")
    task = decided.json["task"]
    assert (task["deadline"], task["effective_deadline"], task["status"]) == ("2026-03-10", "2026-04-15",
                                                                               "in_progress")
    approve = next(e for e in task["history"] if e["action"] == "extension_approve")
    assert approve["changes"]["effective_deadline"] == ["2026-03-10", "2026-04-15"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"deadline_kind": "date"}, "deadline"),
        ({"deadline_kind": "working_days"}, "deadline_working_days"),
        ({}, "deadline_kind"),
        ({"deadline_kind": "none", "deadline": "2026-04-01"}, "deadline_kind"),
    ],
)
def test_a_task_without_its_deadline_is_refused_by_the_api(client, world, body, field):
    directive_id = world["directive"].id
    response = client.post(f"/api/v1/directives/{directive_id}/tasks", headers=api_headers(world["office"]),
                           json={"title": "Việc mới", "lead_unit_id": world["lead"].id, **body})
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert db.session.query(Task).filter_by(title="Việc mới").count() == 0


def test_a_standing_task_is_said_so(client, world):
    response = client.post(f"/api/v1/directives/{world['directive'].id}/tasks", headers=api_headers(world["office"]),
                           json={"title": "Việc thường xuyên", "lead_unit_id": world["lead"].id,
                                 "deadline_kind": "none"})
    assert response.status_code == 201, response.json
    assert (response.json["deadline_kind"], response.json["status"]) == ("none", "ongoing")


def test_the_form_refuses_an_empty_date_and_keeps_what_was_typed(client, world):
    login(client, world["office"].username)
    path = f"/tasks/new/{world['directive'].id}"
    page = form_post(client, path, {"title": "Tổng kết phong trào", "lead_unit_id": world["lead"].id,
                                    "deadline_kind": "date", "deadline": ""}, page=path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Chưa nhập hạn xử lý" in text
    assert 'value="Tổng kết phong trào"' in text
    assert db.session.query(Task).filter_by(title="Tổng kết phong trào").count() == 0


def test_reassigning_keeps_the_history_and_releases_the_former_units_officers(client, world):
    task = world["task"]
    assign_staff(task, world["manager"], [world["staff"].id])
    post_update(task, world["manager"], progress_percent=20, note="Đã họp triển khai")
    commit()
    login(client, world["office"].username)
    page = f"/tasks/{task.id}"
    refused = form_post(client, f"/tasks/{task.id}/corrections", {"action": "reassign", "lead_unit_id": 0,
                                                                  "note": "Đúng chức năng", "version": task.version},
                        page=page)
    assert refused.status_code == 200
    assert "Chưa chọn đơn vị chủ trì" in refused.get_data(as_text=True)
    moved = form_post(client, f"/tasks/{task.id}/corrections",
                      {"action": "reassign", "lead_unit_id": world["other"].id, "note": "Đúng chức năng quản lý",
                       "version": task.version}, page=page)
    assert moved.status_code == 303
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert (task.lead_unit_id, task.assignees, task.progress_percent) == (world["other"].id, [], 20)
    assert ("reassign", "Đúng chức năng quản lý") in _events(task.id)
    assert "progress" in [action for action, _ in _events(task.id)]


def test_the_panels_form_comes_when_opened_and_without_javascript_on_a_page_of_its_own(client, world):
    task = world["task"]
    login(client, world["office"].username)
    page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    panel = f'hx-get="/tasks/{task.id}/corrections" hx-trigger="toggle once from:closest details"'
    assert "Điều chỉnh: thu hồi, chuyển đơn vị chủ trì" in page
    assert panel in page
    assert "Đơn vị chủ trì mới" not in page
    assert f'<a href="/tasks/{task.id}/corrections">' in page
    opened = client.get(f"/tasks/{task.id}/corrections",
                        headers={"HX-Request": "true", "HX-Target": "correction-form"}).get_data(as_text=True)
    assert "<html" not in opened
    assert f'action="/tasks/{task.id}/corrections"' in opened
    assert f'<option value="{world["other"].id}">Phòng Tư pháp</option>' in opened
    assert f'<option value="{world["lead"].id}">' not in opened
    assert 'value="delete"' not in opened
    assert f'name="version" type="hidden" value="{task.version}"' in opened
    whole = client.get(f"/tasks/{task.id}/corrections").get_data(as_text=True)
    assert "<html" in whole
    assert f'<option value="{world["other"].id}">Phòng Tư pháp</option>' in whole


def test_the_panels_form_offers_deletion_to_the_administrator(client, world):
    login(client, world["admin"].username)
    assert 'value="delete"' in client.get(f"/tasks/{world['task'].id}/corrections").get_data(as_text=True)


def test_a_refused_correction_shows_its_form_open_on_the_task_page(client, world):
    task = world["task"]
    login(client, world["office"].username)
    refused = form_post(client, f"/tasks/{task.id}/corrections", {"note": "Nhầm", "version": task.version},
                        page=f"/tasks/{task.id}").get_data(as_text=True)
    assert "Chưa chọn cách điều chỉnh" in refused
    assert 'id="corrections" open' in refused
    assert f'<option value="{world["other"].id}">Phòng Tư pháp</option>' in refused
    assert 'hx-trigger="toggle once from:closest details"' not in refused


def test_the_lead_units_manager_is_not_given_the_panel_nor_its_form(client, world):
    task = world["task"]
    login(client, world["manager"].username)
    assert "Điều chỉnh: thu hồi" not in client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert client.get(f"/tasks/{task.id}/corrections").status_code == 403


def test_a_withdrawn_task_has_no_panel_nor_form_any_more(client, world):
    task, office = world["task"], client
    login(office, world["office"].username)
    assert office.get(f"/tasks/{task.id}/corrections").status_code == 200
    withdrawn = form_post(office, f"/tasks/{task.id}/corrections",
                          {"action": "withdraw", "note": "Nhầm", "version": task.version}, page=f"/tasks/{task.id}")
    assert withdrawn.status_code == 303
    assert "Điều chỉnh: thu hồi" not in office.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert office.get(f"/tasks/{task.id}/corrections").status_code == 403


def test_withdrawing_a_directive_withdraws_its_tasks(client, world):
    second = make_task(world["lead"], directive=world["directive"], deadline=None)
    commit()
    login(client, world["office"].username)
    path = f"/directives/{world['directive'].id}"
    assert "Thu hồi văn bản" in client.get(path).get_data(as_text=True)
    response = form_post(client, f"{path}/withdraw", {"note": "Văn bản bị hủy bỏ"}, page=path)
    assert response.status_code == 303
    db.session.expire_all()
    assert {db.session.get(Task, i).state for i in (world["task"].id, second.id)} == {"withdrawn"}
    assert ("withdraw", "Văn bản bị hủy bỏ") in _events(second.id)


def test_only_the_admin_deletes_and_only_what_no_one_worked_on(client, world):
    task_id = world["task"].id
    worked = make_task(world["lead"], directive=world["directive"])
    post_update(worked, world["manager"], progress_percent=10, note="Bắt đầu")
    commit()
    office, admin = api_headers(world["office"]), api_headers(world["admin"])
    assert client.delete(f"/api/v1/tasks/{task_id}", headers=office, json={"note": "Nhập thử"}).status_code == 403
    assert client.delete(f"/api/v1/tasks/{worked.id}", headers=admin, json={"note": "Nhập thử"}).status_code == 409
    assert client.delete(f"/api/v1/tasks/{task_id}", headers=admin, json={"note": "Nhập thử"}).status_code == 204
    assert client.get(f"/api/v1/tasks/{task_id}", headers=admin).status_code == 404
    assert ("delete", "Nhập thử") in _events(task_id)


def test_one_search_finds_a_task_by_its_directives_number_its_text_or_its_unit(client, world):
    make_task(world["other"], directive=make_directive(world["office"]), title="Báo cáo công tác hộ tịch")
    commit()
    office = api_headers(world["office"])

    def found(q: str) -> list[str]:
        return sorted(item["title"] for item in client.get("/api/v1/tasks", headers=office,
                                                           query_string={"q": q}).json["items"])

    assert found("287/UBND-VP") == ["Rà soát thủ tục"]
    assert found("ho tich") == ["Báo cáo công tác hộ tịch"]
    assert found("phong tu phap") == ["Báo cáo công tác hộ tịch"]
    login(client, world["office"].username)
    assert "287/UBND-VP" in client.get("/directives/?q=287/ubnd-vp").get_data(as_text=True)
    assert 'id="top-search"' in client.get("/").get_data(as_text=True)
