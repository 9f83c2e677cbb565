"""Deterministic province-scale data (DESIGN.md §7) written with bulk inserts.

250 units, 2,000 directives and 20,000 tasks a year over 5 years, 5 progress updates per task on average,
3 administrative-procedure dossiers per task (300,000 at 100,000 tasks) received from the start of the scored
year to today, with the apology-letter obligations their late ones carry and the monthly dossier KPI figures
(as imports would leave them), yearly targets for those KPIs, and the scored year's scoring rule saved but not
published (so the year's scoring is a draft computed on demand).
Of the tasks already past their deadline, 79 % are done (a sixth of those late), 3 % await review and 18 %
are still open, i.e. overdue: at 100,000 tasks that is over 500 pages (of 30) of the overdue list.
The same seed always gives the same rows, so runs on different machines compare.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from kpi_tasks.accounts.models import User
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import uniqueness_key
from kpi_tasks.dossiers.models import CHANNELS, ISSUED, LATE, PENDING, ApologyLetter, Dossier
from kpi_tasks.dossiers.queries import monthly_figures
from kpi_tasks.dossiers.services import ensure_computed_kpis
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import COMPUTED, KpiMeasurement, KpiTarget
from kpi_tasks.scoring.services import create_default_rule
from kpi_tasks.tasks.counts import KEPT, rebuild
from kpi_tasks.tasks.models import ProgressUpdate, Task, task_coordinating_units
from kpi_tasks.text import fold
from kpi_tasks.units.models import Unit

BENCH_TODAY = dt.date(2026, 11, 20)
BENCH_PASSWORD = "bench-password"  # noqa: S105 - a throwaway password for generated users
FIRST_YEAR = BENCH_TODAY.year - 4
SCORED_YEAR = BENCH_TODAY.year - 1  # the last whole year: its dashboard, statistics, scoring and export
VERBS = ["Triển khai", "Rà soát", "Báo cáo", "Tổ chức", "Kiểm tra", "Tham mưu", "Đẩy mạnh", "Hướng dẫn",
         "Tổng hợp", "Xây dựng"]
OBJECTS = ["số hóa hồ sơ thủ tục hành chính", "dịch vụ công trực tuyến", "chữ ký số", "thanh toán trực tuyến",
           "chuyển đổi số", "cải cách hành chính", "phòng chống thiên tai", "xây dựng nông thôn mới",
           "an toàn thực phẩm", "giải quyết đơn thư", "quản lý đất đai", "bảo vệ môi trường"]
BATCH = 5000
# What became of the tasks past their deadline (the rest are still open: overdue).
DONE_ON_TIME_SHARE, DONE_SHARE, AWAITING_SHARE = 0.66, 0.79, 0.03
DOSSIERS_PER_TASK = 3
PROCEDURES = [
    ("Chứng thực bản sao từ bản chính", "Chứng thực"), ("Đăng ký khai sinh", "Hộ tịch"),
    ("Đăng ký kết hôn", "Hộ tịch"), ("Cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
    ("Đăng ký biến động quyền sử dụng đất", "Đất đai"), ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
    ("Đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("Trợ cấp xã hội hằng tháng", "Bảo trợ xã hội"),
]
# Yearly targets (percent) of the dossier KPIs the product computes, for every kind of unit.
KPI_TARGETS = {"on_time": 95, "online": 50, "online_payment": 30, "digitised": 60}
APPLICANTS = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Huỳnh Thị Giang"]


# The province of issue 22: 1,500,000 tasks over five years for 2,000 units.
PROVINCE_TASKS = 1_500_000
PROVINCE_UNITS = 2000


def shape(tasks: int) -> dict[str, int]:
    """`generate`'s arguments for a size: DESIGN.md §7's 250 units up to a few hundred thousand tasks; beyond, a
    province's 2,000 units, with one progress update per task on average (instead of five) and 600,000 dossiers
    (instead of three per task), so that the data set is written in minutes."""
    if tasks < 1_000_000:
        return {"tasks": tasks}
    return {"tasks": tasks, "units": PROVINCE_UNITS, "updates_per_task": 1, "dossiers": 600_000}


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
    """Insert on the table itself (Core), not through the ORM: every row has the same keys, so each batch is
    one executemany. (The ORM's bulk insert leaves out a row's None values and so splits a batch wherever the
    missing keys change: on PostgreSQL the dossiers took five times longer that way.) On PostgreSQL the rows go
    through COPY (psycopg's cursor.copy), a stream the server reads at its own speed: the province's 1,500,000
    tasks in minutes. The statistics' counts are recounted once at the end (`generate`), not per statement."""
    target = getattr(table, "__table__", table)
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        return _copy(connection, target, rows)
    count = 0
    for batch in _batches(rows):
        db.session.execute(sa.insert(target), batch, execution_options={KEPT: True})
        count += len(batch)
    return count


def _copy(connection: Any, table: sa.Table, rows: Iterator[dict[str, Any]]) -> int:
    """COPY the rows into `table`; the columns are the first row's keys (every row has the same)."""
    first = next(rows, None)
    if first is None:
        return 0
    columns = list(first)
    raw = connection.connection.driver_connection  # psycopg's own connection, in the session's transaction
    count = 0
    # Table and column names come from the models, never from input.
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in itertools.chain((first,), rows):
            copy.write_row([row[name] for name in columns])
            count += 1
    return count


def generate(tasks: int = 100_000, units: int = 250, updates_per_task: int = 5, seed: int = 20261120,
             dossiers: int | None = None) -> dict:
    """Fill an empty, migrated database. Returns the row counts.

    `dossiers` defaults to DOSSIERS_PER_TASK per task; 0 leaves the dossier tables empty.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    now = dt.datetime.combine(BENCH_TODAY, dt.time(9), tzinfo=dt.UTC)
    unit_rows = []
    for index in range(units):
        # 250 units: 40 departments, 190 communes, 20 others; a province's 2,000: 40, 1,940 and 20.
        kind = "department" if index < 40 else "commune" if index < units - 20 else "other"
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
        issued = min(issued, BENCH_TODAY)
        directive_rows.append({"id": number + 1, "number": f"{number + 1}/UBND-VP", "kind": "cong_van",
                               "issued_on": issued, "issuer": "UBND tỉnh", "subject": subject,
                               "number_key": uniqueness_key(f"{number + 1}/UBND-VP", "UBND tỉnh", issued),
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
                if roll < DONE_SHARE:
                    state = "done"
                    delay = rng.randrange(-20, 1) if roll < DONE_ON_TIME_SHARE else rng.randrange(1, 40)
                    completed = deadline + dt.timedelta(days=delay)
                    completed = min(max(completed, issued), BENCH_TODAY)
                    reported, progress = completed, 100
                elif roll < DONE_SHARE + AWAITING_SHARE:
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
    dossier_count, letter_count = _dossiers(rng, tasks * DOSSIERS_PER_TASK if dossiers is None else dossiers,
                                            units, now)
    measurements, targets = _dossier_kpis(now) if dossier_count else (0, 0)
    # The scored year's rule, saved as the office would before the year's end; no scoring is published.
    create_default_rule(SCORED_YEAR, None)
    rebuild(db.session)  # the statistics' counts of the rows written around the application
    db.session.commit()
    _reset_sequences()
    return {"units": units, "users": len(user_rows), "directives": len(directive_rows), "tasks": task_count,
            "coordinating_links": coordinating, "progress_updates": update_count, "dossiers": dossier_count,
            "apology_letters": letter_count, "kpi_measurements": measurements, "kpi_targets": targets}


def _effective_due(due: dt.date) -> dt.date:
    """The promised day moved off a weekend (the product also skips holidays; the generated data has none)."""
    return due + dt.timedelta(days=(7 - due.weekday()) % 7 if due.weekday() >= 5 else 0)


def _dossiers(rng: random.Random, count: int, units: int, now: dt.datetime) -> tuple[int, int]:
    """`count` dossiers received from 01/01 of the scored year to yesterday, and, for each late one, the
    apology-letter obligation an import would have created: most letters sent on time, some late, some not yet.
    Returns (dossiers, obligations)."""
    start = dt.date(SCORED_YEAR, 1, 1)
    span = (BENCH_TODAY - start).days
    letters: list[dict[str, Any]] = []

    def dossier_rows() -> Iterator[dict[str, Any]]:
        for number in range(1, count + 1):
            unit_id = rng.randrange(1, units + 1)
            received = start + dt.timedelta(days=rng.randrange(span))
            due = received + dt.timedelta(days=rng.choice((1, 3, 5, 7, 10, 15)))
            effective_due = _effective_due(due)
            roll = rng.random()
            resolved: dt.date | None = None
            if roll < 0.88:
                resolved = max(received, effective_due - dt.timedelta(days=rng.randrange(3)))
            elif roll < 0.96:
                resolved = effective_due + dt.timedelta(days=rng.randrange(1, 11))
            if resolved is not None and resolved > BENCH_TODAY:
                resolved = None
            late = (resolved > effective_due) if resolved is not None else effective_due < BENCH_TODAY
            letter_on = appointment = None
            if late:
                roll = rng.random()
                status = ISSUED if roll < 0.7 else LATE if roll < 0.85 else PENDING
                if status == ISSUED:
                    letter_on = max(received, effective_due - dt.timedelta(days=rng.randrange(3)))
                elif status == LATE:
                    letter_on = min(BENCH_TODAY, effective_due + dt.timedelta(days=rng.randrange(1, 6)))
                    status = LATE if letter_on > effective_due else ISSUED
                if letter_on is not None:
                    appointment = max(letter_on, due) + dt.timedelta(days=rng.randrange(1, 10))
                letters.append({"id": len(letters) + 1, "dossier_id": number, "unit_id": unit_id,
                                "due_by": effective_due, "status": status, "issued_on": letter_on,
                                "new_appointment_on": appointment, "reason": "Hồ sơ cần xác minh thêm"
                                if letter_on else "", "recorded_at": now if letter_on else None,
                                "created_at": now, "version": 1})
            procedure, field = PROCEDURES[number % len(PROCEDURES)]
            yield {"id": number, "code": f"H{unit_id:03d}.{received:%y%m%d}-{number:07d}", "procedure": procedure,
                   "field": field, "unit_id": unit_id, "applicant": rng.choice(APPLICANTS), "received_on": received,
                   "due_on": due, "effective_due_on": effective_due, "resolved_on": resolved,
                   "channel": rng.choice((*CHANNELS, None)), "paid_online": rng.choice((True, False, None)),
                   "digitised": rng.choice((True, False)), "apology_letter_on": letter_on,
                   "new_appointment_on": appointment, "created_at": now, "updated_at": now}

    dossier_count = _insert(Dossier, dossier_rows())
    return dossier_count, _insert(ApologyLetter, iter(letters))


def _month_end(first_day: dt.date) -> dt.date:
    return (first_day + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _dossier_kpis(now: dt.datetime) -> tuple[int, int]:
    """What imports leave in the KPI area: the computed dossier KPIs, their monthly figures per unit (the
    product's own `monthly_figures`), plus the office's yearly targets for them. Returns (figures, targets)."""
    kpis = ensure_computed_kpis()
    rows = (
        {"kpi_id": kpis[key].id, "unit_id": figures.unit_id, "period_end": _month_end(figures.month),
         "numerator": numerator, "denominator": denominator, "value": None, "source": COMPUTED,
         "recorded_at": now}
        for figures in monthly_figures(dt.date(SCORED_YEAR, 1, 1), BENCH_TODAY)
        for key, (numerator, denominator) in figures.figures.items() if key in kpis and denominator
    )
    measurements = _insert(KpiMeasurement, rows)
    targets = _insert(KpiTarget, (
        {"kpi_id": kpis[key].id, "unit_id": None, "unit_kind": kind, "period_kind": "year",
         "period_start": dt.date(year, 1, 1), "period_end": dt.date(year, 12, 31), "target_value": value,
         "created_by_id": 1, "created_at": now, "updated_at": now}
        for year in (SCORED_YEAR, BENCH_TODAY.year) for key, value in KPI_TARGETS.items()
        for kind in ("department", "commune", "other")))
    return measurements, targets


def _reset_sequences() -> None:
    """Rows were inserted with explicit ids; move PostgreSQL's sequences past them."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("units", "users", "directives", "tasks", "progress_updates", "dossiers", "apology_letters"):
        # Table names come from the fixed tuple above, never from input.
        sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"  # noqa: S608
        db.session.execute(sa.text(sql))
    db.session.commit()
