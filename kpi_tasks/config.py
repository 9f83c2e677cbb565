"""Every setting, read from the environment once per application, with its default and meaning."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the configuration mapping from the environment.

    There is no fallback secret key for production: without SECRET_KEY a random one is generated per
    process, which logs everyone out at restart and is printed as a warning by `create_app`.
    """
    default_db = "sqlite:///" + str(Path(instance_path) / "kpi_tasks.sqlite3")
    return {
        # Database: SQLite file in the instance folder unless DATABASE_URL names another.
        "SQLALCHEMY_DATABASE_URI": _normalise_db_url(os.environ.get("DATABASE_URL") or default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        # Uploaded files live here, never under static/.
        "UPLOAD_FOLDER": os.environ.get("KPI_TASKS_UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        # A request body above this size is refused with 413 before any parsing.
        "MAX_CONTENT_LENGTH": _int("KPI_TASKS_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # Longest accepted free text (task content, notes) in characters.
        "MAX_TEXT_LENGTH": _int("KPI_TASKS_MAX_TEXT_LENGTH", 20000),
        # A task is "due soon" when its effective deadline is within this many working days.
        "DUE_SOON_WORKING_DAYS": _int("KPI_TASKS_DUE_SOON_DAYS", 3),
        # Name of the issuing body printed on reports and pages.
        "ISSUER_NAME": os.environ.get("KPI_TASKS_ISSUER", "UBND huyện"),
        "MAIL_SERVER": os.environ.get("SMTP_HOST", ""),
        "MAIL_PORT": _int("SMTP_PORT", 25),
        "MAIL_USERNAME": os.environ.get("SMTP_USER", ""),
        "MAIL_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "MAIL_SENDER": os.environ.get("SMTP_FROM", "kpi-tasks@localhost"),
        # Base URL used in e-mailed links.
        "PUBLIC_BASE_URL": os.environ.get("KPI_TASKS_BASE_URL", "http://127.0.0.1:5000"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("KPI_TASKS_SECURE_COOKIES", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _normalise_db_url(url: str) -> str:
    # Heroku-style and plain postgres URLs would pick psycopg2, which is not installed.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
