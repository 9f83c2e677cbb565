"""The deadlines area through the JSON API: extension requests exactly as API.md says, deadlines given as the
end of a period, recurring tasks and their occurrences, milestones, the `extended` figure of the statistics."""

from __future__ import annotations

import itertools

import pytest

from tests.factories import api_headers, commit, make_unit, make_user


@pytest.fixture
def world(app_ctx):
    unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
    partner = make_unit("UBND xã Bình Thạnh", kind="commune", code="BTHANH")
    stranger = make_unit("Phòng Tư pháp", code="TP")
    users = {
        "office": make_user("office"), "leader": make_user("leader"), "manager": make_user("unit_manager", unit),
        "partner": make_user("unit_manager", partner), "stranger": make_user("unit_manager", stranger),
        "viewer": make_user("viewer"),
    }
    commit()
    return {"unit_id": unit.id, "partner_id": partner.id, **{role: api_headers(user) for role, user in users.items()}}


_numbers = itertools.count(1035)  # a directive's number is unique for its issuer within a year


def _task(client, world, issued_on="2026-02-02", **fields):
    directive = client.post("/api/v1/directives", headers=world["office"], json={
        "number": f"{next(_numbers)}/UBND-TTHC", "issued_on": issued_on, "issuer": "UBND huyện Bình Sơn",
        "subject": "V/v đẩy mạnh cải cách thủ tục hành chính"})
    assert directive.status_code == 201, directive.json
    body = {"title": "Thống kê tỷ lệ số hóa hồ sơ", "lead_unit_id": world["unit_id"],
            "coordinating_unit_ids": [world["partner_id"]], **fields}
    task = client.post(f"/api/v1/directives/{directive.json['id']}/tasks", headers=world["office"], json=body)
    assert task.status_code == 201, task.json
    return task.json


def test_extension_request_and_approval_as_api_md_says(client, world):
    task = _task(client, world, deadline="2026-03-10")
    assert task["status"] == "overdue"

    created = client.post(f"/api/v1/tasks/{task['id']}/extension-requests", headers=world["manager"],
                          json={"new_deadline": "2026-03-31", "reason": "Chờ số liệu của các xã"})
    assert created.status_code == 201, created.json
    assert created.json["status"] == "pending"
    assert isinstance(created.json["id"], int)
    assert (created.json["previous_deadline"], created.json["new_deadline"]) == ("2026-03-10", "2026-03-31")

    listed = client.get("/api/v1/extension-requests?status=pending", headers=world["leader"]).json
    assert [item["id"] for item in listed["items"]] == [created.json["id"]]
    assert client.get("/api/v1/extension-requests", headers=world["stranger"]).json["total"] == 0

    decided = client.post(f"/api/v1/extension-requests/{created.json['id']}/decision", headers=world["leader"],
                          json={"decision": "approve", "note": "Đồng ý"})
    assert decided.status_code == 200, decided.json
    assert decided.json["status"] == "approved"
    assert decided.json["decided_at"] is not None
    after = decided.json["task"]
    assert (after["deadline"], after["effective_deadline"], after["status"]) == ("2026-03-10", "2026-03-31",
                                                                                 "in_progress")
    assert [e["action"] for e in after["history"]][-2:] == ["extension_request", "extension_approve"]

    again = client.post(f"/api/v1/extension-requests/{created.json['id']}/decision", headers=world["office"],
                        json={"decision": "reject", "note": "Muộn"})
    assert again.status_code == 409
    assert again.json["error"]["code"] == "conflict"
    history = client.get(f"/api/v1/tasks/{task['id']}/extension-requests", headers=world["manager"]).json["items"]
    assert [(item["status"], item["decision_note"]) for item in history] == [("approved", "Đồng ý")]


def test_extension_errors_have_the_documented_codes(client, world):
    task = _task(client, world, deadline="2026-03-10")
    path = f"/api/v1/tasks/{task['id']}/extension-requests"
    body = {"new_deadline": "2026-03-31", "reason": "Chờ số liệu"}

    assert client.post(path, headers=world["partner"], json=body).status_code == 403
    assert client.post(path, headers=world["stranger"], json=body).status_code == 404
    assert client.post(path, headers=world["manager"], data="x", content_type="text/plain").status_code == 400
    invalid = client.post(path, headers=world["manager"], json={"new_deadline": "31/03/2026"})
    assert invalid.status_code == 422
    assert set(invalid.json["error"]["fields"]) == {"new_deadline", "reason"}
    created = client.post(path, headers=world["manager"], json=body).json
    assert client.post(path, headers=world["manager"], json=body).status_code == 409

    decision = f"/api/v1/extension-requests/{created['id']}/decision"
    assert client.post(decision, headers=world["manager"], json={"decision": "approve"}).status_code == 403
    assert client.post(decision, headers=world["stranger"], json={"decision": "approve"}).status_code == 404
    assert client.post(decision, headers=world["office"], json={"decision": "maybe"}).status_code == 422
    rejected = client.post(decision, headers=world["office"], json={"decision": "reject", "note": "Không"})
    assert rejected.json["task"]["effective_deadline"] == "2026-03-10"
    assert rejected.json["task"]["status"] == "overdue"


def test_deadline_as_the_end_of_a_period(client, world):
    for period, end in (("2026", "2026-12-31"), ("2026-Q1", "2026-03-31"), ("2026-q2", "2026-06-30"),
                        ("2026-02", "2026-02-28")):
        task = _task(client, world, deadline_period=period)
        assert (task["deadline"], task["effective_deadline"]) == (end, end)
        assert task["deadline_kind"] == "period"
        assert task["deadline_period"] == period.upper()
    too_early = client.post(f"/api/v1/directives/{task['directive_id']}/tasks", headers=world["office"],
                            json={"title": "Việc", "lead_unit_id": world["unit_id"], "deadline_period": "2025-Q4"})
    assert too_early.status_code == 422
    assert "trước ngày ban hành" in too_early.json["error"]["fields"]["deadline_period"]


def test_a_recurring_task_through_the_api(client, world):
    task = _task(client, world, issued_on="2026-03-02", recurrence="weekly:fri;until=2026-03-31")
    assert (task["recurrence"], task["deadline"], task["effective_deadline"]) == (
        "weekly:fri;until=2026-03-31", None, "2026-03-06")
    assert task["status"] == "overdue"

    page = client.get(f"/api/v1/tasks/{task['id']}/occurrences", headers=world["manager"]).json
    assert [item["due_on"] for item in page["items"]] == ["2026-03-06", "2026-03-13", "2026-03-20", "2026-03-27"]
    assert [item["status"] for item in page["items"]] == ["overdue", "overdue", "in_progress", "in_progress"]
    first = page["items"][0]

    reported = client.post(f"/api/v1/tasks/{task['id']}/occurrences/{first['id']}/updates",
                           headers=world["manager"],
                           json={"note": "Báo cáo tuần 1", "report_completed": True, "completed_on": "2026-03-06"})
    assert reported.status_code == 201, reported.json
    assert reported.json["occurrence_id"] == first["id"]
    assert reported.json["occurrence"]["status"] == "awaiting_review"
    stale = client.post(f"/api/v1/tasks/{task['id']}/occurrences/{first['id']}/review", headers=world["office"],
                        json={"decision": "approve", "version": first["version"]})
    assert stale.status_code == 409
    confirmed = client.post(f"/api/v1/tasks/{task['id']}/occurrences/{first['id']}/review",
                            headers=world["office"], json={"decision": "approve"})
    assert confirmed.json["status"] == "done_on_time"
    assert [u["note"] for u in confirmed.json["updates"]] == ["Báo cáo tuần 1"]
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=world["manager"]).json["effective_deadline"] == \
        "2026-03-13"

    extension = client.post(f"/api/v1/tasks/{task['id']}/extension-requests", headers=world["manager"],
                            json={"new_deadline": "2026-03-18", "reason": "Mất điện",
                                  "occurrence_id": page["items"][1]["id"]})
    assert extension.status_code == 201
    assert extension.json["occurrence_id"] == page["items"][1]["id"]

    bad = client.post(f"/api/v1/directives/{task['directive_id']}/tasks", headers=world["office"],
                      json={"title": "Việc", "lead_unit_id": world["unit_id"], "recurrence": "fortnightly"})
    assert bad.status_code == 422
    assert "recurrence" in bad.json["error"]["fields"]
    assert client.get(f"/api/v1/tasks/{task['id']}/occurrences/999999", headers=world["manager"]).status_code == 404


def test_milestones_through_the_api(client, world):
    task = _task(client, world, deadline="2026-12-31")
    path = f"/api/v1/tasks/{task['id']}/milestones"
    first = client.post(path, headers=world["manager"], json={"step": "Khảo sát", "due_on": "2026-03-31",
                                                               "done_on": "2026-03-13"})
    assert first.status_code == 201, first.json
    second = client.post(path, headers=world["office"], json={"step": "Triển khai", "due_on": "2026-09-30"}).json
    assert client.post(path, headers=world["partner"], json={"step": "Phối hợp"}).status_code == 403
    listed = client.get(path, headers=world["viewer"]).json
    assert (listed["done"], listed["total"], listed["percent_done"]) == (1, 2, 50)

    patched = client.patch(f"{path}/{second['id']}", headers=world["manager"],
                           json={"step": "Triển khai", "done_on": "2026-03-16", "version": second["version"]})
    assert patched.status_code == 200
    assert client.patch(f"{path}/{second['id']}", headers=world["manager"],
                        json={"step": "x", "version": second["version"]}).status_code == 409
    assert client.delete(f"{path}/{first.json['id']}", headers=world["manager"]).status_code == 204
    assert client.get(path, headers=world["viewer"]).json["percent_done"] == 100


def test_unit_statistics_carry_the_extended_figure(client, world):
    task = _task(client, world, deadline="2026-03-10")
    created = client.post(f"/api/v1/tasks/{task['id']}/extension-requests", headers=world["manager"],
                          json={"new_deadline": "2026-03-31", "reason": "Chờ số liệu"}).json
    client.post(f"/api/v1/extension-requests/{created['id']}/decision", headers=world["office"],
                json={"decision": "approve"})
    items = client.get("/api/v1/stats/units", headers=world["viewer"]).json["items"]
    mine = next(item for item in items if item["unit_id"] == world["unit_id"])
    assert (mine["assigned"], mine["in_progress"], mine["extended"]) == (1, 1, 1)
    spec = client.get("/api/v1/openapi.json").json
    for path in ("/tasks/{id}/extension-requests", "/extension-requests/{id}/decision", "/tasks/{id}/occurrences",
                 "/tasks/{id}/milestones", "/tasks/{id}/updates/{update_id}/attachments", "/attachments/{id}/content"):
        assert path in spec["paths"]
