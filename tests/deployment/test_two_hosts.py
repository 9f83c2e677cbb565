"""More than one machine: two app hosts (gunicorn, as the README deploys it) on two ports, each with its own
UPLOAD_FOLDER, the shared file store in the database (KPI_TASKS_FILE_STORE=database), behind Debian's nginx
(round robin), on one PostgreSQL database.

- A file uploaded through one host is downloaded through the other; a dossier file previewed through one host is
  confirmed through the other, in one browser session that both hosts honour (sessions live in the database); the
  background worker, on a third "machine" (a folder of its own), imports it and writes an export whose result the
  app hosts serve.
- A load of writes and reads runs through the proxy; one host is killed (SIGKILL, the whole host: master and
  workers) in the middle. Every acknowledged write is in the database once (lost: 0, twice: 0), and the only
  errors are requests the killed host had in hand: nginx sends every later one to the host left.

Skipped with a message on SQLite (one machine only) and where nginx is not installed (`.ci/run` installs it)."""

from __future__ import annotations

import http.client
import http.cookiejar
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest
import sqlalchemy as sa

from kpi_tasks.attachments.models import Attachment
from kpi_tasks.extensions import db
from kpi_tasks.storage.models import StoredFile
from kpi_tasks.tasks.models import Task
from tests.attachments.helpers import PDF
from tests.conftest import ARTIFACTS, FROZEN_TODAY
from tests.dossiers.helpers import make_units, standard_rows, write_csv
from tests.factories import PASSWORD, api_headers, commit, make_directive, make_user
from tests.notifications.test_scheduler import ROOT, _die_with_parent, wait_for
from tests.security.test_worker_kill import _answers, _free_port, _worker_pids

NGINX = Path("/usr/sbin/nginx")
CLIENTS = 6
LOAD_SECONDS = 12.0
KILL_AFTER = 0.4  # of the run
NGINX_CONF = """
daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    log_format hosts '$msec|$status|$upstream_addr|$upstream_status|$request';
    access_log {root}/access.log hosts;
    upstream kpi_tasks {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kpi_tasks;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            client_max_body_size 200m;
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""


@dataclass
class Call:
    kind: str  # "write" or "read"
    started: float
    ended: float
    status: int | None  # None: the connection broke
    title: str = ""


def _request(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
             ) -> tuple[int | None, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None, b""
    finally:
        connection.close()


def _multipart(name: str, data: bytes, content_type: str, **fields: str) -> tuple[bytes, str]:
    boundary = "kpi-tasks-two-hosts"
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{key}\"\r\n\r\n{value}\r\n".encode()
                    for key, value in fields.items())
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
             f"Content-Type: {content_type}\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class Browser:
    """One signed-in browser (one cookie jar) that can be pointed at either host."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def open(self, port: int, path: str, data: bytes | None = None, content_type: str | None = None
             ) -> tuple[int, str, str]:
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers.get("Location", ""), answer.read().decode()

    def token(self, page: str) -> str:
        found = re.search(r'name="csrf-token" content="([^"]+)"', page) or re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, page[:300]
        return found.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):  # the test reads each redirect itself
        return None


def _start_host(port: int, env: dict[str, str], folder: Path, log: IO[bytes]) -> subprocess.Popen:
    host_env = {**env, "KPI_TASKS_UPLOAD_FOLDER": str(folder)}
    # A session of its own: killing the host kills its master and its workers at once, as a machine that stops.
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=host_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def test_two_hosts_behind_nginx_share_files_and_sessions_and_lose_no_write(app, tmp_path):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("two app hosts need a database server: runs in the PostgreSQL pass (TEST_DATABASE_URL)")
    if not NGINX.exists():
        pytest.skip("nginx is not installed (apt-get install nginx-light); .ci/run installs it")
    with app.app_context():
        unit, _ = make_units()
        office = make_user("office")
        directive = make_directive(office)
        headers = api_headers(office)
        commit()
        unit_id, directive_id, username = unit.id, directive.id, office.username

    first, second, proxy = _free_port(), _free_port(), _free_port()
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "two-hosts",
           "KPI_TASKS_TODAY": FROZEN_TODAY, "KPI_TASKS_FILE_STORE": "database", "KPI_TASKS_TRUSTED_PROXIES": "1",
           # Every export of more than 2 rows goes to the worker, which looks for work every second.
           "KPI_TASKS_JOB_BACKGROUND_ROWS": "2", "KPI_TASKS_JOB_POLL_SECONDS": "1"}
    logs = [(tmp_path / f"host-{n}.log").open("wb") for n in (1, 2, 3)]
    hosts = {first: _start_host(first, env, tmp_path / "host-1", logs[0]),
             second: _start_host(second, env, tmp_path / "host-2", logs[1])}
    worker = subprocess.Popen([sys.executable, "-m", "kpi_tasks", "worker"], cwd=ROOT,
                              env={**env, "KPI_TASKS_UPLOAD_FOLDER": str(tmp_path / "host-3")}, stdout=logs[2],
                              stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    (tmp_path / "nginx").mkdir()
    conf = tmp_path / "nginx" / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=tmp_path / "nginx", first=first, second=second, port=proxy))
    nginx = subprocess.Popen([str(NGINX), "-p", str(tmp_path / "nginx"), "-c", str(conf), "-e",
                              str(tmp_path / "nginx" / "nginx-error.log")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    json_headers = {**headers, "Content-Type": "application/json"}
    calls: list[Call] = []
    killed_at = gone_at = 0.0
    try:
        started = time.monotonic()
        for port in (first, second, proxy):
            wait_for(f"port {port} to listen", lambda p=port: _answers(p), timeout=60)
        for port in (first, second):
            wait_for(f"the workers of {port}", lambda p=port: len(_worker_pids(hosts[p].pid)) == 2, timeout=60)
        startup = time.monotonic() - started  # until both hosts' workers are up

        # 1. A file uploaded through host 1 is downloaded through host 2 (and through the proxy, either host).
        body, content_type = _multipart("Kế hoạch.pdf", PDF, "application/pdf")
        status, answer = _request(first, "POST", f"/api/v1/directives/{directive_id}/attachments",
                                  {**headers, "Content-Type": content_type}, body)
        assert status == 201, answer
        attachment_id = json.loads(answer)["id"]
        for port in (second, proxy, proxy):
            assert _request(port, "GET", f"/api/v1/attachments/{attachment_id}/content", headers) == (200, PDF)
        assert not any(path.is_file() and path.read_bytes() == PDF for path in tmp_path.rglob("host-*/**/*"))

        # 2. One browser session, both hosts: the dossier file previewed through host 1 is confirmed through 2.
        browser = Browser()
        code, _, page = browser.open(second, "/login")
        form = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                       "csrf_token": browser.token(page)}).encode()
        code, _, _ = browser.open(first, "/login", form, "application/x-www-form-urlencoded")
        assert code == 302, "sign-in through host 1 with the form of host 2"
        code, _, page = browser.open(second, "/dossiers/import")
        assert code == 200, "host 2 knows the session host 1 opened"
        csv_body, csv_type = _multipart("xuat.csv", write_csv(tmp_path / "xuat.csv", standard_rows()).read_bytes(),
                                        "text/csv", csrf_token=browser.token(page))
        code, preview, _ = browser.open(first, "/dossiers/import", csv_body, csv_type)
        assert code == 303, "the upload is stored through host 1"
        preview_path = urllib.parse.urlsplit(preview).path
        code, _, page = browser.open(second, preview_path)
        assert code == 200, "host 2 shows the preview of the file host 1 received"
        assert "TP-ONTIME" in page
        confirm = urllib.parse.urlencode({"csrf_token": browser.token(page), "action": "import"}).encode()
        code, status_url, _ = browser.open(second, preview_path, confirm, "application/x-www-form-urlencoded")
        assert code == 303, "confirmed through host 2"
        code, _, page = browser.open(first, urllib.parse.urlsplit(status_url).path)
        assert code == 200, "host 1 reads the import's status that host 2 wrote"
        assert "xuat.csv" in page
        wait_for("the worker to import the file", lambda: "Đã nhập 7 hồ sơ" in browser.open(
            first, urllib.parse.urlsplit(status_url).path)[2], timeout=60, interval=0.5)

        # 3. Load through the proxy; host 2 is killed in the middle.
        stop = threading.Event()
        lock = threading.Lock()
        run_started = time.monotonic()

        def client(number: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                title = f"Việc tải {number}-{n}"
                begun = time.monotonic()
                status, _ = _request(proxy, "POST", f"/api/v1/directives/{directive_id}/tasks", json_headers,
                                     json.dumps({"title": title, "lead_unit_id": unit_id,
                                                 "deadline_kind": "none"}).encode())
                write = Call("write", begun - run_started, time.monotonic() - run_started, status, title)
                begun = time.monotonic()
                status, _ = _request(proxy, "GET", "/api/v1/tasks?per_page=5", headers)
                read = Call("read", begun - run_started, time.monotonic() - run_started, status)
                with lock:
                    calls.extend((write, read))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        stop.wait(LOAD_SECONDS * KILL_AFTER)
        killed_at = time.monotonic() - run_started
        os.killpg(hosts[second].pid, signal.SIGKILL)
        # The signal is delivered, not yet acted on: until the host's socket is gone it may still take a request.
        hosts[second].wait(timeout=30)
        wait_for("host 2 to be gone", lambda: not _answers(second), timeout=30, interval=0.01)
        gone_at = time.monotonic() - run_started
        stop.wait(LOAD_SECONDS * (1 - KILL_AFTER))
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        duration = time.monotonic() - run_started

        # 4. An export large enough for the worker: its result, written by the worker, served by the host left.
        status, answer = _request(proxy, "GET", "/api/v1/reports/tasks.xlsx", headers)
        assert status == 202, answer
        job_url = f"/api/v1/jobs/{json.loads(answer)['job_id']}"
        wait_for("the export", lambda: json.loads(_request(proxy, "GET", job_url, headers)[1]).get("status") == "done",
                 timeout=60, interval=0.5)
        status, workbook = _request(proxy, "GET", f"{job_url}/download", headers)
        assert status == 200
        assert workbook.startswith(b"PK")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        nginx.terminate()
        nginx.wait(timeout=30)
        for host in hosts.values():
            if host.poll() is None:
                host.terminate()
            host.wait(timeout=30)
        for log in logs:
            log.close()
    # The proxy's own account of who answered what.
    served: dict[str, int] = {}
    bad_upstreams: list[str] = []
    for line in (tmp_path / "nginx" / "access.log").read_text().splitlines():
        _, status_text, upstreams = line.split("|")[:3]
        upstream = upstreams.split(", ")[-1]  # a request refused by the dead host went on to the other
        served[upstream] = served.get(upstream, 0) + 1
        if not status_text.startswith(("2", "3")):
            bad_upstreams.append(upstream)

    with app.app_context():
        db.session.remove()
        stored = list(db.session.scalars(sa.select(Task.title).where(Task.title.like("Việc tải %"))))
        files = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
        attachments = db.session.scalar(sa.select(sa.func.count()).select_from(Attachment))
    writes = [call for call in calls if call.kind == "write"]
    acknowledged = {call.title for call in writes if call.status == 201}
    errors = [call for call in calls if call.status is None or call.status >= 400]
    in_flight = [call for call in calls if call.started <= gone_at and call.ended >= killed_at]
    lost = acknowledged - set(stored)
    twice = len(stored) - len(set(stored))
    in_doubt = [call for call in errors if call.kind == "write" and call.title in stored]
    latencies = [(call.ended - call.started) * 1000 for call in calls if call.status is not None]
    figures = (
        f"two hosts (gunicorn, 2 workers each) behind nginx round robin, one PostgreSQL database, file store in it\n"
        f"both hosts listening in {startup:.1f} s; file uploaded through host 1, downloaded through host 2 and the "
        f"proxy: identical ({len(PDF)} bytes); dossier file previewed through host 1, confirmed through host 2, "
        f"imported by the worker (a third folder); after the load an export of {len(stored)} tasks written by the "
        f"worker downloaded through the proxy ({len(workbook):,} bytes)\n"
        f"load: {CLIENTS} clients, {duration:.1f} s, {len(calls)} requests ({len(calls) / duration:.1f}/s; "
        f"{len(writes)} writes), p50 {statistics.median(latencies):.0f} ms, p95 {_percentile(latencies, 0.95):.0f} ms\n"
        f"host 2 killed at {killed_at:.2f} s (gone at {gone_at:.2f} s) with {len(in_flight)} requests in flight\n"
        f"acknowledged writes: {len(acknowledged)}; lost: {len(lost)}; stored twice: {twice}\n"
        f"errors: {len(errors)} (all in flight at the kill: {all(c in in_flight for c in errors)}; "
        f"writes among them found stored: {len(in_doubt)}); served per upstream: {served}\n"
    )
    print(figures)
    (ARTIFACTS / "two-hosts.txt").write_text(figures, encoding="utf-8")
    assert files >= 1
    assert attachments == 1
    assert calls, "the load ran"
    assert not lost, f"acknowledged writes lost: {sorted(lost)[:10]}"
    assert twice == 0, "a write was stored twice (a retried POST)"
    # Only what the killed host had in hand failed: requests begun before the kill, at most those in flight.
    assert all(call in in_flight for call in errors), errors
    assert all(upstream.endswith(f":{second}") for upstream in bad_upstreams), bad_upstreams
    # Both hosts served, before the kill; after it the one left served everything.
    assert {f"127.0.0.1:{first}", f"127.0.0.1:{second}"} <= set(served)
    late = [call for call in calls if call.started > gone_at]
    assert late, "requests went on after the kill"
    assert all(call.status is not None and call.status < 400 for call in late)
