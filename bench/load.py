"""`make load`: an open-loop load against gunicorn (2 workers) on PostgreSQL, on 127.0.0.1 only.

300 users are signed in first (every unit's manager, the office, the leader, Interior; some on two devices).
Then requests arrive at fixed rates (5, 10, 20, 40 a second by default, each rate for a fixed time) whatever
the server's speed, as a working day's users do: each arrival is one step of the working-hours mix (home, a
filtered list, a task page, a progress update, the leader's dashboard, the statistics API) by a user who
would take it. A request's latency runs from its scheduled arrival, so time spent waiting for a free client
counts too (no coordinated omission). Reports, per rate, p50/p95/p99 and errors, and the first rate whose
p95 passes 300 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BENCH_PASSWORD, BENCH_TODAY  # noqa: E402
from bench.run import PG_ADMIN_URL, _app, prepare  # noqa: E402
from kpi_tasks.accounts.models import User  # noqa: E402
from kpi_tasks.accounts.services import create_token  # noqa: E402
from kpi_tasks.extensions import db  # noqa: E402
from kpi_tasks.tasks.models import Task  # noqa: E402

LOAD_DB = "kpi_load"
HOST = "127.0.0.1"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
P95_BOUND_MS = 300.0


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


@dataclass(frozen=True)
class Step:
    """One kind of request of the working-hours mix, its share of arrivals and who makes it."""

    name: str
    share: float
    roles: tuple[str, ...]


MIX = [
    Step("home", 0.25, ("unit_manager", "office", "leader")),
    Step("filtered list", 0.20, ("unit_manager", "office")),
    Step("task page", 0.25, ("unit_manager", "office", "leader")),
    Step("progress update", 0.10, ("unit_manager",)),
    Step("dashboard", 0.10, ("leader", "interior")),
    Step("stats API", 0.10, ("office", "interior")),
]


@dataclass
class Session:
    username: str
    role: str
    cookie: str
    token: str
    unit_id: int | None


def _sign_in(port: int, username: str) -> str:
    browser = Browser(port)
    browser.login(username)
    return browser.cookie


def _one_request(session: Session, step: str, tasks_of_unit: dict[int, list[int]], all_tasks: int,
                 rng: random.Random) -> tuple[str, str, dict[str, str], bytes | None]:
    """Method, path, headers and body of one step for this user."""
    cookie = {"Cookie": session.cookie}
    own = tasks_of_unit.get(session.unit_id or 0) or [1 + rng.randrange(all_tasks)]
    if step == "home":
        return "GET", "/", cookie, None
    if step == "filtered list":
        status = rng.choice(["overdue", "in_progress", "awaiting_review"])
        return "GET", f"/tasks/?status={status}", cookie, None
    if step == "task page":
        task_id = rng.choice(own) if session.role == "unit_manager" else 1 + rng.randrange(all_tasks)
        return "GET", f"/tasks/{task_id}", cookie, None
    if step == "progress update":
        body = json.dumps({"progress_percent": rng.randrange(10, 90), "note": "Cập nhật tiến độ (tải thử)"})
        headers = {"Authorization": f"Bearer {session.token}", "Content-Type": "application/json"}
        return "POST", f"/api/v1/tasks/{rng.choice(own)}/updates", headers, body.encode()
    if step == "dashboard":
        return "GET", f"/reports/?from={BENCH_TODAY.year}-01-01&to={BENCH_TODAY.isoformat()}", cookie, None
    headers = {"Authorization": f"Bearer {session.token}"}
    return "GET", f"/api/v1/stats/units?from={BENCH_TODAY.year}-01-01&to={BENCH_TODAY.isoformat()}", headers, None


def _send(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run_rate(port: int, rate: float, seconds: float, sessions: list[Session], tasks_of_unit: dict[int, list[int]],
             all_tasks: int, seed: int) -> dict[str, object]:
    """Arrivals every 1/rate s for `seconds`, each sent by a pool big enough never to hold an arrival back."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not secrets
    by_role: dict[str, list[Session]] = {}
    for session in sessions:
        by_role.setdefault(session.role, []).append(session)
    results = Results()
    planned = []
    for number in range(int(rate * seconds)):
        step = rng.choices(MIX, weights=[each.share for each in MIX])[0]
        role = rng.choice([role for role in step.roles if by_role.get(role)])
        session = rng.choice(by_role[role])
        planned.append((number / rate, step.name, _one_request(session, step.name, tasks_of_unit, all_tasks, rng)))
    expected = {"POST": 201}

    def fire(scheduled: float, step: str, request: tuple[str, str, dict[str, str], bytes | None]) -> None:
        method, path, headers, body = request
        try:
            status = _send(port, method, path, headers, body)
            error = None if status == expected.get(method, 200) else f"{status} {method} {path}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__} {method} {path}"
        results.add(time.monotonic() - scheduled, error, step)

    with ThreadPoolExecutor(max_workers=256) as pool:
        start = time.monotonic() + 0.5
        for offset, step, request in planned:
            scheduled = start + offset
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(fire, scheduled, step, request)
    latencies = results.latencies
    return {
        "rate": rate, "requests": len(latencies), "p50_ms": round(_percentile(latencies, 0.5), 1),
        "p95_ms": round(_percentile(latencies, 0.95), 1), "p99_ms": round(_percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.mean(latencies) * 1000, 1), "errors": len(results.errors),
        "first_errors": results.errors[:3],
        "steps": {name: {"requests": len(values), "p50_ms": round(_percentile(values, 0.5), 1),
                         "p95_ms": round(_percentile(values, 0.95), 1)}
                  for name, values in sorted(results.by_page.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", default="5,10,20,40", help="arrivals per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each rate runs")
    parser.add_argument("--sessions", type=int, default=300, help="users signed in before the load")
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", action="store_true", help="keep the data of the previous run of this size")
    args = parser.parse_args()
    url = _load_database()
    app = _data(url, args.tasks, args.reuse)
    with app.app_context():
        users = list(db.session.execute(sa.select(User.username, User.role, User.unit_id).order_by(User.id)))
        tokens = {}
        for user in db.session.scalars(sa.select(User)):
            tokens[user.username] = create_token(user)
        db.session.commit()
        tasks_of_unit: dict[int, list[int]] = {}
        # Open tasks: one awaiting the office's confirmation refuses a progress update (409), as it should.
        for task_id, unit_id in db.session.execute(sa.select(Task.id, Task.lead_unit_id).where(
                Task.state == "open").order_by(Task.id)):
            tasks_of_unit.setdefault(unit_id, []).append(task_id)
        all_tasks = db.session.scalar(sa.select(sa.func.max(Task.id))) or 1
        db.engine.dispose()

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "load-test", "KPI_TASKS_TODAY": BENCH_TODAY.isoformat()}
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(args.workers), "--threads", "4",
         "--bind", f"{HOST}:{port}", "--chdir", str(ROOT), "wsgi:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(port)
        sessions = []
        for index in range(args.sessions):
            username, role, unit_id = users[index % len(users)]
            sessions.append(Session(username, role, _sign_in(port, username), tokens[username], unit_id))
        print(f"{len(sessions)} sessions signed in; {args.tasks:,} tasks; gunicorn {args.workers} workers × 4 threads",
              flush=True)
        rows = []
        for number, rate in enumerate(float(each) for each in args.rates.split(",")):
            row = run_rate(port, rate, args.seconds, sessions, tasks_of_unit, all_tasks, seed=number)
            rows.append(row)
            print(f"{rate:>5g}/s  {row['requests']:>6} requests  p50 {row['p50_ms']:>8.1f} ms  "
                  f"p95 {row['p95_ms']:>8.1f} ms  p99 {row['p99_ms']:>8.1f} ms  errors {row['errors']}", flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    crossing = next((row["rate"] for row in rows if float(row["p95_ms"]) > P95_BOUND_MS), None)  # type: ignore[arg-type]
    print(json.dumps({"rates": rows, "p95_passes_300_ms_at": crossing}, ensure_ascii=False, indent=2))
    if any(row["errors"] for row in rows):
        sys.exit(1)


def _load_database() -> str:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": LOAD_DB}):
                connection.execute(sa.text(f"CREATE DATABASE {LOAD_DB}"))
    except sa.exc.OperationalError:
        sys.exit("PostgreSQL is not reachable on 127.0.0.1:5432; the load test needs it.")
    finally:
        admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{LOAD_DB}"


def _data(url: str, tasks: int, reuse: bool) -> Flask:
    """The generated data set; with `reuse`, the one already there when it has this many tasks."""
    if reuse:
        app = _app(url)
        with app.app_context():
            try:
                count = db.session.scalar(sa.select(sa.func.count()).select_from(Task))
            except sa.exc.ProgrammingError:
                count = None
            db.session.remove()
        if count == tasks:
            return app
    return prepare(url, tasks)


if __name__ == "__main__":
    main()
