"""Fixtures of the reminders tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.notifications.helpers import BASE_URL, SmtpServer


@pytest.fixture
def smtp(app, monkeypatch) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (not started yet) and the app configured to send through it."""
    server = SmtpServer()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_SENDER", "nhacviec@ubnd.example.vn")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "MAIL_RETRY_MINUTES", 15)
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 5)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", BASE_URL)
    yield server
    server.stop()
