"""What the app must refuse or hide: throttled logins, cookies, headers, escaping, secrets in logs."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from tests.factories import PASSWORD, api_headers, commit, csrf_token, login, make_task, make_unit, make_user


def _attempt(client, username, password):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


def test_login_is_throttled_after_repeated_failures(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    for _ in range(5):
        assert _attempt(client, "vanphong", "sai-mat-khau").status_code == 401
    locked = _attempt(client, "vanphong", PASSWORD)
    assert locked.status_code == 429
    assert "Đăng nhập sai quá nhiều lần" in locked.get_data(as_text=True)
    other_user_still_works = make_other_login(app, client)
    assert other_user_still_works == 302


def make_other_login(app, client) -> int:
    with app.app_context():
        make_user("leader", username="chutich")
        commit()
    return _attempt(client, "chutich", PASSWORD).status_code


def test_session_cookie_is_httponly_and_samesite(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    response = _attempt(client, "vanphong", PASSWORD)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_security_headers_on_pages_and_api(client):
    for path in ("/login", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    for path in ("/", "/tasks/", "/directives/", "/directives/new"):
        page = client.get(path).get_data(as_text=True)
        for chunk in page.split("<script")[1:]:
            assert chunk.split(">")[0].strip().startswith("src="), f"inline script on {path}"


def test_password_never_reaches_the_logs(app, client, caplog):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    caplog.set_level(logging.DEBUG)
    _attempt(client, "vanphong", "Mat-Khau-Bi-Mat-123")
    _attempt(client, "vanphong", PASSWORD)
    assert "Mat-Khau-Bi-Mat-123" not in caplog.text
    assert PASSWORD not in caplog.text


INJECTIONS = ["<script>alert('x')</script>", "'; DROP TABLE tasks; --", "\" onmouseover=\"alert(1)"]


def test_injection_strings_come_back_escaped_and_harm_nothing(app, client):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin")
        office = make_user("office", username="vanphong")
        headers = api_headers(office)
        unit_id = unit.id
    directive = client.post("/api/v1/directives", headers=headers, json={
        "number": INJECTIONS[1][:80], "issued_on": "2026-03-02", "issuer": INJECTIONS[2],
        "subject": INJECTIONS[0]}).json
    for text in INJECTIONS:
        created = client.post(f"/api/v1/directives/{directive['id']}/tasks", headers=headers,
                              json={"title": text, "content": text, "lead_unit_id": unit_id})
        assert created.status_code == 201
        assert created.json["title"] == text
    login(client, "vanphong")
    for path in ("/tasks/", f"/directives/{directive['id']}", "/directives/"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "onmouseover=\"alert" not in page
    assert "&lt;script&gt;alert" in client.get("/tasks/").get_data(as_text=True)
    searched = client.get("/api/v1/tasks", headers=headers, query_string={"q": "'; DROP TABLE tasks; --"}).json
    assert searched["total"] == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Task)) == 3


def test_open_redirect_after_login_is_refused(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    response = client.post("/login?next=https://evil.example/x", data={
        "username": "vanphong", "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.headers["Location"] == "/"


def test_unknown_api_path_answers_in_the_error_shape(client):
    response = client.get("/api/v1/khong-co")
    assert response.status_code in (401, 404)
    assert response.json["error"]["message"]


def test_too_large_body_is_413_in_the_error_shape(app, client):
    with app.app_context():
        headers = api_headers(make_user("office"))
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/api/v1/directives", headers={**headers, "Content-Type": "application/json"},
                           data=b"x" * (limit + 1))
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"


def test_task_of_other_unit_is_invisible_in_lists_and_counts_by_page(app, client):
    with app.app_context():
        mine, theirs = make_unit("Phòng A"), make_unit("Phòng B")
        make_user("unit_manager", mine, username="a")
        make_task(theirs, title="Việc riêng của phòng B")
        commit()
    login(client, "a")
    assert "Việc riêng của phòng B" not in client.get("/tasks/?q=viec").get_data(as_text=True)
