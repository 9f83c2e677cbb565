"""A form's address opened by GET (a reload after a refused submission, a bookmark, a shared link) leads
to the page the form lives on, not to a 405 page."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from kpi_tasks.extensions import db
from kpi_tasks.tasks.queries import occurrence_rows_query
from tests.factories import api_headers, commit, login, make_directive, make_task, make_unit, make_user

FLASH = "Địa chỉ vừa mở chỉ nhận dữ liệu gửi từ một biểu mẫu; đây là trang có biểu mẫu đó."


@pytest.fixture
def world(app):
    with app.app_context():
        unit = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
        make_user("admin", username="quantri")
        make_user("unit_manager", unit, username="vhtt")
        directive = make_directive(issued_on=dt.date(2026, 3, 2))
        task = make_task(unit, directive=directive, title="Thống kê tỷ lệ số hóa hồ sơ")
        recurring = make_task(unit, directive=directive, deadline=None, recurrence="weekly:fri;until=2026-04-30",
                              title="Báo cáo tuần")
        occurrence = db.session.execute(occurrence_rows_query(recurring, dt.date(2026, 3, 16), 3)).first()
        ids = {"task": task.id, "recurring": recurring.id, "occurrence": occurrence.TaskOccurrence.id}
        commit()
    return ids


def test_reopening_a_task_form_address_leads_to_the_task(client, world):
    login(client, "vhtt")
    for form in ("updates", "review", "assign", "extension-requests", "milestones"):
        response = client.get(f"/tasks/{world['task']}/{form}")
        assert (response.status_code, response.headers["Location"]) == (303, f"/tasks/{world['task']}"), form
    page = client.get(f"/tasks/{world['task']}/updates", follow_redirects=True)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Thống kê tỷ lệ số hóa hồ sơ" in text
    assert FLASH in text


def test_reopening_an_occurrence_form_address_leads_to_the_occurrence(client, world):
    login(client, "vhtt")
    occurrence_page = f"/tasks/{world['recurring']}/occurrences/{world['occurrence']}"
    for form in ("updates", "review"):
        response = client.get(f"{occurrence_page}/{form}")
        assert (response.status_code, response.headers["Location"]) == (303, occurrence_page), form
    assert client.get(occurrence_page).status_code == 200


def test_every_form_only_address_leads_to_a_page_that_opens(app, client, world):
    """Each POST-only page route, ids filled in: the GET lands on the nearest address above it that a GET opens
    (a missing object there is a 404 of that page, never a 405)."""
    login(client, "quantri")
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.rule, set()).update(rule.methods or ())
    form_only = sorted(path for path, allowed in methods.items()
                       if "GET" not in allowed and not path.startswith("/api/"))
    assert {"/tasks/<int:task_id>/updates", "/admin/users/<int:user_id>/active", "/logout"} <= set(form_only)
    for rule in form_only:
        path = re.sub(r"<int:[a-z_]+>", str(world["task"]), rule)
        path = re.sub(r"<[a-z_]+>", "scan", path)
        response = client.get(path)
        assert response.status_code == 303, rule
        target = response.headers["Location"]
        assert path.startswith(target.rstrip("/")), (rule, target)  # an address above it, on this site
        assert client.get(target).status_code in (200, 404), (rule, target)


def test_other_methods_and_the_api_still_answer_405(client, world):
    login(client, "vhtt")
    page = client.delete(f"/tasks/{world['task']}/updates")
    assert page.status_code == 405
    assert "chỉ nhận dữ liệu gửi từ một biểu mẫu" in page.get_data(as_text=True)
    with client.application.app_context():
        headers = api_headers(make_user("office"))
    api = client.get(f"/api/v1/tasks/{world['task']}/updates", headers=headers)
    assert api.status_code == 405
    assert api.json["error"]["code"] == "method_not_allowed"
