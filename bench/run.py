"""`make bench`: province-scale timings of the main pages, beside the bare SQL behind them, and peak memory.

For each database (SQLite always, PostgreSQL when reachable) and each size (10,000 and 100,000 tasks) it
builds the data set (bench/generate.py), then times each target through the Flask test client (the whole
request: routing, permission checks, queries, rendering) or, for a console command, the service call behind
it, and times the SQL statements that request issued, replayed in one rolled-back transaction on a raw
DB-API cursor. At the largest size it also runs the Excel export of every task in a fresh process per
database and, once (SQLite unless --import-databases says otherwise), the import of a year of dossiers
(DOSSIERS_PER_TASK × the largest size, 300,000 rows) in a fresh process, and reports each process's peak
resident memory as the kernel counted it (bench/rss.py).
Results: a Markdown file bench/results/<date>-<host>.md with the machine's description.

    .venv/bin/python bench/run.py                           # what `make bench` runs: 10,000 and 100,000 tasks
    .venv/bin/python bench/run.py --sizes 2000,5000         # a quick check of the whole run
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import socket
import sqlite3
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rss  # noqa: E402
from bench.dossier_import_memory import write_xlsx  # noqa: E402
from bench.generate import (  # noqa: E402
    BENCH_PASSWORD,
    BENCH_TODAY,
    DOSSIERS_PER_TASK,
    PROVINCE_TASKS,
    PROVINCE_UNITS,
    SCORED_YEAR,
    generate,
    shape,
)
from kpi_tasks import create_app  # noqa: E402
from kpi_tasks.accounts.models import User  # noqa: E402
from kpi_tasks.accounts.services import create_token  # noqa: E402
from kpi_tasks.extensions import db  # noqa: E402
from kpi_tasks.jobs.models import OK  # noqa: E402
from kpi_tasks.jobs.services import run_job  # noqa: E402
from kpi_tasks.tasks.models import Task  # noqa: E402
from kpi_tasks.tasks.status import OVERDUE, status_predicate  # noqa: E402
from kpi_tasks.tasks.views import PER_PAGE as TASKS_PER_PAGE  # noqa: E402

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "kpi_bench"
PG_IMPORT_DB = "kpi_bench_import"  # the import starts from an empty schema: kpi_bench keeps the data set
YEAR = SCORED_YEAR
DEEP_PAGE = 500
LIGHT, AGGREGATE, HEAVY = 15, 5, 2  # timed runs per target, after one warm-up run
REPLAYS = 5  # of the timed runs, the first this many also have their SQL replayed (its median is steady)
SQLITE_MAX_TASKS = 200_000  # larger sets (the province's 1,500,000) are timed on PostgreSQL only
EXPORT_ROWS = 20_000  # the Excel export: the tasks due from 01/01 of the year until this many (the year at 100,000)


@dataclass
class Target:
    name: str
    path: str | None = None  # a GET through the test client
    action: Callable[[Flask], Any] | None = None  # or a service call (console commands)
    api: bool = False
    repeat: int = LIGHT
    note: str = ""  # what the run actually did, when it differs from the name (e.g. the last page)


@dataclass
class Timing:
    request: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    statements: int = 0
    first: float = 0.0  # the warm-up run: cold caches; for the scan, the run that creates today's rows
    note: str = ""
    error: str = ""  # the target failed: the rest of the run goes on, the report says so


@dataclass
class Memory:
    label: str
    database: str
    seconds: float
    peak_rss: int  # bytes, the process's own peak as the kernel reports it on wait4
    baseline_rss: int | None
    detail: str


def _scan(_app: Flask) -> None:
    """`kpi-tasks scan` without the console: the same job run, recorded like the command's."""
    run = run_job("scan", "bench")
    assert run.status == OK, run.error


def _pages(count: int) -> int:
    return max(1, math.ceil(count / TASKS_PER_PAGE))


def _deep_page(count: int) -> tuple[int, str]:
    """Page 500, or the last page when the list is shorter (said in the note)."""
    last = _pages(count)
    page = min(DEEP_PAGE, last)
    return page, f"page {page:,} of {last:,}"


def targets(task_id: int, all_tasks: int, overdue: int, export_to: dt.date) -> list[Target]:
    period = f"from={YEAR}-01-01&to={YEAR}-12-31"
    deadlines = f"deadline_from={YEAR}-01-01&deadline_to={export_to.isoformat()}"
    overdue_page, overdue_note = _deep_page(overdue)
    list_page, list_note = _deep_page(all_tasks)
    return [
        Target("Trang chủ Văn phòng", "/"),
        Target(f"Bảng điều khiển lãnh đạo, năm {YEAR}", f"/reports/?{period}", repeat=AGGREGATE),
        Target("Danh sách quá hạn, trang 1", "/tasks/?status=overdue&page=1"),
        Target(f"Danh sách quá hạn, trang {DEEP_PAGE}", f"/tasks/?status=overdue&page={overdue_page}",
               note=overdue_note),
        Target(f"Danh sách nhiệm vụ, trang {DEEP_PAGE}", f"/tasks/?page={list_page}", note=list_note),
        Target("Tìm kiếm “so hoa”", "/tasks/?q=so+hoa"),
        Target("Trang một nhiệm vụ", f"/tasks/{task_id}"),
        Target("API thống kê theo đơn vị, một năm", f"/api/v1/stats/units?{period}", api=True),
        Target(f"Chấm điểm năm {YEAR} (dự thảo)", f"/scoring/{YEAR}/draft", repeat=AGGREGATE),
        Target(f"Xuất Excel nhiệm vụ có hạn trong năm {YEAR} (đến {EXPORT_ROWS:,})",
               f"/api/v1/reports/tasks.xlsx?{deadlines}", api=True, repeat=HEAVY,
               note=f"deadlines 01/01–{export_to:%d/%m}/{YEAR}"),
        # Last: it writes (notifications, obligations, the job's record), which the pages above must not see.
        Target("kpi-tasks scan", action=_scan, repeat=HEAVY,
               note="1st run creates today's notifications; the timed runs find them there (a second scan a day)"),
    ]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


Captured = list[tuple[str, Any, bool]]


def measure(app: Flask, target: Target, office_client: Any, api_headers: dict[str, str]) -> Timing:
    timing = Timing(note=target.note)
    captured: Captured = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        captured.append((statement, parameters, many))

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
                    response.close()
                else:
                    assert target.action is not None
                    target.action(app)
                elapsed = time.perf_counter() - started
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", capture)
            if run == 0:
                timing.first = elapsed  # warm-up: caches, compiled statements; not in the statistics
                continue
            timing.request.append(elapsed)
            if len(timing.sql) < REPLAYS:
                timing.sql.append(_replay(captured))
            timing.statements = len(captured)
    return timing


def _replay(statements: Captured) -> float:
    """Time the same statements, in order, on a raw DB-API connection, in one transaction rolled back after.

    Writes are replayed too (a scan's inserts meet the rows the request left and do nothing, as a second
    run of the command does); the rollback leaves the database as the request left it.
    """
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        started = time.perf_counter()
        for statement, parameters, many in statements:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        elapsed = time.perf_counter() - started
        connection.rollback()
        return elapsed
    finally:
        connection.close()


def _app(url: str) -> Flask:
    os.environ["KPI_TASKS_TODAY"] = BENCH_TODAY.isoformat()
    # Exceptions propagate to the bench with their traceback instead of becoming a bare 500 page (the
    # migrations' logging set-up silences the app's logger in this process).
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "DB_STATEMENT_TIMEOUT": 0,  # generation and year-long runs: the web limit is not measured
                       # The export is timed in the request, as a user waits for it (not handed to the worker).
                       "JOB_BACKGROUND_ROWS": 10**9,
                       "PROPAGATE_EXCEPTIONS": True})


def prepare(url: str, tasks: int, reuse: bool = False) -> Flask:
    app = _app(url)
    with app.app_context():
        if reuse and _holds(tasks):
            print(f"  reusing the {tasks:,} tasks already there", flush=True)
            return app
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
        counts = generate(**shape(tasks))
        print(f"  generated {counts} in {time.perf_counter() - started:.1f} s", flush=True)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM ANALYZE"))
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    return app


def _holds(tasks: int) -> bool:
    """The database already holds a generated data set of this size, migrated to the latest revision."""
    try:
        upgrade()
        return _count() == tasks
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        db.session.rollback()  # no transaction left open: it would hold the locks a new data set's DROP waits for
        db.session.remove()


def _sized(url: str, size: int) -> str:
    """With --reuse-data each size keeps a database of its own, so a later run finds it (the province's set takes
    minutes to write): kpi_bench_<size> on PostgreSQL, bench-<size>.sqlite3."""
    if url.startswith("sqlite:///"):
        return url.replace("bench.sqlite3", f"bench-{size}.sqlite3")
    return postgres_url(f"{PG_BENCH_DB}_{size}") or url


def _export_to(limit: int) -> dt.date:
    """The last deadline of the first `limit` tasks due in the year (the year's end when it holds fewer)."""
    deadlines = (sa.select(Task.effective_deadline).where(Task.effective_deadline >= dt.date(YEAR, 1, 1),
                                                        Task.effective_deadline <= dt.date(YEAR, 12, 31))
                 .order_by(Task.effective_deadline).offset(limit - 1).limit(1))
    return db.session.scalar(deadlines) or dt.date(YEAR, 12, 31)


STARTED = time.perf_counter()


def _clock() -> str:
    """Minutes:seconds since the start, in front of the progress lines."""
    elapsed = int(time.perf_counter() - STARTED)
    return f"[{elapsed // 60:02d}:{elapsed % 60:02d}]"


def _count(*conditions: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Task).where(*conditions)) or 0


def run_database(label: str, url: str, sizes: list[int], memory: list[Memory] | None, reuse: bool = False,
                 only: list[str] | None = None) -> dict[int, dict[str, Timing]]:
    """Time every target at every size (those whose name holds one of `only`'s words, when given); with
    `memory`, add the export's peak memory at the largest size."""
    results: dict[int, dict[str, Timing]] = {}
    if label == "SQLite" and any(size > SQLITE_MAX_TASKS for size in sizes):
        print(f"{_clock()} {label}: sizes above {SQLITE_MAX_TASKS:,} are timed on PostgreSQL only", flush=True)
        sizes = [size for size in sizes if size <= SQLITE_MAX_TASKS]
    for size in sizes:
        print(f"{_clock()} {label}: {size:,} tasks", flush=True)
        # A data set of another database's size is never reused: each size has a database of its own only on
        # PostgreSQL with --reuse-data (kpi_bench_<size>), which keeps the province's between runs.
        app = prepare(url if not reuse else _sized(url, size), size, reuse=reuse)
        client = app.test_client()
        response = client.post("/login", data={"username": "office", "password": BENCH_PASSWORD})
        assert response.status_code == 302, response.status_code
        with app.app_context():
            office = db.session.scalar(sa.select(User).where(User.username == "office"))
            headers = {"Authorization": f"Bearer {create_token(office)}"}
            db.session.commit()
            all_tasks, overdue = _count(), _count(status_predicate(OVERDUE, BENCH_TODAY))
            export_to = _export_to(EXPORT_ROWS)
        results[size] = {}
        for target in targets(task_id=size // 2, all_tasks=all_tasks, overdue=overdue, export_to=export_to):
            if only and not any(word in target.name.lower() for word in only):
                continue
            try:
                timing = measure(app, target, client, headers)
            except Exception as error:  # a failing target is a finding: report it and go on
                traceback.print_exc()
                results[size][target.name] = Timing(note=target.note, error=f"{type(error).__name__}: {error}"[:300])
                print(f"{_clock()}   {target.name:<48} FAILED: {results[size][target.name].error}", flush=True)
                continue
            results[size][target.name] = timing
            print(f"{_clock()}   {target.name:<48} median {statistics.median(timing.request) * 1000:9.1f} ms, "
                  f"SQL {statistics.median(timing.sql) * 1000:9.1f} ms, 1st run {timing.first * 1000:9.1f} ms"
                  + (f" ({timing.note})" if timing.note else ""), flush=True)
        with app.app_context():
            db.engine.dispose()
        if memory is not None and size == max(sizes) and size <= SQLITE_MAX_TASKS:
            memory.append(export_memory(label, url, size))
    return results


# --- peak memory, each in a process of its own ---------------------------------------------------------


def run_measured(command: list[str]) -> tuple[str, int]:
    """Run a child to its end; return its stdout and its own peak resident set in bytes (bench/rss.py: started
    by a small launcher, so that the figure does not include this process's own peak)."""
    measured = rss.run(command).check(" ".join(command[1:3]))
    return measured.stdout, measured.peak_rss


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def export_memory(label: str, url: str, tasks: int) -> Memory:
    """bench/export_memory.py's measurement: GET /api/v1/reports/tasks.xlsx of every task, body to a file."""
    print(f"{_clock()}   {label}: Excel export of all {tasks:,} tasks in a fresh process…", flush=True)
    script = str(ROOT / "bench" / "export_memory.py")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "export.xlsx"
        stdout, peak = run_measured([sys.executable, script, "--measure", url, "--out", str(out)])
        result = _last_json(stdout)
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.export_memory import _app; _app({url!r})")
    _stdout, baseline = run_measured([sys.executable, "-c", code])
    memory = Memory(f"Excel export, all {tasks:,} tasks", label, result["seconds"], peak, baseline,
                    f"{result['bytes'] / 2**20:.1f} MiB file; process's own figure {mib(result['max_rss'])}")
    print(f"    {memory.seconds:.1f} s, peak RSS {mib(peak)} (bare app {mib(baseline)})", flush=True)
    return memory


def import_memory(label: str, url: str, rows: int, workbook: Path) -> Memory:
    """bench/dossier_import_memory.py's child: migrate, 250 units, import the workbook once, then its pages."""
    print(f"{_clock()}   {label}: import of {rows:,} dossiers (.xlsx) in a fresh process…", flush=True)
    script = str(ROOT / "bench" / "dossier_import_memory.py")
    stdout, peak = run_measured([sys.executable, script, "--child", str(workbook), "--database-url", url, "--once"])
    result = _last_json(stdout)
    first = result["first"]
    assert result["dossiers"] == rows, (result["dossiers"], rows)
    imported = int(first["peak_mb"] * 2**20)  # the child's own ru_maxrss right after the import
    detail = (f"{first['created']:,} dossiers, {first['obligations_created']:,} apology-letter obligations, "
              f"{first['measurements']:,} KPI figures written; the process over its whole life, with the dossier "
              f"pages it then opens: {mib(peak)}; those pages (s): "
              + ", ".join(f"{name} {seconds}" for name, seconds in result["pages"].items()))
    memory = Memory(f"Import of {rows:,} dossiers (.xlsx)", label, first["seconds"], imported,
                    int(result["baseline_mb"] * 2**20), detail)
    print(f"    import {first['seconds']} s, peak RSS {mib(imported)} (after start-up and migration "
          f"{result['baseline_mb']:.0f} MiB; whole process {mib(peak)})", flush=True)
    return memory


def mib(value: float | None) -> str:
    return "—" if value is None else f"{value / 2**20:.0f} MiB"


# --- the report -----------------------------------------------------------------------------------------


def machine(pg_url: str | None) -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    pg_version = "not reachable"
    if pg_url:
        engine = sa.create_engine(pg_url)
        try:
            with engine.connect() as connection:
                pg_version = connection.scalar(sa.text("SHOW server_version")) or "?"
        finally:
            engine.dispose()
    return (f"{cpu}, {os.cpu_count()} cores ({usable} usable), {_memory_gib():.0f} GiB RAM; "
            f"{platform.platform()}; Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"PostgreSQL {pg_version}")


def report(all_results: dict[str, dict[int, dict[str, Timing]]], sizes: list[int], memory: list[Memory],
           description: str, started: float, loads: tuple[tuple[float, ...], tuple[float, ...]]) -> str:
    large, small = max(sizes), min(sizes)
    lines = [
        f"# Benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {description}. Load average (1, 5, 15 min) at the start {_loads(loads[0])}, at the end "
        f"{_loads(loads[1])}: other work on the machine slows the runs, and p95 of {HEAVY} runs is their slowest.",
        "",
        f"Data: DESIGN.md §7 shape, generated by bench/generate.py (seed fixed): 250 units, up to {SQLITE_MAX_TASKS:,} "
        f"tasks over 5 years, about 5 progress updates per task, {DOSSIERS_PER_TASK} dossiers per task; beyond "
        f"(the province's {PROVINCE_TASKS:,} tasks, PostgreSQL only) {PROVINCE_UNITS:,} units, about 1 progress "
        "update per task and 600,000 dossiers, written with COPY; today frozen at "
        f"{BENCH_TODAY:%d/%m/%Y}; the year is {YEAR}. Times in ms. Request = the whole request through the Flask "
        "test client (for `kpi-tasks scan`, the job the command runs); SQL = the statements it issued, replayed "
        f"in order on a raw DB-API cursor (median of the first {REPLAYS} timed runs); ratio = request ÷ SQL; "
        f"1st run = the warm-up run, not in the statistics; growth = median at {large:,} ÷ median at {small:,}. "
        f"Timed runs: {LIGHT} per page, {AGGREGATE} for the dashboard and the scoring, {HEAVY} for the export and "
        "the scan, each after one warm-up run.",
        "",
    ]
    for label, results in all_results.items():
        large, small = max(results), min(results)
        lines += [f"## {label}", "",
                  f"| target | median @{large:,} | p95 | SQL median | ratio | statements | 1st run "
                  f"| median @{small:,} | growth |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        notes = []
        for name, timing in results[large].items():
            small_timing = results[small].get(name)
            if timing.error or (small_timing and small_timing.error):
                failed = timing.error or f"at {small:,}: {small_timing.error if small_timing else ''}"
                lines.append(f"| {name} | failed: {failed.replace('|', '/')} |||||||| ")
                continue
            median = statistics.median(timing.request) * 1000
            sql = statistics.median(timing.sql) * 1000
            small_median = statistics.median(small_timing.request) * 1000 if small_timing else 0
            lines.append(
                f"| {name} | {median:.1f} | {_percentile(timing.request, 0.95) * 1000:.1f} | {sql:.1f} | "
                f"{median / sql if sql else float('nan'):.1f}× | {timing.statements} | {timing.first * 1000:.1f} | "
                f"{small_median:.1f} | {median / small_median if small_median else float('nan'):.1f}× |")
            if timing.note:
                at_small = small_timing.note if small_timing and small_timing.note != timing.note else ""
                notes.append(f"- {name}: {timing.note}" + (f" at {large:,}; {at_small} at {small:,}" if at_small
                                                          else ""))
        lines += ["", *notes, ""]
    if memory:
        lines += ["## Peak memory", "",
                  "Each in a process of its own, started by a small launcher (bench/rss.py); peak RSS = that "
                  "process's ru_maxrss, the whole interpreter (Python, Flask, SQLAlchemy, openpyxl): for the export "
                  "from wait4 at its end, for the import as the process read it right after the import; "
                  "baseline = the same process before the work "
                  "(for the export, a process that only built the app; for the import, after start-up, migration and "
                  "the units).", "",
                  "| what | database | time (s) | peak RSS | baseline | details |", "|---|---|---:|---:|---:|---|"]
        lines += [f"| {item.label} | {item.database} | {item.seconds:.1f} | {mib(item.peak_rss)} | "
                  f"{mib(item.baseline_rss)} | {item.detail} |" for item in memory]
        lines.append("")
    lines += [f"Whole run: {(time.perf_counter() - started) / 60:.1f} min.", ""]
    return "\n".join(lines)


def _loads(values: tuple[float, ...]) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return 0.0


def postgres_url(name: str = PG_BENCH_DB) -> str | None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        return None
    finally:
        engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def results_path(now: dt.datetime) -> Path:
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()).strip("-.") or "machine"
    return ROOT / "bench" / "results" / f"{now:%Y-%m-%d}-{host}.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="task counts, comma-separated (default: %(default)s)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="sqlite, postgresql or both, comma-separated (default: %(default)s; PostgreSQL only "
                             "when reachable)")
    parser.add_argument("--skip-postgres", action="store_true", help="same as --databases sqlite")
    parser.add_argument("--skip-memory", action="store_true", help="no export and import memory runs")
    parser.add_argument("--reuse-data", action="store_true",
                        help="keep each size's data set in a database of its own (kpi_bench_<size>) and time it "
                             "again without generating it when it is there (the 1,500,000 tasks take minutes)")
    parser.add_argument("--import-rows", type=int, default=None,
                        help=f"dossiers in the imported file (default: {DOSSIERS_PER_TASK} × the largest size)")
    parser.add_argument("--import-databases", default=None,
                        help="where to run the import: sqlite, postgresql or both, comma-separated (default: "
                             "sqlite; on PostgreSQL the import of 300,000 rows takes about twice as long)")
    parser.add_argument("--only", default=None,
                        help="time only the targets whose name holds one of these words, comma-separated "
                             "(e.g. 'trang chủ,bảng điều khiển')")
    args = parser.parse_args()
    only = [word.strip().lower() for word in args.only.split(",")] if args.only else None
    started = time.perf_counter()
    load_before = os.getloadavg()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    data_dir = ROOT / "bench" / "data"
    data_dir.mkdir(exist_ok=True)
    timed = {name.strip().lower() for name in args.databases.split(",")} - ({"postgresql"} if args.skip_postgres
                                                                           else set())
    databases = {"SQLite": f"sqlite:///{data_dir / 'bench.sqlite3'}"} if "sqlite" in timed else {}
    pg = postgres_url() if "postgresql" in timed or "postgresql" in (args.import_databases or "") else None
    if pg and "postgresql" in timed:
        databases["PostgreSQL"] = pg
    elif "postgresql" in timed:
        print("PostgreSQL not reachable: SQLite only", flush=True)
    if not databases:
        parser.error("no database to time")
    description = machine(pg)
    print(f"Machine: {description}", flush=True)
    memory: list[Memory] = []
    all_results = {label: run_database(label, url, sizes, None if args.skip_memory else memory, args.reuse_data,
                                       only)
                   for label, url in databases.items()}
    if not args.skip_memory:
        rows = args.import_rows or DOSSIERS_PER_TASK * max(sizes)
        wanted = (args.import_databases or "sqlite").lower().split(",")
        import_urls = {}
        if "sqlite" in wanted:
            import_urls["SQLite"] = f"sqlite:///{data_dir / 'import.sqlite3'}"
        if "postgresql" in wanted and pg:
            import_urls["PostgreSQL"] = postgres_url(PG_IMPORT_DB) or pg
        with tempfile.TemporaryDirectory(prefix="kpi-bench-") as scratch:
            workbook = Path(scratch) / f"ho-so-{rows}.xlsx"
            print(f"{_clock()} Writing {rows:,} dossiers to an .xlsx file…", flush=True)
            write_xlsx(workbook, rows)
            for label, url in import_urls.items():
                if url.startswith("sqlite:///"):
                    Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
                memory.append(import_memory(label, url, rows, workbook))
    text = report(all_results, sizes, memory, description, started, (load_before, os.getloadavg()))
    out = results_path(dt.datetime.now(dt.UTC))
    out.parent.mkdir(exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
