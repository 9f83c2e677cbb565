from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from kpi_tasks.accounts import throttle
from kpi_tasks.accounts.forms import LoginForm, OwnPasswordForm
from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.services import authenticate, change_own_password, live_tokens
from kpi_tasks.accounts.services import revoke_token as revoke_own_token
from kpi_tasks.accounts.sessions import SESSION_KEY, end_session, end_sessions, is_current, live_sessions, start_session
from kpi_tasks.extensions import db
from kpi_tasks.forms import save, save_action

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> tuple[str, int] | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        username = (form.username.data or "").strip()
        device = _known_device(username)
        keys = [(throttle.ADDRESS, request.remote_addr or ""),
                (throttle.DEVICE, device) if device else (throttle.ACCOUNT, username.lower())]
        # The throttle's own transactions (not save's): each attempt is committed whatever the password, and a
        # refusal is a 429, not a form to correct.
        try:
            reservation = throttle.reserve(keys)
        except throttle.Throttled as refused:
            db.session.rollback()
            seconds = max(1, round(refused.wait.total_seconds()))
            flash(f"Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {_duration(seconds)} "
                  "hoặc liên hệ quản trị hệ thống.", "danger")
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(seconds)
            return response
        db.session.commit()  # the attempt is counted before the (slow) password check, for parallel ones to see
        user = authenticate(username, form.password.data or "")
        if user is not None:
            throttle.succeeded(reservation)
            _sign_in(user)
            db.session.commit()
            response = redirect(_safe_next(request.args.get("next")))
            _remember_device(response, user)
            return response
        throttle.failed(reservation)
        db.session.commit()
        flash("Tên đăng nhập hoặc mật khẩu không đúng.", "danger")
        status = 401
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Ends this session and every other one of the account (on every device), on the server."""
    save_action(lambda: end_sessions(current_user))
    logout_user()
    # The CSRF secret stays: a login page the browser is loading at this moment still posts a valid form.
    session.pop(SESSION_KEY, None)
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("accounts.login"))


def _sign_in(user: User) -> None:
    """A new session (a new random key, a new cookie): whatever the browser carried before is dropped, and a
    session this browser held under another key ends."""
    end_session(session.get(SESSION_KEY))
    session.clear()
    # The CSRF secret went with the old session; a form token Flask-WTF cached for this request came from it.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
    session[SESSION_KEY] = start_session(user, request.remote_addr or "", request.user_agent.string)
    login_user(user)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


# A browser that signed in to an account before carries a signed device cookie for it (OWASP's "device
# cookies"): guesses against the account from elsewhere do not slow its owner there.
DEVICE_COOKIE = "kpi_device"
DEVICE_DAYS = 180


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="login-device")


def _known_device(username: str) -> str | None:
    """The device's nonce when the browser's device cookie was issued for `username`, else None."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        owner, nonce = _device_serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, ValueError, TypeError):
        return None
    return nonce if owner == username.lower() else None


def _remember_device(response: Response, user: User) -> None:
    value = _device_serializer().dumps([user.username.lower(), secrets.token_urlsafe(16)])
    response.set_cookie(DEVICE_COOKIE, value, max_age=DEVICE_DAYS * 86400, httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} giây"
    return f"{(seconds + 59) // 60} phút"


# -- one's own account: password, sessions, API tokens -----------------------------------------------------

account_bp = Blueprint("account", __name__, url_prefix="/account")


@account_bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    form = OwnPasswordForm()
    if form.validate_on_submit() and save(
        form, lambda: change_own_password(current_user, form.current_password.data or "", form.password.data or "",
                                          confirmation=form.password_confirm.data or "",
                                          keep_session=session.get(SESSION_KEY)),
        "Đã đổi mật khẩu. Các phiên đăng nhập khác và mọi mã truy cập API của bạn đã hết hiệu lực.",
    ):
        return redirect(url_for("account.index"), 303)
    return render_template("accounts/password.html", form=form)


@account_bp.get("/")
@login_required
def index() -> str:
    """One's own account: who one is, where one is signed in, and one's API tokens with their last use."""
    return render_template("accounts/index.html", sessions=live_sessions(current_user),
                           tokens=live_tokens(current_user), current_key=session.get(SESSION_KEY),
                           is_current=is_current)


@account_bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int) -> Response:
    # CSRF is checked for every form (CSRFProtect)
    save_action(lambda: revoke_own_token(current_user, token_id),
                "Đã thu hồi mã truy cập API; hệ thống dùng mã này sẽ không truy cập được nữa.")
    return redirect(url_for("account.index"), 303)


@account_bp.post("/sessions/end-others")
@login_required
def end_other_sessions() -> Response:
    save_action(lambda: end_sessions(current_user, keep_key=session.get(SESSION_KEY)),
                lambda ended: f"Đã đăng xuất {ended} phiên trên các thiết bị khác." if ended
                else "Không có phiên nào khác.")
    return redirect(url_for("account.index"), 303)
