"""Test set-up: one app per session on SQLite (or TEST_DATABASE_URL), schema built by the migrations,
tables emptied after every test, the clock frozen, and helpers that make a test's set-up short."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from werkzeug.serving import make_server

from kpi_tasks import create_app
from kpi_tasks.accounts import services as account_services
from kpi_tasks.extensions import db
from tests.factories import csrf_token, empty_database, login

__all__ = ["csrf_token", "login"]

FROZEN_TODAY = "2026-03-16"  # a Monday, clear of Tết and the April–May holidays


def _database_url(tmp_root: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'test.sqlite3'}"


def pytest_report_header() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return f"kpi_tasks database: {'PostgreSQL ' + url if url else 'SQLite (temporary file)'}"


# Tests of pure text and calendar arithmetic: with no app fixture they read no database, so the PostgreSQL pass
# of `make test` leaves them to the SQLite pass.
DATABASE_FREE_FOLDERS = ("tests/intake/", "tests/calendar/")
APP_FIXTURES = frozenset({"app", "app_ctx", "client", "live_server", "page"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`make test` runs the suite on SQLite and on PostgreSQL side by side; the PostgreSQL pass is the longer one,
    so it is told (KPI_TASKS_TEST_ONE_PASS=sqlite) to leave to the SQLite pass the tests marked `one_pass` (long,
    and the same on either database) and the database-free tests of DATABASE_FREE_FOLDERS. A single pass runs all."""
    if os.environ.get("KPI_TASKS_TEST_ONE_PASS") != "sqlite" or not os.environ.get("TEST_DATABASE_URL"):
        return
    skip = pytest.mark.skip(reason="runs in the SQLite pass of make test")
    for item in items:
        database_free = (item.nodeid.startswith(DATABASE_FREE_FOLDERS)
                         and not APP_FIXTURES.intersection(item.fixturenames))
        if "one_pass" in item.keywords or database_free:
            item.add_marker(skip)


def _reset_schema(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp_root = tmp_path_factory.mktemp("kpi")
    os.environ["KPI_TASKS_TODAY"] = FROZEN_TODAY
    database_url = _database_url(tmp_root)
    engine_options: dict = {"pool_pre_ping": True}
    if database_url.startswith("postgresql"):
        # Durability of test data is not under test; waiting for each commit's WAL flush would double the run.
        engine_options["connect_args"] = {"options": "-c synchronous_commit=off"}
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "UPLOAD_FOLDER": str(tmp_root / "uploads"),
            "WTF_CSRF_ENABLED": True,
        }
    )
    _reset_schema(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Freeze the clock; after a test that used the app, empty every table."""
    monkeypatch.setenv("KPI_TASKS_TODAY", FROZEN_TODAY)
    # Password hashing strength is not under test; scrypt's cost would dominate the suite's time.
    monkeypatch.setattr(account_services, "PASSWORD_METHOD", "pbkdf2:sha256:1000")
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        empty_database()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)  # screenshots and figures land here whether or not `make test` made it


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium driven by Playwright; skipped with a message where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server: str) -> Iterator[object]:
    """A fresh browser page whose every request must stay on the live server."""
    context = browser.new_context(base_url=live_server, locale="vi-VN")
    new_page = context.new_page()
    outside: list[str] = []
    new_page.on("request", lambda request: None if request.url.startswith(live_server) else outside.append(
        request.url))
    yield new_page
    context.close()
    assert outside == [], f"requests left the server: {outside}"


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free port of 127.0.0.1 in a thread, for browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def background_worker(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """`kpi-tasks worker` in a thread of the test process, for browser tests whose pages queue background jobs."""
    from kpi_tasks.jobs.worker import Worker

    monkeypatch.setitem(app.config, "JOB_POLL_SECONDS", 1)
    worker = Worker(app, name="test-worker")
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    yield worker
    worker.stop()
    thread.join(timeout=30)
