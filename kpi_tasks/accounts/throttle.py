"""Login throttling that slows guessing without letting anyone lock a user out.

Each login attempt is counted against two keys: the address it comes from, and either the account it names
or, when the browser carries this account's device cookie (it signed in from there before: a known place),
that device. A key allows a few attempts freely (FREE_ATTEMPTS); past them every further attempt waits a
delay that doubles with each failure (DELAY_BASE, at most DELAY_CAP), rather than a hard lock. So:

- guesses from one address slow that address only, never the right password typed elsewhere (behind a
  reverse proxy the address is the client's, through KPI_TASKS_TRUSTED_PROXIES);
- guesses against an account from anywhere slow the account for unknown browsers, while its owner, from a
  browser they signed in with before, is not slowed by them;
- counting is atomic: an attempt is reserved by one INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING
  before the password is checked, so twelve parallel guesses against five free attempts get five checks.

Rows are kept per key (`login_throttle`); a key quiet for RESET_AFTER starts again from zero.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kpi_tasks.accounts.models import LoginThrottle
from kpi_tasks.extensions import db

ADDRESS = "address"
ACCOUNT = "account"
DEVICE = "device"
FREE_ATTEMPTS = {ADDRESS: 10, ACCOUNT: 5, DEVICE: 5}
DELAY_BASE = dt.timedelta(seconds=30)
DELAY_CAP = dt.timedelta(minutes=15)
RESET_AFTER = dt.timedelta(hours=1)
KEY_MAX = 128


def _now() -> dt.datetime:
    # Real time, not the product clock (KPI_TASKS_TODAY may differ between processes; seconds may not).
    return dt.datetime.now(dt.UTC)


def delay_after(attempts: int, scope: str) -> dt.timedelta:
    """How long a key waits after its `attempts`-th attempt failed (nothing while within the free ones)."""
    beyond = attempts - FREE_ATTEMPTS[scope]
    if beyond < 0:
        return dt.timedelta(0)
    return min(DELAY_BASE * (2 ** min(beyond, 16)), DELAY_CAP)


@dataclass(frozen=True)
class Reservation:
    """Attempts reserved for one login: (scope, key, the attempt's number) for each key."""

    held: tuple[tuple[str, str, int], ...]


class Throttled(Exception):
    def __init__(self, wait: dt.timedelta) -> None:
        super().__init__(wait)
        self.wait = wait


def reserve(keys: list[tuple[str, str]]) -> Reservation:
    """Count one attempt against each key, or raise Throttled (with the longest wait) and count nothing.

    The caller commits at once, so that parallel attempts see the count before the password is checked."""
    held: list[tuple[str, str, int]] = []
    for scope, key in keys:
        number = _reserve_one(scope, key[:KEY_MAX])
        if number is None:
            for taken in held:
                _release(*taken)
            raise Throttled(_wait(scope, key[:KEY_MAX]))
        held.append((scope, key[:KEY_MAX], number))
    return Reservation(tuple(held))


def failed(reservation: Reservation) -> None:
    """The password was wrong: each key past its free attempts waits its delay before the next one."""
    now = _now()
    for scope, key, number in reservation.held:
        delay = delay_after(number, scope)
        if delay:
            db.session.execute(sa.update(LoginThrottle).where(*_row(scope, key)).values(open_at=now + delay))


def succeeded(reservation: Reservation) -> None:
    """The password was right: the account's or device's count starts again; the address keeps its failures
    (one good account must not wash an address's guesses away), less this attempt."""
    for scope, key, number in reservation.held:
        if scope == ADDRESS:
            _release(scope, key, number)
        else:
            db.session.execute(sa.delete(LoginThrottle).where(*_row(scope, key)))


def _reserve_one(scope: str, key: str) -> int | None:
    now = _now()
    quiet_since = now - RESET_AFTER
    table = LoginThrottle.__table__
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(scope=scope, key=key, attempts=1, last_attempt_at=now, open_at=None)
        .on_conflict_do_update(
            index_elements=[table.c.scope, table.c.key],
            set_={
                "attempts": sa.case((table.c.last_attempt_at <= quiet_since, 1), else_=table.c.attempts + 1),
                "last_attempt_at": now,
                # Closed until this attempt's outcome sets it: parallel attempts past the free ones wait.
                "open_at": None,
            },
            # Allowed while within the free attempts, once the delay has passed, or after a quiet hour (which
            # also frees a key whose in-flight attempt died before setting its delay).
            where=sa.or_(table.c.attempts < FREE_ATTEMPTS[scope], table.c.open_at <= now,
                         table.c.last_attempt_at <= quiet_since),
        )
        .returning(table.c.attempts)
    )
    return db.session.scalar(statement)


def _release(scope: str, key: str, number: int) -> None:
    """Give back a reserved attempt; the key is open again, as it was when the attempt was let through."""
    db.session.execute(
        sa.update(LoginThrottle).where(*_row(scope, key))
        .values(attempts=sa.case((LoginThrottle.attempts > 0, LoginThrottle.attempts - 1), else_=0),
                open_at=_now())
    )


def _wait(scope: str, key: str) -> dt.timedelta:
    open_at = db.session.scalar(sa.select(LoginThrottle.open_at).where(*_row(scope, key)))
    if open_at is None:  # the attempt before is being checked now
        return dt.timedelta(seconds=5)
    open_at = open_at if open_at.tzinfo else open_at.replace(tzinfo=dt.UTC)
    return max(open_at - _now(), dt.timedelta(seconds=1))


def _row(scope: str, key: str) -> tuple[sa.ColumnElement[bool], ...]:
    return LoginThrottle.scope == scope, LoginThrottle.key == key
