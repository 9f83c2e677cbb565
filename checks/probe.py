"""`make probe`: issue 15's attacks and faults replayed over HTTP against the product as it is deployed.

gunicorn (2 workers) and the job worker (`kpi-tasks worker`) on PostgreSQL (its own database, `kpi_probe` on
127.0.0.1, emptied first), the demo loaded, `KPI_TASKS_TRUSTED_PROXIES=1` as behind the README's nginx (each
simulated client sends its own X-Forwarded-For). Every probe is an attack or a fault with the answer the product
must give; the run is bounded in time (PROBE_DEADLINE) and prints each probe, then "N probes, N held". Exit 0 when
all held.
Not part of `make test`: it needs PostgreSQL and takes a few minutes (a year's dossiers, a killed worker).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PROBE_DB = "kpi_probe"
DEMO_PASSWORD = "demo1234"  # noqa: S105 - the documented password of the demo accounts
NEW_PASSWORD = "Sông-Hồng-chảy-mãi-2026"  # noqa: S105 - a password the policy accepts
PROBE_DEADLINE = 15 * 60
MB = 1024 * 1024
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
HYPERLINK = '=HYPERLINK("http://ke-gian.example/","Bấm vào đây")'
COMMAND = "=cmd|' /C calc'!A0"
DOSSIER_HEADER = ("STT,Mã hồ sơ,Tên thủ tục,Lĩnh vực,Đơn vị xử lý,Người nộp hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,"
                  "Ngày trả kết quả,Hình thức nộp,Thanh toán trực tuyến,Số hóa")

RESULTS: list[tuple[str, bool, str]] = []
STARTED = time.monotonic()


class Held(Exception):
    """Raised by `expect` when a probe's answer is not the one the product must give."""


def expect(condition: bool, detail: str) -> None:
    if not condition:
        raise Held(detail)


def probe(name: str, check: Callable[[], str | None]) -> None:
    if time.monotonic() - STARTED > PROBE_DEADLINE:
        RESULTS.append((name, False, "not run: the probe's time is up"))
        return
    try:
        detail = check() or ""
        RESULTS.append((name, True, detail))
    except Held as failure:
        RESULTS.append((name, False, str(failure)))
    except Exception as error:
        RESULTS.append((name, False, f"{type(error).__name__}: {error}"[:300]))
        traceback.print_exc()
    label = "held  " if RESULTS[-1][1] else "FAILED"
    print(f"{label} {name}{': ' + RESULTS[-1][2] if RESULTS[-1][2] else ''}", flush=True)


# ------------------------------------------------------------------------------------------------- set-up

def _database_url() -> str:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PROBE_DB}):
            connection.execute(sa.text(f'CREATE DATABASE "{PROBE_DB}"'))
    admin.dispose()
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{PROBE_DB}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def _kpi_tasks(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run([str(BIN / "kpi-tasks"), *args], env=env, input=stdin, capture_output=True,  # noqa: S603
                            text=True, check=False, cwd=ROOT, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"kpi-tasks {' '.join(args)}: {result.stderr[-500:]}")
    return result.stdout


def _said(answer: requests.Response) -> str:
    """What an answer says, JSON's escaped Vietnamese decoded, so a reason can be looked for in it."""
    try:
        return json.dumps(answer.json(), ensure_ascii=False)
    except ValueError:
        return answer.text


def _free_port() -> int:
    with socket.socket() as probe_socket:
        probe_socket.bind(("127.0.0.1", 0))
        return probe_socket.getsockname()[1]


class Server:
    """gunicorn serving wsgi:app with `env`, started and stopped by the probe."""

    def __init__(self, env: dict[str, str], workers: int = 2) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="kpi-probe-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(BIN / "gunicorn"), "--workers", str(workers), "--timeout", "30", "--bind",
             f"127.0.0.1:{self.port}", "wsgi:app"], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                requests.get(self.base + "/login", timeout=5)
                return
            except (requests.ConnectionError, requests.Timeout):  # a worker still importing on a busy machine
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start; see " + self.log.name)

    def workers(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()} if children.exists() else set()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        self.log.close()


class JobWorker:
    """`kpi-tasks worker`, which runs the large imports and exports (`make run` starts it beside the web server)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**env, "KPI_TASKS_JOB_POLL_SECONDS": "1"}
        self.log = tempfile.NamedTemporaryFile(prefix="kpi-probe-worker-", suffix=".log", delete=False)  # noqa: SIM115
        self.process = self._start()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen([str(BIN / "kpi-tasks"), "worker"], cwd=ROOT, env=self.env,  # noqa: S603
                                stdout=self.log, stderr=subprocess.STDOUT)

    def kill_and_restart(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)
        self.process = self._start()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.close()


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


class Browser(requests.Session):
    """One person's browser, behind the proxy with its own address."""

    def __init__(self, base: str, address: str) -> None:
        super().__init__()
        self.base = base
        self.headers["X-Forwarded-For"] = address

    def go(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        kwargs.setdefault("allow_redirects", False)
        return self.request(method, self.base + path, **kwargs)

    def token(self, path: str = "/login") -> str:
        match = CSRF_RE.search(self.go("GET", path, allow_redirects=True).text)
        expect(match is not None, f"no CSRF token on {path}")
        return match.group(1)  # type: ignore[union-attr]

    def login(self, username: str, password: str = DEMO_PASSWORD) -> int:
        return self.go("POST", "/login", data={"username": username, "password": password,
                                               "csrf_token": self.token()}).status_code

    def post_form(self, path: str, data: dict, page: str = "/", files: dict | None = None) -> requests.Response:
        return self.go("POST", path, data={**data, "csrf_token": self.token(page)}, files=files)

    def signed_in(self) -> bool:
        return self.go("GET", "/account/password").status_code == 200


# ------------------------------------------------------------------------------------------------- files

def _xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, change: Callable[[bytes], bytes | Callable]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as copy:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                changed = change(content)
                if callable(changed):
                    with copy.open(member.filename, "w") as stream:
                        changed(stream)
                    continue
                content = changed
            copy.writestr(member, content)
    return target.getvalue()


def _dossier_rows(count: int, start: int = 1) -> list[list]:
    return [[n, f"PB-{n:07d}", "Chứng thực bản sao từ bản chính", "Chứng thực", "TP", f"Nguyễn Văn {n % 97}",
             f"{1 + n % 20:02d}/02/2026", f"{6 + n % 20:02d}/02/2026", f"{4 + n % 20:02d}/02/2026", "Trực tuyến",
             "Có", "Có"] for n in range(start, start + count)]


def _zip_bomb() -> bytes:
    """An .xlsx of a few hundred kilobytes whose one cell inflates to 300 MB of XML."""
    def bomb(original: bytes) -> Callable:
        head = original[:original.index(b"<sheetData")]

        def write(stream) -> None:
            stream.write(head + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
            for _ in range(300):
                stream.write(b"A" * MB)
            stream.write(b"</t></is></c></row></sheetData></worksheet>")
        return write
    return _rewrite_sheet(_xlsx([["Mã hồ sơ"]]), bomb)


def _csv(rows: list[list]) -> str:
    return DOSSIER_HEADER + "\n" + "".join(",".join(str(value) for value in row) + "\n" for row in rows)


# ------------------------------------------------------------------------------------------------- probes

def main() -> int:
    url = _database_url()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "probe-" + os.urandom(8).hex(),
           "KPI_TASKS_TRUSTED_PROXIES": "1", "KPI_TASKS_UPLOAD_FOLDER": tempfile.mkdtemp(prefix="kpi-probe-")}
    env.pop("KPI_TASKS_TODAY", None)
    print("Setting up: migrations, the demo …", flush=True)
    _kpi_tasks(env, "db", "upgrade")
    _kpi_tasks(env, "seed-demo")
    office_token = _kpi_tasks(env, "create-token", "vanphong").strip()
    office_api = {"Authorization": f"Bearer {office_token}"}
    engine = sa.create_engine(url)
    server = Server(env)
    worker = JobWorker(env)
    base = server.base
    print(f"gunicorn on {base}, database {PROBE_DB}", flush=True)
    try:
        _probes(server, worker, base, env, engine, office_api)
    finally:
        worker.stop()
        server.stop()
        engine.dispose()
    held = sum(1 for _name, ok, _detail in RESULTS if ok)
    failed = [name for name, ok, _detail in RESULTS if not ok]
    print(f"\n{len(RESULTS)} probes, {held} held" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 0 if not failed else 1


def _probes(server: Server, worker: JobWorker, base: str, env: dict[str, str], engine: sa.Engine,
            office_api: dict[str, str]) -> None:
    def ask(sql: str, **values):
        with engine.connect() as connection:
            return connection.execute(sa.text(sql), values).scalar()

    def api(method: str, path: str, headers: dict[str, str] = office_api, **kwargs) -> requests.Response:
        return requests.request(method, base + "/api/v1" + path, headers={**headers, "X-Forwarded-For": "10.0.0.1"},
                                timeout=kwargs.pop("timeout", 120), **kwargs)

    # -- uploads that would take the host --------------------------------------------------------------------
    bomb = _zip_bomb()

    def zip_bomb_api() -> str:
        before = {pid: _peak_rss(pid) for pid in server.workers()}
        answer = api("POST", "/dossiers/import", files={"file": ("ho-so.xlsx", bomb)})
        growth = max(_peak_rss(pid) - peak for pid, peak in before.items())
        expect(answer.status_code in (413, 422), f"answered {answer.status_code}")
        expect("bất thường" in _said(answer) or "giải nén" in _said(answer), "no Vietnamese reason")
        expect(growth < 300 * MB, f"a worker grew by {growth // MB} MB")
        return f"{answer.status_code}, {len(bomb) // 1024} KB file, worker peak growth {growth // MB} MB"

    def zip_bomb_kpi() -> str:
        manager = Browser(base, "10.0.1.1")
        expect(manager.login("vhtt.giamdoc") == 302, "login")
        kpi_id = ask("SELECT min(id) FROM kpis")
        before = {pid: _peak_rss(pid) for pid in server.workers()}
        answer = manager.post_form(f"/kpis/{kpi_id}/import", {}, f"/kpis/{kpi_id}/import",
                                   files={"file": ("so-lieu.xlsx", bomb)})
        growth = max(_peak_rss(pid) - peak for pid, peak in before.items())
        expect(answer.status_code < 500, f"answered {answer.status_code}")
        expect("bất thường" in answer.text, "no Vietnamese reason on the page")
        expect(growth < 300 * MB, f"a worker grew by {growth // MB} MB")
        return f"{answer.status_code}, worker peak growth {growth // MB} MB"

    probe("zip bomb to POST /api/v1/dossiers/import refused, worker < 300 MB", zip_bomb_api)
    probe("zip bomb to POST /kpis/<id>/import (unit manager) refused, worker < 300 MB", zip_bomb_kpi)

    def refused_file(name: str, content: bytes, reason: str) -> Callable[[], str]:
        def check() -> str:
            answer = api("POST", "/dossiers/import", files={"file": (name, content)})
            expect(answer.status_code == 422, f"answered {answer.status_code}")
            expect(reason in _said(answer), f"no “{reason}” in {_said(answer)[:200]}")
            return str(answer.status_code)
        return check

    dtd = _rewrite_sheet(_xlsx([DOSSIER_HEADER.split(","), *_dossier_rows(2)]),
                         lambda xml: xml.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "a">]><worksheet', 1))
    probe("an .xlsx with a DTD refused", refused_file("dtd.xlsx", dtd, "DTD"))
    probe("random bytes named .csv refused", refused_file("rac.csv", os.urandom(64 * 1024), "CSV"))
    probe("a NUL byte in a CSV refused", refused_file("nul.csv", _csv(_dossier_rows(2)).replace(
        "PB-0000001", "PB\x00").encode(), "NUL"))
    probe("a 131,072-character CSV field refused", refused_file("dai.csv", _csv(_dossier_rows(1)).replace(
        "Chứng thực bản sao", "X" * 131_073, 1).encode(), "dài hơn"))

    def utf16_csv() -> str:
        text = _csv(_dossier_rows(3, start=500)).replace(",", "\t")
        answer = api("POST", "/dossiers/import", files={"file": ("unicode.txt", text.encode("utf-16"))})
        expect(answer.status_code == 200, f"{answer.status_code} {answer.text[:200]}")
        expect(answer.json()["imported"] == 3, f"imported {answer.json()['imported']}")
        return "3 rows imported"

    probe("a UTF-16 CSV (Excel's Unicode text) imports", utf16_csv)

    def stale_dimension() -> str:
        data = _rewrite_sheet(_xlsx([DOSSIER_HEADER.split(","), *_dossier_rows(10, start=600)]),
                              lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:I3"/>', xml))
        answer = api("POST", "/dossiers/import", files={"file": ("ho-so.xlsx", data)})
        expect(answer.status_code == 200, f"{answer.status_code} {answer.text[:200]}")
        expect(answer.json()["imported"] == 10, f"imported {answer.json()['imported']} of 10")
        return "10 of 10 rows"

    probe("an .xlsx with a stale <dimension> imports all its rows", stale_dimension)

    def docx_text_node() -> str:
        import docx

        document = docx.Document()
        document.add_paragraph("UBND HUYỆN")
        buffer = io.BytesIO()
        document.save(buffer)
        source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
        target = io.BytesIO()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
            for member in source.infolist():
                content = source.read(member)
                if member.filename == "word/document.xml":
                    content = content.replace(b"UBND HUY", b"UBND HUY" + b"A" * (10 * MB))
                copy.writestr(member, content)
        office = Browser(base, "10.0.2.1")
        expect(office.login("vanphong") == 302, "login")
        answer = office.post_form("/intake/", {}, "/intake/", files={"file": ("van-ban.docx", target.getvalue())})
        expect(answer.status_code < 500, f"answered {answer.status_code}")
        expect("bất thường" in answer.text, "no Vietnamese reason")
        return str(answer.status_code)

    probe("a .docx with a 10 MB text node refused in Vietnamese", docx_text_node)

    # -- a year's dossiers, and a worker killed under an import ---------------------------------------------
    def year_of_dossiers() -> str:
        text = _csv(_dossier_rows(300_000, start=1_000_000))
        started = time.monotonic()
        answer = api("POST", "/dossiers/import", files={"file": ("ca-nam.csv", text.encode())}, timeout=60)
        expect(answer.status_code == 202, f"answered {answer.status_code} {answer.text[:200]}")
        location = answer.headers["Location"]
        while time.monotonic() - started < 400:
            status = requests.get(base + location, headers=office_api, timeout=30).json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(2)
        expect(status["status"] == "done" and status["imported"] == 300_000, f"{status}")
        return f"202 in {answer.elapsed.total_seconds():.1f} s, done after {time.monotonic() - started:.0f} s"

    probe("300,000 dossier rows (CSV) by API: 202, then done", year_of_dossiers)

    def killed_worker() -> str:
        before = ask("SELECT count(*) FROM dossiers")
        text = _csv(_dossier_rows(100_000, start=2_000_000))
        answer = api("POST", "/dossiers/import", files={"file": ("ho-so.csv", text.encode())})
        expect(answer.status_code == 202, f"answered {answer.status_code}")
        for _ in range(600):  # until the import is under way in the job worker
            if requests.get(base + answer.headers["Location"], headers=office_api, timeout=10).json()["status"] \
                    == "running":
                break
            time.sleep(0.1)
        # The job worker dies mid-import (a new one starts, as systemd would restart it).
        worker.kill_and_restart()
        killed = time.monotonic()
        status: dict = {}
        while time.monotonic() - killed < 75:
            try:
                status = requests.get(base + answer.headers["Location"], headers=office_api, timeout=10).json()
            except requests.RequestException:
                status = {}
            if status.get("status") == "failed":
                break
            time.sleep(1)
        told = time.monotonic() - killed
        expect(status.get("status") == "failed", f"still {status.get('status')} {told:.0f} s after the kill")
        expect(told < 60, f"told failed only after {told:.0f} s")
        expect(ask("SELECT count(*) FROM dossiers") == before, "dossiers were written")
        return f"failed {told:.0f} s after the kill, nothing written"

    probe("a worker killed mid-import: failed within a minute, nothing written", killed_worker)

    # -- sessions and tokens --------------------------------------------------------------------------------
    def copied_cookie() -> str:
        owner = Browser(base, "10.0.3.1")
        expect(owner.login("thanhtra") == 302, "login")
        thief = Browser(base, "10.0.3.2")
        thief.cookies.update(owner.cookies)
        expect(thief.signed_in(), "the copy did not work before logout")
        owner.post_form("/logout", {})
        expect(not thief.signed_in(), "the copied cookie still works after logout")
        return "refused after logout"

    probe("a cookie copied before logout is refused after it", copied_cookie)

    def old_session() -> str:
        browser = Browser(base, "10.0.4.1")
        expect(browser.login("noivu") == 302, "login")
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE user_sessions SET created_at = created_at - interval '20 days', "
                                       "last_seen_at = now() WHERE user_id = (SELECT id FROM users WHERE "
                                       "username = 'noivu')"))
        expect(not browser.signed_in(), "a 20-day-old session is accepted")
        return "refused"

    probe("a 20-day-old session is refused", old_session)

    def password_change() -> str:
        phone, laptop = Browser(base, "10.0.5.1"), Browser(base, "10.0.5.2")
        expect(phone.login("chutich") == 302 and laptop.login("chutich") == 302, "login")
        token = _kpi_tasks(env, "create-token", "chutich").strip()
        expect(api("GET", "/units", {"Authorization": f"Bearer {token}"}).status_code == 200, "token")
        changed = phone.post_form("/account/password", {"current_password": DEMO_PASSWORD, "password": NEW_PASSWORD,
                                                        "password_confirm": NEW_PASSWORD}, "/account/password")
        expect(changed.status_code == 303, f"change answered {changed.status_code}")
        expect(phone.signed_in(), "the changing session ended")
        expect(not laptop.signed_in(), "another session still works")
        expect(api("GET", "/units", {"Authorization": f"Bearer {token}"}).status_code == 401, "the token works")
        return "other session and token refused"

    probe("a password change ends the other sessions and the tokens", password_change)

    def admin_reset() -> str:
        victim = Browser(base, "10.0.6.1")
        expect(victim.login("phochutich") == 302, "login")
        token = _kpi_tasks(env, "create-token", "phochutich").strip()
        admin = Browser(base, "10.0.6.2")
        expect(admin.login("admin") == 302, "admin login")
        user_id = ask("SELECT id FROM users WHERE username = 'phochutich'")
        reset = admin.post_form(f"/admin/users/{user_id}/password", {"password": NEW_PASSWORD}, "/admin/users")
        expect(reset.status_code == 303, f"reset answered {reset.status_code}")
        expect(not victim.signed_in(), "the session still works")
        expect(api("GET", "/units", {"Authorization": f"Bearer {token}"}).status_code == 401, "the token works")
        return "session and token refused"

    probe("an admin reset ends the user's sessions and tokens", admin_reset)

    def token_expiry_and_revoke() -> str:
        token = _kpi_tasks(env, "create-token", "thanhtra", "--days", "1").strip()
        headers = {"Authorization": f"Bearer {token}"}
        expect(api("GET", "/units", headers).status_code == 200, "a new token")
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE "
                                       "user_id = (SELECT id FROM users WHERE username = 'thanhtra')"))
        expect(api("GET", "/units", headers).status_code == 401, "an expired token works")
        second = _kpi_tasks(env, "create-token", "thanhtra").strip()
        _kpi_tasks(env, "revoke-token", "thanhtra")
        expect(api("GET", "/units", {"Authorization": f"Bearer {second}"}).status_code == 401, "revoked works")
        return "expired and revoked tokens refused"

    probe("API tokens expire and are revoked", token_expiry_and_revoke)

    # -- login throttling ------------------------------------------------------------------------------------
    def random_names_then_right_password() -> str:
        attacker = Browser(base, "203.0.113.66")
        for n in range(10):
            attacker.login(f"ten-ngau-nhien-{n}", "doan-bua")
        expect(attacker.login("vanphong") == 429, "the guessing address is not slowed")
        expect(Browser(base, "198.51.100.7").login("vanphong") == 302, "the right password elsewhere fails")
        return "the guessing address waits; vanphong signs in from elsewhere"

    probe("10 random failed logins from one address do not lock the right password elsewhere",
          random_names_then_right_password)

    def named_account_known_browser() -> str:
        owner = Browser(base, "198.51.100.8")
        expect(owner.login("tuphap.giamdoc") == 302, "login")
        owner.post_form("/logout", {})
        attacker = Browser(base, "203.0.113.67")
        for _ in range(5):
            attacker.login("tuphap.giamdoc", "doan-bua")
        expect(owner.login("tuphap.giamdoc") == 302, "the owner's known browser is locked out")
        return "owner signs in from the known browser"

    probe("5 wrong passwords for an account do not lock its owner's known browser out",
          named_account_known_browser)

    def parallel_guesses() -> str:
        barrier = threading.Barrier(12)
        codes: list[int] = []

        def guess(n: int) -> None:
            browser = Browser(base, f"192.0.2.{n + 10}")
            token = browser.token()
            barrier.wait(timeout=30)
            codes.append(browser.go("POST", "/login", data={"username": "xaydung.giamdoc",
                                                            "password": f"doan-{n}", "csrf_token": token}).status_code)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        checked = codes.count(401)
        expect(checked <= 5, f"{checked} passwords checked against a limit of 5 ({sorted(codes)})")
        return f"{checked} checked, {codes.count(429)} told to wait"

    probe("12 parallel guesses check at most 5 passwords", parallel_guesses)

    def weak_passwords() -> str:
        browser = Browser(base, "10.0.7.1")
        expect(browser.login("vantuong.chutich") == 302, "login")
        refused = []
        for weak in ("12345678", "password", "matkhau123"):
            answer = browser.post_form("/account/password", {"current_password": DEMO_PASSWORD, "password": weak,
                                                             "password_confirm": weak}, "/account/password")
            refused.append(answer.status_code == 200 and "Mật khẩu quá" in answer.text)
        expect(all(refused), f"accepted: {refused}")
        return "refused in Vietnamese"

    probe("common passwords are refused", weak_passwords)

    # -- exports ---------------------------------------------------------------------------------------------
    def exports_formulas() -> str:
        directive_id = ask("SELECT min(id) FROM directives")
        unit_id = ask("SELECT id FROM units WHERE code = 'VHTT'")
        # A month after the directive was issued: a deadline before it is refused, and the demo's dates move.
        deadline = ask("SELECT issued_on FROM directives WHERE id = :id", id=directive_id) + dt.timedelta(days=30)
        created = api("POST", f"/directives/{directive_id}/tasks",
                      json={"title": COMMAND, "lead_unit_id": unit_id, "deadline": deadline.isoformat()})
        expect(created.status_code == 201, f"task: {created.status_code} {created.text[:200]}")
        task_id = created.json()["id"]
        manager = Browser(base, "10.0.8.1")
        expect(manager.login("vhtt.giamdoc") == 302, "login")
        manager.post_form(f"/tasks/{task_id}/milestones", {"step": HYPERLINK, "due_on": "", "note": COMMAND},
                          f"/tasks/{task_id}")
        office = Browser(base, "10.0.8.2")
        expect(office.login("vanphong") == 302, "login")
        kpi_id = ask("SELECT min(id) FROM kpis")
        year = ask("SELECT extract(year FROM now())::int")
        downloads = {
            "tasks.xlsx": office.go("GET", "/reports/tasks.xlsx"),
            "tasks.xlsx (API)": api("GET", "/reports/tasks.xlsx"),
            "monthly.xlsx": office.go("GET", "/reports/monthly.xlsx"),
            "milestones.xlsx": office.go("GET", f"/tasks/{task_id}/milestones.xlsx"),
            "KPI export": office.go("GET", f"/kpis/{kpi_id}/export.xlsx"),
            "KPI template": office.go("GET", f"/kpis/{kpi_id}/import/template.xlsx"),
            "scoring": office.go("GET", f"/scoring/{year}/draft.xlsx"),
        }
        formulas, found = [], 0
        for name, answer in downloads.items():
            expect(answer.status_code == 200, f"{name}: {answer.status_code}")
            workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
            for sheet in workbook.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        if isinstance(cell.value, str) and ("HYPERLINK" in cell.value or "cmd|" in cell.value):
                            found += 1
                            if cell.data_type != "s":
                                formulas.append(f"{name} {cell.coordinate}")
        expect(found > 0, "the planted text is in no export")
        expect(not formulas, f"formulas: {formulas}")
        return f"{found} planted cells across {len(downloads)} exports, all text"

    probe("exports write typed formulas as text", exports_formulas)

    # -- input bounds and caching ----------------------------------------------------------------------------
    office = Browser(base, "10.0.9.1")
    expect(office.login("vanphong") == 302, "login")

    def huge_page() -> str:
        codes = {path: office.go("GET", f"{path}?page=99999999999999999999").status_code
                 for path in ("/tasks/", "/directives/", "/dossiers/", "/notifications/")}
        expect(set(codes.values()) == {200}, f"{codes}")
        return "200 everywhere"

    probe("?page=99999999999999999999 on lists", huge_page)
    probe("NUL in a search box: 400", lambda: _expect_status(office.go("GET", "/tasks/?q=a%00b"), 400))
    probe("NUL in API text: 400", lambda: _expect_status(api("POST", "/directives", json={
        "number": "1/PB", "issued_on": "2026-03-02", "issuer": "UBND", "subject": "a\u0000b"}), 400))
    probe("JSON nested 100,000 deep: 400", lambda: _expect_status(api(
        "POST", "/directives", data="[" * 100_000 + "]" * 100_000,
        headers={**office_api, "Content-Type": "application/json"}), 400))
    probe("issued 0001-01-01: 422", lambda: _expect_status(api("POST", "/directives", json={
        "number": "2/PB", "issued_on": "0001-01-01", "issuer": "UBND", "subject": "Thử"}), 422))

    def far_deadline() -> str:
        directive_id = ask("SELECT min(id) FROM directives")
        unit_id = ask("SELECT id FROM units WHERE code = 'VHTT'")
        answers = [api("POST", f"/directives/{directive_id}/tasks", json={"title": "Xa", "lead_unit_id": unit_id,
                                                                          **fields}).status_code
                   for fields in ({"deadline": "9999-12-31"}, {"recurrence": "monthly:day25;until=9999-12-31"})]
        expect(answers == [422, 422], f"{answers}")
        return "422, 422"

    probe("deadline 9999-12-31 and a recurrence until 9999-12-31: 422", far_deadline)

    def no_store() -> str:
        answers = {"page": office.go("GET", "/"), "JSON": api("GET", "/tasks"),
                   "export": office.go("GET", "/reports/tasks.xlsx")}
        missing = [name for name, answer in answers.items() if answer.headers.get("Cache-Control") != "no-store"]
        expect(not missing, f"without no-store: {missing}")
        return "pages, JSON, exports"

    probe("Cache-Control: no-store when signed in", no_store)

    # -- database trouble ------------------------------------------------------------------------------------
    def silent_database() -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        held_open: list[socket.socket] = []

        def accept() -> None:
            try:
                while True:
                    held_open.append(listener.accept()[0])
            except OSError:  # closed when the probe is over
                return

        threading.Thread(target=accept, daemon=True).start()
        broken = Server({**env, "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:"
                                                f"{listener.getsockname()[1]}/{PROBE_DB}"}, workers=1)
        try:
            visitor = Browser(broken.base, "10.0.10.1")
            visitor.cookies.update(office.cookies)  # the same SECRET_KEY: signed in
            started = time.monotonic()
            answer = visitor.go("GET", "/tasks/", timeout=60)
            took = time.monotonic() - started
        finally:
            broken.stop()
            listener.close()
            for connection in held_open:
                connection.close()
        expect(answer.status_code == 503, f"answered {answer.status_code}")
        expect("không kết nối được cơ sở dữ liệu" in answer.text, "not the Vietnamese 503 page")
        expect(took < 25, f"took {took:.0f} s")
        return f"503 in Vietnamese after {took:.1f} s"

    probe("a signed-in user, a database that accepts but never answers: Vietnamese 503, no hang", silent_database)

    # -- backup ----------------------------------------------------------------------------------------------
    def backup() -> str:
        folder = Path(tempfile.mkdtemp(prefix="kpi-probe-backup-"))
        shim = folder / "bin"
        shim.mkdir()
        seen = folder / "seen.json"
        real = shutil.which("pg_dump") or ""
        expect(bool(real), "pg_dump is not installed")
        (shim / "pg_dump").write_text(
            f"#!{sys.executable}\nimport json, os, sys\n"
            f"json.dump({{'argv': sys.argv, 'passfile': os.environ.get('PGPASSFILE'), "
            f"'pgpassword': os.environ.get('PGPASSWORD')}}, open({str(seen)!r}, 'w'))\n"
            f"os.execv({real!r}, [{real!r}, *sys.argv[1:]])\n", encoding="utf-8")
        (shim / "pg_dump").chmod(0o755)
        out = folder / "kpi.dump"
        with_password = env["DATABASE_URL"].replace("postgres@", "postgres:mat-khau-bi-mat@")
        _kpi_tasks({**env, "DATABASE_URL": with_password, "PATH": f"{shim}:{env['PATH']}"}, "backup", "--out",
                   str(out))
        run = json.loads(seen.read_text(encoding="utf-8"))
        mode = out.stat().st_mode & 0o777
        expect("mat-khau-bi-mat" not in " ".join(run["argv"]), "the password is on pg_dump's command line")
        expect(bool(run["passfile"]) and not run["pgpassword"], "the password did not come by PGPASSFILE")
        expect(mode == 0o600, f"the dump is {oct(mode)}")
        return f"argv without the password, PGPASSFILE, dump {oct(mode)}"

    probe("backup: password not on pg_dump's command line, dump 0600", backup)


def _expect_status(answer: requests.Response, status: int) -> str:
    expect(answer.status_code == status, f"answered {answer.status_code}: {answer.text[:200]}")
    return str(status)


if __name__ == "__main__":
    sys.exit(main())
