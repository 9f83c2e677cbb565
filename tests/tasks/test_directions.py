"""Ý kiến chỉ đạo: a leader's direction on a task, on the task page, the unit's home page and in the API.

The world: Phòng Văn hóa và Thông tin leads a task that Phòng Tư pháp coordinates; Phòng Nội vụ has nothing
to do with it. The Vice-Chairman gives a direction; the office records one the Chairman gave at a meeting.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update
from kpi_tasks.tasks.models import Task, TaskDirection
from kpi_tasks.tasks.services import assign_staff, withdraw_task
from tests.factories import api_headers, commit, csrf_token, login, make_task, make_unit, make_user

TEXT = "Đề nghị Phòng Văn hóa và Thông tin khẩn trương hoàn thành, báo cáo kết quả trước ngày 25/03/2026."


@dataclass
class World:
    task_id: int
    users: dict[str, int]
    names: dict[str, str]
    usernames: dict[str, str]


@pytest.fixture
def world(app_ctx) -> World:
    lead, coord, other = (make_unit("Phòng Văn hóa và Thông tin"), make_unit("Phòng Tư pháp"),
                          make_unit("Phòng Nội vụ"))
    users = {
        "leader": make_user("leader"), "chairman": make_user("leader"), "office": make_user("office"),
        "viewer": make_user("viewer"), "lead_manager": make_user("unit_manager", lead),
        "lead_staff": make_user("unit_staff", lead), "coord_manager": make_user("unit_manager", coord),
        "other_manager": make_user("unit_manager", other),
    }
    users["leader"].full_name = "Trần Văn Bình"
    users["chairman"].full_name = "Nguyễn Thị Lan"
    task = make_task(lead, coordinating=[coord], title="Số hóa kết quả giải quyết thủ tục hành chính")
    assign_staff(task, users["lead_manager"], [users["lead_staff"].id])
    commit()
    return World(task.id, {key: user.id for key, user in users.items()},
                 {key: user.display_name for key, user in users.items()},
                 {key: user.username for key, user in users.items()})


def _user(world: World, key: str) -> User:
    return db.session.get(User, world.users[key])


def _login(app, world: World, role: str) -> FlaskClient:
    """A browser of its own for `role`. The tests' requests share one app context: forget the cached login."""
    vars(g).clear()
    client = app.test_client()
    login(client, world.usernames[role])
    return client


def _get(client: FlaskClient, path: str) -> str:
    vars(g).clear()
    return client.get(path).get_data(as_text=True)


def _post_form(client: FlaskClient, world: World, data: dict[str, str]):
    token = csrf_token(client, f"/tasks/{world.task_id}")
    vars(g).clear()
    return client.post(f"/tasks/{world.task_id}/directions",
                       data={**data, "csrf_token": token})


def _directions_panel(page: str) -> str:
    match = re.search(r'<div class="card mb-3 border-primary" id="directions">(.*?)</div></div>', page, re.S)
    assert match, "no directions panel on the page"
    return match.group(1)


def _history(page: str) -> str:
    match = re.search(r'<ol class="small" id="history">(.*?)</ol>', page, re.S)
    assert match
    return html.unescape(match.group(1))


def test_a_leaders_direction_is_on_the_task_page_for_everyone_who_sees_the_task(world, app):
    response = _post_form(_login(app, world, "leader"), world, {"text": TEXT})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tasks/{world.task_id}#directions")

    [direction] = db.session.scalars(sa.select(TaskDirection)).all()
    assert (direction.author_id, direction.given_by_id, direction.text) == (
        world.users["leader"], world.users["leader"], TEXT)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "direction"))
    assert (event.entity_type, event.entity_id, event.actor_id, event.note) == (
        "task", world.task_id, world.users["leader"], TEXT)

    for role in ("leader", "office", "viewer", "lead_manager", "lead_staff", "coord_manager"):
        reader = _login(app, world, role)
        page = _get(reader, f"/tasks/{world.task_id}")
        panel = html.unescape(_directions_panel(page))
        assert "<strong class=\"text-body\">Trần Văn Bình</strong></div>" in panel, role
        assert TEXT in panel, role
        history = _history(page)
        assert "Trần Văn Bình · <strong>Ý kiến chỉ đạo</strong>" in history, role
        assert f"“{TEXT}”" in history, role
        # Only leaders and the office may add one: the others see no form.
        assert ('id="direction-form"' in page) == (role in ("leader", "office")), role

    stranger = _login(app, world, "other_manager")
    vars(g).clear()
    assert stranger.get(f"/tasks/{world.task_id}").status_code == 404


def test_the_lead_unit_finds_the_new_direction_on_its_home_page_until_it_reports_progress(world, app):
    _post_form(_login(app, world, "leader"), world, {"text": TEXT})
    lead_home = _login(app, world, "lead_manager")
    page = html.unescape(_get(lead_home, "/"))
    section = page.split('id="new-directions"', 1)[1].split("</ul>", 1)[0]
    assert "Ý kiến chỉ đạo mới" in page
    assert "· Trần Văn Bình</div>" in section
    assert f'href="/tasks/{world.task_id}#directions">Số hóa kết quả giải quyết thủ tục hành chính</a>' in section
    assert TEXT in section

    staff_home = _login(app, world, "lead_staff")  # the staff member the task is handed to sees it too
    assert TEXT in html.unescape(_get(staff_home, "/"))
    # The coordinating unit sees the direction on the task page, not on its home page.
    coord_home = _login(app, world, "coord_manager")
    assert 'id="new-directions"' not in _get(coord_home, "/")

    # The coordinating unit's update does not answer for the lead unit; the lead unit's own does.
    post_update(db.session.get(Task, world.task_id), _user(world, "coord_manager"), progress_percent=None,
                note="Phòng Tư pháp đã rà soát.")
    commit()
    assert 'id="new-directions"' in _get(lead_home, "/")
    post_update(db.session.get(Task, world.task_id), _user(world, "lead_manager"), progress_percent=60,
                note="Đã số hóa 60% hồ sơ.")
    commit()
    assert 'id="new-directions"' not in _get(lead_home, "/")


def test_the_office_records_the_chairmans_direction_under_the_chairmans_name(world, app):
    client = _login(app, world, "office")
    response = _post_form(client, world, {"text": "Chủ tịch chỉ đạo: ưu tiên hồ sơ đất đai.",
                                          "given_by_id": str(world.users["chairman"])})
    assert response.status_code == 303
    direction = db.session.scalar(sa.select(TaskDirection))
    assert (direction.author_id, direction.given_by_id) == (world.users["office"], world.users["chairman"])
    page = _get(client, f"/tasks/{world.task_id}")
    panel = html.unescape(_directions_panel(page))
    assert f"Nguyễn Thị Lan</strong> · người ghi nhận: {world.names['office']}</div>" in panel
    assert "Ý kiến của lãnh đạo: — → Nguyễn Thị Lan" in _history(page)
    # The office's own direction (no leader named) says whose it is.
    _post_form(client, world, {"text": "Văn phòng nhắc đơn vị cập nhật tiến độ.", "given_by_id": "0"})
    own = html.unescape(_directions_panel(_get(client, f"/tasks/{world.task_id}")))
    assert f"{world.names['office']}</strong> (Văn phòng HĐND và UBND)</div>" in own
    # The office's form offers the active leaders by name; a leader's own form has no such choice.
    assert "Nguyễn Thị Lan (Lãnh đạo UBND)</option>" in page
    leader = _login(app, world, "leader")
    assert 'name="given_by_id"' not in _get(leader, f"/tasks/{world.task_id}")


def test_a_unit_manager_may_not_post_a_direction_and_a_blank_one_is_refused(world, app):
    assert _post_form(_login(app, world, "lead_manager"), world, {"text": TEXT}).status_code == 403
    assert _post_form(_login(app, world, "coord_manager"), world, {"text": TEXT}).status_code == 403
    assert _post_form(_login(app, world, "other_manager"), world, {"text": TEXT}).status_code == 404
    blank = _post_form(_login(app, world, "leader"), world, {"text": "   "})
    assert blank.status_code == 200
    assert "Chưa nhập nội dung ý kiến chỉ đạo." in blank.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskDirection)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "direction")) == 0


def test_the_api_posts_a_direction_and_lists_it_on_the_task(world, client):
    leader = api_headers(_user(world, "leader"))
    created = client.post(f"/api/v1/tasks/{world.task_id}/directions", json={"text": TEXT}, headers=leader)
    assert created.status_code == 201
    body = created.json
    assert {key: body[key] for key in ("task_id", "text", "given_by_id", "given_by", "author_id", "author")} == {
        "task_id": world.task_id, "text": TEXT, "given_by_id": world.users["leader"], "given_by": "Trần Văn Bình",
        "author_id": world.users["leader"], "author": "Trần Văn Bình"}
    office = api_headers(_user(world, "office"))
    recorded = client.post(f"/api/v1/tasks/{world.task_id}/directions", headers=office,
                           json={"text": "Ý kiến của Chủ tịch.", "given_by_id": world.users["chairman"]})
    assert recorded.status_code == 201
    assert (recorded.json["given_by"], recorded.json["author_id"]) == ("Nguyễn Thị Lan", world.users["office"])

    for role in ("lead_manager", "coord_manager", "viewer"):
        task = client.get(f"/api/v1/tasks/{world.task_id}", headers=api_headers(_user(world, role))).json
        assert [d["text"] for d in task["directions"]] == ["Ý kiến của Chủ tịch.", TEXT], role  # newest first
        assert [d["id"] for d in task["directions"]] == [recorded.json["id"], body["id"]]
        assert {"id", "title", "status", "history", "version"} <= set(task)  # the contract's fields stay
        assert "direction" in [event["action"] for event in task["history"]]


@pytest.mark.parametrize(("role", "status", "code"), [
    ("lead_manager", 403, "forbidden"), ("coord_manager", 403, "forbidden"), ("lead_staff", 403, "forbidden"),
    ("viewer", 403, "forbidden"), ("other_manager", 404, "not_found"),
])
def test_the_api_refuses_other_roles_with_the_error_shape(world, client, role, status, code):
    response = client.post(f"/api/v1/tasks/{world.task_id}/directions", json={"text": TEXT},
                           headers=api_headers(_user(world, role)))
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskDirection)) == 0


def test_the_api_validates_the_text_the_leader_and_the_task_state(world, client):
    url = f"/api/v1/tasks/{world.task_id}/directions"
    leader, office = api_headers(_user(world, "leader")), api_headers(_user(world, "office"))
    blank = client.post(url, json={"text": " "}, headers=leader)
    assert blank.status_code == 422
    assert set(blank.json["error"]["fields"]) == {"text"}
    not_mine = client.post(url, json={"text": TEXT, "given_by_id": world.users["chairman"]}, headers=leader)
    assert not_mine.status_code == 422
    assert set(not_mine.json["error"]["fields"]) == {"given_by_id"}
    not_a_leader = client.post(url, json={"text": TEXT, "given_by_id": world.users["viewer"]}, headers=office)
    assert not_a_leader.status_code == 422
    assert set(not_a_leader.json["error"]["fields"]) == {"given_by_id"}
    assert client.post(url, data="x", headers=leader).status_code == 400
    assert client.post("/api/v1/tasks/999999/directions", json={"text": TEXT}, headers=leader).status_code == 404
    withdraw_task(db.session.get(Task, world.task_id), _user(world, "office"), note="Không còn phù hợp")
    commit()
    withdrawn = client.post(url, json={"text": TEXT}, headers=leader)
    assert withdrawn.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TaskDirection)) == 0


def test_a_direction_cannot_be_edited_or_deleted(app):
    methods = {method for rule in app.url_map.iter_rules() if "directions" in rule.rule
               for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert methods == {"POST"}
