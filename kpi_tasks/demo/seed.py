from __future__ import annotations

import datetime as dt

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.services import create_user
from kpi_tasks.clock import today
from kpi_tasks.demo.data import COMMUNES, DEPARTMENTS, DIRECTIVES, DISTRICT, OTHER_UNITS, USERS
from kpi_tasks.demo.kpis import seed_kpis
from kpi_tasks.directives.services import create_directive
from kpi_tasks.scoring.services import create_default_rule
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import assign_staff, create_task, post_update, review_task
from kpi_tasks.units.services import create_unit

DEMO_PASSWORD = "demo1234"  # noqa: S105 - the documented password of the demo accounts


def seed_demo() -> str:
    """Load the demo district into an empty database; returns a summary with the demo logins."""
    units = {}
    for kind, rows in (("department", DEPARTMENTS), ("commune", COMMUNES), ("other", OTHER_UNITS)):
        for code, name in rows:
            units[code] = create_unit(code, name, kind)
    users: dict[str, User] = {}
    for username, full_name, role, unit_code in USERS:
        users[username] = create_user(
            username, role, DEMO_PASSWORD, unit_code=unit_code, full_name=full_name, email=f"{username}@example.vn"
        )
    office, admin = users["vanphong"], users["admin"]
    managers = {user.unit_id: user for user in users.values() if user.role == "unit_manager"}
    staff = {user.unit_id: user for user in users.values() if user.role == "unit_staff"}
    day = today()
    task_count = 0
    for spec in DIRECTIVES:
        issued_on = day - dt.timedelta(days=spec["issued_days_ago"])
        directive = create_directive(
            office,
            number=spec["number"],
            issued_on=issued_on,
            issuer=DISTRICT,
            subject=spec["subject"],
            signer=spec["signer"],
            kind=spec["kind"],
        )
        for section, title, content, lead, coordinating, offset, outcome in spec["tasks"]:
            deadline = None if offset is None else day + dt.timedelta(days=offset)
            task = create_task(
                directive,
                office,
                title=title,
                content=content,
                section=section,
                lead_unit_id=units[lead].id,
                coordinating_unit_ids=[units[code].id for code in coordinating],
                deadline=deadline,
            )
            lead_manager = managers.get(task.lead_unit_id)
            if lead_manager and task.lead_unit_id in staff:
                assign_staff(task, lead_manager, [staff[task.lead_unit_id].id])
            _play(task, outcome, lead_manager or admin, office, day)
            task_count += 1
    seed_kpis(units, office, day)
    _seed_scoring_rule(users, day)
    logins = "\n".join(f"  {u:<20} {r:<13} {c or ''}" for u, _n, r, c in USERS)
    return (
        f"Đã nạp dữ liệu mẫu: {len(units)} đơn vị, {len(users)} người dùng, {len(DIRECTIVES)} văn bản, "
        f"{task_count} nhiệm vụ.\nTài khoản mẫu (tên đăng nhập, vai trò, đơn vị):\n{logins}"
    )


def _play(task: Task, outcome: str, reporter: User, office: User, day: dt.date) -> None:
    """Move a fresh task forward as its unit and the office would have, to reach `outcome` today."""
    deadline = task.deadline
    if outcome in ("in_progress", "overdue", "ongoing"):
        post_update(task, reporter, progress_percent=40, note="Đang triển khai, đã giao chuyên viên theo dõi.")
        return
    if outcome == "awaiting":
        post_update(task, reporter, progress_percent=None, note="Đã hoàn thành, gửi báo cáo kết quả.",
                    report_completed=True, completed_on=day - dt.timedelta(days=1))
        return
    completed_on = (deadline - dt.timedelta(days=2)) if outcome == "done_on_time" else (
        deadline + dt.timedelta(days=5))
    post_update(task, reporter, progress_percent=None, note="Đã hoàn thành nhiệm vụ.", report_completed=True,
                completed_on=min(completed_on, day))
    review_task(task, office, decision="approve", note="Xác nhận đã hoàn thành.")


def _seed_scoring_rule(users: dict[str, User], day: dt.date) -> None:
    """The shipped default scoring rule, saved as version 1 for the demo year by the Interior department."""
    create_default_rule(day.year, users.get("noivu"))
