"""Faults: the database away and back, and backup/restore round trips."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from kpi_tasks import create_app
from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.services import create_token
from kpi_tasks.backup import _libpq_url, _password_file
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from kpi_tasks.web import database_unavailable
from tests.factories import PASSWORD, commit, csrf_token, make_task, make_unit, make_user


def test_database_unavailable_gives_a_vietnamese_503_and_recovers(tmp_path):
    missing_dir = tmp_path / "not-yet"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing_dir / 'db.sqlite3'}"})
    client = app.test_client()

    page = client.post("/login", data={"username": "vanphong", "password": PASSWORD})
    assert page.status_code == 503
    assert "không kết nối được cơ sở dữ liệu" in page.get_data(as_text=True)
    api = client.get("/api/v1/units", headers={"Authorization": "Bearer abc"})
    assert api.status_code == 503
    assert api.json["error"]["code"] == "unavailable"

    missing_dir.mkdir()
    with app.app_context():
        upgrade()
        make_user("office", username="vanphong")
        commit()
    assert client.post("/login", data={"username": "vanphong", "password": PASSWORD}).status_code == 302
    with app.app_context():
        db.engine.dispose()


def test_backup_and_restore_round_trip(app, client, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not _has_pg_tools():
        pytest.skip("pg_dump/pg_restore are not installed")
    runner = app.test_cli_runner()
    with app.app_context():
        unit = make_unit()
        make_task(unit, title="Việc cần giữ lại")
        commit()
    # A folder of this test's own: the SQLite and PostgreSQL passes run at the same time and share instance/,
    # where one pass removed the other's file between its backup and its restore.
    result = runner.invoke(args=["backup", "--out", os.path.join(tmp_path, "test-backup.bin")])
    assert result.exit_code == 0, result.output
    backup_file = result.output.strip().splitlines()[-1]

    with app.app_context():
        db.session.execute(sa.update(Task).values(title="Đã bị sửa nhầm"))
        commit()
        db.session.remove()
    restored = runner.invoke(args=["restore", backup_file, "--yes"])
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        assert db.session.scalar(sa.select(Task.title)) == "Việc cần giữ lại"
        db.session.remove()
    os.remove(backup_file)
    assert csrf_token(client)


def _has_pg_tools() -> bool:
    return shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


# -- a database that is away or busy (503) against a statement the database refuses: a bug (500) --------


def _raised(run) -> sa_exc.DBAPIError:
    """The error SQLAlchemy raises when `run` fails, as a view would meet it."""
    with pytest.raises(sa_exc.DBAPIError) as caught:
        run()
    return caught.value


def test_outages_are_told_apart_from_programming_errors(tmp_path):
    memory = sa.create_engine("sqlite://")
    with memory.connect() as connection:
        connection.execute(sa.text("CREATE TABLE a (id INTEGER)"))
        connection.execute(sa.text("CREATE TABLE b (id INTEGER)"))
        for statement in ("SELECT id FROM a, b", "SELECT nope FROM a", "SELECT * FROM missing", "SELEC 1"):
            error = _raised(lambda s=statement: connection.execute(sa.text(s)))
            assert not database_unavailable(error), str(error.orig)  # ambiguous column, no such column, …

    missing = sa.create_engine(f"sqlite:///{tmp_path / 'not-there' / 'db.sqlite3'}")
    assert database_unavailable(_raised(missing.connect))  # unable to open database file

    # A second writer while the first holds the write lock: "database is locked" (SQLITE_BUSY).
    path = tmp_path / "locked.sqlite3"
    first = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0, "isolation_level": None})
    second = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0})
    with first.connect() as holder:
        holder.exec_driver_sql("CREATE TABLE t (id INTEGER)")
        holder.exec_driver_sql("BEGIN EXCLUSIVE")
        with second.connect() as writer:
            locked = _raised(lambda: writer.exec_driver_sql("INSERT INTO t VALUES (1)"))
        holder.exec_driver_sql("ROLLBACK")
    assert "database is locked" in str(locked.orig)
    assert database_unavailable(locked)

    # PostgreSQL refusing the connection (nothing listens on port 1): psycopg's error has no SQLSTATE.
    refused = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    assert database_unavailable(_raised(refused.connect))
    # A server that answered gives a SQLSTATE: a shutdown or too many clients is an outage, a bad column a bug.
    for psycopg_error, outage in ((psycopg.errors.AdminShutdown, True), (psycopg.errors.TooManyConnections, True),
                                  (psycopg.errors.UndefinedColumn, False), (psycopg.errors.AmbiguousColumn, False),
                                  (psycopg.errors.SyntaxError, False)):
        wrapped = sa_exc.OperationalError("SELECT 1", {}, psycopg_error("from the server"))
        assert database_unavailable(wrapped) is outage, psycopg_error.__name__
    invalidated = sa_exc.OperationalError("SELECT 1", {}, Exception("whatever"), connection_invalidated=True)
    assert database_unavailable(invalidated)
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"))


def test_a_programming_error_is_a_logged_500_not_the_database_unavailable_page(app, client, monkeypatch, caplog):
    """"ambiguous column name" is an OperationalError on SQLite (a ProgrammingError on PostgreSQL): a bug."""
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    client.post("/login", data={"username": "vanphong", "password": PASSWORD,
                                "csrf_token": csrf_token(client)})
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: handled, not raised

    def buggy_view():
        db.session.execute(sa.text("SELECT id FROM users, units"))  # both tables have an id

    monkeypatch.setitem(app.view_functions, "directives.index", buggy_view)
    monkeypatch.setitem(app.view_functions, "api.units", buggy_view)
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        page = client.get("/directives/")
    text = page.get_data(as_text=True)
    assert page.status_code == 500
    assert "Hệ thống gặp lỗi" in text
    assert "không kết nối được cơ sở dữ liệu" not in text
    assert "Người dùng" in text  # the normal page, which reads the user again after the rollback
    logged = [record for record in caplog.records if record.exc_info]
    assert logged, "the error must be logged with its traceback"
    assert "ambiguous" in str(logged[-1].exc_info[1]).lower()

    with app.app_context():
        headers = {"Authorization": f"Bearer {create_token(db.session.scalar(sa.select(User)))}"}
        commit()
    api = client.get("/api/v1/units", headers=headers)
    assert api.status_code == 500
    assert api.json["error"]["code"] != "unavailable"


# -- database trouble for a signed-in user, an unresponsive server, a statement that never ends ------------


def test_a_signed_in_user_gets_the_vietnamese_503_page_when_the_database_goes_away(tmp_path):
    folder = tmp_path / "db"
    folder.mkdir()
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'db.sqlite3'}"})
    with app.app_context():
        upgrade()
        make_user("office", username="vanphong")
        commit()
    client = app.test_client()
    assert client.post("/login", data={"username": "vanphong", "password": PASSWORD}).status_code == 302
    with app.app_context():
        db.engine.dispose()
    folder.rename(tmp_path / "away")  # the database is gone
    for path in ("/", "/tasks/", "/account/"):
        page = client.get(path)
        assert page.status_code == 503, path
        text = page.get_data(as_text=True)
        assert "không kết nối được cơ sở dữ liệu" in text
        assert 'lang="vi"' in text
        assert page.headers["Cache-Control"] == "no-store"
    with app.app_context():
        db.engine.dispose()


def _silent_server() -> tuple[socket.socket, list[socket.socket]]:
    """A TCP server that accepts connections and never answers (a hung database host)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return listener, accepted


def test_a_database_that_accepts_connections_but_never_answers_gives_503_not_a_hung_worker(tmp_path):
    listener, accepted = _silent_server()
    port = listener.getsockname()[1]
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "DB_CONNECT_TIMEOUT": 1,
                      "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://kpi@127.0.0.1:{port}/kpi"})
    answers: list = []
    request = threading.Thread(target=lambda: answers.append(
        app.test_client().post("/login", data={"username": "vanphong", "password": PASSWORD})), daemon=True)
    request.start()
    request.join(timeout=60)  # a bound on a hang, not a timing: without a connect timeout it never ends
    listener.close()
    for connection in accepted:
        connection.close()
    assert not request.is_alive(), "the request hung on the silent database"
    assert answers[0].status_code == 503
    assert "không kết nối được cơ sở dữ liệu" in answers[0].get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_a_statement_longer_than_the_limit_is_cancelled_and_told_as_unavailable(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("statement_timeout is PostgreSQL's")
    limited = create_app({"TESTING": True, "SECRET_KEY": "x", "DB_STATEMENT_TIMEOUT": 1,
                          "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    with limited.app_context():
        error = _raised(lambda: db.session.execute(sa.text("SELECT pg_sleep(5)")))
        db.session.remove()
        db.engine.dispose()
    assert error.orig.sqlstate == "57014"  # query_canceled: statement_timeout
    assert database_unavailable(error)


def test_the_web_app_limits_statements_and_the_console_does_not(monkeypatch):
    monkeypatch.delenv("KPI_TASKS_DB_STATEMENT_TIMEOUT", raising=False)
    web = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://kpi@db/kpi"})
    connect_args = web.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert connect_args["connect_timeout"] == 5
    assert "statement_timeout=20000" in connect_args["options"]
    assert "jit=off" in connect_args["options"]  # JIT compiling costs more than a request's statements
    script = subprocess.run([sys.executable, "-c", "import os, kpi_tasks.__main__ as m; "
                             "import sys; sys.argv = ['kpi-tasks', '--help']; "
                             "os.environ.pop('KPI_TASKS_DB_STATEMENT_TIMEOUT', None); m.main()"],
                            capture_output=True, text=True, check=False, env={**os.environ, "DATABASE_URL": "sqlite://"})
    assert script.returncode == 0, script.stderr
    monkeypatch.setenv("KPI_TASKS_DB_STATEMENT_TIMEOUT", "0")  # what `kpi-tasks` sets for itself
    console = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://kpi@db/kpi"})
    assert "statement_timeout" not in console.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"].get("options", "")


def test_a_backup_is_readable_by_its_owner_only(app, tmp_path):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not _has_pg_tools():
        pytest.skip("pg_dump is not installed")
    out = os.path.join(tmp_path, "private-backups", "kpi.bin")  # not instance/, which both passes share
    result = app.test_cli_runner().invoke(args=["backup", "--out", out])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(os.path.dirname(out)).st_mode) == 0o700
    shutil.rmtree(os.path.dirname(out))


def test_pg_dump_gets_the_password_in_a_private_file_not_on_its_command_line():
    url = make_url("postgresql+psycopg://kpi:b%C3%AD:m%E1%BA%ADt@db.example:5433/kpi")
    assert "bí" not in _libpq_url(url)
    assert _libpq_url(url) == "postgresql://kpi@db.example:5433/kpi"
    with _password_file(url) as environment:
        passfile = environment["PGPASSFILE"]
        assert stat.S_IMODE(os.stat(passfile).st_mode) == 0o600
        assert Path(passfile).read_text(encoding="utf-8") == "*:*:*:*:bí\\:mật\n"
    assert not os.path.exists(passfile)
