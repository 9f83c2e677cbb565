"""Factories that make a test's set-up a few lines long. Each flushes; call `commit()` when a request
(test client, API, another thread) must see the data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask.testing import FlaskClient

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import committee_id_of
from kpi_tasks.accounts.services import create_token
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import create_directive
from kpi_tasks.documents.identity import Identity, current_identity, save_identity
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import create_task
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit
from kpi_tasks.users.services import create_user

PASSWORD = "lua-chin-vang-dong-2026"  # passes the password policy (accounts/passwords.py)
_counter = itertools.count(1)


def make_unit(name: str | None = None, kind: str = "department", code: str | None = None) -> Unit:
    n = next(_counter)
    return create_unit(code or f"U{n}", name or f"Phòng thử nghiệm {n}", kind)


def make_user(role: str, unit: Unit | None = None, username: str | None = None) -> User:
    n = next(_counter)
    return create_user(
        username or f"{role}{n}", role, PASSWORD, unit_code=unit.code if unit else None, full_name=f"Người dùng {n}"
    )


def make_office() -> User:
    return make_user("office")


def root_office() -> User:
    """An office user of the root committee (the first made), or a new one: a commune's office gives no task to
    the root's units."""
    offices = db.session.scalars(db.select(User).where(User.role == "office").order_by(User.id))
    return next((user for user in offices if committee_id_of(user) is None), None) or make_office()


def make_directive(office: User | None = None, issued_on: dt.date = dt.date(2026, 1, 5), **values: Any) -> Directive:
    office = office or root_office()
    n = next(_counter)
    defaults = {"number": f"{n}/UBND-VP", "issuer": "UBND huyện Thử", "subject": f"V/v thử nghiệm {n}"}
    return create_directive(office, issued_on=issued_on, **{**defaults, **values})


def make_task(
    lead_unit: Unit,
    deadline: dt.date | None = dt.date(2026, 3, 31),
    directive: Directive | None = None,
    coordinating: list[Unit] | None = None,
    title: str | None = None,
    **values: Any,
) -> Task:
    directive = directive or make_directive()
    office = root_office()
    return create_task(
        directive,
        office,
        title=title or f"Nhiệm vụ {next(_counter)}",
        lead_unit_id=lead_unit.id,
        coordinating_unit_ids=[u.id for u in coordinating or []],
        deadline=deadline,
        **values,
    )


def commit() -> None:
    db.session.commit()


def api_headers(user: User) -> dict[str, str]:
    token = create_token(user)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def form_post(client: FlaskClient, path: str, data: dict[str, Any], page: str | None = None) -> Any:
    """POST a form the way a browser does: with the CSRF token read from a page of the site."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page or "/")})


CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]




def empty_database() -> None:
    """Empty every table (ids start at 1 again), as if the test had never run."""
    db.session.remove()
    tables = list(db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            # Only the tables a test wrote to are emptied, children first. DELETE, not TRUNCATE: a test leaves
            # a few rows, and TRUNCATE replaces each table's files (about 7 ms a table on our machines; the
            # permission matrix alone went from 274 to 156 s). Every used sequence restarts so that ids start
            # at 1 as they do on SQLite.
            probes = " UNION ALL ".join(
                f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables  # noqa: S608
            )
            filled = {name for (name,) in connection.execute(sa.text(probes))}
            for table in reversed(tables):
                if table.name in filled:
                    connection.execute(table.delete())
            connection.execute(sa.text(
                "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
                " FROM pg_sequences WHERE last_value IS NOT NULL"
            ))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())



@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Every row of the database and every uploaded file at one moment, to come back to in milliseconds
    instead of building a world again (the permission matrix's world takes about 2 s to build)."""

    rows: dict[str, list[dict[str, Any]]]
    sequences: list[tuple[str, int]]
    uploads: Path | None
    upload_folder: Path


def take_snapshot(keep_in: Path) -> Snapshot:
    db.session.commit()
    with db.engine.connect() as connection:
        rows = {table.name: [dict(row) for row in connection.execute(table.select()).mappings()]
                for table in db.metadata.sorted_tables}
        sequences = []
        if db.engine.dialect.name == "postgresql":
            sequences = [(f"{schema}.{name}", value) for schema, name, value in connection.execute(sa.text(
                "SELECT schemaname, sequencename, last_value FROM pg_sequences WHERE last_value IS NOT NULL"))]
    upload_folder = Path(current_app.config["UPLOAD_FOLDER"])
    uploads = None
    if upload_folder.exists():
        uploads = keep_in / "uploads"
        shutil.rmtree(uploads, ignore_errors=True)
        shutil.copytree(upload_folder, uploads)
    return Snapshot({name: found for name, found in rows.items() if found}, sequences, uploads, upload_folder)


def restore_snapshot(snapshot: Snapshot) -> None:
    empty_database()
    with db.engine.begin() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in snapshot.rows:
                connection.execute(table.insert(), snapshot.rows[table.name])
        for name, value in snapshot.sequences:
            connection.execute(sa.text("SELECT setval(CAST(:name AS regclass), :value, true)"),
                               {"name": name, "value": value})
    shutil.rmtree(snapshot.upload_folder, ignore_errors=True)
    if snapshot.uploads is not None:
        shutil.copytree(snapshot.uploads, snapshot.upload_folder)


# A province of the two-tier administration, as the admin enters it on /admin/documents.
IDENTITY = {
    "issuing_body": "Ủy ban nhân dân tỉnh Gia Lai", "issuing_body_short": "UBND tỉnh Gia Lai", "superior_body": "",
    "place_name": "Gia Lai", "office_name": "Văn phòng UBND tỉnh", "office_header": "Văn phòng",
    "committee_symbol": "UBND", "office_symbol": "VP",
}
SIGNERS = {
    "monthly_report": {"authority": "", "title": "Chánh Văn phòng", "name": "Nguyễn Văn An",
                       "recipients": "Các Phó Chủ tịch UBND tỉnh\nLãnh đạo Văn phòng"},
    "unit_report": {"authority": "", "title": "Giám đốc", "name": "", "recipients": "Văn phòng UBND tỉnh"},
    "apology_letter": {"authority": "", "title": "Trưởng phòng", "name": "", "recipients": ""},
}


def make_identity(**values: Any) -> Identity:
    """The root committee's document identity (Gia Lai unless `values` say otherwise), as documents read it."""
    save_identity(None, {**IDENTITY, **values}, SIGNERS)
    return current_identity()


@contextmanager
def sent_statements() -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block (each insertmanyvalues batch counts)."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _many) -> None:
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def sign_in(page: Any, username: str) -> None:
    """Sign in through the login form in the browser (Playwright's `page`) and wait for the home page."""
    page.goto("/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/")

