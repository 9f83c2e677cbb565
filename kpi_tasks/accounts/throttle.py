"""Login throttling: after repeated failures for one username (or from one address), refuse for a while.

Failures are kept in the database so that every web worker sees the same count.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db

MAX_FAILURES = 5
WINDOW = dt.timedelta(minutes=15)


class LoginFailure(db.Model):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), index=True)
    remote_addr: Mapped[str] = mapped_column(sa.String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)


def is_locked(username: str, remote_addr: str) -> bool:
    since = utcnow() - WINDOW
    count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(
            LoginFailure.at >= since,
            sa.or_(LoginFailure.username == username.lower(), LoginFailure.remote_addr == remote_addr),
        )
    )
    # Failures from one address count against every username it tries, so guessing many names is slowed too.
    return (count or 0) >= MAX_FAILURES * 2 or _username_failures(username, since) >= MAX_FAILURES


def _username_failures(username: str, since: dt.datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.at >= since, LoginFailure.username == username.lower())
    ) or 0


def record_failure(username: str, remote_addr: str) -> None:
    db.session.add(LoginFailure(username=username.lower()[:80], remote_addr=remote_addr[:64]))
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < utcnow() - WINDOW))


def clear_failures(username: str) -> None:
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username.lower()))
