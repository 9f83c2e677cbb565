"""Wiring of the web side: blueprints, login, template helpers, error pages, security headers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import js_lib_htmx
import psycopg
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import IntegerConverter, RequestRedirect

from kpi_tasks import clock, input_bounds
from kpi_tasks.accounts import permissions
from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.queries import people_names
from kpi_tasks.accounts.roles import ROLE_LABELS
from kpi_tasks.accounts.sessions import SESSION_KEY, device_label, session_user
from kpi_tasks.accounts.views import account_bp
from kpi_tasks.accounts.views import bp as accounts_bp
from kpi_tasks.api import api_blueprint
from kpi_tasks.api.errors import api_error_response, is_api_request
from kpi_tasks.attachments.api import register_api as register_attachments
from kpi_tasks.attachments.views import bp as attachments_bp
from kpi_tasks.audit import services as audit_services
from kpi_tasks.audit.services import FIELD_LABELS, display_value, register_code_labels
from kpi_tasks.background.api import register_api as register_background
from kpi_tasks.background.views import bp as background_bp
from kpi_tasks.calendar.views import bp as calendar_bp
from kpi_tasks.directives import api as directive_api
from kpi_tasks.directives import services as directive_services
from kpi_tasks.directives import views as directive_views
from kpi_tasks.directives.api import register_api as register_directives
from kpi_tasks.directives.models import DIRECTIVE_KINDS
from kpi_tasks.directives.services import IssueDateFollower
from kpi_tasks.directives.views import bp as directives_bp
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.documents.views import bp as documents_bp
from kpi_tasks.dossiers import services as dossier_services
from kpi_tasks.dossiers.api import register_api as register_dossiers
from kpi_tasks.dossiers.background import register_jobs as register_dossier_jobs
from kpi_tasks.dossiers.views import bp as dossiers_bp
from kpi_tasks.errors import ConflictError, DomainError
from kpi_tasks.extensions import db, login_manager
from kpi_tasks.forms import unreadable_date_arg
from kpi_tasks.home.views import bp as home_bp
from kpi_tasks.intake.views import bp as intake_bp
from kpi_tasks.jobs.scheduler import enable_in_app_scheduler
from kpi_tasks.jobs.views import bp as jobs_bp
from kpi_tasks.kpis.api import register_api as register_kpis
from kpi_tasks.kpis.services import link_targets, linked_target_ids
from kpi_tasks.kpis.views import bp as kpis_bp
from kpi_tasks.milestones.api import register_api as register_milestones
from kpi_tasks.milestones.views import bp as milestones_bp
from kpi_tasks.notifications.api import register_api as register_notifications
from kpi_tasks.notifications.events import notify_task_event
from kpi_tasks.notifications.services import drop_apology_reminders
from kpi_tasks.notifications.views import bp as notifications_bp
from kpi_tasks.reports.api import register_api as register_reports
from kpi_tasks.reports.jobs import register_jobs as register_report_jobs
from kpi_tasks.reports.views import bp as reports_bp
from kpi_tasks.scoring.api import register_api as register_scoring
from kpi_tasks.scoring.jobs import register_jobs as register_scoring_jobs
from kpi_tasks.scoring.views import bp as scoring_bp
from kpi_tasks.tasks import api as task_api
from kpi_tasks.tasks import events as task_events
from kpi_tasks.tasks.api import TargetLinks, directive_tasks_json
from kpi_tasks.tasks.api import register_api as register_tasks
from kpi_tasks.tasks.calendar_api import register_api as register_schedule
from kpi_tasks.tasks.calendar_views import bp as schedule_bp
from kpi_tasks.tasks.queries import PERIOD_RULE, directive_task_counts
from kpi_tasks.tasks.services import follow_issue_date, refuse_issue_date
from kpi_tasks.tasks.status import STATUS_CSS, STATUS_LABELS
from kpi_tasks.tasks.thread_api import register_api as register_thread
from kpi_tasks.tasks.thread_views import bp as thread_bp
from kpi_tasks.tasks.views import bp as tasks_bp
from kpi_tasks.text import format_date, format_datetime, format_number
from kpi_tasks.units.api import register_api as register_units
from kpi_tasks.units.models import UNIT_KIND_LABELS
from kpi_tasks.units.queries import committee_unit_ids
from kpi_tasks.units.views import bp as units_bp
from kpi_tasks.users.views import bp as users_bp

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Bạn cần đăng nhập.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc dữ liệu bạn cần.",
    405: "Phương thức không được hỗ trợ.",
    413: "Tệp hoặc nội dung gửi lên quá lớn.",
    500: "Hệ thống gặp lỗi. Vui lòng thử lại sau hoặc báo quản trị hệ thống.",
    503: "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít phút.",
}

# Database errors that mean "the database cannot be reached or is busy now, try again" (503), as opposed to a
# statement the database refuses ("no such column", "ambiguous column name": a bug, 500). PostgreSQL gives a
# SQLSTATE: 08 connection exception, 53 insufficient resources (too many connections, disk full), 57P
# operator intervention (shutdown, starting up), and the lock waits; SQLite a result code; an error
# re-wrapped without either is judged by its words.
_UNAVAILABLE_WORDS = (
    "unable to open database file", "database is locked", "database table is locked", "disk i/o error",
    "database or disk is full", "cannot operate on a closed database",
    "server closed the connection", "connection refused", "could not connect", "connection timed out",
    "terminating connection", "the database system is", "no connection to the server", "connection is closed",
    "connection already closed", "connection reset", "ssl connection has been closed", "too many clients",
)
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57P")
# Lock not available, deadlock detected, and a statement cancelled by DB_STATEMENT_TIMEOUT (57014).
_UNAVAILABLE_SQLSTATES = frozenset({"55P03", "40P01", "57014"})
# SQLite's result codes (and their extended forms): locked, busy, cannot open the file, disk I/O, disk full.
_UNAVAILABLE_SQLITE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_FULL")


# Each package's API operations (its `api.register_api`), in the order of the document.
API_REGISTRATIONS = (
    register_units, register_directives, register_tasks, register_thread, register_schedule, register_milestones,
    register_attachments, register_kpis, register_scoring, register_notifications, register_reports,
    register_dossiers, register_background,
)


def database_unavailable(error: sa_exc.SQLAlchemyError) -> bool:
    """Whether `error` says the database is down, refused the connection, dropped it or is busy (503: try
    again later), rather than that a statement is wrong (a bug: 500 with the traceback logged)."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if sqlstate:
        return sqlstate.startswith(_UNAVAILABLE_SQLSTATE_CLASSES) or sqlstate in _UNAVAILABLE_SQLSTATES
    if isinstance(original, psycopg.OperationalError):  # no SQLSTATE: the server was never reached
        return True
    sqlite_code = getattr(original, "sqlite_errorname", None)  # "SQLITE_BUSY", "SQLITE_IOERR_SHORT_READ", …
    if sqlite_code:
        return sqlite_code.startswith(_UNAVAILABLE_SQLITE_CODES)
    text = str(original).lower()
    return any(words in text for words in _UNAVAILABLE_WORDS)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route, bounded so that an id beyond the database's integer range is a 404."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > input_bounds.MAX_INTEGER:
            raise NotFound()
        return number


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    input_bounds.init_app(app)  # control characters, integers, JSON depth: for pages and API alike
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "warning"

    vendor = Blueprint(
        "vendor",
        __name__,
        static_folder=str(Path(js_lib_htmx.__file__).parent / "static" / "htmx"),
        static_url_path="/vendor/htmx",
    )
    api_bp = api_blueprint(*API_REGISTRATIONS)
    for blueprint in (
        vendor, accounts_bp, users_bp, account_bp, units_bp, home_bp, directives_bp, tasks_bp, thread_bp, schedule_bp,
        milestones_bp, kpis_bp, calendar_bp, scoring_bp, attachments_bp, notifications_bp, jobs_bp, intake_bp,
        reports_bp, dossiers_bp, api_bp, documents_bp, background_bp,
    ):
        app.register_blueprint(blueprint)
    _connect_packages()
    # Off unless SCHEDULER_IN_APP=1; the usual way is its own process, `kpi-tasks scheduler`.
    enable_in_app_scheduler(app)

    app.jinja_env.filters.update(
        date=format_date, datetime=format_datetime, number=format_number, audit_value=display_value
    )
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        PERIOD_RULE=PERIOD_RULE,
        STATUS_CSS=STATUS_CSS,
        ROLE_LABELS=ROLE_LABELS,
        FIELD_LABELS=FIELD_LABELS,
        perm=permissions,
        today=clock.today,
        # The committee's name for a printed list's title block (templates/_macros.html print_title).
        document_issuer=lambda: current_identity().issuing_body,
        unreadable_date_arg=unreadable_date_arg,
        device_label=device_label,
    )
    app.after_request(_security_headers)
    app.after_request(_download_out_of_boosted_request)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(StaleDataError, _stale_data)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(sa_exc.DBAPIError, _database_error)
    app.register_error_handler(sa_exc.TimeoutError, _database_error)
    app.register_error_handler(HTTPException, _http_error)


def _connect_packages() -> None:
    """Give the lower packages what they need from the packages above them (kpi_tasks/hooks.py)."""
    # The long work each area hands to the background worker.
    register_report_jobs()
    register_dossier_jobs()
    register_scoring_jobs()
    # The audit log names the codes and the people the packages above it log.
    register_code_labels("role", ROLE_LABELS)
    register_code_labels("kind", UNIT_KIND_LABELS)
    register_code_labels("directive_kind", DIRECTIVE_KINDS)
    audit_services.people_names.provide(people_names)
    # The access policy judges a commune committee's staff by the units of its tree.
    permissions.committee_tree.provide(committee_unit_ids)
    # A directive's list and export count its tasks by state.
    directive_views.task_counts.provide(directive_task_counts)
    # A task as the API gives it names its KPI targets.
    task_api.target_links.provide(TargetLinks(of_task=linked_target_ids, link=link_targets))
    # A directive as the API gives it lists its tasks.
    directive_api.tasks_of.provide(directive_tasks_json)
    # A directive's corrected date of issue moves its tasks' working-day deadlines.
    directive_services.issue_date_followers.subscribe(
        IssueDateFollower(refuse=refuse_issue_date, follow=follow_issue_date))
    # An apology-letter obligation a dossier import drops takes its reminders with it.
    dossier_services.obligation_dependants.subscribe(drop_apology_reminders)
    # What happens to a task reaches the people it concerns, in the same transaction.
    task_events.listeners.subscribe(notify_task_event)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    # The session row decides, not the cookie alone: an ended, idle or too old session is no one.
    return session_user(session.get(SESSION_KEY), user_id)


# Files served as they are, the same for everyone: cached as usual.
_STATIC_ENDPOINTS = frozenset({"static", "vendor.static", "bootstrap.static"})


def _security_headers(response: Response) -> Response:
    # Whatever a signed-in user (a session cookie or an API token) receives stays out of every cache: a
    # shared computer's browser, a proxy. Judged from the request, not from the database (the 503 page too).
    if (session.get("_user_id") or request.headers.get("Authorization")) and \
            request.endpoint not in _STATIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.headers.get("HX-Request"):
        response.vary.add("HX-Request")
    return response


def _download_out_of_boosted_request(response: Response) -> Response:
    """A file asked for by a boosted link (one that forgot hx-boost="false") would be swapped into the page as
    text: tell htmx to load the address itself instead, which the browser then saves as a download."""
    if request.headers.get("HX-Boosted") and response.status_code == 200 and \
            response.headers.get("Content-Disposition", "").startswith("attachment"):
        redirect = Response(status=200)
        redirect.headers["HX-Redirect"] = request.full_path.rstrip("?")
        return redirect
    return response


def _domain_error(error: DomainError) -> Response | tuple[str, int]:
    db.session.rollback()
    if is_api_request():
        return api_error_response(error.http_status, error.code, error.message, error.fields)
    # A domain error is never the database failing (503 is also a missing PDF converter): the page reads it.
    return (render_template("error.html", status=error.http_status, message=error.message, without_database=False),
            error.http_status)


def _stale_data(_error: StaleDataError) -> Response | tuple[str, int]:
    return _domain_error(
        ConflictError("Dữ liệu vừa được người khác thay đổi. Vui lòng tải lại trang rồi thực hiện lại.")
    )


def _csrf_error(error: CSRFError) -> Response | tuple[str, int]:
    message = "Phiên làm việc của biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Vui lòng tải lại trang."
    if is_api_request():
        return api_error_response(400, "csrf", message)
    if current_user.is_authenticated:
        flash(message, "danger")
        return redirect(request.referrer or url_for("home.index"))
    return render_template("error.html", status=400, message=message), 400


def _database_error(error: sa_exc.SQLAlchemyError) -> Response | tuple[str, int]:
    if not database_unavailable(error):
        # A bug, not an outage: Flask's handling of an unhandled error logs the traceback and shows the 500
        # page, which reads the database again once the failed transaction is rolled back.
        _discard_transaction()
        raise error
    current_app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path, error)
    db.session.remove()
    # The page is drawn for no one in particular: flask-login would otherwise load the signed-in user (from the
    # database that just failed) to render it, and the 503 would become a bare 500.
    g._login_user = login_manager.anonymous_user()
    if is_api_request():
        return api_error_response(503, "unavailable", HTTP_MESSAGES[503])
    return render_template("error.html", status=503, message=HTTP_MESSAGES[503]), 503


def _discard_transaction() -> None:
    """Roll back a transaction a failed statement left aborted, so that the error page can read the user."""
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError:
        db.session.remove()


def _http_error(error: HTTPException) -> Response | tuple[str, int]:
    status = error.code or 500
    message = HTTP_MESSAGES.get(status, error.description or "")
    if is_api_request():
        return api_error_response(status, _http_code(status), message)
    if status == 405 and request.method in ("GET", "HEAD"):
        page = _page_of_form_address(request.path)
        if page is not None:
            flash("Địa chỉ vừa mở chỉ nhận dữ liệu gửi từ một biểu mẫu; đây là trang có biểu mẫu đó.", "info")
            return redirect(page, 303)
    if status >= 500:
        _discard_transaction()
    return render_template("error.html", status=status, message=message), status


def _page_of_form_address(path: str) -> str | None:
    """The page a form-only address belongs to: the nearest address above it that opens with GET
    (`/tasks/5/updates` → `/tasks/5`, `/tasks/5/occurrences/7/review` → `/tasks/5/occurrences/7`,
    `/admin/users/3/active` → `/admin/users`). Reopening a form's address after a refused submission, or a
    bookmark of it, then leads back to the form instead of a 405 page. Only addresses of this app come out."""
    adapter = current_app.create_url_adapter(request)
    if adapter is None:
        return None
    parts = path.rstrip("/").split("/")
    while len(parts) > 1:
        parts.pop()
        candidate = "/".join(parts) or "/"
        try:
            endpoint, values = adapter.match(candidate, method="GET")
        except RequestRedirect as moved:  # "/scoring/objections" → "/scoring/objections/"
            return urlsplit(moved.new_url).path
        except HTTPException:
            continue
        return url_for(endpoint, **values)
    return None


def _http_code(status: int) -> str:
    return {400: "malformed", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            413: "too_large"}.get(status, "error")
