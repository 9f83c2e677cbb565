"""The `kpi-tasks` console script as API.md fixes it, run as a real process on an empty database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.notifications.helpers import SmtpServer

KPI_TASKS = [sys.executable, "-m", "kpi_tasks"]


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KPI_TASKS, *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], subprocess.CompletedProcess[str]]:
    """An empty SQLite file built by `db upgrade`, then loaded by `seed-demo` (each process takes seconds)."""
    folder = tmp_path_factory.mktemp("cli")
    database = folder / "cli.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "cli-test",
           "KPI_TASKS_TODAY": "2026-03-16", "KPI_TASKS_UPLOAD_FOLDER": str(folder / "uploads")}
    upgraded = _run(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    tables = set(sa.inspect(sa.create_engine(f"sqlite:///{database}")).get_table_names())
    assert {"units", "users", "directives", "tasks", "progress_updates", "audit_events"} <= tables
    return database, env, _run(["seed-demo"], env)


def test_console_script_builds_a_database_users_and_tokens(demo):
    database, env, seeded = demo
    assert seeded.returncode == 0, seeded.stderr
    assert "vanphong" in seeded.stderr
    again = _run(["seed-demo"], env)
    assert again.returncode != 0
    assert "đã có dữ liệu" in again.stderr
    restarted = _run(["seed-demo", "--if-empty"], env)  # what `make run` does on its second start
    assert restarted.returncode == 0, restarted.stderr
    assert "bỏ qua" in restarted.stderr
    assert "vanphong" in restarted.stderr

    created = _run(["create-user", "ketoan", "--role", "unit_staff", "--unit", "TCKH", "--password-stdin"], env,
                   stdin="gio-dong-thoi-qua-ngo\n")
    assert created.returncode == 0, created.stderr
    refused = _run(["create-user", "x", "--role", "unit_staff", "--unit", "KHONGCO", "--password-stdin"], env,
                   stdin="tre-xanh-bay-ngang-song-du\n")
    assert refused.returncode != 0
    assert "Không có đơn vị mã “KHONGCO”" in refused.stderr

    token = _run(["create-token", "ketoan"], env)
    assert token.returncode == 0, token.stderr
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}\n", token.stdout), token.stdout
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM api_tokens")) == 1
        assert connection.scalar(sa.text("SELECT count(*) FROM tasks")) > 10
    engine.dispose()


def test_scan_and_send_reminders_are_safe_to_run_twice_as_processes(demo):
    """On the demo district: `scan` makes the day's notifications once; `send-reminders` mails one digest per
    recipient to a real SMTP server started here, and a second run sends nothing."""
    database, env, seeded_run = demo
    assert seeded_run.returncode == 0, seeded_run.stderr
    smtp = SmtpServer()
    mail_env = {**env, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "SMTP_FROM": "nhacviec@ubnd.example.vn"}
    engine = sa.create_engine(f"sqlite:///{database}")
    # The seed shows today's reminders already: let the scan make them again (the seed's event notices stay).
    scan_kinds = "kind IN ('due_soon', 'overdue', 'apology_due', 'unacknowledged')"
    with engine.begin() as connection:
        seeded = connection.scalar(sa.text("SELECT count(*) FROM notifications"))
        connection.execute(sa.text(f"DELETE FROM notifications WHERE {scan_kinds}"))  # noqa: S608
        assert connection.scalar(sa.text("SELECT count(*) FROM notifications")) < seeded

    first, second = _run(["scan"], env), _run(["scan"], env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "tạo 0 thông báo" not in first.stdout
    assert "tạo 0 thông báo" in second.stdout
    assert "nhắc gửi phiếu xin lỗi: 0;" in second.stdout
    assert "nhắc tiếp nhận nhiệm vụ: 0." in second.stdout
    with engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM notifications")) == seeded
        recipients = connection.scalar(sa.text(
            "SELECT count(DISTINCT n.recipient_id) FROM notifications n JOIN users u ON u.id = n.recipient_id "
            "WHERE u.email IS NOT NULL AND u.email <> '' AND u.email_mode = 'digest' AND u.active"))
    engine.dispose()
    assert recipients > 0

    smtp.start()
    try:
        sent, again = _run(["send-reminders"], mail_env), _run(["send-reminders"], mail_env)
    finally:
        smtp.stop()
    assert sent.returncode == 0, sent.stderr
    assert again.returncode == 0, again.stderr
    assert f"gửi {recipients} thư" in sent.stdout
    assert "gửi 0 thư (0 thông báo)" in again.stdout
    addresses = [rcpt for rcpts, _message in smtp.messages for rcpt in rcpts]
    assert len(addresses) == len(set(addresses)) == recipients
    subjects = {message["Subject"] for _rcpts, message in smtp.messages}
    assert all(subject.startswith("Nhắc việc ngày 16/03/2026") for subject in subjects)
