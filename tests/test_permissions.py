"""Who may do what: every route of the app, for every role, by page and by API.

A route missing from the cases fails `test_every_route_has_a_rule`, so a new endpoint cannot ship without
its access rule being stated. Each domain area adds its own cases in `tests/<area>/access_cases.py`:
a module with `CASES` (same shape as below) and optionally `setup(users, values)`, which creates the
area's objects in the shared world and adds their ids to `values` for the paths to use.
"""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest
from flask import g

from kpi_tasks.accounts.models import User
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update
from kpi_tasks.tasks.services import assign_staff, create_task
from tests.factories import (
    api_headers,
    commit,
    csrf_token,
    empty_database,
    login,
    make_directive,
    make_task,
    make_unit,
    make_user,
    restore_snapshot,
    take_snapshot,
)

# The committee dimension: `commune_office` is the office of commune B, a People's Committee of its own (with its
# own department) inside the root's tree. The world's directive and tasks are the root's own work.
ROLES = ["admin", "office", "leader", "interior", "viewer", "lead_manager", "lead_staff", "other_staff",
         "coord_manager", "stranger_manager", "commune_office"]
SEES_TASK = {"admin", "office", "leader", "interior", "viewer", "lead_manager", "lead_staff", "coord_manager"}
MANAGES = {"admin", "office"}


def expect(allowed: set[str], ok: int, denied: int = 403, hidden: int | None = 404,
           commune: int | None = None) -> dict[str, int]:
    """Status per role: `ok` for allowed roles, 404 for roles that cannot see the task, else `denied`.

    The commune's office, unless `commune` says otherwise: does in its own committee what the root's office may
    do on a route about no object (`hidden` None: a list, a new directive), never sees the root's tasks (404),
    and is refused the rest."""
    codes = {}
    for role in ROLES:
        if role in allowed:
            codes[role] = ok
        elif hidden is not None and role not in SEES_TASK:
            codes[role] = hidden
        else:
            codes[role] = denied
    if commune is not None:
        codes["commune_office"] = commune
    elif "commune_office" not in allowed:
        codes["commune_office"] = ok if "office" in allowed and hidden is None else hidden or denied
    return codes


# Cases on commune B's own directive and task: the root's staff read them, only B's office (and the admin) change
# them; the root's unit users never see them.
SEES_COMMUNE_TASK = {"admin", "office", "leader", "interior", "viewer", "commune_office"}
MANAGES_COMMUNE = {"admin", "commune_office"}


def commune_expect(allowed: set[str], ok: int) -> dict[str, int]:
    return {role: ok if role in allowed else 403 if role in SEES_COMMUNE_TASK else 404 for role in ROLES}


EVERYONE = dict.fromkeys(ROLES, 200)
CONTRIBUTORS = {"admin", "lead_manager", "lead_staff", "coord_manager"}

# (endpoint, method, path, body, expected status per role)
CASES = [
    ("home.index", "GET", "/", None, EVERYONE),
    ("tasks.index", "GET", "/tasks/", None, EVERYONE),
    ("directives.index", "GET", "/directives/", None, EVERYONE),
    ("directives.export", "GET", "/directives/export.xlsx?q=ubnd", None, EVERYONE),
    ("directives.detail", "GET", "/directives/{directive}", None, EVERYONE),
    ("directives.history_export", "GET", "/directives/{directive}/history.xlsx", None, EVERYONE),
    ("directives.new", "GET", "/directives/new", None, expect(MANAGES, 200, hidden=None)),
    ("directives.new", "POST", "/directives/new",
     {"number": "9/UBND", "kind": "cong_van", "issued_on": "2026-03-02", "issuer": "UBND", "subject": "V/v",
      "parent_id": "0"}, expect(MANAGES, 303, hidden=None)),
    ("directives.edit", "GET", "/directives/{directive}/edit", None, expect(MANAGES, 200, hidden=None, commune=403)),
    ("directives.edit", "POST", "/directives/{directive}/edit",
     {"number": "9/UBND", "kind": "cong_van", "issued_on": "2026-03-02", "issuer": "UBND", "subject": "V/v sửa",
      "parent_id": "0", "version": "{directive_version}"}, expect(MANAGES, 303, hidden=None, commune=403)),
    ("tasks.new", "GET", "/tasks/new/{directive}", None, expect(MANAGES, 200, hidden=None, commune=403)),
    ("tasks.new", "POST", "/tasks/new/{directive}",
     {"title": "Việc mới", "lead_unit_id": "{lead}", "deadline_kind": "date", "deadline": "2026-03-30"},
     expect(MANAGES, 303, hidden=None, commune=403)),
    ("tasks.detail", "GET", "/tasks/{task}", None, expect(SEES_TASK, 200)),
    ("tasks.history_export", "GET", "/tasks/{task}/history.xlsx", None, expect(SEES_TASK, 200)),
    ("tasks.edit", "GET", "/tasks/{task}/edit", None, expect(MANAGES, 200)),
    ("tasks.edit", "GET", "/tasks/{commune_task}/edit", None, commune_expect(MANAGES_COMMUNE, 200)),
    ("tasks.edit", "POST", "/tasks/{task}/edit",
     {"title": "Sửa tên", "lead_unit_id": "{lead}", "deadline_kind": "date", "deadline": "2026-03-30",
      "version": "{task_version}"}, expect(MANAGES, 303)),
    ("tasks.add_update", "POST", "/tasks/{task}/updates", {"progress_percent": "50", "note": "Tiến độ",
                                                            "version": "{task_version}"},
     expect(CONTRIBUTORS, 303)),
    ("tasks.review", "POST", "/tasks/{awaiting}/review", {"decision": "approve", "version": "{awaiting_version}"},
     expect(MANAGES, 303)),
    ("tasks.assign", "POST", "/tasks/{task}/assign", {"user_ids": "{lead_staff_id}"},
     expect({"lead_manager", "coord_manager"}, 303)),
    ("calendar.index", "GET", "/admin/calendar/", None, expect({"admin"}, 200, hidden=None)),
    ("calendar.index", "POST", "/admin/calendar/", {"day": "2026-05-02", "kind": "working_day", "note": "Bù"},
     expect({"admin"}, 303, hidden=None)),
    ("calendar.delete", "POST", "/admin/calendar/{calendar_day}/delete", {}, expect({"admin"}, 303, hidden=None)),
    ("api.units", "GET", "/api/v1/units", None, EVERYONE),
    ("api.create_unit", "POST", "/api/v1/units", {"code": "NEW", "name": "Phòng mới", "kind": "department"},
     expect({"admin"}, 201, hidden=None)),
    ("api.create_directive", "POST", "/api/v1/directives",
     {"number": "9/UBND", "issued_on": "2026-03-02", "issuer": "UBND", "subject": "V/v"},
     expect(MANAGES, 201, hidden=None)),
    ("api.directive", "GET", "/api/v1/directives/{directive}", None, EVERYONE),
    ("api.update_directive", "PATCH", "/api/v1/directives/{directive}",
     {"subject": "V/v sửa", "version": "{directive_version}"}, expect(MANAGES, 200, hidden=None, commune=403)),
    ("api.create_task", "POST", "/api/v1/directives/{directive}/tasks",
     {"title": "Việc", "lead_unit_id": "{lead}", "deadline_kind": "none"},
     expect(MANAGES, 201, hidden=None, commune=403)),
    ("api.tasks", "GET", "/api/v1/tasks", None, EVERYONE),
    ("api.task", "GET", "/api/v1/tasks/{task}", None, expect(SEES_TASK, 200)),
    ("api.update_task", "PATCH", "/api/v1/tasks/{task}",
     {"title": "Sửa", "lead_unit_id": "{lead}", "version": "{task_version}"}, expect(MANAGES, 200)),
    ("api.post_update", "POST", "/api/v1/tasks/{task}/updates", {"progress_percent": 50, "note": "x"},
     expect(CONTRIBUTORS, 201)),
    ("api.review_task", "POST", "/api/v1/tasks/{awaiting}/review", {"decision": "approve"}, expect(MANAGES, 200)),
    ("api.unit_stats", "GET", "/api/v1/stats/units", None, EVERYONE),
    # Breakdown: the office of the committee of the task's lead unit (the root's for the root's department).
    ("api.create_subtask", "POST", "/api/v1/tasks/{task}/subtasks",
     {"title": "Phần việc", "lead_unit_id": "{coord_unit_id}", "deadline_kind": "none"}, expect(MANAGES, 201)),
    ("tasks.new_subtask", "GET", "/tasks/{task}/subtasks/new", None, expect(MANAGES, 200)),
    ("tasks.new_subtask", "POST", "/tasks/{task}/subtasks/new",
     {"title": "Phần việc", "lead_unit_id": "{coord_unit_id}", "deadline_kind": "none"}, expect(MANAGES, 303)),
    ("tasks.new_subtask", "GET", "/tasks/{commune_received}/subtasks/new", None,
     commune_expect(MANAGES_COMMUNE, 200)),
    ("api.create_subtask", "POST", "/api/v1/tasks/{commune_received}/subtasks",
     {"title": "Phần việc", "lead_unit_id": "{commune_unit_id}", "deadline_kind": "none"},
     commune_expect(MANAGES_COMMUNE, 201)),
    # Commune B's own work: read by the root's staff, changed by B's office alone, missing to the root's units.
    ("api.task", "GET", "/api/v1/tasks/{commune_task}", None, commune_expect(SEES_COMMUNE_TASK, 200)),
    ("tasks.detail", "GET", "/tasks/{commune_task}", None, commune_expect(SEES_COMMUNE_TASK, 200)),
    ("tasks.history_export", "GET", "/tasks/{commune_task}/history.xlsx", None,
     commune_expect(SEES_COMMUNE_TASK, 200)),
    ("api.directive", "GET", "/api/v1/directives/{commune_directive}", None, commune_expect(SEES_COMMUNE_TASK, 200)),
    ("api.update_task", "PATCH", "/api/v1/tasks/{commune_task}",
     {"title": "Sửa", "lead_unit_id": "{commune_unit_id}", "version": "{commune_task_version}"},
     commune_expect(MANAGES_COMMUNE, 200)),
    ("api.create_task", "POST", "/api/v1/directives/{commune_directive}/tasks",
     {"title": "Việc", "lead_unit_id": "{commune_unit_id}", "deadline_kind": "none"},
     commune_expect(MANAGES_COMMUNE, 201)),
    ("api.review_task", "POST", "/api/v1/tasks/{commune_awaiting}/review", {"decision": "approve"},
     commune_expect(MANAGES_COMMUNE, 200)),
    ("api.post_direction", "POST", "/api/v1/tasks/{commune_task}/directions", {"text": "Khẩn trương."},
     commune_expect(MANAGES_COMMUNE, 201)),
    ("directives.detail", "GET", "/directives/{commune_directive}", None, commune_expect(SEES_COMMUNE_TASK, 200)),
    ("directives.history_export", "GET", "/directives/{commune_directive}/history.xlsx", None,
     commune_expect(SEES_COMMUNE_TASK, 200)),
    ("api.withdraw_task", "POST", "/api/v1/tasks/{commune_task}/withdraw", {"note": "Nhập nhầm"},
     commune_expect(MANAGES_COMMUNE, 200)),
    ("api.reassign_task", "POST", "/api/v1/tasks/{commune_task}/reassign",
     {"lead_unit_id": "{commune_village_id}", "note": "Đúng địa bàn"}, commune_expect(MANAGES_COMMUNE, 200)),
    ("api.post_comment", "POST", "/api/v1/tasks/{commune_task}/comments", {"text": "Đề nghị khẩn trương."},
     commune_expect(MANAGES_COMMUNE, 201)),
    ("api.post_update", "POST", "/api/v1/tasks/{commune_task}/updates", {"progress_percent": 50, "note": "x"},
     commune_expect({"admin"}, 201)),
    ("tasks.withdraw_directive", "POST", "/directives/{commune_directive}/withdraw", {"note": "Văn bản bị hủy"},
     commune_expect(MANAGES_COMMUNE, 303)),
    # The province's dashboard drills down into a commune's own work: the root's staff and that commune's office
    # (a unit user's dashboard is their unit's).
    ("reports.index", "GET", "/reports/?commune={commune_id}", None,
     {role: 200 if role in SEES_COMMUNE_TASK or role.endswith(("manager", "staff")) else 404 for role in ROLES}),
    # A commune's unit: its figures are read by the root's staff and by the commune's own office.
    ("reports.unit_dashboard", "GET", "/reports/units/{commune_unit_id}", None,
     {role: 200 if role in SEES_COMMUNE_TASK else 403 for role in ROLES}),
    ("api.openapi", "GET", "/api/v1/openapi.json", None, EVERYONE),
]
AREA_MODULES = [
    importlib.import_module(f"tests.{path.parent.name}.access_cases")
    for path in sorted(Path(__file__).parent.glob("*/access_cases.py"))
]
for _module in AREA_MODULES:
    CASES.extend(_module.CASES)

# Endpoints outside the role matrix, with the reason.
UNRESTRICTED = {
    "static": "the app's own CSS",
    "vendor.static": "htmx from its package",
    "bootstrap.static": "Bootstrap from its package",
    "accounts.login": "the login page itself",
    "accounts.logout": "ends one's own session",
}


def build_world():
    """Units, users of every role, a directive and two tasks, plus every area's objects."""
    from kpi_tasks.calendar.services import record_calendar_day
    from kpi_tasks.units.services import create_unit

    lead, coord = make_unit("Phòng A", code="A"), make_unit("Phòng B", code="B")
    stranger = make_unit("Phòng C", code="C")
    commune = create_unit("XB", "Xã B", "commune", is_committee=True)
    commune_unit = create_unit("XB-KT", "Phòng Kinh tế xã B", "department", commune.id)
    commune_village = create_unit("XB-T1", "Thôn 1 xã B", "village", commune.id)
    users = {
        "admin": make_user("admin"), "office": make_user("office"), "leader": make_user("leader"),
        "interior": make_user("interior"), "viewer": make_user("viewer"),
        "lead_manager": make_user("unit_manager", lead), "lead_staff": make_user("unit_staff", lead),
        "other_staff": make_user("unit_staff", lead), "coord_manager": make_user("unit_manager", coord),
        "stranger_manager": make_user("unit_manager", stranger),
        "commune_office": make_user("office", commune),
    }
    directive = make_directive(users["office"], issued_on=dt.date(2026, 3, 2))
    task = make_task(lead, directive=directive, coordinating=[coord], deadline=dt.date(2026, 3, 30))
    awaiting = make_task(lead, directive=directive, coordinating=[coord], deadline=dt.date(2026, 3, 30))
    for each in (task, awaiting):
        assign_staff(each, users["lead_manager"], [users["lead_staff"].id])
    post_update(awaiting, users["lead_manager"], progress_percent=None, note="Xong", report_completed=True)
    calendar_day = record_calendar_day(dt.date(2026, 5, 9), "working_day", "Làm bù")
    # Commune B's own directive and tasks, and a task the root gave B.
    commune_directive = make_directive(users["commune_office"], issued_on=dt.date(2026, 3, 2))
    commune_task = create_task(commune_directive, users["commune_office"], title="Việc của xã B",
                               lead_unit_id=commune_unit.id, deadline=dt.date(2026, 3, 30))
    commune_awaiting = create_task(commune_directive, users["commune_office"], title="Việc xã B chờ xác nhận",
                                   lead_unit_id=commune_unit.id, deadline=dt.date(2026, 3, 30))
    commune_manager = make_user("unit_manager", commune_unit)
    post_update(commune_awaiting, commune_manager, progress_percent=None, note="Xong", report_completed=True)
    commune_received = make_task(commune, directive=directive, deadline=dt.date(2026, 3, 30))
    values = {
        "directive": directive.id, "task": task.id, "awaiting": awaiting.id, "lead": lead.id,
        "task_version": task.version, "awaiting_version": awaiting.version, "calendar_day": calendar_day.id,
        "lead_staff_id": users["lead_staff"].id, "lead_unit_id": lead.id, "coord_unit_id": coord.id,
        "stranger_unit_id": stranger.id, "directive_version": directive.version,
        "task_obj": task, "awaiting_obj": awaiting, "directive_obj": directive,
        "commune_directive": commune_directive.id, "commune_task": commune_task.id,
        "commune_task_version": commune_task.version, "commune_awaiting": commune_awaiting.id,
        "commune_received": commune_received.id, "commune_unit_id": commune_unit.id,
        "commune_village_id": commune_village.id, "commune_id": commune.id,
    }
    for module in AREA_MODULES:
        if hasattr(module, "setup"):
            module.setup(users, values)
    commit()
    return users, values


@pytest.fixture(scope="session")
def world_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    return {"folder": tmp_path_factory.mktemp("world")}


def fresh_world(store: dict[str, object]) -> tuple[dict[str, User], dict[str, object]]:
    """The shared world as `build_world` makes it: built once per run, then restored from its snapshot (about
    2 s to build, a few ms to restore; the matrix needs it several hundred times)."""
    if "snapshot" not in store:
        empty_database()
        users, values = build_world()
        store["user_ids"] = {role: user.id for role, user in users.items()}
        store["values"] = {key: value for key, value in values.items() if not key.endswith("_obj")}
        store["snapshot"] = take_snapshot(store["folder"])
    else:
        restore_snapshot(store["snapshot"])
    db.session.remove()
    users = {role: db.session.get(User, user_id) for role, user_id in store["user_ids"].items()}
    return users, dict(store["values"])


@pytest.fixture
def world(app_ctx, world_store):
    return fresh_world(world_store)


def _fill(template, values):
    if isinstance(template, str):
        filled = template.format(**values)
        return int(filled) if template.startswith("{") and filled.isdigit() and template.endswith("}") else filled
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    return template


def _request(client, users, values, role, method, path, body):
    values = {key: value for key, value in values.items() if not key.endswith("_obj")}
    url = path.format(**values)
    if path.startswith("/api/"):
        return client.open(url, method=method, headers=api_headers(users[role]),
                           json=_fill(body, values) if body is not None else None)
    login(client, users[role].username)
    data = {key: str(value) for key, value in (_fill(body, values) or {}).items()}
    if method == "POST":
        data["csrf_token"] = csrf_token(client, "/account/password")  # the cheapest page every role has
    return client.open(url, method=method, data=data if method == "POST" else None)


@pytest.mark.parametrize(("endpoint", "method", "path", "body", "expected"), CASES,
                         ids=[f"{c[1]} {c[2]}" for c in CASES])
def test_each_role_gets_the_expected_status(app_ctx, world_store, endpoint, method, path, body, expected):
    """Every role in turn against one world; a request that changed something gets a fresh world after it, so
    each role meets the state the case was written for (a refused request must change nothing anyway)."""
    users, values = fresh_world(world_store)
    wrong = {}
    for role in ROLES:
        # The requests share the test's app context: forget the previous role's cached login.
        vars(g).clear()
        response = _request(app_ctx.test_client(), users, values, role, method, path, body)
        if response.status_code != expected[role]:
            wrong[role] = (response.status_code, expected[role], response.get_data(as_text=True)[:300])
        if method != "GET" and response.status_code < 400:
            users, values = fresh_world(world_store)
    assert wrong == {}, f"{endpoint}: role → (got, expected, body)"


def test_every_route_has_a_rule(app):
    covered = {case[0] for case in CASES} | set(UNRESTRICTED)
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routes - covered == set(), "routes without an access rule in tests/test_permissions.py"


def test_unit_user_cannot_read_another_units_task_by_page_or_api(client, world):
    users, values = world
    stranger = users["stranger_manager"]
    assert client.get(f"/api/v1/tasks/{values['task']}", headers=api_headers(stranger)).status_code == 404
    listed = client.get("/api/v1/tasks", headers=api_headers(stranger)).json
    assert listed["total"] == 0
    login(client, stranger.username)
    assert client.get(f"/tasks/{values['task']}").status_code == 404
    assert "Phòng A" not in client.get("/tasks/").get_data(as_text=True)


def _row_counts() -> dict[str, int]:
    from kpi_tasks.extensions import db

    with db.engine.connect() as connection:
        return {table.name: connection.execute(db.select(db.func.count()).select_from(table)).scalar_one()
                for table in db.metadata.sorted_tables}


PAGE_FORMS = [case for case in CASES if case[1] == "POST" and not case[2].startswith("/api/")]


@pytest.mark.parametrize(("endpoint", "method", "path", "body", "expected"), PAGE_FORMS,
                         ids=[f"{c[1]} {c[2]}" for c in PAGE_FORMS])
def test_every_page_form_refuses_a_post_without_its_csrf_token(app_ctx, world_store, endpoint, method, path, body,
                                                               expected):
    """CSRF on every form: the POST a role may make, sent without the form's token, is turned back with the
    Vietnamese message and writes nothing."""
    users, values = fresh_world(world_store)
    role = next(role for role in ROLES if expected[role] < 400)
    client = app_ctx.test_client()
    login(client, users[role].username)
    before = _row_counts()
    data = {key: str(value) for key, value in (_fill(body, values) or {}).items()}
    url = path.format(**{key: value for key, value in values.items() if not key.endswith("_obj")})
    response = client.post(url, data=data)
    assert response.status_code == 302, (endpoint, response.status_code)
    assert "mã bảo vệ (CSRF)" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _row_counts() == before, endpoint
