"""E-mail: the SMTP connection from the configuration, and the messages (plain text and HTML, Vietnamese).

Messages are rendered from templates under templates/notifications/email/ with the application's Jinja
environment but without any request: links are built from PUBLIC_BASE_URL.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

SENDER_NAME = "Hệ thống theo dõi nhiệm vụ"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    username: str
    password: str
    starttls: bool
    sender: str
    timeout: int

    @classmethod
    def from_config(cls) -> MailSettings:
        config = current_app.config
        return cls(
            server=config.get("MAIL_SERVER") or "",
            port=int(config.get("MAIL_PORT") or 25),
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            starttls=bool(config.get("MAIL_USE_TLS")),
            sender=config.get("MAIL_SENDER") or "kpi-tasks@localhost",
            timeout=int(config.get("MAIL_TIMEOUT") or 30),
        )

    @property
    def configured(self) -> bool:
        return bool(self.server)


@contextmanager
def smtp_connection(settings: MailSettings) -> Iterator[smtplib.SMTP]:
    """An open, authenticated SMTP session; raises OSError or smtplib.SMTPException when it cannot be had."""
    connection = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
    try:
        if settings.starttls:
            connection.starttls()
        if settings.username:
            connection.login(settings.username, settings.password)
        yield connection
    finally:
        try:
            connection.quit()
        except (OSError, smtplib.SMTPException):
            connection.close()


def public_url(endpoint: str, **values: Any) -> str:
    """An absolute link for e-mails, from the route's own rule and PUBLIC_BASE_URL (no request needed)."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http")
    return adapter.build(endpoint, values, force_external=True)


def render_mail(template: str, **context: Any) -> str:
    """Render one e-mail template; only the given context and the app's filters, no request globals."""
    return current_app.jinja_env.get_template(template).render(**context)


def build_message(
    to_name: str,
    to_address: str,
    subject: str,
    text: str,
    html: str,
    attachments: list[tuple[str, bytes]] | None = None,
) -> EmailMessage:
    """A UTF-8 message with a plain-text part and its HTML alternative, and optional .xlsx attachments."""
    settings = MailSettings.from_config()
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = Address(SENDER_NAME, addr_spec=settings.sender)
    message["To"] = Address(to_name, addr_spec=to_address)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for filename, payload in attachments or []:
        message.add_attachment(payload, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=filename)
    # Headers are written on one line (up to RFC 5322's 998 characters): Python folds a long non-ASCII subject
    # between encoded words at a space and drops that space ("Số hóa hồ sơ" arrives as "Số hóahồ sơ"). The parts,
    # encoded above with the default policy, keep their own line length.
    message.policy = message.policy.clone(max_line_length=998)
    return message
