"""`make load`: gunicorn with 2 workers on PostgreSQL, 50 simulated users for 60 s, against 127.0.0.1 only.

Each simulated user logs in (office, leaders, unit managers), then loops over the pages and API calls its
role uses, with a bounded number of requests and a bounded time. Reports throughput, p50/p95/p99, errors.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, BENCH_TODAY  # noqa: E402
from bench.run import PG_ADMIN_URL, prepare  # noqa: E402
from kpi_tasks.accounts.models import User  # noqa: E402
from kpi_tasks.accounts.services import create_token  # noqa: E402
from kpi_tasks.extensions import db  # noqa: E402

LOAD_DB = "kpi_load"
HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
MAX_REQUESTS_PER_USER = 5000


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_page: dict[str, list[float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, latency: float, error: str | None, page: str) -> None:
        with self.lock:
            self.latencies.append(latency)
            self.by_page.setdefault(page, []).append(latency)
            if error:
                self.errors.append(error)


class Browser:
    """One user's keep-alive connection with its session cookie."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection(HOST, port, timeout=30)
        self.cookie = ""

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, str]:
        all_headers = {"Cookie": self.cookie, **(headers or {})} if self.cookie else dict(headers or {})
        self.connection.request(method, path, body=body, headers=all_headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, text

    def login(self, username: str) -> None:
        _status, page = self.request("GET", "/login")
        token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
        form = urllib.parse.urlencode({"username": username, "password": BENCH_PASSWORD, "csrf_token": token})
        status, _ = self.request("POST", "/login", form.encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"login of {username} answered {status}")


def _pages(role: str, index: int, tasks: int) -> list[str]:
    task_id = 1 + (index * 7919) % tasks
    common = ["/", "/tasks/?status=overdue", f"/tasks/{task_id}", "/tasks/?q=chuyen+doi+so"]
    if role == "unit_manager":
        return ["/", "/tasks/", "/tasks/?status=overdue"]
    return [*common, f"/api/v1/stats/units?from={BENCH_TODAY.year}-01-01&to={BENCH_TODAY.year}-12-31"]


def simulate(port: int, username: str, role: str, index: int, tasks: int, deadline: float,
             results: Results, token: str | None) -> None:
    api_headers = {"Authorization": f"Bearer {token}"} if token else {}
    browser = Browser(port)
    browser.login(username)
    pages = _pages(role, index, tasks)
    for count in range(MAX_REQUESTS_PER_USER):
        if time.monotonic() >= deadline:
            return
        path = pages[count % len(pages)]
        started = time.perf_counter()
        try:
            status, _ = browser.request("GET", path, headers=api_headers if path.startswith("/api/") else None)
            error = None if status == 200 else f"{status} {path}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__} {path}"
            browser = Browser(port)
            browser.login(username)
        results.add(time.perf_counter() - started, error, _page_name(path))


def _page_name(path: str) -> str:
    """A path without its ids, so that every user's task page counts as one page."""
    return re.sub(r"/\d+(?=/|$)", "/{id}", path)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _wait_until_up(port: int, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--tasks", type=int, default=20_000)
    args = parser.parse_args()
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": LOAD_DB}):
                connection.execute(sa.text(f"CREATE DATABASE {LOAD_DB}"))
    except sa.exc.OperationalError:
        sys.exit("PostgreSQL is not reachable on 127.0.0.1:5432; the load test needs it.")
    finally:
        admin.dispose()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{LOAD_DB}"
    app = prepare(url, args.tasks)
    with app.app_context():
        tokens = {}
        for username in ("office", "leader", "interior"):
            user = db.session.scalar(sa.select(User).where(User.username == username))
            tokens[username] = create_token(user)
        db.session.commit()
        db.engine.dispose()

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test", "KPI_TASKS_TODAY": BENCH_TODAY.isoformat()}
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--threads", "4",
         "--bind", f"{HOST}:{port}", "--chdir", str(ROOT), "wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(port)
        results = Results()
        roles = ["office", "leader", "interior"] + ["unit_manager"] * (args.users - 3)
        threads = []
        deadline = time.monotonic() + args.duration
        started = time.perf_counter()
        for index, role in enumerate(roles[: args.users]):
            username = role if role != "unit_manager" else f"manager{index + 1}"
            thread = threading.Thread(target=simulate, args=(port, username, role, index, args.tasks, deadline,
                                                             results, tokens.get(username)), daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(timeout=args.duration + 60)
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    latencies = results.latencies
    summary = {
        "users": args.users, "duration_s": round(elapsed, 1), "requests": len(latencies),
        "throughput_rps": round(len(latencies) / elapsed, 1), "p50_ms": round(_percentile(latencies, 0.5), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1), "p99_ms": round(_percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1), "errors": len(results.errors),
        "first_errors": results.errors[:5],
        # Where the time goes: each page's count and p50/p95 (ms), slowest p50 first.
        "pages": {page: {"requests": len(values), "p50_ms": round(_percentile(values, 0.5), 1),
                         "p95_ms": round(_percentile(values, 0.95), 1)}
                  for page, values in sorted(results.by_page.items(), key=lambda item: -_percentile(item[1], 0.5))},
    }
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    if results.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
