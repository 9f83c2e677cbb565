"""Committees (API.md "Organisations", issue 21's Must show 1): a province gives a task to commune A, A breaks it
down for its own departments, the province reads the breakdown's progress; commune B sees none of A's own work,
and A gives no task outside its own units."""

from __future__ import annotations

import pytest
from flask import g

from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit
from tests.factories import api_headers, commit, csrf_token, login, make_user


@pytest.fixture
def province(app_ctx):
    """A province department, communes A and B (committees), their departments, and the users who act."""
    units: dict[str, Unit] = {
        "so": create_unit("STP", "Sở Tư pháp", "department"),
        "a": create_unit("21211", "Xã Tịnh Khê", "commune", is_committee=True),
        "b": create_unit("21214", "Xã Tịnh Hòa", "commune", is_committee=True),
    }
    units["a_kt"] = create_unit("21211-KT", "Phòng Kinh tế xã Tịnh Khê", "department", units["a"].id)
    units["a_vh"] = create_unit("21211-VHXH", "Phòng Văn hóa - Xã hội xã Tịnh Khê", "department", units["a"].id)
    units["b_kt"] = create_unit("21214-KT", "Phòng Kinh tế xã Tịnh Hòa", "department", units["b"].id)
    users = {
        "province": make_user("office", username="vp_tinh"),
        "province_leader": make_user("leader", username="ld_tinh"),
        "a_office": make_user("office", units["a"], username="vp_tinhkhe"),
        "a_kt": make_user("unit_manager", units["a_kt"], username="kt_tinhkhe"),
        "b_office": make_user("office", units["b"], username="vp_tinhhoa"),
        "b_kt": make_user("unit_manager", units["b_kt"], username="kt_tinhhoa"),
    }
    commit()
    headers = {name: api_headers(user) for name, user in users.items()}
    return units, headers


def _directive(client, headers, number):
    response = client.post("/api/v1/directives", headers=headers, json={
        "number": number, "issued_on": "2026-03-02", "issuer": "UBND", "subject": "V/v chuyển đổi số"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _task(units, lead, title="Việc", deadline="2026-04-30", **extra):
    return {"title": title, "lead_unit_id": units[lead].id, "deadline": deadline, **extra}


def test_a_province_task_is_broken_down_by_the_commune_and_its_progress_rolls_up(client, province):
    units, h = province
    directive = _directive(client, h["province"], "12/KH-UBND")
    given = client.post(f"/api/v1/directives/{directive}/tasks", headers=h["province"], json=_task(units, "a"))
    assert given.status_code == 201, given.json
    task_id = given.json["id"]
    assert given.json["parent_task_id"] is None

    # A's office reads the task given to its commune and breaks it into two tasks for its departments.
    assert client.get(f"/api/v1/tasks/{task_id}", headers=h["a_office"]).status_code == 200
    subtasks = []
    for lead in ("a_kt", "a_vh"):
        made = client.post(f"/api/v1/tasks/{task_id}/subtasks", headers=h["a_office"],
                           json=_task(units, lead, title=f"Phần việc của {lead}", deadline="2026-04-20"))
        assert made.status_code == 201, made.json
        assert made.json["parent_task_id"] == task_id
        assert made.json["lead_unit_id"] == units[lead].id
        subtasks.append(made.json["id"])

    # A's department reports completion, A's office confirms it.
    reported = client.post(f"/api/v1/tasks/{subtasks[0]}/updates", headers=h["a_kt"],
                           json={"progress_percent": 100, "note": "Đã xong", "report_completed": True})
    assert reported.status_code == 201, reported.json
    # Only the commune's own office is asked to confirm; the province's and commune B's hear nothing of it.
    def waiting(name):
        notices = client.get("/api/v1/notifications", headers=h[name]).json["items"]
        return [n["task_id"] for n in notices if n["kind"] == "awaiting_review"]
    assert waiting("a_office") == [subtasks[0]]
    assert waiting("province") == waiting("b_office") == []
    # The commune's office was told of the task given to its commune, as a unit's head would be.
    assigned = [n["task_id"] for n in client.get("/api/v1/notifications", headers=h["a_office"]).json["items"]
                if n["kind"] == "assigned"]
    assert task_id in assigned
    # The province reads the commune's breakdown but does not confirm in the commune's place.
    assert client.post(f"/api/v1/tasks/{subtasks[0]}/review", headers=h["province"],
                       json={"decision": "approve"}).status_code == 403
    confirmed = client.post(f"/api/v1/tasks/{subtasks[0]}/review", headers=h["a_office"], json={"decision": "approve"})
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "done_on_time"

    # The province task shows the breakdown 1/2 done.
    seen = client.get(f"/api/v1/tasks/{task_id}", headers=h["province"]).json
    assert seen["subtasks"] == {"total": 2, "in_progress": 1, "overdue": 0, "awaiting_review": 0,
                                "done_on_time": 1, "done_late": 0, "ongoing": 0}
    assert client.get(f"/api/v1/tasks/{subtasks[1]}", headers=h["province"]).status_code == 200
    # ... and the commune still reports the province task itself: the breakdown does not close it.
    assert seen["status"] == "in_progress"
    own = client.post(f"/api/v1/tasks/{task_id}/updates", headers=h["a_office"],
                      json={"progress_percent": 50, "note": "Một nửa phần việc đã xong"})
    assert own.status_code == 201, own.json
    # The province's own statistics count its own task for commune A, not the commune's breakdown.
    stats = {item["unit_id"]: item for item in client.get("/api/v1/stats/units", headers=h["province"]).json["items"]}
    assert stats[units["a"].id]["assigned"] == 1
    assert units["a_kt"].id not in stats
    commune_stats = {item["unit_id"]: item
                     for item in client.get("/api/v1/stats/units", headers=h["a_office"]).json["items"]}
    assert set(commune_stats) == {units["a_kt"].id, units["a_vh"].id}
    assert commune_stats[units["a_kt"].id]["done_on_time"] == 1

    # Commune B: A's subtasks and A's own directive are missing to it.
    a_directive = _directive(client, h["a_office"], "5/KH-UBND")
    for path in (f"/api/v1/tasks/{subtasks[0]}", f"/api/v1/tasks/{task_id}", f"/api/v1/directives/{a_directive}"):
        assert client.get(path, headers=h["b_office"]).status_code == 404, path
        assert client.get(path, headers=h["b_kt"]).status_code == 404, path
    assert client.post(f"/api/v1/tasks/{subtasks[0]}/review", headers=h["b_office"],
                       json={"decision": "approve"}).status_code == 404
    assert client.post(f"/api/v1/tasks/{task_id}/subtasks", headers=h["b_office"],
                       json=_task(units, "b_kt")).status_code == 404
    assert client.post(f"/api/v1/directives/{a_directive}/tasks", headers=h["b_office"],
                       json=_task(units, "b_kt")).status_code == 404
    listed = client.get("/api/v1/tasks", headers=h["b_office"]).json
    assert listed["total"] == 0
    assert client.get("/api/v1/tasks?q=phan viec", headers=h["b_office"]).json["total"] == 0
    login(client, "vp_tinhhoa")
    assert "5/KH-UBND" not in client.get("/directives/").get_data(as_text=True)
    assert "12/KH-UBND" in client.get("/directives/").get_data(as_text=True)  # the province's own are public
    assert client.get(f"/directives/{a_directive}").status_code == 404
    assert client.get(f"/tasks/{subtasks[0]}").status_code == 404
    assert "Phần việc" not in client.get("/tasks/?q=phan viec").get_data(as_text=True)

    # A's office assigns only to A's own units: not to a province department, nor to B's units.
    for path in (f"/api/v1/tasks/{task_id}/subtasks", f"/api/v1/directives/{a_directive}/tasks"):
        for lead in ("so", "b_kt", "b"):
            refused = client.post(path, headers=h["a_office"], json=_task(units, lead))
            assert refused.status_code == 422, (path, lead, refused.json)
            assert "không thuộc phạm vi giao việc của Xã Tịnh Khê" in refused.json["error"]["fields"]["lead_unit_id"]
        coordinated = client.post(path, headers=h["a_office"],
                                  json=_task(units, "a_kt", coordinating_unit_ids=[units["b_kt"].id]))
        assert coordinated.status_code == 422
        assert "coordinating_unit_ids" in coordinated.json["error"]["fields"]
    # ... and adds nothing to the province's directive.
    assert client.post(f"/api/v1/directives/{directive}/tasks", headers=h["a_office"],
                       json=_task(units, "a_kt")).status_code == 403
    # The province's office gives tasks to its departments and communes, not to a commune's departments, and
    # does not break down a task it gave a commune.
    assert client.post(f"/api/v1/directives/{directive}/tasks", headers=h["province"],
                       json=_task(units, "a_kt")).status_code == 422
    assert client.post(f"/api/v1/tasks/{task_id}/subtasks", headers=h["province"],
                       json=_task(units, "so")).status_code == 403
    # A's own directive: its office's, out of the province's hands (read, not changed).
    assert client.get(f"/api/v1/directives/{a_directive}", headers=h["province"]).status_code == 200
    assert client.post(f"/api/v1/directives/{a_directive}/tasks", headers=h["province"],
                       json=_task(units, "a_kt")).status_code == 403
    assert client.post(f"/api/v1/directives/{a_directive}/tasks", headers=h["a_office"],
                       json=_task(units, "a_vh")).status_code == 201


def test_the_commune_leader_and_the_province_leader_direct_their_own_committees_work(client, province):
    units, h = province
    directive = _directive(client, h["a_office"], "7/KH-UBND")
    task_id = client.post(f"/api/v1/directives/{directive}/tasks", headers=h["a_office"],
                          json=_task(units, "a_kt")).json["id"]
    assert client.post(f"/api/v1/tasks/{task_id}/directions", headers=h["province_leader"],
                       json={"text": "Khẩn trương."}).status_code == 403
    assert client.get(f"/api/v1/tasks/{task_id}", headers=h["province_leader"]).status_code == 200


def test_the_commune_office_breaks_a_task_down_on_its_page_and_the_province_sees_the_progress(client, province):
    units, h = province
    directive = _directive(client, h["province"], "20/KH-UBND")
    task_id = client.post(f"/api/v1/directives/{directive}/tasks", headers=h["province"],
                          json=_task(units, "a", title="Rà soát hồ sơ đất đai")).json["id"]
    login(client, "vp_tinhkhe")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Giao tiếp cho các đơn vị của Xã Tịnh Khê" in page
    form = client.get(f"/tasks/{task_id}/subtasks/new").get_data(as_text=True)
    assert "Phòng Kinh tế xã Tịnh Khê" in form
    assert "Sở Tư pháp" not in form
    assert "Tịnh Hòa" not in form
    token = csrf_token(client, f"/tasks/{task_id}/subtasks/new")
    refused = client.post(f"/tasks/{task_id}/subtasks/new", data={
        "csrf_token": token, "title": "Phần của Sở", "lead_unit_id": str(units["so"].id), "deadline_kind": "none"})
    assert refused.status_code == 200
    assert "không thuộc phạm vi giao việc" in refused.get_data(as_text=True)
    assert "Phần của Sở" in refused.get_data(as_text=True)  # what was typed is kept
    made = client.post(f"/tasks/{task_id}/subtasks/new", data={
        "csrf_token": token, "title": "Rà soát tại Phòng Kinh tế", "lead_unit_id": str(units["a_kt"].id),
        "deadline_kind": "date", "deadline": "20/04/2026"})
    assert made.status_code == 303
    client = client.application.test_client()
    vars(g).clear()  # the requests share the test's app context: forget the cached login
    login(client, "vp_tinh")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Hoàn thành 0/1" in page
    assert "Rà soát tại Phòng Kinh tế" in page
    assert "Giao tiếp cho các đơn vị của" not in page  # the province reads, does not break down


def test_the_demo_commune_breaks_the_provinces_task_down_and_each_level_sees_its_own(app):
    from kpi_tasks.demo.commune import BREAKDOWN, COMMUNE_USERS, OWN_DIRECTIVE, RECEIVED_TITLE
    from kpi_tasks.demo.seed import DEMO_PASSWORD, seed_demo
    from kpi_tasks.extensions import db
    from kpi_tasks.tasks.models import Task

    with app.app_context():
        seed_demo()
        commit()
        received = db.session.scalar(db.select(Task.id).where(Task.title == RECEIVED_TITLE))
        own_task = db.session.scalar(db.select(Task.id).where(Task.title == OWN_DIRECTIVE["tasks"][0][0]))

    def page(username, path):
        client = app.test_client()
        login(client, username, DEMO_PASSWORD)
        response = client.get(path)
        return response.status_code, response.get_data(as_text=True)

    for username, *_ in COMMUNE_USERS:
        assert page(username, "/")[0] == 200, username
    status, province_view = page("vanphong", f"/tasks/{received}")
    assert status == 200
    assert f"Hoàn thành 1/{len(BREAKDOWN)}" in province_view
    assert "Giao tiếp cho các đơn vị của" not in province_view
    status, commune_view = page("binhson.vanphong", f"/tasks/{received}")
    assert "Giao tiếp cho các đơn vị của Xã Bình Sơn" in commune_view
    # The commune's own plan: its office and departments, and the province reading it; not another commune.
    assert page("binhson.vhxh", f"/tasks/{own_task}")[0] == 200
    assert page("vanphong", f"/tasks/{own_task}")[0] == 200
    assert page("vantuong.chutich", f"/tasks/{own_task}")[0] == 404
    assert page("binhson.kinhte", f"/tasks/{own_task}")[0] == 404
    # The commune's dashboard counts the commune's own work for its own units.
    home = page("binhson.vanphong", "/")[1]
    assert "Phòng Kinh tế xã Bình Sơn" in home
    assert "Sở Tư pháp" not in home.split("Nhiệm vụ quá hạn", 1)[0]


def test_the_province_dashboard_drills_down_into_a_communes_own_work(client, province):
    units, h = province
    given = _directive(client, h["province"], "30/KH-UBND")
    client.post(f"/api/v1/directives/{given}/tasks", headers=h["province"], json=_task(units, "a"))
    directive = _directive(client, h["a_office"], "9/KH-UBND")
    client.post(f"/api/v1/directives/{directive}/tasks", headers=h["a_office"],
                json=_task(units, "a_kt", title="Việc riêng của xã"))
    login(client, "vp_tinh")
    province_page = client.get("/reports/").get_data(as_text=True)
    assert "Phòng Kinh tế xã Tịnh Khê" not in province_page  # the province's own units and tasks
    assert f"commune={units['a'].id}" in province_page  # the commune's row leads to its own figures
    drilled = client.get(f"/reports/?commune={units['a'].id}").get_data(as_text=True)
    assert "UBND Xã Tịnh Khê" in drilled
    assert "Phòng Kinh tế xã Tịnh Khê" in drilled
    assert client.get(f"/reports/?commune={units['so'].id}").status_code == 404
    other = client.application.test_client()
    vars(g).clear()
    login(other, "vp_tinhhoa")
    assert other.get(f"/reports/?commune={units['a'].id}").status_code == 404
