"""Access rules of the admin's user and unit pages and of one's own password page."""

from __future__ import annotations

from tests.test_permissions import ROLES, expect

ADMIN_ONLY = {"admin"}
EVERYONE = dict.fromkeys(ROLES, 200)

CASES = [
    ("admin.users", "GET", "/admin/users", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("admin.users", "POST", "/admin/users",
     {"username": "moi", "role": "viewer", "unit_code": "", "password": "mat-khau-moi"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("admin.toggle_active", "POST", "/admin/users/{stranger_user_id}/active", {}, expect(ADMIN_ONLY, 303, hidden=None)),
    ("admin.reset_password", "POST", "/admin/users/{stranger_user_id}/password", {"password": "mat-khau-moi"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("admin.units", "GET", "/admin/units", None, expect(ADMIN_ONLY, 200, hidden=None)),
    ("admin.units", "POST", "/admin/units", {"code": "MOI", "name": "Phòng mới", "kind": "department"},
     expect(ADMIN_ONLY, 303, hidden=None)),
    ("account.password", "GET", "/account/password", None, EVERYONE),
]


def setup(users, values):
    values["stranger_user_id"] = users["stranger_manager"].id
