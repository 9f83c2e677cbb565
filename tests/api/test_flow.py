"""The core flow through the JSON API of API.md: directive → task → update → completion → review."""

from __future__ import annotations

import itertools
import json
import re

import pytest

from tests.factories import api_headers, commit, make_unit, make_user


@pytest.fixture
def world(app_ctx):
    unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
    partner = make_unit("UBND xã Bình Thạnh", kind="commune", code="BTHANH")
    office = make_user("office")
    manager = make_user("unit_manager", unit)
    commit()
    return {
        "unit": unit.id,
        "partner": partner.id,
        "office": api_headers(office),
        "manager": api_headers(manager),
        "partner_manager": api_headers(make_user("unit_manager", partner)),
        "leader": api_headers(make_user("leader")),
    }


_numbers = itertools.count(1035)  # a directive's number is unique for its issuer within a year


def _create_task(client, world, **extra):
    directive = client.post("/api/v1/directives", headers=world["office"], json={
        "number": f"{next(_numbers)}/UBND-TTHC", "issued_on": "2026-02-02", "issuer": "UBND huyện Bình Sơn",
        "subject": "V/v đẩy mạnh cải cách thủ tục hành chính"})
    assert directive.status_code == 201, directive.json
    body = {"title": "Thống kê tỷ lệ số hóa hồ sơ", "section": "2.3", "lead_unit_id": world["unit"],
            "coordinating_unit_ids": [world["partner"]], "deadline": "2026-03-20", **extra}
    task = client.post(f"/api/v1/directives/{directive.json['id']}/tasks", headers=world["office"], json=body)
    assert task.status_code == 201, task.json
    return directive.json, task.json


def test_whole_flow_ends_done_on_time(client, world):
    directive, task = _create_task(client, world)
    assert task["status"] == "in_progress"
    assert task["due_soon"] is False  # Friday 20/03 is 4 working days after Monday 16/03; the window is 3
    assert task["coordinating_unit_ids"] == [world["partner"]]

    update = client.post(f"/api/v1/tasks/{task['id']}/updates", headers=world["manager"],
                         json={"progress_percent": 60, "note": "Đã thống kê 6/10 xã"})
    assert update.status_code == 201
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=world["manager"]).json["progress_percent"] == 60

    report = client.post(f"/api/v1/tasks/{task['id']}/updates", headers=world["manager"],
                         json={"progress_percent": 100, "note": "Hoàn thành", "report_completed": True,
                               "completed_on": "2026-03-16"})
    assert report.status_code == 201
    assert report.json["task"]["status"] == "awaiting_review"

    reviewed = client.post(f"/api/v1/tasks/{task['id']}/review", headers=world["office"],
                           json={"decision": "approve", "note": "Đạt yêu cầu"})
    assert reviewed.status_code == 200
    assert reviewed.json["status"] == "done_on_time"
    assert reviewed.json["completed_on"] == "2026-03-16"
    actions = [event["action"] for event in reviewed.json["history"]]
    assert actions == ["create", "progress", "report_completion", "approve"]

    listed = client.get(f"/api/v1/directives/{directive['id']}", headers=world["leader"]).json
    assert [t["status"] for t in listed["tasks"]] == ["done_on_time"]


def test_completion_after_the_deadline_is_done_late(client, world, monkeypatch):
    _directive, task = _create_task(client, world, deadline="2026-03-10")
    assert task["status"] == "overdue"
    client.post(f"/api/v1/tasks/{task['id']}/updates", headers=world["manager"],
                json={"progress_percent": 100, "note": "Xong", "report_completed": True, "completed_on": "2026-03-12"})
    reviewed = client.post(f"/api/v1/tasks/{task['id']}/review", headers=world["office"], json={"decision": "approve"})
    assert reviewed.json["status"] == "done_late"


def test_list_filters_and_pagination(client, world):
    _create_task(client, world)
    _create_task(client, world, title="Rà soát thủ tục hành chính", deadline="2026-03-02")
    everything = client.get("/api/v1/tasks?per_page=1", headers=world["office"]).json
    assert everything["total"] == 2
    assert len(everything["items"]) == 1
    assert everything["per_page"] == 1

    overdue = client.get("/api/v1/tasks?status=overdue", headers=world["office"]).json
    assert [t["title"] for t in overdue["items"]] == ["Rà soát thủ tục hành chính"]
    accentless = client.get("/api/v1/tasks?q=so%20hoa", headers=world["office"]).json
    assert [t["title"] for t in accentless["items"]] == ["Thống kê tỷ lệ số hóa hồ sơ"]
    coordinating = client.get(f"/api/v1/tasks?unit_id={world['partner']}&role=coordinating",
                              headers=world["office"]).json
    assert coordinating["total"] == 2
    assert client.get(f"/api/v1/tasks?unit_id={world['partner']}&role=lead", headers=world["office"]).json[
        "total"] == 0
    ranged = client.get("/api/v1/tasks?deadline_from=2026-03-15&deadline_to=2026-03-31",
                        headers=world["office"]).json
    assert ranged["total"] == 1
    _create_task(client, world, title="Báo cáo nhanh", deadline="2026-03-19")
    soon = client.get("/api/v1/tasks?due_soon=1", headers=world["office"]).json
    assert [t["title"] for t in soon["items"]] == ["Báo cáo nhanh"]
    assert soon["items"][0]["due_soon"] is True


def test_stats_count_by_status_per_unit(client, world):
    _create_task(client, world)
    _create_task(client, world, deadline="2026-03-02")
    stats = client.get("/api/v1/stats/units?from=2026-03-01&to=2026-03-31", headers=world["leader"]).json
    row = next(item for item in stats["items"] if item["unit_id"] == world["unit"])
    assert (row["assigned"], row["in_progress"], row["overdue"], row["done_on_time"]) == (2, 1, 1, 0)
    assert row["on_time_rate"] == 0.0
    outside = client.get("/api/v1/stats/units?from=2026-05-01&to=2026-05-31", headers=world["leader"]).json
    assert next(i for i in outside["items"] if i["unit_id"] == world["unit"])["assigned"] == 0


def test_stale_version_gets_409_and_nothing_is_lost(client, world):
    _directive, task = _create_task(client, world)
    body = {"title": "Tên của người thứ nhất", "lead_unit_id": world["unit"], "deadline": "2026-03-20",
            "version": task["version"]}
    first = client.patch(f"/api/v1/tasks/{task['id']}", headers=world["office"], json=body)
    assert first.status_code == 200
    second = client.patch(f"/api/v1/tasks/{task['id']}", headers=world["office"],
                          json={**body, "title": "Tên của người thứ hai"})
    assert second.status_code == 409
    assert second.json["error"]["code"] == "conflict"
    assert "người khác" in second.json["error"]["message"]
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=world["office"]).json["title"] == (
        "Tên của người thứ nhất")
    stale_update = client.post(f"/api/v1/tasks/{task['id']}/updates", headers=world["manager"],
                               json={"progress_percent": 50, "note": "x", "version": task["version"]})
    assert stale_update.status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"lead_unit_id": None}, 422, "title"),
        ({"title": "Việc", "lead_unit_id": 99999}, 422, "lead_unit_id"),
        ({"title": "Việc", "deadline": "2026-01-01"}, 422, "deadline"),
        ({"title": "Việc", "deadline": "31/12/2026"}, 422, "deadline"),
        ({"title": "Việc", "content": "x" * (10 * 1024 * 1024)}, 422, "content"),
    ],
)
def test_bad_task_input_gets_the_error_shape_and_writes_nothing(client, world, body, status, field):
    directive, _task = _create_task(client, world)
    body = {"lead_unit_id": world["unit"], **body}
    response = client.post(f"/api/v1/directives/{directive['id']}/tasks", headers=world["office"], json=body)
    assert response.status_code == status
    error = response.json["error"]
    assert field in error["fields"]
    assert error["message"]
    assert any(ch in error["message"] for ch in "ưđơáạ")
    assert client.get("/api/v1/tasks", headers=world["office"]).json["total"] == 1


def test_malformed_json_is_400_and_missing_token_401(client, world):
    response = client.post("/api/v1/directives", headers={**world["office"], "Content-Type": "application/json"},
                           data="{not json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed"
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_directive_requires_fields_and_a_past_issue_date(client, world):
    response = client.post("/api/v1/directives", headers=world["office"],
                           json={"number": "", "issued_on": "2026-04-01", "issuer": "UBND", "subject": "x"})
    assert response.status_code == 422
    assert set(response.json["error"]["fields"]) >= {"number"}
    future = client.post("/api/v1/directives", headers=world["office"],
                         json={"number": "1/UBND", "issued_on": "2026-04-01", "issuer": "UBND", "subject": "x"})
    assert future.status_code == 422
    assert "issued_on" in future.json["error"]["fields"]


# Every operation API.md's table names (../shared/API.md, "Resources"), as method and path.
CONTRACT_OPERATIONS = (
    "GET /units", "POST /units", "POST /directives", "GET /directives/{id}", "POST /directives/{id}/tasks",
    "POST /tasks/{id}/withdraw", "POST /tasks/{id}/subtasks", "POST /tasks/{id}/acknowledge", "GET /tasks",
    "GET /tasks/{id}", "POST /tasks/{id}/updates", "POST /tasks/{id}/review", "POST /tasks/{id}/extension-requests",
    "POST /extension-requests/{id}/decision", "GET /stats/units", "GET /reports/tasks.xlsx", "POST /kpis",
    "POST /kpis/{id}/targets", "POST /kpis/{id}/measurements", "GET /kpis/{id}/progress", "POST /dossiers/import",
    "GET /jobs/{id}", "GET /dossiers/imports/{id}", "GET /apology-letters", "POST /apology-letters/{id}",
    "GET /scores", "GET /notifications",
)


def test_openapi_document_describes_every_operation_of_the_contract(client, app):
    document = client.get("/api/v1/openapi.json").json
    for operation in CONTRACT_OPERATIONS:
        method, path = operation.split()
        assert method.lower() in document["paths"].get(path, {}), operation
    # Every route of the blueprint is in the document, and the document names no route that does not exist.
    routes = {
        (method.lower(), re.sub(r"<(?:\w+:)?(\w+)>", "{\\1}", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(method, re.sub(r"\{\w+\}", "{}", path)) for path, item in document["paths"].items()
                 for method in item}
    assert {(method, re.sub(r"\{\w+\}", "{}", path)) for method, path in routes} == described
    # Each reference names a schema of the document.
    names = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert names <= set(document["components"]["schemas"])
