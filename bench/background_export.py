"""Issue 23's measurement: the export of every task of a province (100,000) through the page and through the
API, with the README's deployment (gunicorn at its defaults: one sync worker, 30 s timeout) on PostgreSQL and
`kpi-tasks worker` beside it. The request answers at once (303 to the job's page, 202 {job_id}); the worker
makes the workbook while the web worker keeps answering other requests, timed meanwhile; the download is read
back with openpyxl and its task rows counted. The worker's peak resident memory is its VmHWM (per address space,
so not inherited from the launcher as ru_maxrss would be).

    .venv/bin/python bench/background_export.py [--url postgresql+psycopg://…/db] [--tasks 100000] [--reuse]

--reuse keeps data already generated at that size (the schema is upgraded); otherwise the schema is rebuilt.
The table lands in bench/results/background-export.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_TODAY  # noqa: E402
from bench.load import Browser, _free_port, _wait_until_up  # noqa: E402
from bench.run import _app, prepare  # noqa: E402
from kpi_tasks.accounts.models import User  # noqa: E402
from kpi_tasks.accounts.services import create_token  # noqa: E402
from kpi_tasks.extensions import db  # noqa: E402
from kpi_tasks.tasks.models import Task  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kpi_bench_jobs"
STATUS_RE = re.compile(r'data-status="(\w+)" data-done="(\d+)"')
OTHER_PAGES = ["/", "/tasks/?status=overdue", "/api/v1/units"]


def vm_hwm(pid: int) -> int:
    """Peak resident set of a live process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def count_task_rows(data: bytes) -> int:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    sheet.reset_dimensions()
    return sum(1 for values in sheet.iter_rows(min_row=8, max_col=2, values_only=True)
               if isinstance(values[0], int) and values[1])


class Others(threading.Thread):
    """Another user's requests to the same gunicorn worker while the export runs: every answer and its time."""

    def __init__(self, port: int, token: str) -> None:
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []

    def run(self) -> None:
        browser = Browser(self.port)
        browser.login("leader")
        count = 0
        while not self.stop.is_set():
            path = OTHER_PAGES[count % len(OTHER_PAGES)]
            count += 1
            headers = {"Authorization": f"Bearer {self.token}"} if path.startswith("/api/") else None
            started = time.perf_counter()
            try:
                status, _ = browser.request("GET", path, headers=headers)
            except OSError as error:
                self.failures.append(f"{type(error).__name__} {path}")
                browser = Browser(self.port)
                browser.login("leader")
                continue
            self.latencies.append(time.perf_counter() - started)
            if status != 200:
                self.failures.append(f"{status} {path}")
            self.stop.wait(0.5)


def export(label: str, start: callable, poll: callable, download: callable, worker_pid: int, port: int,
           token: str) -> dict:
    others = Others(port, token)
    others.start()
    started = time.perf_counter()
    answer_time, job_id = start()
    polls, status, done = 0, "queued", 0
    while status not in ("done", "failed"):
        time.sleep(1)
        status, done = poll(job_id)
        polls += 1
    made = time.perf_counter() - started
    others.stop.set()
    others.join()
    if status != "done":
        raise RuntimeError(f"{label}: the job failed")
    fetched = time.perf_counter()
    data = download(job_id)
    fetch_time = time.perf_counter() - fetched
    rows = count_task_rows(data)
    result = {
        "export": label, "job_id": job_id, "answered_in_s": round(answer_time, 3), "ready_in_s": round(made, 1),
        "download_s": round(fetch_time, 2), "bytes": len(data), "rows": rows, "done": done, "polls": polls,
        "worker_peak_rss_mib": round(vm_hwm(worker_pid) / 2**20, 1),
        "other_requests": len(others.latencies), "other_failures": others.failures,
        "other_p50_ms": round(statistics.median(others.latencies) * 1000) if others.latencies else None,
        "other_max_ms": round(max(others.latencies) * 1000) if others.latencies else None,
    }
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_JOBS_URL", DEFAULT_URL))
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    app = _app(args.url)
    with app.app_context():
        try:
            have = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
        except sa.exc.ProgrammingError:
            have = None
        db.session.remove()
    if not args.reuse or have != args.tasks:
        print(f"generating {args.tasks} tasks on {args.url} …", flush=True)
        app = prepare(args.url, args.tasks)
    else:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
    with app.app_context():
        office = db.session.scalar(sa.select(User).where(User.username == "office"))
        leader = db.session.scalar(sa.select(User).where(User.username == "leader"))
        office_token, leader_token = create_token(office), create_token(leader)
        db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Task))

    uploads = tempfile.mkdtemp(prefix="kpi-bench-jobs-")
    env = {**os.environ, "DATABASE_URL": args.url, "SECRET_KEY": "bench-jobs", "KPI_TASKS_UPLOAD_FOLDER": uploads,
           "KPI_TASKS_TODAY": BENCH_TODAY.isoformat()}
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    # The README's deployment at gunicorn's defaults: one sync worker, timeout 30 s.
    web = subprocess.Popen([str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "wsgi:app"],  # noqa: S603
                           cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([str(bin_dir / "kpi-tasks"), "worker"], cwd=ROOT, env=env,  # noqa: S603
                              stderr=subprocess.DEVNULL)
    results = []
    try:
        _wait_until_up(port)
        time.sleep(1)
        idle_rss = vm_hwm(worker.pid)
        page = Browser(port)
        page.login("office")

        def page_start() -> tuple[float, int]:
            started = time.perf_counter()
            status, _ = page.request("GET", "/reports/tasks.xlsx")
            elapsed = time.perf_counter() - started
            if status != 303:
                raise RuntimeError(f"page export answered {status}")
            _, listing = page.request("GET", "/jobs/")
            return elapsed, int(re.search(r'href="/jobs/(\d+)"', listing).group(1))

        def page_poll(job_id: int) -> tuple[str, int]:
            _status, fragment = page.request("GET", f"/jobs/{job_id}",
                                            headers={"HX-Request": "true", "HX-Target": "job-status"})
            match = STATUS_RE.search(fragment)
            return match.group(1), int(match.group(2))

        def page_download(job_id: int) -> bytes:
            page.connection.request("GET", f"/jobs/{job_id}/download", headers={"Cookie": page.cookie})
            response = page.connection.getresponse()
            return response.read()

        api = Browser(port)
        auth = {"Authorization": f"Bearer {office_token}"}

        def api_start() -> tuple[float, int]:
            started = time.perf_counter()
            status, body = api.request("GET", "/api/v1/reports/tasks.xlsx", headers=auth)
            elapsed = time.perf_counter() - started
            if status != 202:
                raise RuntimeError(f"API export answered {status}")
            return elapsed, json.loads(body)["job_id"]

        def api_poll(job_id: int) -> tuple[str, int]:
            _, body = api.request("GET", f"/api/v1/jobs/{job_id}", headers=auth)
            answer = json.loads(body)
            api.last = answer  # type: ignore[attr-defined]
            return answer["status"], answer["done"]

        def api_download(job_id: int) -> bytes:
            api.connection.request("GET", api.last["download_url"], headers=auth)  # type: ignore[attr-defined]
            return api.connection.getresponse().read()

        results.append(export("page: /reports/tasks.xlsx (all tasks)", page_start, page_poll, page_download,
                              worker.pid, port, leader_token))
        results.append(export("API: GET /api/v1/reports/tasks.xlsx (all tasks)", api_start, api_poll,
                              api_download, worker.pid, port, leader_token))
    finally:
        web.terminate()
        worker.terminate()
        web.wait()
        worker.wait()
    lines = [
        f"# Background export of every task ({total:,} tasks), {dt.datetime.now(dt.UTC):%Y-%m-%d}",
        "",
        f"PostgreSQL, gunicorn at its defaults (1 sync worker, timeout 30 s), `kpi-tasks worker` beside it; "
        f"the worker's resident memory after start-up: {idle_rss / 2**20:.1f} MiB.",
        "",
        "| export | request answered | workbook ready | download | rows read back | worker peak RSS | "
        "other requests meanwhile (failed) | their p50 / max |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['export']} | {r['answered_in_s']} s | {r['ready_in_s']} s | {r['download_s']} s "
                     f"({r['bytes'] / 2**20:.1f} MiB) | {r['rows']:,} | {r['worker_peak_rss_mib']} MiB | "
                     f"{r['other_requests']} ({len(r['other_failures'])}) | {r['other_p50_ms']} / "
                     f"{r['other_max_ms']} ms |")
    report = "\n".join(lines) + "\n"
    print(report)
    (ROOT / "bench" / "results" / "background-export.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
