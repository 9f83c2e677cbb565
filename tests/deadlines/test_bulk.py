"""One instruction to every unit of a kind ("Giao UBND các xã, thị trấn …") makes one task per unit, each
tracked on its own and grouped under the instruction, in one request."""

from __future__ import annotations

import re

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.demo.seed import seed_demo
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task, TaskGroup
from kpi_tasks.units.models import Unit
from tests.factories import api_headers, commit, csrf_token, login


def _demo(app):
    with app.app_context():
        seed_demo()
        commit()
        communes = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.kind == "commune")).all())
        directive_id = db.session.scalar(sa.select(Directive.id).order_by(Directive.id).limit(1))
        office = db.session.scalar(sa.select(User).where(User.username == "vanphong"))
        headers = api_headers(office)
        tasks_before = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
    return communes, directive_id, headers, tasks_before


def test_bulk_assignment_to_all_communes_of_the_demo_province_in_one_request(app, client):
    communes, directive_id, headers, tasks_before = _demo(app)
    assert len(communes) == 10

    answer = client.post(f"/api/v1/directives/{directive_id}/tasks", headers=headers, json={
        "title": "Rà soát, cập nhật danh mục thủ tục hành chính cấp xã", "lead_unit_kind": "commune",
        "deadline_period": "2026-Q2"})

    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["total"] == len(communes) == len(body["items"])
    assert sorted(item["lead_unit_id"] for item in body["items"]) == sorted(communes)
    assert {item["group_id"] for item in body["items"]} == {body["group_id"]}
    assert {item["deadline"] for item in body["items"]} == {"2026-06-30"}
    assert {item["status"] for item in body["items"]} == {"in_progress"}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == tasks_before + len(communes)
        group = db.session.get(TaskGroup, body["group_id"])
        assert (group.unit_kind, group.directive_id) == ("commune", directive_id)

    # Each commune's copy is its own task: one commune's progress leaves the others untouched.
    binh_son = next(item for item in body["items"] if communes[item["lead_unit_id"]] == "Xã Bình Sơn")
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.username == "binhson.chutich"))
        manager_headers = api_headers(manager)
    update = client.post(f"/api/v1/tasks/{binh_son['id']}/updates", headers=manager_headers,
                         json={"progress_percent": 60, "note": "Đã rà soát 60%"})
    assert update.status_code == 201
    listed = client.get(f"/api/v1/tasks?directive_id={directive_id}&per_page=200", headers=headers).json["items"]
    progress = {item["lead_unit_id"]: item["progress_percent"] for item in listed if item["group_id"]}
    assert progress[binh_son["lead_unit_id"]] == 60
    assert sorted(progress.values()).count(0) == len(communes) - 1


def test_bulk_assignment_refuses_bad_input_and_creates_nothing(app, client):
    communes, directive_id, headers, tasks_before = _demo(app)
    with app.app_context():
        groups_before = db.session.scalar(sa.select(sa.func.count()).select_from(TaskGroup))
    some_commune = next(iter(communes))
    cases = [
        ({"title": "Việc", "lead_unit_kind": "province"}, "lead_unit_kind"),
        ({"title": "Việc", "lead_unit_kind": "commune", "lead_unit_id": some_commune}, "lead_unit_kind"),
        ({"title": "", "lead_unit_kind": "commune"}, "title"),
        ({"title": "Việc", "lead_unit_kind": "commune", "deadline_period": "2026-Q5"}, "deadline_period"),
    ]
    for body, field in cases:
        answer = client.post(f"/api/v1/directives/{directive_id}/tasks", headers=headers, json=body)
        assert answer.status_code == 422, answer.json
        assert field in answer.json["error"]["fields"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == tasks_before
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskGroup)) == groups_before


def test_bulk_assignment_from_the_task_form(app, client):
    communes, directive_id, _, tasks_before = _demo(app)
    login(client, "vanphong", "demo1234")
    form = client.get(f"/tasks/new/{directive_id}").get_data(as_text=True)
    assert "UBND các xã, phường, đặc khu" in form

    answer = client.post(f"/tasks/new/{directive_id}", data={
        "title": "Báo cáo kết quả số hóa hồ sơ", "lead_unit_id": "0", "lead_unit_kind": "commune",
        "deadline_kind": "recurring", "recurrence": "quarterly", "recurrence_weekday": "4", "recurrence_day": "25",
        "recurrence_until": "2026-12-31", "csrf_token": csrf_token(client, f"/tasks/new/{directive_id}")})

    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert f"cho {len(communes)} đơn vị" in page
    with app.app_context():
        created = list(db.session.scalars(sa.select(Task).order_by(Task.id)))[tasks_before:]
        assert len(created) == len(communes)
        assert {task.recurrence for task in created} == {"quarterly:day25-last-month;until=2026-12-31"}
        assert len({task.group_id for task in created}) == 1
    group_page = client.get(f"/task-groups/{created[0].group_id}").get_data(as_text=True)
    assert len(set(re.findall(r'href="/tasks/(\d+)"', group_page))) == len(communes)
