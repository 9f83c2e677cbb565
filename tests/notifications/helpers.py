"""Shared set-up of the reminders tests: the world of Must show 1, and a real local SMTP server."""

from __future__ import annotations

import datetime as dt
import email
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import sqlalchemy as sa
from aiosmtpd.controller import Controller

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import VIETNAM
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import Notification
from kpi_tasks.tasks.lifecycle import post_update, review_task
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import assign_staff, withdraw_task
from tests.factories import make_directive, make_task, make_unit, make_user

BASE_URL = "https://nhiemvu.ubnd.example.vn"  # PUBLIC_BASE_URL while the `smtp` fixture runs
MONDAY = dt.date(2026, 3, 16)  # the frozen today of the suite
DUE_IN_TWO = dt.date(2026, 3, 18)  # Wednesday: two working days after Monday 16/03
OVERDUE_ONE = dt.date(2026, 3, 13)  # Friday: one working day late on Monday
OVERDUE_TEN = dt.date(2026, 3, 2)  # Monday two weeks before: ten working days late


@dataclass
class World:
    users: dict[str, User]
    tasks: dict[str, Task]
    expected: set[tuple[str, str, str]] = field(default_factory=set)  # (username key, task key, kind)

    def user_id(self, key: str) -> int:
        return self.users[key].id

    def id_keys(self) -> tuple[dict[int, str], dict[int, str]]:
        """(user id → key, task id → key), plain data that outlives the session."""
        return ({user.id: key for key, user in self.users.items()},
                {task.id: key for key, task in self.tasks.items()})


def build_world() -> World:
    """Three tasks due in two working days, two overdue (one by more than five working days), and tasks
    that must produce nothing: done, awaiting review, withdrawn, far off, standing."""
    lead = make_unit("Phòng Văn hóa và Thông tin", code="VHTT")
    coord = make_unit("Phòng Tư pháp", code="TP")
    users = {
        "lead_manager": make_user("unit_manager", lead, "vhtt.giamdoc"),
        "lead_staff": make_user("unit_staff", lead, "vhtt.chuyenvien"),
        "idle_staff": make_user("unit_staff", lead, "vhtt.chuyenvien2"),
        "coord_manager": make_user("unit_manager", coord, "tp.truongphong"),
        "coord_staff": make_user("unit_staff", coord, "tp.chuyenvien"),
        "office1": make_user("office", None, "vanphong"),
        "office2": make_user("office", None, "vanphong2"),
        "leader": make_user("leader", None, "phochutich"),
        "other_leader": make_user("leader", None, "chutich"),
        "admin": make_user("admin", None, "quantri"),
    }
    for user in users.values():
        user.email = f"{user.username}@ubnd.example.vn"
    directive = make_directive(users["office1"], issued_on=dt.date(2026, 2, 27))
    leader_id = users["leader"].id

    def task(title: str, unit, deadline, coordinating=(), **values) -> Task:
        return make_task(unit, deadline=deadline, directive=directive, coordinating=list(coordinating),
                         title=title, **values)

    tasks = {
        "t1": task("Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", lead, DUE_IN_TWO, [coord]),
        "t2": task("Tuyên truyền chuyển đổi số trên đài truyền thanh", lead, DUE_IN_TWO),
        "t3": task("Rà soát văn bản quy phạm pháp luật về văn hóa", coord, DUE_IN_TWO, [lead]),
        "t4": task("Báo cáo kết quả thực hiện Đề án 06", lead, OVERDUE_ONE, [coord], leader_id=leader_id),
        "t5": task("Kiểm tra di tích lịch sử trên địa bàn", lead, OVERDUE_TEN, leader_id=leader_id),
        # Nothing for these:
        "awaiting": task("Đã báo cáo hoàn thành, chờ xác nhận", lead, OVERDUE_ONE),
        "done": task("Đã hoàn thành", lead, DUE_IN_TWO),
        "withdrawn": task("Đã thu hồi", lead, OVERDUE_TEN),
        "far": task("Còn xa hạn", lead, dt.date(2026, 4, 30)),
        "standing": task("Nhiệm vụ thường xuyên", lead, None),
    }
    for key in ("t1", "t4"):
        assign_staff(tasks[key], users["lead_manager"], [users["lead_staff"].id])
        assign_staff(tasks[key], users["coord_manager"], [users["coord_staff"].id])
    manager, office = users["lead_manager"], users["office1"]
    post_update(tasks["awaiting"], manager, progress_percent=None, note="Xong", report_completed=True,
                completed_on=dt.date(2026, 3, 12))
    post_update(tasks["done"], manager, progress_percent=None, note="Xong", report_completed=True,
                completed_on=dt.date(2026, 3, 13))
    review_task(tasks["done"], office, decision="approve")
    withdraw_task(tasks["withdrawn"], office, note="Không còn phù hợp")
    # Building the world told people of it (given, handed over, returned…): the scan's tests start from an empty
    # bell, and the events' own tests are in test_events.py.
    db.session.execute(sa.delete(Notification))
    db.session.flush()

    world = World(users, tasks)
    # The rules, written out: due soon → lead managers, staff handed the task, coordinating managers;
    # overdue → lead managers, the lead unit's staff on it, the office, and the leader past 5 working days.
    for key, who in {
        "t1": ("lead_manager", "lead_staff", "coord_staff", "coord_manager"),
        "t2": ("lead_manager",),
        "t3": ("coord_manager", "lead_manager"),
    }.items():
        world.expected |= {(user, key, "due_soon") for user in who}
    for key, who in {
        "t4": ("lead_manager", "lead_staff", "office1", "office2"),
        "t5": ("lead_manager", "office1", "office2", "leader"),
    }.items():
        world.expected |= {(user, key, "overdue") for user in who}
    return world


def notification_triples(world: World | tuple[dict[int, str], dict[int, str]]) -> list[tuple[str, str, str]]:
    """Every notification row as (user key, task key, kind), duplicates kept."""
    user_keys, task_keys = world.id_keys() if isinstance(world, World) else world
    rows = db.session.execute(sa.select(Notification.recipient_id, Notification.task_id, Notification.kind))
    return [(user_keys[recipient], task_keys.get(task_id, "-"), kind) for recipient, task_id, kind in rows]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=VIETNAM)


class _Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server on 127.0.0.1 that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.inbox = _Inbox()
        self.port = _free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        with self.inbox.lock:
            return list(self.inbox.messages)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
