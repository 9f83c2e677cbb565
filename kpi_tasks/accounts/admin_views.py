"""Pages for the admin: users. And every user's own password page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_manage_units
from kpi_tasks.accounts.roles import ROLE_LABELS
from kpi_tasks.accounts.services import (
    change_own_password,
    create_user,
    list_users,
    live_tokens,
    reset_user_password,
    set_user_active,
    update_user,
)
from kpi_tasks.accounts.services import revoke_token as revoke_own_token
from kpi_tasks.accounts.sessions import SESSION_KEY, end_sessions, is_current, live_sessions
from kpi_tasks.audit.services import ACTION_LABELS, history
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import Form, options, show_errors
from kpi_tasks.units.forms import unit_choices
from kpi_tasks.units.services import list_units

bp = Blueprint("admin", __name__, url_prefix="/admin")
account_bp = Blueprint("account", __name__, url_prefix="/account")

class UserForm(Form):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Chưa nhập tên đăng nhập."), Length(max=80)])
    full_name = StringField("Họ và tên", validators=[Optional(), Length(max=200)])
    email = EmailField("E-mail", validators=[Optional(), Length(max=255)])
    # No role is chosen until the admin chooses one: a forgotten choice must not make a new admin.
    role = SelectField("Vai trò", choices=options([("", "— Chọn vai trò —"), *ROLE_LABELS.items()]),
                       validators=[DataRequired("Chưa chọn vai trò.")], default="")
    unit_code = SelectField("Đơn vị", validate_choice=False)
    password = PasswordField("Mật khẩu ban đầu", validators=[DataRequired("Chưa nhập mật khẩu.")],
                             render_kw={"autocomplete": "new-password"})


class UserEditForm(Form):
    full_name = StringField("Họ và tên", validators=[Optional(), Length(max=200)])
    email = EmailField("E-mail", validators=[Optional(), Length(max=255)])
    role = SelectField("Vai trò", choices=options(ROLE_LABELS.items()))
    unit_id = SelectField("Đơn vị", coerce=int)
    active = BooleanField("Tài khoản đang hoạt động (bỏ chọn để khoá)")


class PasswordResetForm(Form):
    password = PasswordField("Mật khẩu mới", validators=[DataRequired("Chưa nhập mật khẩu mới.")])


class OwnPasswordForm(Form):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Chưa nhập mật khẩu hiện tại.")],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField("Mật khẩu mới", validators=[DataRequired("Chưa nhập mật khẩu mới.")],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField("Nhập lại mật khẩu mới",
                                     validators=[DataRequired("Chưa nhập lại mật khẩu mới.")],
                                     render_kw={"autocomplete": "new-password"})


@bp.before_request
@login_required
def _admin_only() -> None:
    if not can_manage_units(current_user):
        abort(403)


@bp.route("/users", methods=["GET", "POST"])
def users() -> str | Response:
    form = UserForm()
    form.unit_code.choices = options([("", "— Không thuộc đơn vị —")] + [(u.code, u.name) for u in list_units()])
    if form.validate_on_submit():
        try:
            user = create_user(form.username.data or "", form.role.data or "", form.password.data or "",
                               unit_code=form.unit_code.data or None, full_name=form.full_name.data or "",
                               email=form.email.data or None, actor=current_user)
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, _renamed(error, unit="unit_code"))
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.username}.", "success")
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/users.html", form=form, users=list_users(), reset_form=PasswordResetForm())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def edit_user(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    form.unit_id.choices = unit_choices("— Không thuộc đơn vị —", list_units(), keep=user.unit)
    if form.validate_on_submit():
        try:
            changes = update_user(user, current_user, full_name=form.full_name.data or "",
                                  email=form.email.data or None, role=form.role.data or "",
                                  unit_id=form.unit_id.data or None, active=bool(form.active.data),
                                  keep_session=session.get(SESSION_KEY))
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(f"Đã lưu thông tin tài khoản {user.username}." if changes else "Không có thay đổi nào.", "success")
            if not can_manage_units(current_user):  # the admin gave their own account another role
                return redirect(url_for("home.index"), 303)
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/user_edit.html", form=form, user=user, events=history("user", user.id),
                           action_labels=ACTION_LABELS)


@bp.post("/users/<int:user_id>/active")
def toggle_active(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    try:
        set_user_active(user, current_user, not user.active)
    except ValidationError as error:
        db.session.rollback()
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(f"Đã {'mở khoá' if user.active else 'khoá'} tài khoản {user.username}.", "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            reset_user_password(user, current_user, form.password.data or "")
        except ValidationError as error:
            db.session.rollback()
            flash(" ".join(error.fields.values()), "danger")
        else:
            db.session.commit()
            flash(f"Đã đặt lại mật khẩu cho {user.username}.", "success")
    else:
        flash(" ".join(message for messages in form.errors.values() for message in messages), "danger")
    return redirect(url_for("admin.users"), 303)


@account_bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current_password.data or "", form.password.data or "",
                                confirmation=form.password_confirm.data or "", keep_session=session.get(SESSION_KEY))
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác và mọi mã truy cập API của bạn đã hết hiệu lực.",
                  "success")
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
    revoke_own_token(current_user, token_id)  # CSRF is checked for every form (CSRFProtect)
    db.session.commit()
    flash("Đã thu hồi mã truy cập API; hệ thống dùng mã này sẽ không truy cập được nữa.", "success")
    return redirect(url_for("account.index"), 303)


@account_bp.post("/sessions/end-others")
@login_required
def end_other_sessions() -> Response:
    ended = end_sessions(current_user, keep_key=session.get(SESSION_KEY))
    db.session.commit()
    flash(f"Đã đăng xuất {ended} phiên trên các thiết bị khác." if ended else "Không có phiên nào khác.", "success")
    return redirect(url_for("account.index"), 303)


def _renamed(error: ValidationError, **names: str) -> ValidationError:
    """The service's error with its field names as the form calls them."""
    return ValidationError(error.message, {names.get(key, key): text for key, text in error.fields.items()})
