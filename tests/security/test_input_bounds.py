"""Input bounds in one place for pages and API (integers, dates, NUL and control characters, JSON depth), and
Cache-Control: no-store on whatever a signed-in user receives."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from tests.factories import api_headers, commit, form_post, login, make_directive, make_task, make_unit, make_user

HUGE = "99999999999999999999"


@pytest.fixture
def office(app):
    with app.app_context():
        unit = make_unit(code="TP")
        make_task(unit, title="Báo cáo tình hình")
        user = make_user("office", username="vanphong")
        ids = {"unit": unit.id, "headers": api_headers(user)}
        commit()
    return ids


@pytest.mark.parametrize("path", ["/tasks/", "/dossiers/", "/dossiers/apology-letters", "/notifications/",
                                  "/scoring/objections/", "/directives/"])
def test_a_page_number_beyond_any_integer_is_a_page_not_a_500(app, client, office, path):
    login(client, "vanphong")
    response = client.get(f"{path}?page={HUGE}&unit_id={HUGE}")
    assert response.status_code == 200, path


def test_an_api_page_number_beyond_any_integer_is_refused_in_the_error_shape(client, office):
    response = client.get(f"/api/v1/tasks?page={HUGE}", headers=office["headers"])
    assert response.status_code == 422
    assert response.json["error"]["fields"]["page"]


def test_a_nul_in_a_search_box_is_refused_with_400_in_vietnamese(app, client, office):
    login(client, "vanphong")
    response = client.get("/tasks/?q=b%C3%A1o%00c%C3%A1o")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_in_a_page_form_is_refused_with_400_and_nothing_written(app, client, office):
    login(client, "vanphong")
    response = form_post(client, "/directives/new", {
        "number": "8/UBND", "kind": "cong_van", "issued_on": "02/03/2026", "issuer": "UBND huyện",
        "subject": "Về việc\u0000thử", "parent_id": "0"}, "/directives/new")
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Directive.id).where(Directive.number == "8/UBND")) is None


def test_a_nul_in_api_text_is_refused_with_400_naming_the_field(client, office):
    response = client.post("/api/v1/directives", headers=office["headers"], json={
        "number": "12/UBND", "issued_on": "2026-03-02", "issuer": "UBND", "subject": "Về việc\u0000thử"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed"
    assert "subject" in response.json["error"]["message"]


def test_json_nested_a_hundred_thousand_deep_is_refused_with_400(client, office):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/directives", headers={**office["headers"], "Content-Type": "application/json"},
                           data=body)
    assert response.status_code == 400
    assert "lồng quá sâu" in response.json["error"]["message"]
    shallow_enough = json.dumps({"number": "1/UBND", "issued_on": "2026-03-02", "issuer": "UBND", "subject": "S",
                                 "extra": [[[[1]]]]})
    assert client.post("/api/v1/directives", headers={**office["headers"], "Content-Type": "application/json"},
                       data=shallow_enough).status_code == 201


def test_other_control_characters_typed_in_a_form_are_dropped_and_the_rest_kept(app, client, office):
    login(client, "vanphong")
    response = form_post(client, "/directives/new", {
        "number": "7/UBND", "kind": "cong_van", "issued_on": "02/03/2026", "issuer": "UBND huyện",
        "subject": "Về việc\u0001 chấn chỉnh\u000b kỷ cương", "parent_id": "0"}, "/directives/new")
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Directive.subject).where(Directive.number == "7/UBND")) == \
            "Về việc chấn chỉnh kỷ cương"


@pytest.mark.parametrize("issued_on", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_api_dates_outside_1900_to_2100_are_refused(client, office, issued_on):
    response = client.post("/api/v1/directives", headers=office["headers"], json={
        "number": "12/UBND", "issued_on": issued_on, "issuer": "UBND", "subject": "Thử"})
    assert response.status_code == 422
    assert "1900" in response.json["error"]["fields"]["issued_on"]


def test_a_far_deadline_or_recurrence_end_is_refused_not_a_later_500(app, client, office):
    with app.app_context():
        directive_id = make_directive().id
        commit()
    far = client.post(f"/api/v1/directives/{directive_id}/tasks", headers=office["headers"], json={
        "title": "Việc xa", "lead_unit_id": office["unit"], "deadline": "9999-12-31"})
    assert far.status_code == 422
    recurring = client.post(f"/api/v1/directives/{directive_id}/tasks", headers=office["headers"], json={
        "title": "Báo cáo tháng", "lead_unit_id": office["unit"], "recurrence": "monthly:day25;until=9999-12-31"})
    assert recurring.status_code == 422
    assert "2100" in json.dumps(recurring.json, ensure_ascii=False)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 1


def test_signed_in_pages_json_and_exports_are_not_stored_by_any_cache(app, client, office):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(client, "vanphong")
    for path in ("/", "/tasks/", "/reports/tasks.xlsx", "/account/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/api/v1/tasks", headers=office["headers"]).headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/reports/tasks.xlsx", headers=office["headers"]).headers["Cache-Control"] == "no-store"
    with client.get("/static/app.css") as stylesheet:
        assert "no-store" not in stylesheet.headers.get("Cache-Control", "")
