"""The rules the API's schemas read input by (api/schema.py), through the real endpoints, and the document they
write: the same model validates the request and is the request's schema in /api/v1/openapi.json."""

from __future__ import annotations

import pytest

from kpi_tasks.units.models import UNIT_KINDS
from tests.factories import api_headers, commit, make_directive, make_office, make_unit, make_user

REQUIRED = "Trường này là bắt buộc."


@pytest.fixture
def office(app_ctx):
    unit = make_unit("Phòng Tư pháp", code="TP")
    office = make_office()
    directive = make_directive(office)
    commit()
    return {"headers": api_headers(office), "unit": unit.id, "directive": directive.id}


def _create(client, office, **body):
    return client.post(f"/api/v1/directives/{office['directive']}/tasks", headers=office["headers"], json=body)


@pytest.mark.parametrize(("value", "message"), [
    (True, "Phải là số nguyên."),
    (1.5, "Phải là số nguyên."),
    ("abc", "Phải là số nguyên."),
    (2**31, "Số quá lớn."),
    (None, REQUIRED),
    ("", REQUIRED),
])
def test_an_integer_field_refuses_what_is_not_one_with_its_own_message(client, office, value, message):
    response = _create(client, office, title="Rà soát văn bản", lead_unit_id=value, deadline_kind="none")
    assert response.status_code == 422
    assert response.json["error"] == {"code": "invalid", "message": "Dữ liệu gửi lên chưa hợp lệ.",
                                      "fields": {"lead_unit_id": message}}


def test_every_bad_field_is_named_once_together(client, office):
    response = _create(client, office, title=7, lead_unit_id=office["unit"], deadline="31/12/2026",
                       coordinating_unit_ids=[1, True], deadline_kind="someday")
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert fields == {
        "title": "Phải là chuỗi ký tự.",
        "deadline": "Ngày phải theo dạng YYYY-MM-DD, từ năm 1900 đến năm 2100.",
        "coordinating_unit_ids": "Phải là danh sách số nguyên.",
        "deadline_kind": "Giá trị phải là một trong: date, working_days, period, recurring, none.",
    }


def test_a_lead_unit_or_a_kind_of_units_is_asked_for_not_both(client, office):
    neither = _create(client, office, title="Rà soát văn bản", deadline_kind="none")
    assert neither.json["error"]["fields"] == {"lead_unit_id": REQUIRED}
    both = _create(client, office, title="Rà soát văn bản", deadline_kind="none", lead_unit_id=office["unit"],
                   lead_unit_kind="commune")
    assert set(both.json["error"]["fields"]) == {"lead_unit_kind"}
    good = _create(client, office, title="Rà soát văn bản", deadline_kind="none", lead_unit_id=str(office["unit"]))
    assert good.status_code == 201, good.json
    assert good.json["lead_unit_id"] == office["unit"]


def test_a_query_string_is_read_by_the_same_rules(client, office):
    assert client.get("/api/v1/tasks?per_page=10&due_soon=1", headers=office["headers"]).json["per_page"] == 10
    too_many = client.get("/api/v1/tasks?per_page=201&status=lost", headers=office["headers"])
    assert too_many.status_code == 422
    assert too_many.json["error"]["fields"]["per_page"] == "Số dòng mỗi trang phải từ 1 đến 200."
    assert set(too_many.json["error"]["fields"]) == {"per_page", "status"}


def test_a_rule_across_fields_names_its_field(client, office):
    response = client.get("/api/v1/reports/units.xlsx?from=2026-05-01&to=2026-04-01", headers=office["headers"])
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"from": "Ngày bắt đầu kỳ phải trước ngày kết thúc."}


def test_a_body_that_is_not_a_json_object_is_malformed(client, office):
    response = client.post(f"/api/v1/directives/{office['directive']}/tasks", headers=office["headers"],
                           data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed"


def test_the_document_describes_a_body_by_the_model_that_reads_it(client, office):
    document = client.get("/api/v1/openapi.json").json
    operation = document["paths"]["/directives/{id}/tasks"]["post"]
    name = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    schema = document["components"]["schemas"][name]
    assert schema["required"] == ["title"]
    kind = schema["properties"]["lead_unit_kind"]["anyOf"][0]
    assert kind["enum"] == list(UNIT_KINDS)
    answer = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    created = {option["$ref"].rsplit("/", 1)[1] for option in document["components"]["schemas"][answer]["anyOf"]}
    assert created == {"TaskDetail", "TaskGroupCreated"}
    # An answer's fields are always there: the document says so, and schemathesis holds the answers to it.
    assert {"status", "due_soon", "effective_deadline", "version"} <= set(document["components"]["schemas"]["Task"]
                                                                          ["required"])


def test_a_leader_is_refused_a_unit_with_a_good_body(client, office):
    leader = api_headers(make_user("leader"))
    commit()
    response = client.post("/api/v1/units", headers=leader, json={"code": "X1", "name": "Phòng mới",
                                                                  "kind": "department"})
    assert response.status_code == 403
