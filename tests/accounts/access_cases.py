"""Access rules of the admin's user and unit pages and of one's own password page."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.accounts.models import ApiToken
from kpi_tasks.accounts.services import create_token
from kpi_tasks.extensions import db
from tests.test_permissions import ROLES, expect

ADMIN_ONLY = {"admin"}
EVERYONE = dict.fromkeys(ROLES, 200)

CASES = [
    ("users.index", "GET", "/admin/users", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("users.index", "POST", "/admin/users",
     {"username": "moi", "role": "viewer", "unit_code": "", "password": "gio-dong-thoi-qua-ngo"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("users.export", "GET", "/admin/users/list.xlsx", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("users.edit", "GET", "/admin/users/{stranger_user_id}/edit", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("users.history_export", "GET", "/admin/users/{stranger_user_id}/history.xlsx", None,
     expect(ADMIN_ONLY, 200, hidden=None)),
    ("users.edit", "POST", "/admin/users/{stranger_user_id}/edit",
     {"full_name": "Tên mới", "email": "", "role": "unit_manager", "unit_id": "{stranger_unit_id}", "active": "y"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("users.toggle_active", "POST", "/admin/users/{stranger_user_id}/active", {}, expect(ADMIN_ONLY, 303, hidden=None)),
    ("users.reset_password", "POST", "/admin/users/{stranger_user_id}/password", {"password": "gio-dong-thoi-qua-ngo"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("units.index", "GET", "/admin/units", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("units.index", "POST", "/admin/units", {"code": "MOI", "name": "Phòng mới", "kind": "department"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("units.edit", "GET", "/admin/units/{stranger_unit_id}/edit", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("units.edit", "POST", "/admin/units/{stranger_unit_id}/edit",
     {"code": "C", "name": "Phòng C (tên mới)", "kind": "department", "parent_id": "0", "active": "y"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("account.password", "GET", "/account/password", None, EVERYONE),
    ("account.index", "GET", "/account/", None, EVERYONE),
    ("account.end_other_sessions", "POST", "/account/sessions/end-others", {}, dict.fromkeys(ROLES, 303)),
    # One's own token only: another user's is not found.
    ("account.revoke_token", "POST", "/account/tokens/{stranger_token_id}/revoke", {},
     {**dict.fromkeys(ROLES, 404), "stranger_manager": 303}),
]


def setup(users, values):
    values["stranger_user_id"] = users["stranger_manager"].id
    create_token(users["stranger_manager"])
    values["stranger_token_id"] = db.session.scalar(
        sa.select(ApiToken.id).where(ApiToken.user_id == users["stranger_manager"].id))
