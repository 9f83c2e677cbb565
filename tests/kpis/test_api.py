"""The KPI endpoints of API.md: create, targets, measurements, progress — with the contract's field names."""

from __future__ import annotations

from tests.factories import api_headers, make_office, make_unit, make_user


def test_kpi_targets_measurements_and_progress_through_the_api(app_ctx, client):
    office = api_headers(make_office())
    departments = [make_unit(f"Phòng {n}", "department") for n in ("Tư pháp", "Nội vụ")]
    communes = [make_unit(f"UBND xã {n}", "commune") for n in ("Bình Hải", "Bình Trị", "Bình Dương")]
    manager = api_headers(make_user("unit_manager", communes[0]))

    created = client.post("/api/v1/kpis", headers=office, json={
        "code": "KYSO", "name": "Tỷ lệ văn bản, hồ sơ công việc được ký số", "measure": "%", "formula": "ratio",
        "direction": "at_least"})
    assert created.status_code == 201, created.json
    kpi = created.json
    assert (kpi["measure"], kpi["formula"], kpi["direction"]) == ("percent", "ratio", "at_least")

    for body in ({"unit_kind": "department", "period": "2026", "target_value": 90},
                 {"unit_kind": "commune", "period": "2026", "target_value": 70},
                 {"unit_id": communes[2].id, "period": "2026", "target_value": 80}):
        answer = client.post(f"/api/v1/kpis/{kpi['id']}/targets", headers=office, json=body)
        assert answer.status_code == 201, answer.json
    assert answer.json["period"] == "2026"
    assert answer.json["period_kind"] == "year"

    figures = [(departments[0], 95, 100), (departments[1], 85, 100), (communes[1], 70, 100), (communes[2], 75, 100)]
    for unit, numerator, denominator in figures:
        answer = client.post(f"/api/v1/kpis/{kpi['id']}/measurements", headers=office, json={
            "unit_id": unit.id, "period_end": "2026-03-31", "numerator": numerator, "denominator": denominator})
        assert answer.status_code == 201, answer.json
    own = client.post(f"/api/v1/kpis/{kpi['id']}/measurements", headers=manager, json={
        "unit_id": communes[0].id, "period_end": "2026-03-31", "numerator": 7, "denominator": 10})
    assert own.status_code == 201
    assert own.json["source"] == "entered"
    other = client.post(f"/api/v1/kpis/{kpi['id']}/measurements", headers=manager, json={
        "unit_id": communes[1].id, "period_end": "2026-03-31", "numerator": 7, "denominator": 10})
    assert other.status_code == 403

    result = client.get(f"/api/v1/kpis/{kpi['id']}/progress?period=2026-Q1", headers=manager)
    assert result.status_code == 200
    items = {item["unit_id"]: item for item in result.json["items"]}
    assert {key: items[departments[0].id][key] for key in
            ("numerator", "denominator", "target_value", "actual_value", "met")} == {
        "numerator": 95, "denominator": 100, "target_value": 90, "actual_value": 95.0, "met": True}
    assert (items[departments[1].id]["met"], items[communes[0].id]["met"]) == (False, True)  # 85 < 90; 70 ≥ 70
    assert (items[communes[1].id]["met"], items[communes[2].id]["target_value"], items[communes[2].id]["met"]) == (
        True, 80, False)
    assert result.json["total"] == {**result.json["total"], "numerator": 95 + 85 + 70 + 75 + 7,
                                    "denominator": 410, "actual_value": round(332 * 100 / 410, 2)}
    assert [item["unit_id"] for item in result.json["items"]][:3] == [departments[0].id, departments[1].id,
                                                                      communes[2].id]

    listed = client.get("/api/v1/kpis", headers=manager).json
    assert (listed["total"], listed["items"][0]["code"]) == (1, "KYSO")
    assert len(client.get(f"/api/v1/kpis/{kpi['id']}/targets", headers=manager).json["items"]) == 3
    assert len(client.get(f"/api/v1/kpis/{kpi['id']}/measurements?unit_id={communes[0].id}",
                          headers=manager).json["items"]) == 1


def test_api_errors_are_vietnamese_and_per_field(app_ctx, client):
    office = api_headers(make_office())
    unit = make_unit()
    manager = api_headers(make_user("unit_manager", unit))
    assert client.post("/api/v1/kpis", headers=manager, json={
        "code": "X", "name": "X", "measure": "%", "formula": "ratio", "direction": "at_least"}).status_code == 403
    bad = client.post("/api/v1/kpis", headers=office, json={"code": "X", "name": "X", "measure": "lít",
                                                            "formula": "ratio", "direction": "up"})
    assert bad.status_code == 422
    assert "direction" in bad.json["error"]["fields"]
    kpi = client.post("/api/v1/kpis", headers=office, json={
        "code": "X", "name": "X", "measure": "percent", "formula": "ratio", "direction": "at_least"}).json
    missing = client.get(f"/api/v1/kpis/{kpi['id']}/progress", headers=office)
    assert missing.status_code == 422
    assert "period" in missing.json["error"]["fields"]
    wrong = client.get(f"/api/v1/kpis/{kpi['id']}/progress?period=2026-Q5", headers=office)
    assert wrong.status_code == 422
    assert "2023-Q1 (quý)" in wrong.json["error"]["message"]
    zero = client.post(f"/api/v1/kpis/{kpi['id']}/measurements", headers=office, json={
        "unit_id": unit.id, "period_end": "2026-03-31", "numerator": 3, "denominator": 0})
    assert zero.status_code == 422
    assert "Mẫu số bằng 0" in zero.json["error"]["fields"]["denominator"]
    both = client.post(f"/api/v1/kpis/{kpi['id']}/targets", headers=office, json={
        "unit_id": unit.id, "unit_kind": "commune", "period": "2026", "target_value": 50})
    assert both.status_code == 422
    assert client.get("/api/v1/kpis/999999/progress?period=2026", headers=office).status_code == 404


def test_a_task_created_through_the_api_links_its_kpi_targets(app_ctx, client):
    office_user = make_office()
    office = api_headers(office_user)
    commune = make_unit("UBND xã Bình Hải", "commune")
    kpi = client.post("/api/v1/kpis", headers=office, json={
        "code": "TTTT", "name": "Tỷ lệ thanh toán trực tuyến", "measure": "%", "formula": "ratio",
        "direction": "at_least"}).json
    target = client.post(f"/api/v1/kpis/{kpi['id']}/targets", headers=office,
                         json={"unit_kind": "commune", "period": "2026", "target_value": 30}).json
    directive = client.post("/api/v1/directives", headers=office, json={
        "number": "12/CT-UBND", "issued_on": "2026-03-02", "issuer": "UBND huyện", "subject": "V/v thanh toán"}).json
    body = {"title": "Thanh toán trực tuyến tối thiểu 30%", "lead_unit_id": commune.id, "deadline": "2026-06-30"}

    unknown = client.post(f"/api/v1/directives/{directive['id']}/tasks", headers=office,
                          json={**body, "kpi_target_ids": [target["id"] + 1000]})
    assert unknown.status_code == 422
    assert "kpi_target_ids" in unknown.json["error"]["fields"]
    assert client.get(f"/api/v1/directives/{directive['id']}", headers=office).json["tasks"] == []

    created = client.post(f"/api/v1/directives/{directive['id']}/tasks", headers=office,
                          json={**body, "kpi_target_ids": [target["id"]]})
    assert created.status_code == 201, created.json
    assert created.json["kpi_target_ids"] == [target["id"]]
    detail = client.get(f"/api/v1/tasks/{created.json['id']}", headers=office).json
    assert detail["kpi_target_ids"] == [target["id"]]

    taken = client.post(f"/api/v1/directives/{directive['id']}/tasks", headers=office,
                        json={**body, "title": "Nhiệm vụ khác", "kpi_target_ids": [target["id"]]})
    assert taken.status_code == 422
    assert "Thanh toán trực tuyến tối thiểu 30%" in taken.json["error"]["fields"]["kpi_target_ids"]
