"""The `kpi-tasks` console script as API.md fixes it, run as a real process on an empty database."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

KPI_TASKS = [sys.executable, "-m", "kpi_tasks"]


def _run(args: list[str], env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KPI_TASKS, *args], env=env, input=stdin, capture_output=True, text=True,
                          timeout=120, check=False)


def test_console_script_builds_a_database_users_and_tokens(tmp_path: Path):
    database = tmp_path / "cli.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "cli-test"}

    upgraded = _run(["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr
    tables = set(sa.inspect(sa.create_engine(f"sqlite:///{database}")).get_table_names())
    assert {"units", "users", "directives", "tasks", "progress_updates", "audit_events"} <= tables

    seeded = _run(["seed-demo"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert "vanphong" in seeded.stderr
    again = _run(["seed-demo"], env)
    assert again.returncode != 0
    assert "đã có dữ liệu" in again.stderr

    created = _run(["create-user", "ketoan", "--role", "unit_staff", "--unit", "TCKH", "--password-stdin"], env,
                   stdin="mat-khau-ke-toan\n")
    assert created.returncode == 0, created.stderr
    refused = _run(["create-user", "x", "--role", "unit_staff", "--unit", "KHONGCO", "--password-stdin"], env,
                   stdin="mat-khau-dai-du\n")
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
