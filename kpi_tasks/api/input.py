"""Who the request acts as: the token's user (api/__init__.py authenticates it)."""

from __future__ import annotations

from flask import g

from kpi_tasks.accounts.models import User


def api_user() -> User:
    return g.api_user
