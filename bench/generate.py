"""Deterministic province-scale data (DESIGN.md §7) written with bulk inserts.

250 units, 2,000 directives and 20,000 tasks a year over 5 years, 5 progress updates per task on average.
The same seed always gives the same rows, so runs on different machines compare.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from kpi_tasks.accounts.models import User
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import ProgressUpdate, Task, task_coordinating_units
from kpi_tasks.text import fold
from kpi_tasks.units.models import Unit

BENCH_TODAY = dt.date(2026, 11, 20)
BENCH_PASSWORD = "bench-password"  # noqa: S105 - a throwaway password for generated users
FIRST_YEAR = BENCH_TODAY.year - 4
VERBS = ["Triển khai", "Rà soát", "Báo cáo", "Tổ chức", "Kiểm tra", "Tham mưu", "Đẩy mạnh", "Hướng dẫn",
         "Tổng hợp", "Xây dựng"]
OBJECTS = ["số hóa hồ sơ thủ tục hành chính", "dịch vụ công trực tuyến", "chữ ký số", "thanh toán trực tuyến",
           "chuyển đổi số", "cải cách hành chính", "phòng chống thiên tai", "xây dựng nông thôn mới",
           "an toàn thực phẩm", "giải quyết đơn thư", "quản lý đất đai", "bảo vệ môi trường"]
BATCH = 5000


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(table: Any, rows: Iterator[dict[str, Any]]) -> int:
    count = 0
    for batch in _batches(rows):
        db.session.execute(sa.insert(table), batch)
        count += len(batch)
    return count


def generate(tasks: int = 100_000, units: int = 250, updates_per_task: int = 5, seed: int = 20261120) -> dict:
    """Fill an empty, migrated database. Returns the row counts."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    now = dt.datetime.combine(BENCH_TODAY, dt.time(9), tzinfo=dt.UTC)
    unit_rows = []
    for index in range(units):
        kind = "department" if index < 40 else "commune" if index < 230 else "other"
        name = {"department": "Sở ngành", "commune": "UBND xã", "other": "Đơn vị"}[kind] + f" số {index + 1}"
        unit_rows.append({"id": index + 1, "code": f"B{index + 1:03d}", "name": name, "name_folded": fold(name),
                          "kind": kind, "active": True})
    _insert(Unit, iter(unit_rows))
    password_hash = generate_password_hash(BENCH_PASSWORD, method="pbkdf2:sha256:1000")
    user_rows = [
        {"id": 1, "username": "office", "role": "office", "unit_id": None},
        {"id": 2, "username": "leader", "role": "leader", "unit_id": None},
        {"id": 3, "username": "interior", "role": "interior", "unit_id": None},
        *({"id": 3 + u, "username": f"manager{u}", "role": "unit_manager", "unit_id": u} for u in range(1, units + 1)),
    ]
    for row in user_rows:
        row.update(full_name=row["username"], password_hash=password_hash, active=True, created_at=now)
    _insert(User, iter(user_rows))

    years = 5
    directives_per_year = max(1, tasks // years // 10)
    directive_rows = []
    for number in range(directives_per_year * years):
        year = FIRST_YEAR + number // directives_per_year
        issued = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 330))
        subject = f"V/v {rng.choice(VERBS).lower()} {rng.choice(OBJECTS)} năm {year}"
        directive_rows.append({"id": number + 1, "number": f"{number + 1}/UBND-VP", "kind": "cong_van",
                               "issued_on": min(issued, BENCH_TODAY), "issuer": "UBND tỉnh", "subject": subject,
                               "subject_folded": fold(subject), "confidential": False, "created_by_id": 1,
                               "created_at": now, "version": 1})
    _insert(Directive, iter(directive_rows))

    def task_rows() -> Iterator[dict[str, Any]]:
        for task_id in range(1, tasks + 1):
            directive = directive_rows[(task_id - 1) * len(directive_rows) // tasks]
            issued: dt.date = directive["issued_on"]
            deadline = issued + dt.timedelta(days=rng.randrange(10, 120)) if rng.random() > 0.05 else None
            title = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} (nhiệm vụ {task_id})"
            state, reported, completed, progress = "open", None, None, rng.randrange(0, 90, 10)
            if deadline is not None and deadline < BENCH_TODAY:
                roll = rng.random()
                if roll < 0.85:
                    state = "done"
                    delay = rng.randrange(-20, 1) if roll < 0.7 else rng.randrange(1, 40)
                    completed = deadline + dt.timedelta(days=delay)
                    completed = min(max(completed, issued), BENCH_TODAY)
                    reported, progress = completed, 100
                elif roll < 0.9:
                    state, reported, progress = "awaiting_review", BENCH_TODAY - dt.timedelta(days=1), 100
            yield {"id": task_id, "directive_id": directive["id"], "title": title, "content": "",
                   "search_text": fold(title), "section": str(rng.randrange(1, 6)),
                   "lead_unit_id": rng.randrange(1, units + 1), "deadline_kind": "date" if deadline else "none",
                   "deadline": deadline, "effective_deadline": deadline, "state": state, "progress_percent": progress,
                   "completion_reported_on": reported, "completed_on": completed if state == "done" else None,
                   "created_by_id": 1, "created_at": now, "updated_at": now, "version": 1}

    task_count = _insert(Task, task_rows())
    coordinating = _insert(task_coordinating_units, (
        {"task_id": task_id, "unit_id": (task_id * 7) % units + 1}
        for task_id in range(1, tasks + 1, 3)))

    def update_rows() -> Iterator[dict[str, Any]]:
        update_id = 0
        for task_id in range(1, tasks + 1):
            for step in range(rng.randrange(0, updates_per_task * 2 + 1)):
                update_id += 1
                yield {"id": update_id, "task_id": task_id, "unit_id": (task_id % units) + 1,
                       "author_id": 3 + (task_id % units) + 1, "progress_percent": min(100, 10 * (step + 1)),
                       "note": "Đang triển khai theo kế hoạch", "reports_completion": False,
                       "created_at": now - dt.timedelta(days=rng.randrange(1, 1500))}

    update_count = _insert(ProgressUpdate, update_rows())
    db.session.commit()
    _reset_sequences()
    return {"units": units, "users": len(user_rows), "directives": len(directive_rows), "tasks": task_count,
            "coordinating_links": coordinating, "progress_updates": update_count}


def _reset_sequences() -> None:
    """Rows were inserted with explicit ids; move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("units", "users", "directives", "tasks", "progress_updates"):
        # Table names come from the fixed tuple above, never from input.
        sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
        db.session.execute(sa.text(sql))
    db.session.commit()
