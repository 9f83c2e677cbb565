"""What happens to a task that someone must hear about, told to whoever listens (notifications/, above tasks).

A service calls `emit(TaskEvent(...))` after its change is flushed, in the same transaction: the listeners write
their rows (notifications, …) in that transaction, so an event and its notices are committed or rolled back
together. Packages above tasks register their listener in web.init_app; with none registered, nothing happens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.extensions import db
from kpi_tasks.hooks import Subscribers
from kpi_tasks.tasks.models import Task

ASSIGNED = "assigned"  # a unit was given a task, or a manager handed it to officers (user_ids)
RETURNED = "returned"  # the office sent a completion report back (note)
EXTENSION_DECIDED = "extension_decided"  # an extension request was approved or rejected (user_ids: who asked)
DIRECTION = "direction"  # a leader's direction on the task (note)
AWAITING_REVIEW = "awaiting_review"  # the lead unit reported completion: the office must confirm
REASSIGNED = "reassigned"  # the task was handed to another lead unit (unit_ids: the units concerned)
WITHDRAWN = "withdrawn"  # the office withdrew the task (note)
MENTION = "mention"  # someone named a unit or a person in the task's thread (unit_ids, user_ids)
UNACKNOWLEDGED = "unacknowledged"  # the lead unit has not acknowledged a new task in time
EVENT_KINDS = (ASSIGNED, RETURNED, EXTENSION_DECIDED, DIRECTION, AWAITING_REVIEW, REASSIGNED, WITHDRAWN, MENTION,
               UNACKNOWLEDGED)


@dataclass(frozen=True)
class TaskEvent:
    """One thing that happened to `task`, done by `actor`.

    `key` names this very event (unique per task and event: "update:17", "direction:4"), so that a listener that
    runs twice for it writes nothing twice. `unit_ids` and `user_ids` are those it concerns beyond the usual
    ones of its kind (the officers a task was handed to, the units a comment mentions, the old lead unit).
    """

    kind: str
    task: Task
    actor: User | None
    key: str
    note: str | None = None
    unit_ids: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()
    occurrence_id: int | None = None


Listener = Callable[[TaskEvent], None]
listeners: Subscribers[Listener] = Subscribers("who hears of a task's events")


def emit(event: TaskEvent) -> None:
    if event.kind not in EVENT_KINDS:
        raise ValueError(f"unknown task event {event.kind!r}")
    for listener in listeners:
        listener(event)


def emit_logged(kind: str, task: Task, actor: User | None, logged: AuditEvent, **values: object) -> None:
    """Emit the event that the history line `logged` records, keyed by that line (one event per line)."""
    db.session.flush()
    emit(TaskEvent(kind, task, actor, f"a{logged.id}", **values))  # type: ignore[arg-type]
