from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.services import hash_password
from kpi_tasks.clock import today
from kpi_tasks.demo.commune import COMMUNE_USERS, seed_commune
from kpi_tasks.demo.data import COMMITTEE, COMMUNES, DEPARTMENTS, DIRECTIVES, IDENTITY, OTHER_UNITS, SIGNERS, USERS
from kpi_tasks.demo.kpis import seed_kpis
from kpi_tasks.demo.story import Demo, date_tasks_from_their_directives, play_task, seed_story
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import create_directive
from kpi_tasks.documents.identity import save_identity
from kpi_tasks.extensions import db
from kpi_tasks.notifications.services import scan
from kpi_tasks.scoring.services import create_default_rule
from kpi_tasks.tasks.lookups import task_count
from kpi_tasks.tasks.services import assign_staff, create_task
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit
from kpi_tasks.users.services import create_user

DEMO_PASSWORD = "demo1234"  # noqa: S105 - the documented password of the demo accounts


def seed_demo() -> str:
    """Load the demo province into an empty database; returns a summary with the demo logins."""
    units = _seed_units()
    shared_hash = hash_password(DEMO_PASSWORD)
    users = _seed_users(units, shared_hash)
    office, admin = users["vanphong"], users["admin"]
    save_identity(admin, IDENTITY, SIGNERS)
    day = today()
    directives = _seed_directives(units, users, day)
    seed_commune(units, users, day, shared_hash, DEMO_PASSWORD)
    seed_kpis(units, office, day)
    seed_story(Demo(units, users, day, COMMITTEE), directives["1035/UBND-TTHC"])
    _seed_scoring_rule(users, day)
    # Last, once every task is there (the commune's own too): tasks dated from their directives, today's reminders.
    date_tasks_from_their_directives()
    scan(day)
    directive_count = db.session.scalar(sa.select(sa.func.count()).select_from(Directive))
    return (
        f"Đã nạp dữ liệu mẫu: {len(units)} đơn vị, {len(users)} người dùng, {directive_count} văn bản, "
        f"{task_count()} nhiệm vụ.\n{demo_logins()}"
    )


def _seed_units() -> dict[str, Unit]:
    units = {}
    for kind, rows in (("department", DEPARTMENTS), ("commune", COMMUNES), ("other", OTHER_UNITS)):
        for code, name, *_prefix in rows:
            units[code] = create_unit(code, name, kind)
    return units


def _login_prefixes() -> dict[str, str]:
    """The first part of each unit's demo login ("tnmt" of tnmt.lanhdao; a commune's by its name)."""
    return {code: prefix[0] if prefix else code.lower()
            for rows in (DEPARTMENTS, COMMUNES, OTHER_UNITS) for code, _name, *prefix in rows}


def _seed_users(units: dict[str, Unit], shared_hash: str) -> dict[str, User]:
    """The named demo users, and a head (unit manager) for every other unit."""
    users: dict[str, User] = {}
    for username, full_name, role, unit_code in USERS:
        users[username] = create_user(username, role, DEMO_PASSWORD, unit_code=unit_code, full_name=full_name,
                                      email=f"{username}@example.vn", password_hash=shared_hash,
                                      check_strength=False)
    managed = {code for _u, _n, role, code in USERS if role == "unit_manager"}
    prefixes = _login_prefixes()
    for code, unit in units.items():
        if code not in managed:
            username = f"{prefixes[code]}.lanhdao"
            users[username] = create_user(username, "unit_manager", DEMO_PASSWORD, unit_code=code,
                                          full_name=f"Lãnh đạo {unit.name}", email=f"{username}@example.vn",
                                          password_hash=shared_hash, check_strength=False)
    return users


def _seed_directives(units: dict[str, Unit], users: dict[str, User], day: dt.date) -> dict[str, Directive]:
    """The seeds' directives with their tasks, each task played to the outcome its row says."""
    office, admin = users["vanphong"], users["admin"]
    managers = {user.unit_id: user for user in users.values() if user.role == "unit_manager"}
    staff = {user.unit_id: user for user in users.values() if user.role == "unit_staff"}
    directives: dict[str, Directive] = {}
    for spec in DIRECTIVES:
        directive = create_directive(
            office, number=spec["number"], issued_on=day - dt.timedelta(days=spec["issued_days_ago"]),
            issuer=COMMITTEE, subject=spec["subject"], signer=spec["signer"], kind=spec["kind"],
        )
        directives[spec["number"]] = directive
        for section, title, content, lead, coordinating, offset, outcome in spec["tasks"]:
            task = create_task(
                directive, office, title=title, content=content, section=section, lead_unit_id=units[lead].id,
                coordinating_unit_ids=[units[code].id for code in coordinating],
                deadline=None if offset is None else day + dt.timedelta(days=offset),
            )
            lead_manager = managers.get(task.lead_unit_id)
            if lead_manager and task.lead_unit_id in staff:
                assign_staff(task, lead_manager, [staff[task.lead_unit_id].id])
            play_task(task, outcome, lead_manager or admin, office, day)
    return directives


def demo_loaded() -> bool:
    """Whether this database holds the demo (its office clerk's account is there)."""
    return db.session.scalar(sa.select(User.id).where(User.username == "vanphong")) is not None


def demo_logins() -> str:
    """The demo accounts, as `make run` prints them."""
    logins = "\n".join(f"  {u:<20} {r:<13} {c or ''}" for u, _n, r, c in [*USERS, *COMMUNE_USERS])
    return (f"Tài khoản mẫu (tên đăng nhập, vai trò, đơn vị):\n{logins}\n"
            "  <mã đơn vị>.lanhdao  unit_manager  mọi đơn vị khác (ví dụ tnmt.lanhdao; xã, phường theo tên: "
            "lyson.lanhdao)")


def _seed_scoring_rule(users: dict[str, User], day: dt.date) -> None:
    """The shipped default scoring rule, saved as version 1 for the demo year by the Interior department."""
    create_default_rule(day.year, users.get("noivu"))
