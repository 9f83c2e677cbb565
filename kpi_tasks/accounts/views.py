from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from kpi_tasks.accounts.forms import LoginForm
from kpi_tasks.accounts.services import authenticate
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
            db.session.commit()
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        record_failure(username, address)
        db.session.commit()
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "danger")
        status = 401
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")
