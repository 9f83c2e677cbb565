"""How a notice leaves the machine: one channel interface, e-mail behind it today.

The delivery job (delivery.py) decides what to send and when (a digest a day or each notice at once, retries with
back-off, claims so two runs never send twice); it writes each message once as a `Letter` (a subject, plain text,
HTML, attachments) and gives it to the configured channel. A channel only carries letters:

- `configured`: whether it can send at all (else every pending notice is marked skipped with `unconfigured`);
- `address(users)`: the column of `users` holding where each receives it (empty: the notice is skipped, "no
  address");
- `connect()`: a context manager opening one session for a delivery run, whose `send(user, letter)` delivers one
  letter, raising `Refused` when this letter alone was refused (the others go on) and `Unavailable` when the
  channel broke (this letter and the rest of the run wait for the next one).

An SMS or Zalo OA channel is one more class with these members (and a user column for its address), added to
`CHANNELS` and chosen with KPI_TASKS_NOTIFY_CHANNEL; it may send `letter.text` alone, without `html` and files.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from email.errors import HeaderParseError
from typing import ClassVar, Protocol

import sqlalchemy as sa
from flask import current_app

from kpi_tasks.accounts.models import User
from kpi_tasks.notifications.mail import MailSettings, build_message, smtp_connection


@dataclass(frozen=True)
class Letter:
    """One message to one person, whatever carries it."""

    subject: str
    text: str
    html: str
    attachments: list[tuple[str, bytes]] = field(default_factory=list)


class Refused(Exception):
    """This letter was refused; the channel is still good for the others."""


class Unavailable(Exception):
    """The channel cannot be reached or broke off: nothing more can be sent in this run."""


class Session(Protocol):
    def send(self, user: User, letter: Letter) -> None: ...


class Channel(Protocol):
    name: ClassVar[str]
    unconfigured: ClassVar[str]  # why nothing is sent while it is not configured (Vietnamese, for the admin)

    @property
    def configured(self) -> bool: ...

    def address(self) -> sa.ColumnElement[str | None]: ...

    def connect(self) -> AbstractContextManager[Session]: ...


class EmailChannel:
    """E-mail through the SMTP server of the configuration (SMTP_HOST …)."""

    name: ClassVar[str] = "email"
    unconfigured: ClassVar[str] = "chưa cấu hình máy chủ thư SMTP_HOST"

    def __init__(self) -> None:
        self.settings = MailSettings.from_config()

    @property
    def configured(self) -> bool:
        return self.settings.configured

    def address(self) -> sa.ColumnElement[str | None]:
        return User.email

    @contextmanager
    def connect(self) -> Iterator[_SmtpSession]:
        try:
            with smtp_connection(self.settings) as connection:
                yield _SmtpSession(connection)
        except (OSError, smtplib.SMTPException) as error:
            raise Unavailable(_describe(error)) from error


class _SmtpSession:
    def __init__(self, connection: smtplib.SMTP) -> None:
        self.connection = connection

    def send(self, user: User, letter: Letter) -> None:
        try:
            message = build_message(user.display_name, user.email or "", letter.subject, letter.text, letter.html,
                                    attachments=letter.attachments or None)
            self.connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError, ValueError,
                HeaderParseError) as error:
            raise Refused(_describe(error)) from error
        except (OSError, smtplib.SMTPException) as error:
            raise Unavailable(_describe(error)) from error


CHANNELS: dict[str, Callable[[], Channel]] = {EmailChannel.name: EmailChannel}


def current_channel() -> Channel:
    """The channel of the configuration (NOTIFY_CHANNEL, e-mail unless set)."""
    return CHANNELS[current_app.config.get("NOTIFY_CHANNEL") or EmailChannel.name]()


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}".strip()
