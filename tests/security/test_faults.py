"""Faults: the database away and back, and backup/restore round trips."""

from __future__ import annotations

import os
import shutil

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from kpi_tasks import create_app
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
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


def test_backup_and_restore_round_trip(app, client):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not _has_pg_tools():
        pytest.skip("pg_dump/pg_restore are not installed")
    runner = app.test_cli_runner()
    with app.app_context():
        unit = make_unit()
        make_task(unit, title="Việc cần giữ lại")
        commit()
    backup_dir = app.instance_path
    result = runner.invoke(args=["backup", "--out", os.path.join(backup_dir, "test-backup.bin")])
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
