"""Who follows a task: its leader in charge (lãnh đạo phụ trách) and its watchers (theo dõi). Anyone who may see a
task may follow it; followers hear of its events (notifications/events.py)."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_view_task
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task, task_watchers


def is_watching(task: Task, user: User) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(task_watchers).where(
        task_watchers.c.task_id == task.id, task_watchers.c.user_id == user.id)) > 0


def watch(task: Task, user: User, on: bool = True) -> bool:
    """Follow (or stop following) a task; returns whether the user now follows it. Doing it twice changes nothing."""
    if not can_view_task(user, task):
        raise PermissionDenied("Chỉ theo dõi được nhiệm vụ mình xem được.")
    following = is_watching(task, user)
    if on and not following:
        db.session.execute(sa.insert(task_watchers).values(task_id=task.id, user_id=user.id))
    elif not on and following:
        db.session.execute(sa.delete(task_watchers).where(
            task_watchers.c.task_id == task.id, task_watchers.c.user_id == user.id))
    return on


def followers(task: Task) -> set[int]:
    """The active people who follow `task` and still may see it: its leader in charge and its watchers."""
    ids = set(db.session.scalars(sa.select(task_watchers.c.user_id).where(task_watchers.c.task_id == task.id)))
    if task.leader_id:
        ids.add(task.leader_id)
    if not ids:
        return set()
    users = db.session.scalars(sa.select(User).where(User.id.in_(sorted(ids)), User.active.is_(True)))
    return {user.id for user in users if can_view_task(user, task)}
