"""Memory and time of the task-list Excel export at province scale (not part of the test suite).

    .venv/bin/python bench/export_memory.py            # 10,000 and 100,000 tasks on SQLite
    .venv/bin/python bench/export_memory.py --tasks 100000 --database-url postgresql+psycopg://…/kpi_bench

For each size it fills a database with bench/generate.py's data, then runs the export in a fresh process
(so the figures are the export's own, not the data generation's): GET /api/v1/reports/tasks.xlsx through
the Flask test client, the body streamed to a file. It reports the peak of Python allocations (tracemalloc,
in one run) and the process's peak resident memory and the time (in another run, without tracemalloc's
overhead), then opens the file with openpyxl and counts its rows. Results: bench/results/export_memory.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import rss  # noqa: E402
from bench.generate import BENCH_TODAY, generate  # noqa: E402
from kpi_tasks import create_app  # noqa: E402
from kpi_tasks.accounts.models import User  # noqa: E402
from kpi_tasks.accounts.services import create_token  # noqa: E402
from kpi_tasks.extensions import db  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "export_memory.md"
HEADER_ROWS = 7  # title block and header above the first task row


def _app(url: str) -> Flask:
    os.environ["KPI_TASKS_TODAY"] = BENCH_TODAY.isoformat()
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "DB_STATEMENT_TIMEOUT": 0})


def fill(url: str, tasks: int) -> None:
    app = _app(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        generate(tasks=tasks, units=250, updates_per_task=0, dossiers=0)


def export_once(url: str, out: Path, trace: bool) -> dict:
    """One export through the API; runs in its own process (see main)."""
    app = _app(url)
    with app.app_context():
        office = db.session.scalar(sa.select(User).where(User.username == "office"))
        token = create_token(office)
        db.session.commit()
    client = app.test_client()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get("/api/v1/reports/tasks.xlsx", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    with out.open("wb") as target:
        for chunk in response.response:
            target.write(chunk)
    response.close()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {"seconds": elapsed, "tracemalloc_peak": peak, "max_rss": rss_kib * 1024, "bytes": out.stat().st_size}


def _in_fresh_process(url: str, out: Path, trace: bool) -> dict:
    """The export in a process of its own, started through bench/rss.py so that its peak RSS is its own (a
    direct child of this process, which generated the data, would start from this process's peak)."""
    command = [sys.executable, __file__, "--measure", url, "--out", str(out)] + (["--trace"] if trace else [])
    measured = rss.run(command).check("export")
    return {**json.loads(measured.stdout.strip().splitlines()[-1]), "max_rss": measured.peak_rss}


def _baseline_rss(url: str) -> int:
    """Resident memory of a process that only built the app and loaded its modules: the export's base."""
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from bench.export_memory import _app; _app({url!r})"
    return rss.run([sys.executable, "-c", code]).check("bare app").peak_rss


def count_rows(path: Path) -> int:
    sheet = load_workbook(path, read_only=True).active
    return sum(1 for row in sheet.iter_rows(min_row=HEADER_ROWS + 1, values_only=True) if isinstance(row[0], int))


def mib(value: float | None) -> str:
    return "—" if value is None else f"{value / 1024 / 1024:.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file per size")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(export_once(args.measure, Path(args.out), args.trace)))
        return

    lines = [
        f"# Task-list export: memory and time ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"Python {platform.python_version()}, {platform.machine()})",
        "",
        "| tasks | database | time | peak Python allocations (tracemalloc) | peak RSS | RSS of the bare app "
        "| file size | rows read back | load average (1 min) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as scratch:
        for tasks in args.tasks:
            url = args.database_url or f"sqlite:///{scratch}/export-{tasks}.sqlite3"
            print(f"Generating {tasks:,} tasks…", file=sys.stderr)
            fill(url, tasks)
            out = Path(scratch) / f"export-{tasks}.xlsx"
            traced = _in_fresh_process(url, out, trace=True)
            load = os.getloadavg()[0]  # other work on the machine slows the timed run; say how much there was
            timed = _in_fresh_process(url, out, trace=False)
            rows = count_rows(out)
            assert rows == tasks, (rows, tasks)
            database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
            lines.append(
                f"| {tasks:,} | {database} | {timed['seconds']:.1f} s | {mib(traced['tracemalloc_peak'])} "
                f"| {mib(timed['max_rss'])} | {mib(_baseline_rss(url))} | {mib(timed['bytes'])} | {rows:,} "
                f"| {load:.1f} |"
            )
            print(lines[-1], file=sys.stderr)
    lines += ["", "Peak RSS is the whole process (interpreter, Flask, SQLAlchemy, openpyxl); the bare app's RSS is "
              "what that costs before any export. The export holds no row list: rows stream from the database "
              "(yield_per) into openpyxl's write-only sheet, which writes them to a temporary file."]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
