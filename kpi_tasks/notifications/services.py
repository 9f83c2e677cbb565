"""Creating notifications (the daily scan) and reading them (the in-app centre), as plain functions.

The scan decides who must hear about which deadline today. Every notification has a unique key per
recipient, and rows are inserted with INSERT … ON CONFLICT DO NOTHING, so any number of scans, one
after the other or at the same moment, create each notification exactly once.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_read_notification, committee_id_of
from kpi_tasks.accounts.roles import OFFICE, UNIT_MANAGER
from kpi_tasks.audit.services import record
from kpi_tasks.background.models import DONE, BackgroundJob
from kpi_tasks.calendar.services import current_calendar
from kpi_tasks.calendar.workdays import WorkingCalendar
from kpi_tasks.clock import utcnow
from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.dossiers.services import create_apology_obligations, overdue_obligations
from kpi_tasks.errors import NotFound, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import (
    APOLOGY_DUE,
    DUE_SOON,
    EMAIL_MODE_LABELS,
    EMAIL_PENDING,
    JOB_FINISHED,
    KIND_GROUP_NOUNS,
    KIND_LABELS,
    OVERDUE,
    REPORT,
    UNACKNOWLEDGED,
    Notification,
    NotificationPreference,
)
from kpi_tasks.reports.models import ScheduledReport
from kpi_tasks.reports.scheduled import Period, report_recipient_ids, store_report
from kpi_tasks.sql import in_ids
from kpi_tasks.tasks.lookups import task_committees, task_leaders, task_loads, tracked_status_counts
from kpi_tasks.tasks.occurrences import generate_all_occurrences, generation_horizon
from kpi_tasks.tasks.periods import open_tasks_due_between, unacknowledged_tasks
from kpi_tasks.tasks.queries import (
    active_assignees_by_task,
    coordinating_units_by_task,
    open_occurrences_due_between,
)
from kpi_tasks.tasks.status import STATUS_LABELS
from kpi_tasks.text import format_date


@dataclass(frozen=True)
class ReminderSettings:
    """The rules the scan applies; read from the configuration unless a caller gives its own."""

    offsets: tuple[int, ...] = (7, 3, 1)
    escalate_after: int = 5

    @classmethod
    def from_config(cls) -> ReminderSettings:
        config = current_app.config
        return cls(
            offsets=tuple(config["REMINDER_OFFSETS"]), escalate_after=config["ESCALATE_AFTER_WORKING_DAYS"]
        )


@dataclass(frozen=True)
class Subject:
    """Something with a deadline that reminders are about: a task, or one occurrence of a recurring task."""

    task_id: int
    deadline: dt.date
    lead_unit_id: int
    leader_id: int | None
    occurrence_id: int | None = None

    def key(self, kind: str, offset: int) -> str:
        prefix = f"occurrence:{self.occurrence_id}" if self.occurrence_id else f"task:{self.task_id}"
        return f"{prefix}:{self.deadline.isoformat()}:{kind}:{offset}"


@dataclass
class ScanResult:
    day: dt.date
    created: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    def summary(self) -> str:
        by_kind = ", ".join(f"{KIND_LABELS[kind].lower()} {n}" for kind, n in self.created.items() if n)
        statuses = ", ".join(f"{STATUS_LABELS[code].lower()} {n}" for code, n in self.statuses.items() if n)
        extra = "".join(f"; {label}: {n}" for label, n in self.extra.items())
        return (
            f"Ngày {format_date(self.day)}: tạo {self.total_created} thông báo"
            f"{' (' + by_kind + ')' if by_kind else ''}; nhiệm vụ theo trạng thái: {statuses or 'chưa có'}{extra}."
        )


def scan(today: dt.date, settings: ReminderSettings | None = None) -> ScanResult:
    """Create today's due-soon and overdue notifications; safe to run any number of times, at once too.

    Due soon: an open task whose effective deadline is `o` working days away or less, for the smallest
    configured offset `o` that covers it. A task that enters the window late (created two days before
    its deadline, or after scans were missed) gets that one reminder, never the earlier offsets'.
    Recipients: the lead unit's managers, the staff the task is handed to, the coordinating units'
    managers. Overdue: the lead unit's managers and its staff on the task, every office user, and the
    leader in charge once the task is more than `escalate_after` working days late.
    """
    settings = settings or ReminderSettings.from_config()
    calendar = current_calendar()
    result = ScanResult(day=today, created={DUE_SOON: 0, OVERDUE: 0})

    # Recurring tasks: make sure the occurrences due soon exist before reminding of them.
    result.extra["kỳ báo cáo mới tạo"] = generate_all_occurrences(generation_horizon(today))

    rows: list[dict[str, Any]] = []
    for offset, (start, end) in offset_windows(calendar, today, settings.offsets):
        subjects = reminder_subjects(start, end)
        recipients = _Recipients.load(subjects)
        for subject in subjects:
            ids = recipients.due_soon(subject)
            rows.extend(_row(user_id, DUE_SOON, subject, offset) for user_id in ids)

    escalate_before = escalation_threshold(calendar, today, settings.escalate_after)
    overdue = reminder_subjects(dt.date.min, today)
    recipients = _Recipients.load(overdue)
    for subject in overdue:
        ids = recipients.overdue(subject, escalate=subject.deadline < escalate_before)
        rows.extend(_row(user_id, OVERDUE, subject, 0) for user_id in ids)

    for kind in add_notifications(rows):
        result.created[kind] = result.created.get(kind, 0) + 1
    result.statuses = tracked_status_counts(today)
    result.extra.update(apology_scan_step(today))
    result.extra.update(unacknowledged_scan_step(today))
    return result


def unacknowledged_scan_step(today: dt.date) -> dict[str, int]:
    """Tell the head of each lead unit of the tasks it has not acknowledged after one working day: once per task
    and lead unit (a task handed to another unit is that unit's to acknowledge, and to be told of)."""
    tasks = unacknowledged_tasks(today)
    units = sorted({unit_id for _task, unit_id, _deadline in tasks})
    managers: dict[int, list[int]] = defaultdict(list)
    if units:
        for user_id, unit_id in db.session.execute(sa.select(User.id, User.unit_id).where(
                in_ids(User.unit_id, units), User.role == UNIT_MANAGER, User.active.is_(True))):
            managers[unit_id].append(user_id)
    rows = [
        {"recipient_id": user_id, "kind": UNACKNOWLEDGED, "task_id": task_id, "deadline": deadline,
         "dedup_key": f"event:{task_id}:unacknowledged:{unit_id}"}
        for task_id, unit_id, deadline in tasks for user_id in managers.get(unit_id, [])
    ]
    return {"nhắc tiếp nhận nhiệm vụ": len(add_notifications(rows))}


def offset_windows(
    calendar: WorkingCalendar, today: dt.date, offsets: Iterable[int]
) -> list[tuple[int, tuple[dt.date, dt.date]]]:
    """For each offset, the deadlines [start, end) for which it is the nearest offset reached today.

    A deadline d is r working days away, r = working days in (today, d]. r ≤ o exactly when d comes
    before the (o+1)-th working day after today, so offset o covers the deadlines from the end of the
    next smaller offset's window up to that day.
    """
    windows = []
    start = today
    for offset in sorted({o for o in offsets if o >= 0}):
        end = calendar.add_working_days(today, offset + 1)
        windows.append((offset, (start, end)))
        start = end
    return windows


def escalation_threshold(calendar: WorkingCalendar, today: dt.date, escalate_after: int) -> dt.date:
    """Deadlines before this day are more than `escalate_after` working days overdue today.

    A task is n working days late when (deadline, today] holds n working days; more than M of them means
    the deadline precedes the (M+1)-th working day counted back from today (today included).
    """
    return calendar.add_working_days(today + dt.timedelta(days=1), -(escalate_after + 1))


def reminder_subjects(start: dt.date, end: dt.date) -> list[Subject]:
    """What is still open with its effective deadline in [start, end): one-off tasks of tracked
    (non-confidential) directives, and the open occurrences of recurring tasks (tasks/occurrences.py), each of
    which is reminded of on its own; a recurring task itself is not (its deadline mirrors an occurrence).
    """
    subjects = [Subject(task_id, deadline, lead_unit_id, leader_id) for task_id, deadline, lead_unit_id, leader_id
                in open_tasks_due_between(start, end)]
    if end > start:
        occurrences = open_occurrences_due_between(start, end - dt.timedelta(days=1))
        leaders = task_leaders({occurrence.task_id for occurrence in occurrences})
        subjects.extend(
            Subject(o.task_id, o.effective_deadline, o.lead_unit_id, leaders.get(o.task_id), o.occurrence_id)
            for o in occurrences
        )
    return subjects


@dataclass
class _Recipients:
    """Who is behind each subject's task, loaded with a handful of queries for all subjects at once."""

    managers_by_unit: dict[int, list[int]]
    coordinating_by_task: dict[int, list[int]]
    assignees_by_task: dict[int, list[tuple[int, int | None]]]
    office: dict[int | None, list[int]]  # by committee (None: the root's office)
    active_leaders: set[int]
    committee_by_task: dict[int, int | None] = field(default_factory=dict)

    @classmethod
    def load(cls, subjects: Sequence[Subject]) -> _Recipients:
        if not subjects:
            return cls({}, {}, {}, {}, set())
        task_ids = sorted({s.task_id for s in subjects})
        coordinating = coordinating_units_by_task(task_ids)
        assignees = active_assignees_by_task(task_ids)
        managers: dict[int, list[int]] = defaultdict(list)
        for user_id, unit_id in db.session.execute(
            sa.select(User.id, User.unit_id).where(
                User.role == UNIT_MANAGER, User.active.is_(True), User.unit_id.is_not(None)
            )
        ):
            managers[unit_id].append(user_id)
        # The office hears of the late tasks of its own committee; a commune's office answers for the tasks given
        # to the commune itself as its managers would (accounts/permissions.py is_lead_unit_user).
        office: dict[int | None, list[int]] = defaultdict(list)
        for user in db.session.scalars(sa.select(User).where(User.role == OFFICE, User.active.is_(True))):
            office[committee_id_of(user)].append(user.id)
            if user.unit is not None and user.unit.is_committee:
                managers[user.unit.id].append(user.id)
        committee_by_task = task_committees(task_ids)
        leader_ids = {s.leader_id for s in subjects if s.leader_id}
        leaders = set(db.session.scalars(
            sa.select(User.id).where(User.id.in_(leader_ids), User.active.is_(True))
        )) if leader_ids else set()
        return cls(dict(managers), dict(coordinating), dict(assignees), dict(office), leaders, committee_by_task)

    def due_soon(self, subject: Subject) -> set[int]:
        ids = set(self.managers_by_unit.get(subject.lead_unit_id, []))
        ids.update(user_id for user_id, _unit in self.assignees_by_task.get(subject.task_id, []))
        for unit_id in self.coordinating_by_task.get(subject.task_id, []):
            ids.update(self.managers_by_unit.get(unit_id, []))
        return ids

    def overdue(self, subject: Subject, escalate: bool) -> set[int]:
        # Coordinating units hear only before the deadline: answering for a late task is the lead unit's.
        ids = set(self.managers_by_unit.get(subject.lead_unit_id, []))
        ids.update(
            user_id for user_id, unit_id in self.assignees_by_task.get(subject.task_id, [])
            if unit_id == subject.lead_unit_id
        )
        ids.update(self.office.get(self.committee_by_task.get(subject.task_id), []))
        if escalate and subject.leader_id in self.active_leaders:
            ids.add(subject.leader_id)
        return ids


def _row(recipient_id: int, kind: str, subject: Subject, offset: int) -> dict[str, Any]:
    return {
        "recipient_id": recipient_id,
        "kind": kind,
        "task_id": subject.task_id,
        "occurrence_id": subject.occurrence_id,
        "report_id": None,
        "offset_days": offset,
        "deadline": subject.deadline,
        "dedup_key": subject.key(kind, offset),
    }


# The columns a caller may give (recipient_id, kind and dedup_key are required) and their defaults.
NOTIFICATION_DEFAULTS: dict[str, Any] = {
    "task_id": None, "occurrence_id": None, "report_id": None, "offset_days": 0, "deadline": None,
    "apology_letter_id": None, "background_job_id": None, "note": None, "actor_id": None,
}
_NOTIFICATION_COLUMNS = frozenset({"recipient_id", "kind", "dedup_key", *NOTIFICATION_DEFAULTS})


def add_notifications(rows: Sequence[dict[str, Any]]) -> list[str]:
    """Insert the rows that do not exist yet (by recipient and dedup_key); return the kinds inserted.

    Each row needs recipient_id, kind and dedup_key; task_id, occurrence_id, report_id, apology_letter_id,
    offset_days, deadline, note and actor_id are optional. A row another transaction inserted first, even one still
    in flight, is skipped by the database itself (ON CONFLICT DO NOTHING), so concurrent callers never duplicate.

    Statements do not grow with the rows already there: one SELECT of the keys that exist (a second scan
    the same day finds all its rows there and inserts nothing), then for the rest one INSERT built once:
    on PostgreSQL a single INSERT … SELECT FROM unnest(one array per column), on SQLite an executemany
    (SQLAlchemy's "insertmanyvalues": a multi-row INSERT per batch of rows). RETURNING gives what was
    inserted, so the kinds returned are exactly the rows this call created.
    """
    candidates: dict[tuple[int, str], dict[str, Any]] = {}
    for row in rows:
        unknown = set(row) - _NOTIFICATION_COLUMNS
        if unknown:
            raise ValueError(f"Notification columns not accepted here: {sorted(unknown)}")
        candidates.setdefault((row["recipient_id"], row["dedup_key"]), row)
    for key in existing_notification_keys(list(candidates)):
        candidates.pop(key, None)
    if not candidates:
        return []
    values = [{**NOTIFICATION_DEFAULTS, **row} for row in candidates.values()]
    fixed = {"created_at": utcnow(), "email_state": EMAIL_PENDING, "email_attempts": 0}
    if db.session.get_bind().dialect.name == "postgresql":
        # One statement, each column's values as one array: an executemany would send batches of thousands
        # of placeholders, each batch parsed afresh by psycopg (5 s for 44,000 rows).
        columns = {name: [value[name] for value in values] for name in _ARRAY_COLUMNS}
        return list(db.session.execute(_insert_from_arrays(), {**columns, **fixed}).scalars())
    return list(db.session.execute(_insert_many(), [{**value, **fixed} for value in values]).scalars())


def existing_notification_keys(keys: Sequence[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of these (recipient_id, dedup_key) pairs are already taken, in one statement with the pairs
    as a single bound parameter (an array on PostgreSQL, JSON on SQLite) joined on the unique index."""
    if not keys:
        return set()
    notifications = Notification.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        candidate = sa.func.unnest(  # psycopg sends each list as one typed array ($1::INTEGER[], $2::TEXT[])
            sa.bindparam("recipient_ids", [recipient for recipient, _key in keys], type_=postgresql.ARRAY(sa.Integer)),
            sa.bindparam("dedup_keys", [key for _recipient, key in keys], type_=postgresql.ARRAY(sa.Text)),
        ).table_valued("recipient_id", "dedup_key").render_derived(name="candidate")
        recipient_id, dedup_key = candidate.c.recipient_id, candidate.c.dedup_key
    else:
        candidate = sa.func.json_each(sa.bindparam("keys", json.dumps(keys), type_=sa.Text)).table_valued("value")
        recipient_id = sa.func.json_extract(candidate.c.value, "$[0]")
        dedup_key = sa.func.json_extract(candidate.c.value, "$[1]")
    query = sa.select(notifications.c.recipient_id, notifications.c.dedup_key).select_from(candidate).join(
        notifications, sa.and_(notifications.c.recipient_id == recipient_id, notifications.c.dedup_key == dedup_key)
    )
    return {(recipient, key) for recipient, key in db.session.execute(query)}


_ARRAY_COLUMNS = ("recipient_id", "kind", "dedup_key", *NOTIFICATION_DEFAULTS)
_FIXED_COLUMNS = ("created_at", "email_state", "email_attempts")


@functools.cache
def _insert_many() -> sa.Insert:
    """SQLite: INSERT … ON CONFLICT DO NOTHING RETURNING kind, built once and executed over a list of rows
    (SQLAlchemy's "insertmanyvalues" sends it as a few multi-row INSERTs)."""
    table = Notification.__table__
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=["recipient_id", "dedup_key"]).returning(
        table.c.kind
    )


@functools.cache
def _insert_from_arrays() -> sa.Insert:
    """PostgreSQL: INSERT … SELECT FROM unnest(one array per column) ON CONFLICT DO NOTHING RETURNING kind."""
    table = Notification.__table__
    rows = sa.func.unnest(
        *(sa.bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in _ARRAY_COLUMNS)
    ).table_valued(*_ARRAY_COLUMNS).render_derived(name="candidate")
    fixed = (sa.bindparam(name, type_=table.c[name].type) for name in _FIXED_COLUMNS)
    return (
        postgresql.insert(table)
        .from_select([*_ARRAY_COLUMNS, *_FIXED_COLUMNS], sa.select(*rows.c, *fixed))
        .on_conflict_do_nothing(index_elements=["recipient_id", "dedup_key"])
        .returning(table.c.kind)
    )


# The in-app notification centre.


def notifications_query(user: User, unread_only: bool = False) -> sa.Select:
    query = (
        sa.select(Notification)
        .where(Notification.recipient_id == user.id)
        .options(*task_loads(Notification.task), joinedload(Notification.report),
                 *apology_letter_loads())
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query


@dataclass
class NotificationGroup:
    """The bell's line: a recipient's notices of one kind about one thing (a task, a unit's apology letters, a
    report), drawn as its latest notice with how many there are and how many are unread."""

    latest: Notification
    count: int
    unread: int

    @property
    def summary(self) -> str:
        """"Châu Ổ: 3 phiếu xin lỗi đến hạn", "Số hóa hồ sơ …: 2 ý kiến chỉ đạo"."""
        latest = self.latest
        if latest.apology_letter is not None:
            subject = latest.apology_letter.unit.name
        elif latest.task is not None:
            subject = latest.task.title
        elif latest.report is not None:
            subject = latest.report.title
        elif latest.background_job is not None:
            subject = job_title(latest.background_job)
        else:
            subject = KIND_LABELS.get(latest.kind, latest.kind)
        return f"{subject}: {self.count} {KIND_GROUP_NOUNS.get(latest.kind, 'thông báo')}"


def _group_columns() -> tuple[sa.ColumnElement[Any], ...]:
    """What makes notices one group: their kind and what they are about (a letter reminder: its letter's unit)."""
    return (Notification.kind, Notification.task_id, Notification.report_id, Notification.background_job_id,
            ApologyLetter.unit_id)


def notification_groups_query(user: User, unread_only: bool = False) -> sa.Select:
    """The user's notices grouped by kind and subject, newest group first: (latest_id, count, unread) rows."""
    unread = sa.func.sum(sa.case((Notification.read_at.is_(None), 1), else_=0))
    query = (
        sa.select(sa.func.max(Notification.id).label("latest_id"), sa.func.count().label("count"),
                  unread.label("unread"))
        .select_from(Notification)
        .outerjoin(ApologyLetter, ApologyLetter.id == Notification.apology_letter_id)
        .where(Notification.recipient_id == user.id)
        .group_by(*_group_columns())
        .order_by(sa.func.max(Notification.created_at).desc(), sa.func.max(Notification.id).desc())
    )
    return query.having(unread > 0) if unread_only else query


def notification_groups(rows: Sequence[Any]) -> list[NotificationGroup]:
    """The groups of a page of `notification_groups_query` rows, their latest notices loaded in one query."""
    ids = [row.latest_id for row in rows]
    latest = {n.id: n for n in db.session.scalars(
        sa.select(Notification).where(Notification.id.in_(ids)).options(
            *task_loads(Notification.task), joinedload(Notification.report),
            joinedload(Notification.actor), joinedload(Notification.background_job),
            *apology_letter_loads())).unique()} if ids else {}
    return [NotificationGroup(latest[row.latest_id], row.count, int(row.unread or 0)) for row in rows]


def group_of(notification: Notification) -> NotificationGroup:
    row = db.session.execute(
        sa.select(sa.func.count().label("count"),
                  sa.func.sum(sa.case((Notification.read_at.is_(None), 1), else_=0)).label("unread"))
        .select_from(Notification)
        .outerjoin(ApologyLetter, ApologyLetter.id == Notification.apology_letter_id)
        .where(_same_group(notification))
    ).one()
    return NotificationGroup(notification, row.count, int(row.unread or 0))


def _same_group(notification: Notification) -> sa.ColumnElement[bool]:
    letter_unit = notification.apology_letter.unit_id if notification.apology_letter is not None else None
    values = (notification.kind, notification.task_id, notification.report_id, notification.background_job_id,
              letter_unit)
    return sa.and_(Notification.recipient_id == notification.recipient_id,
                   *(column.is_(None) if value is None else column == value
                     for column, value in zip(_group_columns(), values, strict=True)))


def group_notifications_query(notification: Notification) -> sa.Select:
    """Every notice of `notification`'s group, newest first (the bell's line opened)."""
    in_group = sa.select(Notification.id).select_from(Notification).outerjoin(
        ApologyLetter, ApologyLetter.id == Notification.apology_letter_id).where(_same_group(notification))
    return (sa.select(Notification).where(Notification.id.in_(in_group))
            .options(*task_loads(Notification.task), joinedload(Notification.report),
                     joinedload(Notification.actor), *apology_letter_loads())
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def mark_group_read(notification: Notification) -> int:
    """Mark read the notice and every other of its group (the bell shows them as one line)."""
    in_group = sa.select(Notification.id).select_from(Notification).outerjoin(
        ApologyLetter, ApologyLetter.id == Notification.apology_letter_id).where(_same_group(notification))
    result = db.session.execute(
        sa.update(Notification).where(Notification.id.in_(in_group), Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.refresh(notification)
    return result.rowcount or 0


def apology_letter_loads() -> tuple[LoaderOption, ...]:
    """Loader options that bring an apology-letter reminder's obligation, dossier and unit in the same query."""
    letter = joinedload(Notification.apology_letter)
    return letter.joinedload(ApologyLetter.dossier), letter.joinedload(ApologyLetter.unit)


def notification_target(notification: Notification) -> tuple[str, dict[str, Any]]:
    """(endpoint, values) of the page a notification leads to: its task, its report, for an apology-letter
    reminder the letter's page (or, for one made before reminders named their letter, the overdue letters)."""
    if notification.task_id is not None:
        return "tasks.detail", {"task_id": notification.task_id}
    if notification.report_id is not None:
        return "notifications.report", {"report_id": notification.report_id}
    if notification.apology_letter_id is not None:
        return "dossiers.letter", {"letter_id": notification.apology_letter_id}
    if notification.background_job_id is not None:
        return "background.status", {"job_id": notification.background_job_id}
    if notification.kind == APOLOGY_DUE:
        return "dossiers.letters", {"overdue": 1}
    return "notifications.index", {}


def notify_job_finished(job: BackgroundJob) -> bool:
    """Tell a background job's owner that it ended (done or failed), once per job. Returns whether it was new."""
    return bool(add_notifications([{"recipient_id": job.owner_id, "kind": JOB_FINISHED, "dedup_key": f"job:{job.id}",
                                    "background_job_id": job.id}]))


def job_title(job: BackgroundJob) -> str:
    """How a notification names a finished background job."""
    if job.status != DONE:
        return f"{job.label}: không thành công"
    return f"{job.label}: " + ("đã sẵn sàng để tải về" if job.result_name else "đã xong")


def apology_title(letter: ApologyLetter) -> str:
    """How a reminder names the letter to send: the dossier's code and its procedure."""
    dossier = letter.dossier
    return f"Hồ sơ {dossier.code}" + (f": {dossier.procedure}" if dossier.procedure else "")


BADGE_CAP = 99


def unread_badge_count(user: User, cap: int = BADGE_CAP) -> int:
    """The unread count for the badge on every page, read no further than `cap` + 1 rows: the office after a
    year of scans can hold thousands, and "99+" says as much as the exact figure."""
    unread = (
        sa.select(Notification.id)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .limit(cap + 1)
        .subquery()
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(unread)) or 0


def get_notification_or_404(notification_id: int, user: User) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or not can_read_notification(user, notification):
        raise NotFound("Không tìm thấy thông báo.")
    return notification


def mark_read(notification: Notification) -> Notification:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0


def kind_preferences(user: User) -> dict[str, str]:
    """The user's e-mail choice for each kind they chose one for (the others follow `user.email_mode`)."""
    return dict(db.session.execute(sa.select(NotificationPreference.kind, NotificationPreference.email_mode)
                                   .where(NotificationPreference.user_id == user.id)).all())


def update_preferences(user: User, email_mode: str, email: str | None,
                       by_kind: dict[str, str] | None = None) -> User:
    """The user's own choice: how notices reach them by e-mail (in general, and per kind: `by_kind` maps a kind
    to a mode, or to "" for "as in general"), and where."""
    errors: dict[str, str] = {}
    if email_mode not in EMAIL_MODE_LABELS:
        errors["email_mode"] = "Chọn một cách nhận e-mail trong danh sách."
    by_kind = by_kind or {}
    for kind, mode in by_kind.items():
        if kind not in KIND_LABELS:
            errors[f"kind_{kind}"] = "Không có loại thông báo này."
        elif mode and mode not in EMAIL_MODE_LABELS:
            errors[f"kind_{kind}"] = "Chọn một cách nhận e-mail trong danh sách."
    email = (email or "").strip() or None
    if email is not None and (len(email) > 255 or "@" not in email[1:-1] or any(c.isspace() for c in email)):
        errors["email"] = "Địa chỉ e-mail không hợp lệ."
    if email is None and email_mode != "off":
        errors["email"] = "Cần có địa chỉ e-mail để nhận thư; hoặc chọn không nhận e-mail."
    if errors:
        raise ValidationError("Cài đặt nhận thông báo chưa hợp lệ.", errors)
    changes = {key: (old, new) for key, old, new in (("email_mode", user.email_mode, email_mode),
                                                     ("email", user.email, email)) if old != new}
    user.email_mode = email_mode
    user.email = email
    before = kind_preferences(user)
    for kind, mode in by_kind.items():
        if before.get(kind, "") == mode:
            continue
        changes[f"email_mode_{kind}"] = (before.get(kind), mode or None)
        preference = db.session.get(NotificationPreference, (user.id, kind))
        if not mode:
            if preference is not None:
                db.session.delete(preference)
        elif preference is None:
            db.session.add(NotificationPreference(user_id=user.id, kind=kind, email_mode=mode))
        else:
            preference.email_mode = mode
    db.session.flush()
    if changes:
        record(user, "user", user.id, "notification_settings", changes)
    return user


def produce_report(period: Period, today: dt.date) -> tuple[ScheduledReport, int]:
    """The period's report (made now unless it exists) and its notifications; returns (report, created).

    Idempotent under concurrency like the scan: the report is unique per (kind, period) and its
    notifications per recipient.
    """
    report = store_report(period, today)
    created = add_notifications([
        {"recipient_id": user_id, "kind": REPORT, "report_id": report.id, "dedup_key": f"report:{report.id}"}
        for user_id in report_recipient_ids(report)
    ])
    return report, len(created)


def apology_scan_step(today: dt.date) -> dict[str, int]:
    """The dossiers' part of `kpi-tasks scan`.

    Creates the obligations of dossiers that went late since the last run, then one `apology_due`
    notification per pending obligation past its day (linked to it, so that it names its dossier) to each
    head of the handling unit, and to every office user once it has stayed unsent more than
    ESCALATE_AFTER_WORKING_DAYS working days. Safe to run twice: obligations are unique per dossier,
    notifications per recipient and obligation.
    """
    created = create_apology_obligations(today)
    escalate_before = escalation_threshold(current_calendar(), today,
                                           current_app.config["ESCALATE_AFTER_WORKING_DAYS"])
    rows = [
        {"recipient_id": user_id, "kind": APOLOGY_DUE, "deadline": due_by, "apology_letter_id": letter_id,
         "dedup_key": f"apology:{letter_id}:{due_by.isoformat()}:{APOLOGY_DUE}"}
        for user_id, letter_id, due_by in overdue_obligations(today, escalate_before)
    ]
    notified = len(add_notifications(rows))
    return {"phiếu xin lỗi mới phải gửi": created, "nhắc gửi phiếu xin lỗi": notified}


def drop_apology_reminders(obligation_ids: sa.Select) -> None:
    """The reminders of obligations a dossier import drops (dossiers.services.obligation_dependants)."""
    db.session.execute(sa.delete(Notification.__table__).where(
        Notification.__table__.c.apology_letter_id.in_(obligation_ids)))
