"""Sessions that end: one `user_sessions` row per signed-in browser, checked on every request.

Flask's signed cookie carries only a random session key (and flask-login's user id); the row says who it is,
when it began, when it was last seen, from where, and whether it was ended. A session ends when its user
logs out, after SESSION_IDLE_MINUTES without a request, SESSION_LIFETIME_HOURS after it began, and when its
user's password is changed or reset, or the user is locked or given another role. A copied cookie is then
worth nothing, whatever its signature.

`last_seen_at` (and an API token's `last_used_at`) is written at most once a minute, after the response is
built and outside the request's transaction: a province has hundreds of users at once, and a write per page
view would cost more than the page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask import after_this_request, current_app, has_request_context
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from kpi_tasks.accounts.models import ApiToken, User, UserSession
from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

# The name of the random key in Flask's session cookie.
SESSION_KEY = "sid"
# Last-seen and last-used times are written at most this often.
TOUCH_SECONDS = 60


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def idle_limit() -> dt.timedelta:
    return dt.timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def lifetime_limit() -> dt.timedelta:
    return dt.timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])


def start_session(user: User, remote_addr: str, user_agent: str) -> str:
    """Record a new session for `user`; returns its key (for the cookie only: the database keeps its hash)."""
    raw_key = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(key_hash=key_hash(raw_key), user_id=user.id, created_at=now, last_seen_at=now,
                               remote_addr=(remote_addr or "")[:64], user_agent=(user_agent or "")[:255]))
    db.session.flush()
    return raw_key


def session_user(raw_key: str | None, user_id: str | int) -> User | None:
    """The user of a live session, or None: unknown key, ended, idle too long, too old, or its user locked."""
    if not raw_key:
        return None
    # The user (and their unit, which most pages' permission checks read) come with the session row: one statement.
    record = db.session.scalar(
        sa.select(UserSession).where(UserSession.key_hash == key_hash(raw_key))
        .options(joinedload(UserSession.user).joinedload(User.unit))
    )
    if record is None or record.revoked_at is not None or str(record.user_id) != str(user_id):
        return None
    now = utcnow()
    if now - _aware(record.last_seen_at) > idle_limit() or now - _aware(record.created_at) > lifetime_limit():
        return None
    user = record.user
    if not user.active:
        return None
    if now - _aware(record.last_seen_at) > dt.timedelta(seconds=TOUCH_SECONDS):
        _touch_later(UserSession.__table__.c.last_seen_at, record.id, now)
    return user


def end_session(raw_key: str | None) -> None:
    if raw_key:
        db.session.execute(sa.update(UserSession).where(UserSession.key_hash == key_hash(raw_key),
                                                        UserSession.revoked_at.is_(None)).values(revoked_at=utcnow()))


def end_sessions(user: User, keep_key: str | None = None) -> int:
    """End every live session of `user` but the one whose key is `keep_key`; returns how many ended."""
    statement = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep_key:
        statement = statement.where(UserSession.key_hash != key_hash(keep_key))
    return db.session.execute(statement.values(revoked_at=utcnow())).rowcount or 0


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions that would still be accepted now, most recently seen first."""
    now = utcnow()
    return list(db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
               UserSession.last_seen_at >= now - idle_limit(), UserSession.created_at >= now - lifetime_limit())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ))


def is_current(record: UserSession, raw_key: str | None) -> bool:
    return bool(raw_key) and record.key_hash == key_hash(raw_key or "")


def touch_token(token: ApiToken, now: dt.datetime) -> None:
    """Note the token's use, at most once a minute."""
    if token.last_used_at is None or now - _aware(token.last_used_at) > dt.timedelta(seconds=TOUCH_SECONDS):
        _touch_later(ApiToken.__table__.c.last_used_at, token.id, now)


def _touch_later(column: sa.Column, row_id: int, now: dt.datetime) -> None:
    """Write `column = now` for one row once the response is ready, on a connection of its own: the request's
    transaction may hold locks or be rolled back, and the note must not depend on it. Outside a request (the
    console, a test calling services) nothing is noted."""
    if not has_request_context():
        return
    table = column.table
    statement = (sa.update(table).where(table.c.id == row_id, sa.or_(column.is_(None), column < now))
                 .values({column.name: now}))

    @after_this_request
    def _write(response: Response) -> Response:
        _run_quietly(lambda: _execute(statement))
        return response


def _execute(statement: sa.Update) -> None:
    with db.engine.begin() as connection:
        connection.execute(statement)


def _run_quietly(write: Callable[[], None]) -> None:
    # A busy or unreachable database must not turn a page that was served into an error: the note waits a minute.
    try:
        write()
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.warning("Could not note the last use of a session or token: %s", error)


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite gives back naive datetimes (stored as UTC).
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("CocCoc", "Cốc Cốc"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))


def device_label(user_agent: str) -> str:
    """"Chrome trên Windows" from a browser's User-Agent, enough for a user to recognise their devices."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    if browser and system:
        return f"{browser} trên {system}"
    return browser or system or (user_agent[:60] if user_agent else "Không rõ thiết bị")
