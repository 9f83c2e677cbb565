"""Notices of what happens to a task (tasks/events.py): who each event concerns, one notice each.

`notify_task_event` is the listener web.init_app registers. It runs inside the event's own transaction, so an
event and its notices are committed together or not at all, and it inserts through `add_notifications` with a
key per event and recipient, so that the same event told twice still makes one notice per person. The actor is
never told of their own act. Other packages (a job that finished, a document ready) call `notify_users`.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import committee_id_of
from kpi_tasks.accounts.roles import OFFICE, UNIT_MANAGER
from kpi_tasks.extensions import db
from kpi_tasks.notifications.services import add_notifications
from kpi_tasks.tasks import events
from kpi_tasks.tasks.events import TaskEvent
from kpi_tasks.tasks.following import followers
from kpi_tasks.tasks.models import Task
from kpi_tasks.units.models import Unit


def unit_managers(unit_ids: Iterable[int]) -> set[int]:
    """The heads of these units; for a commune given a task (a committee unit), its office, which answers for it."""
    wanted = sorted(set(unit_ids))
    if not wanted:
        return set()
    committees = sa.select(Unit.id).where(Unit.id.in_(wanted), Unit.is_committee.is_(True))
    return set(db.session.scalars(sa.select(User.id).where(
        User.unit_id.in_(wanted), User.active.is_(True),
        sa.or_(User.role == UNIT_MANAGER, sa.and_(User.role == OFFICE, User.unit_id.in_(committees))))))


def office_users(committee_id: int | None) -> set[int]:
    """The office of the committee whose own task it is (the one that confirms it)."""
    users = db.session.scalars(sa.select(User).where(User.role == OFFICE, User.active.is_(True)))
    return {user.id for user in users if committee_id_of(user) == committee_id}


def _assignees(task: Task, unit_ids: Iterable[int]) -> set[int]:
    units = set(unit_ids)
    return {user.id for user in task.assignees if user.active and user.unit_id in units}


def _active(user_ids: Iterable[int]) -> set[int]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return set()
    return set(db.session.scalars(sa.select(User.id).where(User.id.in_(wanted), User.active.is_(True))))


# Followers of a task (its leader in charge, its watchers: tasks/following.py) hear of these kinds too; the
# reminders of a unit's own duties (acknowledge, a mention of someone else) stay with those they name.
FOLLOWED_KINDS = frozenset({events.ASSIGNED, events.RETURNED, events.EXTENSION_DECIDED, events.DIRECTION,
                            events.AWAITING_REVIEW, events.REASSIGNED, events.WITHDRAWN})


def recipients(event: TaskEvent) -> set[int]:
    """The people `event` concerns, by its kind (the actor excepted)."""
    task = event.task
    lead = task.lead_unit_id
    units = {lead, *task.coordinating_unit_ids}
    kind = event.kind
    if kind == events.ASSIGNED:
        # Handed to officers: those officers; a new task: the managers of every unit on it.
        ids = _active(event.user_ids) if event.user_ids else unit_managers(units)
    elif kind in (events.RETURNED, events.DIRECTION):
        ids = unit_managers([lead]) | _assignees(task, [lead])
    elif kind == events.EXTENSION_DECIDED:
        ids = unit_managers([lead]) | _active(event.user_ids)
    elif kind == events.AWAITING_REVIEW:
        ids = office_users(task.committee_id)
    elif kind == events.REASSIGNED:
        # The new lead unit takes it over; the units named (the former lead unit) learn it left them.
        ids = unit_managers([lead, *event.unit_ids]) | _assignees(task, [lead])
    elif kind == events.WITHDRAWN:
        ids = unit_managers(units) | _assignees(task, units)
    elif kind == events.MENTION:
        ids = unit_managers(event.unit_ids) | _active(event.user_ids)
    elif kind == events.UNACKNOWLEDGED:
        ids = unit_managers([lead])
    else:
        ids = set()
    if kind in FOLLOWED_KINDS:
        ids |= followers(task)
    if event.actor is not None:
        ids.discard(event.actor.id)
    return ids


def notify_task_event(event: TaskEvent) -> list[str]:
    """Write one notice of `event` for each person it concerns (none twice); returns the kinds written."""
    rows = [
        {"recipient_id": user_id, "kind": event.kind, "task_id": event.task.id, "occurrence_id": event.occurrence_id,
         "deadline": event.task.effective_deadline, "note": event.note,
         "actor_id": event.actor.id if event.actor is not None else None,
         "dedup_key": f"event:{event.task.id}:{event.key}"[:120]}
        for user_id in sorted(recipients(event))
    ]
    return add_notifications(rows)


def notify_users(user_ids: Iterable[int], kind: str, key: str, note: str | None = None,
                 task_id: int | None = None) -> list[str]:
    """A notice of `kind` to each of these people, once per `key` (for packages above tasks: jobs, documents)."""
    return add_notifications([
        {"recipient_id": user_id, "kind": kind, "task_id": task_id, "note": note, "dedup_key": f"{kind}:{key}"[:120]}
        for user_id in sorted(_active(user_ids))
    ])
