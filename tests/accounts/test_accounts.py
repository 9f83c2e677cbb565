"""Accounts: users made and managed by the admin, passwords, tokens."""

from __future__ import annotations

import pytest

from kpi_tasks.accounts.services import authenticate, change_own_password, create_token, set_active, user_for_token
from kpi_tasks.errors import ValidationError
from kpi_tasks.users.services import create_user
from tests.factories import PASSWORD, commit, csrf_token, login, make_unit, make_user


def test_unit_roles_need_a_unit_and_passwords_a_minimum_length(app_ctx):
    with pytest.raises(ValidationError) as excinfo:
        create_user("cv", "unit_staff", "ngan")
    assert set(excinfo.value.fields) == {"unit", "password"}


def test_password_is_stored_hashed_and_checked(app_ctx):
    user = make_user("office", username="vanphong")
    assert PASSWORD not in user.password_hash
    assert authenticate("vanphong", PASSWORD) == user
    assert authenticate("vanphong", "sai") is None
    assert authenticate("khong-co", PASSWORD) is None


def test_own_password_change_needs_the_current_one(app_ctx):
    user = make_user("leader")
    with pytest.raises(ValidationError):
        change_own_password(user, "sai", "may-trang-bay-qua-doi")
    change_own_password(user, PASSWORD, "may-trang-bay-qua-doi")
    assert authenticate(user.username, "may-trang-bay-qua-doi") == user


def test_locking_a_user_stops_login_and_revokes_tokens(app_ctx):
    user = make_user("unit_manager", make_unit())
    token = create_token(user)
    assert user_for_token(token) == user
    set_active(user, False)
    assert authenticate(user.username, PASSWORD) is None
    assert user_for_token(token) is None


def test_admin_creates_a_user_through_the_page(app, client):
    with app.app_context():
        make_unit("Phòng Tư pháp", code="TP")
        make_user("admin", username="quantri")
        commit()
    login(client, "quantri")
    response = client.post("/admin/users", data={
        "username": "tuphap.cv", "full_name": "Trần Thị B", "role": "unit_staff", "unit_code": "TP",
        "password": "tre-xanh-bay-ngang-song", "csrf_token": csrf_token(client, "/admin/users")})
    assert response.status_code == 303
    page = client.get("/admin/users").get_data(as_text=True)
    assert "tuphap.cv" in page
    assert "Phòng Tư pháp" in page
    bad = client.post("/admin/users", data={"username": "x", "role": "unit_staff", "unit_code": "",
                                            "password": "ngan", "csrf_token": csrf_token(client, "/admin/users")})
    assert "Người dùng của đơn vị phải thuộc một đơn vị." in bad.get_data(as_text=True)


def test_passwords_are_hashed_at_the_librarys_recommended_scrypt_parameters(monkeypatch):
    """The suite hashes cheaply (tests/conftest.py); the product keeps werkzeug's own scrypt parameters, which
    cost about 0.1 s a sign-in on the 2-core machine (README, Security): neither weaker nor, unmeasured, dearer."""
    from werkzeug.security import check_password_hash, generate_password_hash

    from kpi_tasks.accounts import services as account_services

    monkeypatch.undo()  # the product's method, not the suite's cheap one
    made = generate_password_hash("lua-chin-vang-dong-2026", method=account_services.PASSWORD_METHOD)
    recommended = generate_password_hash("lua-chin-vang-dong-2026")  # werkzeug's default method and parameters
    assert made.split("$")[0] == recommended.split("$")[0] == "scrypt:32768:8:1"
    assert check_password_hash(made, "lua-chin-vang-dong-2026")
