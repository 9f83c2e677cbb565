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
    locked = _attempt(client, "vanphong", PASSWORD)  # from this never-known browser: after a delay
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
                              json={"title": text, "content": text, "lead_unit_id": unit_id, "deadline_kind": "none"})
        assert created.status_code == 201
        assert created.json["title"] == text
    login(client, "vanphong")
    for path in ("/tasks/", f"/directives/{directive['id']}", "/directives/"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in page
        assert "onmouseover=\"alert" not in page
    assert "&lt;script&gt;alert" in client.get("/tasks/").get_data(as_text=True)
    searched = client.get("/api/v1/tasks", headers=headers, query_string={"q": "'; DROP TABLE tasks; --"}).json
    # The search reads the directive's number too, and that number is the same string: all three tasks.
    assert searched["total"] == 3
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


def test_injection_strings_in_the_other_text_fields_come_back_escaped(app, client):
    """Unit names, progress notes, extension reasons, leaders' directions, KPI names and labels: typed by one
    user, shown to many. Each comes back as text on the pages that show it, never as markup."""
    script = "<script>alert('kpi')</script>"
    attribute = "\" onmouseover=\"alert(2)"
    with app.app_context():
        admin, office = make_user("admin"), make_user("office")
        leader = make_user("leader")
        heads = {user.role: api_headers(user) for user in (admin, office, leader)}
        admin_name = admin.username
        commit()
    unit = client.post("/api/v1/units", headers=heads["admin"], json={"code": "X1", "name": f"Phòng {script}",
                                                                     "kind": "department"}).json
    with app.app_context():
        from kpi_tasks.units.models import Unit

        manager = make_user("unit_manager", db.session.get(Unit, unit["id"]))
        heads["unit_manager"] = api_headers(manager)
        commit()
    directive = client.post("/api/v1/directives", headers=heads["office"], json={
        "number": "5/UBND", "issued_on": "2026-03-02", "issuer": "UBND huyện", "subject": "Trích yếu"}).json
    task = client.post(f"/api/v1/directives/{directive['id']}/tasks", headers=heads["office"],
                       json={"title": "Việc", "lead_unit_id": unit["id"], "deadline": "2026-03-20"}).json
    posted = [
        client.post(f"/api/v1/tasks/{task['id']}/updates", headers=heads["unit_manager"],
                    json={"progress_percent": 10, "note": f"Ghi chú {script}{attribute}"}),
        client.post(f"/api/v1/tasks/{task['id']}/extension-requests", headers=heads["unit_manager"],
                    json={"new_deadline": "2026-04-20", "reason": f"Lý do {script}"}),
        client.post(f"/api/v1/tasks/{task['id']}/directions", headers=heads["leader"],
                    json={"text": f"Chỉ đạo {script}{attribute}"}),
        client.post("/api/v1/kpis", headers=heads["office"], json={
            "code": "K1", "name": f"Tỷ lệ {script}", "measure": "%", "formula": "ratio", "direction": "at_least"}),
    ]
    assert [answer.status_code for answer in posted] == [201, 201, 201, 201]
    kpi_id = posted[-1].json["id"]

    login(client, admin_name)  # the admin sees every page these texts appear on
    pages = [f"/tasks/{task['id']}", "/tasks/", "/extension-requests", "/kpis/", f"/kpis/{kpi_id}", "/admin/units"]
    for path in pages:
        page = client.get(path, follow_redirects=True)
        text = page.get_data(as_text=True)
        assert page.status_code == 200, path
        assert "<script>alert('kpi')" not in text, path
        assert 'onmouseover="alert(2)' not in text, path
        assert "&lt;script&gt;alert(" in text, path  # the text is there, shown as text
