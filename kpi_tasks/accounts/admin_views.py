"""Pages for the admin: users and units. And every user's own password page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_manage_units
from kpi_tasks.accounts.roles import ROLE_LABELS
from kpi_tasks.accounts.services import change_own_password, create_user, list_users, set_active, set_password
from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import Form, options, show_errors
from kpi_tasks.units.models import UNIT_KIND_LABELS
from kpi_tasks.units.services import create_unit, list_units

bp = Blueprint("admin", __name__, url_prefix="/admin")
account_bp = Blueprint("account", __name__, url_prefix="/account")


class UserForm(Form):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Chưa nhập tên đăng nhập."), Length(max=80)])
    full_name = StringField("Họ và tên", validators=[Optional(), Length(max=200)])
    email = EmailField("E-mail", validators=[Optional(), Length(max=255)])
    role = SelectField("Vai trò", choices=options(ROLE_LABELS.items()))
    unit_code = SelectField("Đơn vị", validate_choice=False)
    password = PasswordField("Mật khẩu ban đầu", validators=[DataRequired("Chưa nhập mật khẩu.")])


class UnitForm(Form):
    code = StringField("Mã đơn vị", validators=[DataRequired("Chưa nhập mã đơn vị."), Length(max=40)])
    name = StringField("Tên đơn vị", validators=[DataRequired("Chưa nhập tên đơn vị."), Length(max=255)])
    kind = SelectField("Loại", choices=options(UNIT_KIND_LABELS.items()))


class PasswordResetForm(Form):
    password = PasswordField("Mật khẩu mới", validators=[DataRequired("Chưa nhập mật khẩu mới.")])


class OwnPasswordForm(Form):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Chưa nhập mật khẩu hiện tại.")])
    password = PasswordField("Mật khẩu mới", validators=[DataRequired("Chưa nhập mật khẩu mới.")])


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
                               email=form.email.data or None)
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.username}.", "success")
            return redirect(url_for("admin.users"), 303)
    return render_template("admin/users.html", form=form, users=list_users(), reset_form=PasswordResetForm())


@bp.post("/users/<int:user_id>/active")
def toggle_active(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash("Không thể tự khoá tài khoản của chính mình.", "warning")
    else:
        set_active(user, not user.active)
        db.session.commit()
        flash(f"Đã {'mở khoá' if user.active else 'khoá'} tài khoản {user.username}.", "success")
    return redirect(url_for("admin.users"), 303)


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data or "")
        except ValidationError as error:
            db.session.rollback()
            flash(" ".join(error.fields.values()), "danger")
        else:
            db.session.commit()
            flash(f"Đã đặt lại mật khẩu cho {user.username}.", "success")
    return redirect(url_for("admin.users"), 303)


@bp.route("/units", methods=["GET", "POST"])
def units() -> str | Response:
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = create_unit(form.code.data or "", form.name.data or "", form.kind.data or "")
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(f"Đã thêm đơn vị {unit.name}.", "success")
            return redirect(url_for("admin.units"), 303)
    return render_template("admin/units.html", form=form, units=list_units(), kinds=UNIT_KIND_LABELS)


@account_bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> str | Response:
    form = OwnPasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current_password.data or "", form.password.data or "")
        except ValidationError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash("Đã đổi mật khẩu.", "success")
            return redirect(url_for("home.index"), 303)
    return render_template("account/password.html", form=form)
