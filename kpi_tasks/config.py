"""Every setting, read from the environment once per application, with its default and meaning."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _int_tuple(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """Comma-separated whole numbers ("7,3,1"), distinct, largest first."""
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return tuple(sorted({int(part) for part in raw.split(",") if part.strip()}, reverse=True))


def load_config(instance_path: str) -> dict[str, Any]:
    """Build the configuration mapping from the environment.

    There is no fallback secret key for production: without SECRET_KEY a random one is generated per
    process, which logs everyone out at restart and is printed as a warning by `create_app`.
    """
    return {**_storage_settings(instance_path), **_work_settings(), **_mail_settings(), **_schedule_settings(),
            **_import_and_job_settings(), **_web_settings()}


def _storage_settings(instance_path: str) -> dict[str, Any]:
    """The database and where files are kept."""
    default_db = "sqlite:///" + str(Path(instance_path) / "kpi_tasks.sqlite3")
    return {
        # Database: SQLite file in the instance folder unless DATABASE_URL names another.
        "SQLALCHEMY_DATABASE_URI": _normalise_db_url(os.environ.get("DATABASE_URL") or default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # A database that does not answer must not hold a request until gunicorn kills the worker: a connection
        # is given up after DB_CONNECT_TIMEOUT seconds, and (PostgreSQL) a statement after DB_STATEMENT_TIMEOUT
        # seconds; the page then says, in Vietnamese, to try again (503). 0: no statement limit, which the
        # `kpi-tasks` console commands take unless the variable is set (migrations, imports, backups run long).
        "DB_CONNECT_TIMEOUT": _int("KPI_TASKS_DB_CONNECT_TIMEOUT", 5),
        "DB_STATEMENT_TIMEOUT": _int("KPI_TASKS_DB_STATEMENT_TIMEOUT", 20),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        # Uploaded files live here, never under static/.
        "UPLOAD_FOLDER": os.environ.get("KPI_TASKS_UPLOAD_FOLDER") or str(Path(instance_path) / "uploads"),
        # Where files are kept (storage/): "folder" (UPLOAD_FOLDER, one machine) or "database" (the database every
        # app host shares: attachments, dossier files waiting for confirmation, background jobs' results).
        "FILE_STORE": os.environ.get("KPI_TASKS_FILE_STORE") or "folder",
        # A request body above this size is refused with 413 before any parsing.
        "MAX_CONTENT_LENGTH": _int("KPI_TASKS_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        # Largest accepted attached file (PDF, Word, Excel, PNG, JPEG, checked by content); above it: 413.
        "ATTACHMENT_MAX_BYTES": _int("KPI_TASKS_MAX_ATTACHMENT_MB", 10) * 1024 * 1024,
    }


def _work_settings() -> dict[str, Any]:
    """How deadlines, texts and uploads are bounded."""
    return {
        # Occurrences of recurring tasks are generated this many days ahead of today (and of the directive's
        # issue date), within the rule's own end date or count.
        "OCCURRENCE_HORIZON_DAYS": _int("KPI_TASKS_OCCURRENCE_HORIZON_DAYS", 92),
        # Longest accepted free text (task content, notes) in characters.
        "MAX_TEXT_LENGTH": _int("KPI_TASKS_MAX_TEXT_LENGTH", 20000),
        # A task is "due soon" when its effective deadline is within this many working days.
        "DUE_SOON_WORKING_DAYS": _int("KPI_TASKS_DUE_SOON_DAYS", 3),
    }


def _mail_settings() -> dict[str, Any]:
    """Reminders and e-mail."""
    return {
        # The channel notices leave by (notifications/channels.py): "email" today; an SMS or Zalo channel is one class.
        "NOTIFY_CHANNEL": os.environ.get("KPI_TASKS_NOTIFY_CHANNEL", "email"),
        "MAIL_SERVER": os.environ.get("SMTP_HOST", ""),
        "MAIL_PORT": _int("SMTP_PORT", 25),
        "MAIL_USERNAME": os.environ.get("SMTP_USER", ""),
        "MAIL_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "MAIL_USE_TLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "MAIL_SENDER": os.environ.get("SMTP_FROM", "kpi-tasks@localhost"),
        # Base URL used in e-mailed links.
        "PUBLIC_BASE_URL": os.environ.get("KPI_TASKS_BASE_URL", "http://127.0.0.1:5000"),
        # Reminders (notifications/): a due-soon reminder goes out when a task is this many working days
        # from its effective deadline; a task entering the window late gets only the nearest one.
        "REMINDER_OFFSETS": _int_tuple("KPI_TASKS_REMINDER_OFFSETS", (7, 3, 1)),
        # A task overdue by more than this many working days is also reported to its leader in charge.
        "ESCALATE_AFTER_WORKING_DAYS": _int("KPI_TASKS_ESCALATE_AFTER_DAYS", 5),
        # A failed e-mail is retried after this many minutes, doubling each time (at most a day) ...
        "MAIL_RETRY_MINUTES": _int("KPI_TASKS_MAIL_RETRY_MINUTES", 15),
        # ... and marked failed (listed for the admin on /admin/jobs) after this many attempts.
        "MAIL_MAX_ATTEMPTS": _int("KPI_TASKS_MAIL_MAX_ATTEMPTS", 5),
        # Seconds to wait for the SMTP server before counting the attempt as failed.
        "MAIL_TIMEOUT": _int("SMTP_TIMEOUT", 30),
    }


def _schedule_settings() -> dict[str, Any]:
    """When the scheduler runs its jobs and reports."""
    return {
        # Scheduled reports: weekly summary to the office on this ISO weekday (1 = Monday … 5 = Friday) ...
        "WEEKLY_REPORT_DAY": _int("KPI_TASKS_WEEKLY_REPORT_DAY", 5),
        # ... and the monthly report to leaders on the working day before the monthly meeting, held on this
        # day of the month (moved to the next working day when it is not one). Recurring tasks written
        # "N ngày trước phiên họp thường kỳ hàng tháng" fall due N calendar days before this day.
        "MEETING_DAY": _int("KPI_TASKS_MEETING_DAY", 25),
        # Scheduler (jobs/): the daily scan and the reports run at this hour (Asia/Ho_Chi_Minh) ...
        "DAILY_JOBS_HOUR": _int("KPI_TASKS_DAILY_HOUR", 6),
        # ... and e-mail is delivered (and failed sends retried) every this many minutes.
        "DELIVERY_INTERVAL_MINUTES": _int("KPI_TASKS_DELIVERY_MINUTES", 10),
        # Run the scheduler inside each web worker (1) instead of as `kpi-tasks scheduler`: off by default.
        # Either way a database lease lets one process at a time run jobs; a dead holder's lease expires
        # after SCHEDULER_LEASE_SECONDS and is renewed, and due jobs checked, every SCHEDULER_TICK_SECONDS.
        "SCHEDULER_IN_APP": os.environ.get("KPI_TASKS_SCHEDULER_IN_APP", "") == "1",
        "SCHEDULER_LEASE_SECONDS": _int("KPI_TASKS_SCHEDULER_LEASE_SECONDS", 60),
        "SCHEDULER_TICK_SECONDS": _int("KPI_TASKS_SCHEDULER_TICK_SECONDS", 15),
    }


def _import_and_job_settings() -> dict[str, Any]:
    """Dossier imports and the background worker."""
    return {
        # Dossiers (dossiers/): an apology letter for a late dossier is due on the dossier's due date (0), or
        # this many working days before it — provinces' one-stop rules differ (often 1).
        "APOLOGY_LETTER_DAYS_BEFORE_DUE": _int("KPI_TASKS_APOLOGY_DAYS_BEFORE_DUE", 0),
        # The dossier-system export upload (page and POST /api/v1/dossiers/import) alone may be this large: a
        # year of a province (300,000 rows) is about 20 MB as .xlsx and 52 MB as .csv.
        "DOSSIER_MAX_UPLOAD": _int("KPI_TASKS_DOSSIER_MAX_UPLOAD_MB", 200) * 1024 * 1024,
        # Through the API, a dossier file larger than this (about 10,000 rows as .csv) is imported in the
        # background (202 {import_id}), as the page always does: a year's file takes longer than a web worker may
        # hold a request.
        "DOSSIER_API_BACKGROUND_BYTES": _int("KPI_TASKS_DOSSIER_API_BACKGROUND_KB", 2048) * 1024,
        # Background jobs (background/, `kpi-tasks worker`): an export, report or import over more than
        # JOB_BACKGROUND_ROWS rows runs in the worker (the page shows its progress, the API answers 202 {job_id});
        # a smaller one is answered at once. The worker touches a running job every JOB_HEARTBEAT_SECONDS; one
        # silent for JOB_STALE_SECONDS died with its worker and is marked failed. Results are kept JOB_RESULT_DAYS.
        "JOB_BACKGROUND_ROWS": _int("KPI_TASKS_JOB_BACKGROUND_ROWS", 5000),
        "JOB_HEARTBEAT_SECONDS": _int("KPI_TASKS_JOB_HEARTBEAT_SECONDS", 10),
        "JOB_STALE_SECONDS": _int("KPI_TASKS_JOB_STALE_SECONDS", 45),
        "JOB_RESULT_DAYS": _int("KPI_TASKS_JOB_RESULT_DAYS", 7),
        "JOB_POLL_SECONDS": _int("KPI_TASKS_JOB_POLL_SECONDS", 2),
    }


def _web_settings() -> dict[str, Any]:
    """Sessions, cookies, tokens and the proxy in front."""
    return {
        "BOOTSTRAP_SERVE_LOCAL": True,
        # Sessions (accounts/sessions.py): a signed-in browser is signed out after this many minutes without a
        # request, and in any case this many hours after signing in. Flask's own cookie expires with the latter.
        "SESSION_IDLE_MINUTES": _int("KPI_TASKS_SESSION_IDLE_MINUTES", 30),
        "SESSION_LIFETIME_HOURS": _int("KPI_TASKS_SESSION_HOURS", 12),
        "PERMANENT_SESSION_LIFETIME": _int("KPI_TASKS_SESSION_HOURS", 12) * 3600,
        # An API token made without `--days` expires after this many days.
        "API_TOKEN_DAYS": _int("KPI_TASKS_TOKEN_DAYS", 180),
        # Behind this many reverse proxies (nginx: 1), the client's address and scheme are read from the
        # X-Forwarded-For and X-Forwarded-Proto headers they add (werkzeug's ProxyFix). Login throttling counts
        # per address, so behind a proxy without it every user would share the proxy's address. 0: no proxy.
        "TRUSTED_PROXIES": _int("KPI_TASKS_TRUSTED_PROXIES", 0),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("KPI_TASKS_SECURE_COOKIES", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with the connect and statement timeouts of the configured database added (and, on
    PostgreSQL, JIT compilation off)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    uri = config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql"):
        connect_args.setdefault("connect_timeout", config["DB_CONNECT_TIMEOUT"])
        # No JIT compilation: a province's year aggregates cost enough to the planner to get one, whose compiling
        # (about 300 ms) takes longer than the statements it compiles (the leader's KPI standings: 0.3 s more).
        settings = ["-c jit=off"]
        if config["DB_STATEMENT_TIMEOUT"]:
            settings.append(f"-c statement_timeout={config['DB_STATEMENT_TIMEOUT'] * 1000}")
        connect_args["options"] = " ".join([connect_args.get("options", ""), *settings]).strip()
    elif uri.startswith("sqlite"):
        connect_args.setdefault("timeout", config["DB_CONNECT_TIMEOUT"])  # how long to wait for a lock
    options["connect_args"] = connect_args
    return options


def _normalise_db_url(url: str) -> str:
    # Heroku-style and plain postgres URLs would pick psycopg2, which is not installed.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
