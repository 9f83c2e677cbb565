"""`make bench`: province-scale timings of the main pages, beside the bare SQL behind them.

For each database (SQLite always, PostgreSQL when reachable) and each size (10,000 and 100,000 tasks) it
builds the data set, then times each target through the Flask test client (the whole request: routing,
permission checks, queries, rendering) and times the SQL statements that request issued, replayed on a
raw DB-API cursor. Results: a Markdown table in bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, BENCH_TODAY, generate  # noqa: E402
from kpi_tasks import create_app  # noqa: E402
from kpi_tasks.accounts.models import User  # noqa: E402
from kpi_tasks.accounts.services import create_token  # noqa: E402
from kpi_tasks.extensions import db  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "kpi_bench"
YEAR = BENCH_TODAY.year - 1


@dataclass
class Target:
    name: str
    path: str | None = None  # a GET through the test client
    action: Callable[[Flask], Any] | None = None  # or a service call (CLI commands)
    api: bool = False
    repeat: int = 15


@dataclass
class Timing:
    request: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    statements: int = 0


def targets(task_id: int) -> list[Target]:
    year = f"from={YEAR}-01-01&to={YEAR}-12-31"
    found = [
        Target("Trang chủ Văn phòng", "/"),
        Target("Danh sách quá hạn, trang 1", "/tasks/?status=overdue&page=1"),
        Target("Danh sách nhiệm vụ, trang 500", "/tasks/?page=500"),
        Target("Tìm kiếm “so hoa”", "/tasks/?q=so+hoa"),
        Target("Trang một nhiệm vụ", f"/tasks/{task_id}"),
        Target("API thống kê theo đơn vị, một năm", f"/api/v1/stats/units?{year}", api=True),
    ]
    return found + optional_targets(year)


def optional_targets(year: str) -> list[Target]:
    """Targets of areas that may not exist in this checkout (each added with its area)."""
    extra: list[Target] = []
    return extra


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(app: Flask, target: Target, office_client: Any, api_headers: dict[str, str]) -> Timing:
    timing = Timing()
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        captured.append((statement, parameters))

    for run in range(target.repeat + 1):
        captured.clear()
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", capture)
            try:
                started = time.perf_counter()
                if target.path:
                    client_headers = api_headers if target.api else {}
                    response = office_client.get(target.path, headers=client_headers)
                    assert response.status_code == 200, (target.path, response.status_code)
                    response.get_data()
                else:
                    assert target.action is not None
                    target.action(app)
                elapsed = time.perf_counter() - started
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", capture)
            if run == 0:
                continue  # warm-up: caches, compiled statements
            timing.request.append(elapsed)
            timing.sql.append(_replay(captured))
            timing.statements = len(captured)
    return timing


def _replay(statements: list[tuple[str, Any]]) -> float:
    """Time the same SELECT statements on a raw DB-API connection (writes are not replayed)."""
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        for statement, parameters in statements:
            if statement.lstrip().upper().startswith(("SELECT", "WITH")):
                cursor.execute(statement, parameters)
                cursor.fetchall()
        elapsed = time.perf_counter() - started
        connection.rollback()
        return elapsed
    finally:
        connection.close()


def prepare(url: str, tasks: int) -> Flask:
    os.environ["KPI_TASKS_TODAY"] = BENCH_TODAY.isoformat()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        else:
            db.engine.dispose()
            path = Path(db.engine.url.database or "")
            if path.exists():
                path.unlink()
        upgrade()
        started = time.perf_counter()
        counts = generate(tasks=tasks)
        print(f"  generated {counts} in {time.perf_counter() - started:.1f} s", flush=True)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    return app


def run_database(label: str, url: str, sizes: list[int]) -> dict[int, dict[str, Timing]]:
    results: dict[int, dict[str, Timing]] = {}
    for size in sizes:
        print(f"{label}: {size:,} tasks", flush=True)
        app = prepare(url, size)
        client = app.test_client()
        response = client.post("/login", data={"username": "office", "password": BENCH_PASSWORD})
        assert response.status_code == 302, response.status_code
        with app.app_context():
            office = db.session.scalar(sa.select(User).where(User.username == "office"))
            headers = {"Authorization": f"Bearer {create_token(office)}"}
            db.session.commit()
        results[size] = {}
        for target in targets(task_id=size // 2):
            timing = measure(app, target, client, headers)
            results[size][target.name] = timing
            print(f"  {target.name:<45} median {statistics.median(timing.request) * 1000:8.1f} ms", flush=True)
        with app.app_context():
            db.engine.dispose()
    return results


def report(all_results: dict[str, dict[int, dict[str, Timing]]], sizes: list[int]) -> str:
    large, small = max(sizes), min(sizes)
    lines = [
        f"# Benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPU, "
        f"{_memory_gib():.0f} GiB. Data: DESIGN.md §7 shape, generated by bench/generate.py (seed fixed); "
        f"today frozen at {BENCH_TODAY:%d/%m/%Y}. Times in ms; request = whole request through the Flask test "
        "client; SQL = the SELECTs that request issued, replayed on a raw DB-API cursor.",
        "",
    ]
    for label, results in all_results.items():
        header = f"| target | median @{large:,} | p95 | SQL median | ratio | statements | median @{small:,} | growth |"
        lines += [f"## {label}", "", header,
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for name, timing in results[large].items():
            median = statistics.median(timing.request) * 1000
            sql = statistics.median(timing.sql) * 1000
            small_median = statistics.median(results[small][name].request) * 1000 if name in results[small] else 0
            lines.append(
                f"| {name} | {median:.1f} | {_percentile(timing.request, 0.95) * 1000:.1f} | {sql:.1f} | "
                f"{median / sql if sql else float('nan'):.1f}× | {timing.statements} | {small_median:.1f} | "
                f"{median / small_median if small_median else float('nan'):.1f}× |")
        lines.append("")
    return "\n".join(lines)


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0


def postgres_url() -> str | None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": PG_BENCH_DB})
            if not exists:
                connection.execute(sa.text(f"CREATE DATABASE {PG_BENCH_DB}"))
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{PG_BENCH_DB}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="task counts, comma-separated")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    data_dir = ROOT / "bench" / "data"
    data_dir.mkdir(exist_ok=True)
    databases = {"SQLite": f"sqlite:///{data_dir / 'bench.sqlite3'}"}
    pg = None if args.skip_postgres else postgres_url()
    if pg:
        databases["PostgreSQL"] = pg
    else:
        print("PostgreSQL not reachable: SQLite only", flush=True)
    all_results = {label: run_database(label, url, sizes) for label, url in databases.items()}
    text = report(all_results, sizes)
    out = ROOT / "bench" / "results" / f"{dt.datetime.now(dt.UTC):%Y-%m-%d-%H%M}.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
