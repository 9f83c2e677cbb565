from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from kpi_tasks.accounts.forms import LoginForm
from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.services import authenticate
from kpi_tasks.accounts.sessions import SESSION_KEY, end_session, end_sessions, start_session
from kpi_tasks.accounts.throttle import WINDOW, clear_failures, is_locked, record_failure
from kpi_tasks.extensions import db

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = (form.username.data or "").strip()
        address = request.remote_addr or ""
        if is_locked(username, address):
            flash(
                f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {WINDOW.seconds // 60} phút "
                "hoặc liên hệ quản trị hệ thống.",
                "danger",
            )
            return render_template("accounts/login.html", form=form), 429
        user = authenticate(username, form.password.data or "")
        if user is not None:
            clear_failures(username)
            _sign_in(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        record_failure(username, address)
        db.session.commit()
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "danger")
        status = 401
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Ends this session and every other one of the account (on every device), on the server."""
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    _fresh_session()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


def _sign_in(user: User) -> None:
    """A new session (a new random key, a new cookie): whatever the browser carried before is dropped, and a
    session this browser held under another key ends."""
    end_session(session.get(SESSION_KEY))
    _fresh_session()
    session[SESSION_KEY] = start_session(user, request.remote_addr or "", request.user_agent.string)
    login_user(user)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


def _fresh_session() -> None:
    session.clear()
    # The CSRF secret went with the old session; a form token Flask-WTF cached for this request came from it.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
