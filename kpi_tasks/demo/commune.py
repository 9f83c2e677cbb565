"""The demo's fully staffed commune: Xã Bình Sơn runs its own work as a People's Committee (office, chairman's deputy,
departments, villages), breaks down a task the province gave it, and gives tasks of its own directive.

Its departments carry the codes and names `kpi-tasks import-units --with-commune-departments` gives them, so that an
import finds them again."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.accounts.models import User
from kpi_tasks.directives.services import create_directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import post_update, review_task
from kpi_tasks.tasks.lookups import first_task_titled
from kpi_tasks.tasks.services import break_down, create_task
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit
from kpi_tasks.users.services import create_user

COMMUNE_CODE = "21040"
COMMUNE_ISSUER = "UBND xã Bình Sơn"
# (code, name, kind) under the commune
COMMUNE_UNITS = [
    ("21040-VP", "Văn phòng HĐND và UBND xã Bình Sơn", "department"),
    ("21040-KT", "Phòng Kinh tế xã Bình Sơn", "department"),
    ("21040-VHXH", "Phòng Văn hóa - Xã hội xã Bình Sơn", "department"),
    ("21040-HCC", "Trung tâm Phục vụ hành chính công xã Bình Sơn", "department"),
    ("21040-T1", "Thôn 1, xã Bình Sơn", "village"),
    ("21040-T2", "Thôn 2, xã Bình Sơn", "village"),
]
# (username, full name, role, unit code): the commune's own staff, beside its chairman `binhson.chutich`, who
# answers to the province for the commune as the head of a unit does.
COMMUNE_USERS = [
    ("binhson.vanphong", "Trương Thị Hạnh (Văn phòng HĐND và UBND xã Bình Sơn)", "office", COMMUNE_CODE),
    ("binhson.phochutich", "Nguyễn Văn Khải (Phó Chủ tịch UBND xã Bình Sơn)", "leader", COMMUNE_CODE),
    ("binhson.kinhte", "Võ Minh Trí (Trưởng phòng Kinh tế xã Bình Sơn)", "unit_manager", "21040-KT"),
    ("binhson.vhxh", "Lê Thị Ngọc (Trưởng phòng Văn hóa - Xã hội xã Bình Sơn)", "unit_manager", "21040-VHXH"),
    ("binhson.hcc", "Phạm Quốc Việt (Giám đốc Trung tâm Phục vụ hành chính công xã)", "unit_manager", "21040-HCC"),
    ("binhson.thon1", "Đinh Văn Tâm (Trưởng Thôn 1)", "unit_manager", "21040-T1"),
    ("binhson.thon2", "Huỳnh Văn Lộc (Trưởng Thôn 2)", "unit_manager", "21040-T2"),
]
# The province's task the commune breaks down (data.py, 218/UBND-VP), and its parts:
# (title, unit code, days to the deadline, outcome)
RECEIVED_TITLE = "Chấm dứt tiếp nhận trực tiếp hồ sơ TTHC tại cơ quan không qua Bộ phận Một cửa"
BREAKDOWN = [
    ("Rà soát, chấn chỉnh việc tiếp nhận hồ sơ tại các bộ phận chuyên môn của xã", "21040-KT", -4, "done"),
    ("Hướng dẫn người dân nộp hồ sơ tại Trung tâm Phục vụ hành chính công xã", "21040-HCC", 1, "reported"),
    ("Thông báo tại các thôn: mọi hồ sơ nộp qua Trung tâm Phục vụ hành chính công", "21040-T1", 1, "open"),
]
OWN_DIRECTIVE = {
    "number": "15/KH-UBND", "subject": "Kế hoạch tổ chức Ngày hội đại đoàn kết toàn dân tộc năm nay",
    "signer": "Nguyễn Văn Khải", "issued_days_ago": 20,
    "tasks": [("Xây dựng chương trình, kịch bản Ngày hội", "21040-VHXH", 15),
              ("Tổ chức Ngày hội tại khu dân cư Thôn 2", "21040-T2", 25)],
}


def seed_commune(units: dict[str, Unit], users: dict[str, User], day: dt.date, shared_hash: str,
                 password: str) -> None:
    """Make Bình Sơn a committee with its staff, its breakdown of the province's task and its own plan."""
    commune = units[COMMUNE_CODE]
    commune.is_committee = True
    for code, name, kind in COMMUNE_UNITS:
        units[code] = create_unit(code, name, kind, commune.id)
    db.session.flush()
    for username, full_name, role, code in COMMUNE_USERS:
        users[username] = create_user(username, role, password, unit_code=code, full_name=full_name,
                                      email=f"{username}@example.vn", password_hash=shared_hash,
                                      check_strength=False)
    office = users["binhson.vanphong"]
    received = first_task_titled(RECEIVED_TITLE, lead_unit_id=commune.id)
    if received is not None:
        for title, code, offset, outcome in BREAKDOWN:
            part = break_down(received, office, title=title, lead_unit_id=units[code].id,
                              deadline=day + dt.timedelta(days=offset))
            reporter = _manager(users, code)
            if outcome == "open":
                post_update(part, reporter, progress_percent=30, note="Đã thông báo tại một số buổi họp thôn.")
                continue
            post_update(part, reporter, progress_percent=None, note="Đã hoàn thành.", report_completed=True,
                        completed_on=day - dt.timedelta(days=5 if outcome == "done" else 1))
            if outcome == "done":
                review_task(part, office, decision="approve", note="Xác nhận đã hoàn thành.")
        post_update(received, users["binhson.chutich"], progress_percent=50,
                    note="Đã giao tiếp cho Phòng Kinh tế, Trung tâm Phục vụ hành chính công và các thôn.")
    plan = create_directive(office, number=OWN_DIRECTIVE["number"], issuer=COMMUNE_ISSUER,
                            subject=OWN_DIRECTIVE["subject"], signer=OWN_DIRECTIVE["signer"], kind="ke_hoach",
                            issued_on=day - dt.timedelta(days=OWN_DIRECTIVE["issued_days_ago"]))
    for title, code, offset in OWN_DIRECTIVE["tasks"]:
        task = create_task(plan, office, title=title, lead_unit_id=units[code].id,
                           deadline=day + dt.timedelta(days=offset))
        post_update(task, _manager(users, code), progress_percent=20, note="Đang triển khai.")


def _manager(users: dict[str, User], code: str) -> User:
    return next(user for name, _full, role, unit in COMMUNE_USERS if unit == code and role == "unit_manager"
                for user in [users[name]])
