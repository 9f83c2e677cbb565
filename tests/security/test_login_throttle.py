"""Login throttling that slows guessing but cannot be turned against users, and the password policy."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import requests

from kpi_tasks import create_app
from kpi_tasks.accounts import throttle
from kpi_tasks.accounts.passwords import password_problem
from kpi_tasks.accounts.services import change_own_password
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.users.services import create_user
from tests.factories import PASSWORD, commit, csrf_token, make_user

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"


def _attempt(client, username: str, password: str):
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_token(client)})


def _browser(app, address: str):
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand."""
    moment = [dt.datetime(2026, 3, 16, 8, 0, tzinfo=dt.UTC)]
    monkeypatch.setattr(throttle, "_now", lambda: moment[0])

    def advance(seconds: float) -> None:
        moment[0] += dt.timedelta(seconds=seconds)

    return advance


def test_the_right_password_from_another_address_works_after_ten_random_failed_logins(app, clock):
    with app.app_context():
        make_user("leader", username="chutich")
        commit()
    attacker = _browser(app, ATTACKER)
    for n in range(10):
        assert _attempt(attacker, f"ten-ngau-nhien-{n}", "doan-bua").status_code == 401
    assert _attempt(attacker, "chutich", PASSWORD).status_code == 429  # the guessing address waits
    assert _attempt(_browser(app, OWNER), "chutich", PASSWORD).status_code == 302


def test_guesses_against_an_account_do_not_lock_its_owner_out_of_a_known_browser(app, clock):
    with app.app_context():
        make_user("leader", username="chutich")
        commit()
    owner = _browser(app, OWNER)
    assert _attempt(owner, "chutich", PASSWORD).status_code == 302  # the owner's browser is known from now on
    owner.post("/logout", data={"csrf_token": csrf_token(owner, "/")})
    attacker = _browser(app, ATTACKER)
    for _ in range(5):
        assert _attempt(attacker, "chutich", "doan-bua").status_code == 401
    assert _attempt(attacker, "chutich", PASSWORD).status_code == 429
    assert _attempt(_browser(app, "192.0.2.10"), "chutich", PASSWORD).status_code == 429  # an unknown browser
    assert _attempt(owner, "chutich", PASSWORD).status_code == 302  # the owner, from the known browser


def test_the_delay_grows_with_each_failure_and_then_lets_the_right_password_in(app, client, clock):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    for _ in range(5):
        assert _attempt(client, "vanphong", "sai-mat-khau").status_code == 401
    waits = []
    for _ in range(3):
        refused = _attempt(client, "vanphong", PASSWORD)
        assert refused.status_code == 429
        assert "Đăng nhập sai quá nhiều lần" in refused.get_data(as_text=True)
        waits.append(int(refused.headers["Retry-After"]))
        clock(waits[-1])
        assert _attempt(client, "vanphong", "sai-mat-khau").status_code == 401
    assert waits == [30, 60, 120]
    refused = _attempt(client, "vanphong", PASSWORD)
    assert "4 phút" in refused.get_data(as_text=True)
    clock(240)
    assert _attempt(client, "vanphong", PASSWORD).status_code == 302


def test_attempts_are_reserved_atomically_so_parallel_guesses_get_only_the_free_ones(app_ctx, clock):
    allowed = 0
    for _ in range(12):  # twelve attempts in flight at once: none has failed yet
        try:
            throttle.reserve([(throttle.ACCOUNT, "chutich")])
        except throttle.Throttled:
            continue
        allowed += 1
        db.session.commit()
    assert allowed == 5


def test_twelve_parallel_guesses_over_http_check_five_passwords(app, live_server):
    with app.app_context():
        make_user("leader", username="chutich")
        commit()
    barrier = threading.Barrier(12)
    codes: list[int] = []

    def guess(n: int) -> None:
        browser = requests.Session()
        token = csrf_token_of(browser.get(f"{live_server}/login", timeout=30).text)
        barrier.wait(timeout=30)
        answer = browser.post(f"{live_server}/login", data={"username": "chutich", "password": f"doan-{n}",
                                                             "csrf_token": token}, allow_redirects=False, timeout=60)
        codes.append(answer.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [401] * 5 + [429] * 7


def csrf_token_of(page: str) -> str:
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_behind_a_trusted_proxy_the_forwarded_address_is_the_one_counted(app):
    proxied = create_app({**app.config, "TRUSTED_PROXIES": 1})
    with proxied.app_context():
        make_user("leader", username="chutich")
        commit()
    proxy = _browser(proxied, "127.0.0.1")

    def through_proxy(client_address: str, username: str, password: str):
        return proxy.post("/login", headers={"X-Forwarded-For": client_address},
                          data={"username": username, "password": password, "csrf_token": csrf_token(proxy)})

    for n in range(10):
        assert through_proxy(ATTACKER, f"ten-{n}", "doan-bua").status_code == 401
    assert through_proxy(ATTACKER, "chutich", PASSWORD).status_code == 429
    assert through_proxy(OWNER, "chutich", PASSWORD).status_code == 302
    with proxied.app_context():
        db.engine.dispose()


# ------------------------------------------------------------------------------------------ password policy

@pytest.mark.parametrize("weak", ["12345678", "password", "password123", "matkhau123", "Ubnd@2026", "anhyeuem",
                                  "qwerty123", "Nguyen@1990", "vanphong2026"])
def test_common_and_guessable_passwords_are_refused_in_vietnamese(weak):
    problem = password_problem(weak, "vanphong", "Nguyễn Văn Phong")
    assert problem is not None
    assert "Mật khẩu" in problem


def test_a_passphrase_is_accepted():
    assert password_problem("tre-xanh-bay-ngang-song", "vanphong") is None


def test_the_policy_applies_to_new_users_and_changed_passwords(app_ctx):
    with pytest.raises(ValidationError) as refused:
        create_user("ketoan", "viewer", "matkhau2026")
    assert "phổ biến" in refused.value.fields["password"]
    user = make_user("office")
    with pytest.raises(ValidationError) as refused:
        change_own_password(user, PASSWORD, "12345678", confirmation="12345678")
    assert refused.value.fields["password"]


def test_the_admin_page_says_why_a_password_is_refused_and_keeps_the_form(app, client):
    with app.app_context():
        make_user("admin", username="quantri")
        commit()
    _attempt(client, "quantri", PASSWORD)
    page = client.post("/admin/users", data={"username": "ketoan", "full_name": "Kế toán", "role": "viewer",
                                             "unit_code": "", "password": "Ubnd@2026",
                                             "csrf_token": csrf_token(client, "/admin/users")})
    text = page.get_data(as_text=True)
    assert "Mật khẩu quá phổ biến" in text
    assert 'value="ketoan"' in text
