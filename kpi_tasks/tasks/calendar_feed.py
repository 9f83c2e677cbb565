"""Deadlines as a calendar: the month grid of the "Lịch hạn xử lý" page, and each user's iCalendar feed (RFC 5545)
at a secret address, so that deadlines appear in the calendar people already use (Google, Outlook, a phone).

Whose deadlines: a unit user's are the tasks of their unit they see (an officer: those handed to them); a user who
sees every task (office, leaders, …) gets the tasks they are in charge of or follow, or the grid would be the whole
province. Each deadline is a task's effective deadline, or for a recurring task each period's.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import utcnow
from kpi_tasks.directives.models import Directive
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import STATE_WITHDRAWN, CalendarFeed, Task, TaskOccurrence, task_watchers
from kpi_tasks.tasks.queries import occurrence_status_expression, task_visibility_clause, tracked_task_clause
from kpi_tasks.tasks.status import STATUS_LABELS, status_expression
from kpi_tasks.text import format_date
from kpi_tasks.units.models import Unit

FEED_PAST_DAYS = 60
FEED_FUTURE_DAYS = 400
FEED_LIMIT = 2000


@dataclass(frozen=True)
class Deadline:
    task_id: int
    occurrence_id: int | None
    title: str
    unit: str
    directive: str
    day: dt.date
    status: str


def _mine(user: User) -> sa.ColumnElement[bool]:
    if user.is_unit_user:
        return task_visibility_clause(user)
    watched = sa.exists().where(task_watchers.c.task_id == Task.id, task_watchers.c.user_id == user.id)
    return sa.or_(Task.leader_id == user.id, watched)


def deadlines(user: User, start: dt.date, end: dt.date, today: dt.date, *, unit_id: int | None = None,
              mine: bool = True, limit: int = FEED_LIMIT) -> list[Deadline]:
    """Deadlines in [start, end] of the tasks `user` sees (`mine`: only theirs, as above; `unit_id`: one lead unit),
    of tracked directives, withdrawn ones left out; by day."""
    seen = sa.and_(task_visibility_clause(user), tracked_task_clause(), Task.state != STATE_WITHDRAWN,
                   *([_mine(user)] if mine else []), *([Task.lead_unit_id == unit_id] if unit_id else []))
    one_off = (
        sa.select(Task.id, sa.null().label("occurrence_id"), Task.title, Unit.name, Directive.number,
                  Task.effective_deadline.label("day"), status_expression(today).label("status"))
        .join(Unit, Unit.id == Task.lead_unit_id).join(Directive, Directive.id == Task.directive_id)
        .where(seen, Task.recurrence.is_(None), Task.effective_deadline.between(start, end))
    )
    periods = (
        sa.select(Task.id, TaskOccurrence.id, Task.title, Unit.name, Directive.number,
                  TaskOccurrence.effective_deadline, occurrence_status_expression(today))
        .join(Task, Task.id == TaskOccurrence.task_id)
        .join(Unit, Unit.id == Task.lead_unit_id).join(Directive, Directive.id == Task.directive_id)
        .where(seen, TaskOccurrence.effective_deadline.between(start, end))
    )
    union = sa.union_all(one_off, periods).subquery()
    rows = db.session.execute(sa.select(union).order_by(union.c.day, union.c.title).limit(limit))
    return [Deadline(*row) for row in rows]


# -- the secret address ----------------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(user: User) -> str:
    """A new secret token for the user's feed; the previous address stops working. Only its hash is stored."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token)))
    else:
        feed.token_hash, feed.created_at = _hash(token), utcnow()
    db.session.flush()
    return token


def revoke_feed(user: User) -> bool:
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        return False
    db.session.delete(feed)
    db.session.flush()
    return True


def has_feed(user: User) -> bool:
    return db.session.get(CalendarFeed, user.id) is not None


def feed_user(token: str) -> User | None:
    """The active user whose feed this token opens, or None."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    return feed.user if feed is not None and feed.user.active else None


# -- iCalendar (RFC 5545) --------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n")
            .replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space, never splitting a UTF-8 character (RFC 5545 3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > (75 if not out else 74):
            out.append(current)
            current = ""
        current += char
    out.append(current)
    return "\r\n ".join(out)


def ics(user: User, items: list[Deadline], task_url: Callable[[int], str], host: str) -> str:
    """The feed: one all-day event per deadline."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//UBND//kpi-tasks//VI", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape('Hạn xử lý nhiệm vụ – ' + user.display_name)}",
             "X-WR-TIMEZONE:Asia/Ho_Chi_Minh"]
    for item in items:
        uid = f"occurrence-{item.occurrence_id}" if item.occurrence_id else f"task-{item.task_id}"
        description = (f"Đơn vị chủ trì: {item.unit}\nVăn bản: {item.directive}\n"
                       f"Trạng thái: {STATUS_LABELS.get(item.status, item.status)}\nHạn: {format_date(item.day)}")
        lines += [
            "BEGIN:VEVENT", f"UID:{uid}@{host}", f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{item.day:%Y%m%d}", f"DTEND;VALUE=DATE:{item.day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape('Hạn: ' + item.title)}", f"DESCRIPTION:{_escape(description)}",
            f"URL:{task_url(item.task_id)}", "TRANSP:TRANSPARENT", "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def feed_deadlines(user: User, today: dt.date) -> list[Deadline]:
    return deadlines(user, today - dt.timedelta(days=FEED_PAST_DAYS), today + dt.timedelta(days=FEED_FUTURE_DAYS),
                     today)


# -- the month grid --------------------------------------------------------------------------------------------


def month_weeks(year: int, month: int) -> list[list[dt.date]]:
    """The weeks (Monday first) covering the month, days of the neighbouring months included."""
    return calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
