"""Sessions that end on the server and API tokens that expire: the probe's findings on sessions, kept as tests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from click.testing import Result

from kpi_tasks.accounts.models import ApiToken, User, UserSession
from kpi_tasks.accounts.services import create_token
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.users.services import reset_user_password, set_user_active, update_user
from tests.factories import PASSWORD, api_headers, commit, form_post, login, make_unit, make_user

NEW_PASSWORD = "Sông-Hồng-chảy-mãi-2026"  # a password that passes the policy


def _copied_browser(app, client):
    """A second browser holding a copy of `client`'s session cookie (what a thief would hold)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def _session_rows(user_id: int) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user_id)))


def test_a_cookie_copied_before_logout_is_refused_after_it(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    thief = _copied_browser(app, client)
    assert _signed_in(thief)
    form_post(client, "/logout", {})
    assert not _signed_in(client)
    refused = thief.get("/account/password")
    assert refused.status_code == 302
    assert "/login" in refused.headers["Location"]


def test_logout_ends_the_accounts_sessions_on_every_device(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    phone = app.test_client()
    login(phone, "vanphong")
    form_post(client, "/logout", {})
    assert not _signed_in(phone)


def test_a_session_twenty_days_old_is_refused(app, client, monkeypatch):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    assert _signed_in(client)
    monkeypatch.setenv("KPI_TASKS_TODAY", (dt.date(2026, 3, 16) + dt.timedelta(days=20)).isoformat())
    assert not _signed_in(client)


def _session_row(app, user_id: int, **values: dt.datetime) -> UserSession:
    """The user's one session row, after setting `values` on it."""
    with app.app_context():
        (row,) = _session_rows(user_id)
        for name, value in values.items():
            setattr(row, name, value)
        commit()
        db.session.refresh(row)
        db.session.expunge(row)
        return row


def _user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.username == username))


def _office_signed_in(app, client) -> int:
    """Sign `client` in as a new office user "vanphong"; returns the user's id."""
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    return _user_id(app, "vanphong")


def test_a_session_ends_after_its_lifetime_even_when_used_all_along(app, client):
    user_id = _office_signed_in(app, client)
    _session_row(app, user_id, created_at=utcnow() - dt.timedelta(hours=12, minutes=1),
                 last_seen_at=utcnow())
    assert not _signed_in(client)


def test_a_session_idle_beyond_the_limit_ends_and_one_just_inside_it_goes_on(app, client):
    user_id = _office_signed_in(app, client)
    _session_row(app, user_id, last_seen_at=utcnow() - dt.timedelta(minutes=29))
    assert _signed_in(client)
    noted = _session_row(app, user_id).last_seen_at.replace(tzinfo=dt.UTC)
    assert utcnow() - noted < dt.timedelta(minutes=1)  # the visit was noted
    _session_row(app, user_id, last_seen_at=utcnow() - dt.timedelta(minutes=31))
    assert not _signed_in(client)


def test_last_seen_is_written_at_most_once_a_minute(app, client):
    user_id = _office_signed_in(app, client)
    recent = _session_row(app, user_id, last_seen_at=utcnow() - dt.timedelta(seconds=20)).last_seen_at
    assert _signed_in(client)
    assert _session_row(app, user_id).last_seen_at == recent  # not written again within the minute


def test_the_session_key_changes_at_every_login_and_the_previous_one_ends(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    user_id = _user_id(app, "vanphong")
    client.get("/login")
    planted = _copied_browser(app, client)  # a cookie fixed before the login (session fixation)
    login(client, "vanphong")
    assert not _signed_in(planted)
    first = _copied_browser(app, client)
    _session_row(app, user_id, last_seen_at=utcnow() - dt.timedelta(minutes=31))  # the session timed out
    login(client, "vanphong")
    assert _signed_in(client)
    with app.app_context():
        rows = sorted(_session_rows(user_id), key=lambda row: row.id)
        assert len({row.key_hash for row in rows}) == 2
        assert [row.revoked_at is None for row in rows] == [False, True]
    assert not _signed_in(first)


def test_a_password_change_ends_the_other_sessions_and_every_token(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        user = db.session.scalar(sa.select(User).where(User.username == "vanphong"))
        headers = api_headers(user)
    login(client, "vanphong")
    laptop = app.test_client()
    login(laptop, "vanphong")
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    response = form_post(client, "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                        "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert _signed_in(client)  # the session that changed the password goes on
    assert not _signed_in(laptop)
    assert app.test_client().get("/api/v1/units", headers=headers).status_code == 401


def test_an_admin_reset_ends_every_session_and_token_of_the_user(app, client):
    with app.app_context():
        make_user("admin", username="quantri")
        make_user("office", username="vanphong")
        user = db.session.scalar(sa.select(User).where(User.username == "vanphong"))
        headers = api_headers(user)
    victim = app.test_client()
    login(victim, "vanphong")
    login(client, "quantri")
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "vanphong"))
    response = form_post(client, f"/admin/users/{user_id}/password", {"password": NEW_PASSWORD}, "/admin/users")
    assert response.status_code == 303
    assert not _signed_in(victim)
    assert app.test_client().get("/api/v1/units", headers=headers).status_code == 401
    login(victim, "vanphong", NEW_PASSWORD)
    assert _signed_in(victim)


def test_locking_or_a_new_role_ends_the_users_sessions(app, client):
    with app.app_context():
        admin_id = make_user("admin", username="quantri").id
        unit = make_unit()
        make_user("unit_manager", unit, username="truongphong")
        make_user("office", username="vanphong")
        commit()
    login(client, "truongphong")
    other = app.test_client()
    login(other, "vanphong")
    with app.app_context():
        manager = db.session.scalar(sa.select(User).where(User.username == "truongphong"))
        admin = db.session.get(User, admin_id)
        update_user(manager, admin, full_name="", email=None, role="unit_staff", unit_id=manager.unit_id,
                    active=True)
        set_user_active(db.session.scalar(sa.select(User).where(User.username == "vanphong")), admin, False)
        commit()
    assert not _signed_in(client)
    assert not _signed_in(other)


def test_a_token_expires_after_its_days(app, client, monkeypatch):
    with app.app_context():
        user = make_user("office")
        token = create_token(user, days=2)
        commit()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-03-19")
    assert client.get("/api/v1/units", headers=headers).status_code == 401


def test_a_tokens_last_use_is_noted_at_most_once_a_minute(app, client):
    with app.app_context():
        user = make_user("office")
        headers = api_headers(user)
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) is None
    client.get("/api/v1/units", headers=headers)
    with app.app_context():
        used = db.session.scalar(sa.select(ApiToken.last_used_at))
        assert used is not None
        assert utcnow() - used.replace(tzinfo=dt.UTC) < dt.timedelta(minutes=1)
        db.session.execute(sa.update(ApiToken).values(last_used_at=utcnow() - dt.timedelta(seconds=30)))
        commit()
        kept = db.session.scalar(sa.select(ApiToken.last_used_at))
    client.get("/api/v1/units", headers=headers)
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.last_used_at)) == kept


def test_the_account_page_lists_ones_tokens_with_their_last_use_and_revokes_one(app, client):
    with app.app_context():
        user = make_user("office", username="vanphong")
        other = make_user("office", username="vanphong2")
        used, unused = create_token(user), create_token(user)
        create_token(other)
        other_user_id = other.id
        commit()
    client.get("/api/v1/units", headers={"Authorization": f"Bearer {used}"})
    login(client, "vanphong")
    page = client.get("/account/").get_data(as_text=True)
    assert page.count("Thu hồi</button>") == 2
    assert page.count("Chưa dùng") == 1
    with app.app_context():
        used_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.last_used_at.is_not(None)))
        other_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.user_id == other_user_id))
    assert form_post(client, f"/account/tokens/{used_id}/revoke", {}, "/account/").status_code == 303
    assert form_post(client, f"/account/tokens/{other_id}/revoke", {}, "/account/").status_code == 404
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {used}"}).status_code == 401
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {unused}"}).status_code == 200


def _cli(app, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def test_create_token_prints_only_the_token_and_honours_days(app):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    result = _cli(app, "create-token", "vanphong", "--days", "3")
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token
    assert len(token) >= 40
    with app.app_context():
        stored = db.session.scalar(sa.select(ApiToken))
        assert (stored.expires_at - stored.created_at) == dt.timedelta(days=3)
    assert _cli(app, "create-token", "vanphong", "--days", "0").exit_code != 0


def test_revoke_token_revokes_the_newest_one_by_id_or_all(app, client):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    first, second, third = (_cli(app, "create-token", "vanphong").stdout.strip() for _ in range(3))

    def works(token: str) -> bool:
        return client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    assert _cli(app, "revoke-token", "vanphong").exit_code == 0
    assert (works(first), works(second), works(third)) == (True, True, False)
    with app.app_context():
        first_id = db.session.scalar(sa.select(sa.func.min(ApiToken.id)))
    assert _cli(app, "revoke-token", "vanphong", "--id", str(first_id)).exit_code == 0
    assert (works(first), works(second)) == (False, True)
    assert _cli(app, "revoke-token", "vanphong", "--all").exit_code == 0
    assert not works(second)
    assert _cli(app, "revoke-token", "vanphong").exit_code != 0  # nothing left to revoke: said, not silent
    assert _cli(app, "revoke-token", "khongco").exit_code != 0


def test_services_end_sessions_outside_a_request_too(app_ctx):
    user = make_user("office")
    db.session.add(UserSession(key_hash="x" * 64, user_id=user.id, remote_addr="", user_agent=""))
    commit()
    reset_user_password(user, None, NEW_PASSWORD)
    commit()
    assert all(row.revoked_at is not None for row in _session_rows(user.id))
