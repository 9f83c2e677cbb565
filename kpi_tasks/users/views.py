"""The admin's pages of user accounts: the list with a form to add one, a user's edit page with its change log,
locking and unlocking, resetting a password."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from kpi_tasks.accounts.models import User
from kpi_tasks.accounts.permissions import can_manage_users
from kpi_tasks.accounts.queries import list_users
from kpi_tasks.accounts.sessions import SESSION_KEY
from kpi_tasks.audit.services import ACTION_LABELS, history
from kpi_tasks.clock import today
from kpi_tasks.documents.appendix import CENTER, WRAP, Column, count_rows
from kpi_tasks.documents.lists import filter_line, send_history, send_list
from kpi_tasks.errors import DomainError, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.forms import options, save, show_errors
from kpi_tasks.units.forms import unit_choices
from kpi_tasks.units.services import list_units
from kpi_tasks.users.forms import PasswordResetForm, UserEditForm, UserForm
from kpi_tasks.users.services import create_user, reset_user_password, set_user_active, update_user

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.before_request
@login_required
def _admin_only() -> None:
    if not can_manage_users(current_user):
        abort(403)


@bp.route("", methods=["GET", "POST"])
def index() -> str | Response:
    form = UserForm()
    form.unit_code.choices = options([("", "— Không thuộc đơn vị —")] + [(u.code, u.name) for u in list_units()])
    if form.validate_on_submit() and save(
        form, lambda: create_user(form.username.data or "", form.role.data or "", form.password.data or "",
                                  unit_code=form.unit_code.data or None, full_name=form.full_name.data or "",
                                  email=form.email.data or None, actor=current_user),
        lambda user: f"Đã tạo tài khoản {user.username}.",
        show=lambda error: show_errors(form, _renamed(error, unit="unit_code")),
    ):
        return redirect(url_for("users.index"), 303)
    return render_template("users/list.html", form=form, users=list_users(), reset_form=PasswordResetForm(),
                           export_filters=filter_line([]))


USER_COLUMNS = [
    Column("Tên đăng nhập", 20, WRAP),
    # The total row's label covers STT and the first column: the number of accounts is written here.
    Column("Họ và tên", 26, WRAP, count_rows(), 'format:#,##0 "tài khoản"'),
    Column("Thư điện tử", 28, WRAP),
    Column("Vai trò", 22, WRAP),
    Column("Đơn vị", 34, WRAP),
    Column("Trạng thái", 16, CENTER),
]


@bp.get("/list.xlsx")
def export() -> Response:
    """The user list as the page shows it (every account, in the page's order); the admin's, as the page."""
    day = today()

    def rows() -> Iterator[list]:
        for user in list_users():
            yield [user.username, user.full_name, user.email or "", user.role_label,
                   user.unit.name if user.unit else "", "Đang hoạt động" if user.active else "Đã khoá"]

    return send_list(rows(), day=day, file_name=f"danh-sach-nguoi-dung-{day:%Y%m%d}.xlsx",
                     title="Danh sách người dùng", filters=filter_line([]), columns=USER_COLUMNS,
                     empty="Chưa có người dùng nào.", sheet_name="Người dùng")


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int) -> str | Response:
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    form.unit_id.choices = unit_choices("— Không thuộc đơn vị —", list_units(), keep=user.unit)
    if form.validate_on_submit() and save(
        form, lambda: update_user(user, current_user, full_name=form.full_name.data or "",
                                  email=form.email.data or None, role=form.role.data or "",
                                  unit_id=form.unit_id.data or None, active=bool(form.active.data),
                                  keep_session=session.get(SESSION_KEY)),
        lambda changes: f"Đã lưu thông tin tài khoản {user.username}." if changes else "Không có thay đổi nào.",
    ):
        if not can_manage_users(current_user):  # the admin gave their own account another role
            return redirect(url_for("home.index"), 303)
        return redirect(url_for("users.index"), 303)
    return render_template("users/edit.html", form=form, user=user, events=history("user", user.id),
                           action_labels=ACTION_LABELS)


@bp.get("/<int:user_id>/history.xlsx")
def history_export(user_id: int) -> Response:
    """The account's change log (the admin's, as the edit page)."""
    user, day = db.get_or_404(User, user_id), today()
    return send_history(history("user", user.id), day=day, subject=f"Tài khoản {user.username}",
                        file_name=f"lich-su-tai-khoan-{user.username}-{day:%Y%m%d}.xlsx")


@bp.post("/<int:user_id>/active")
def toggle_active(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    save(None, lambda: set_user_active(user, current_user, not user.active),
         lambda _: f"Đã {'mở khoá' if user.active else 'khoá'} tài khoản {user.username}.",
         show=lambda error: flash(error.message, "warning"))
    return redirect(url_for("users.index"), 303)


@bp.post("/<int:user_id>/password")
def reset_password(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        save(None, lambda: reset_user_password(user, current_user, form.password.data or ""),
             f"Đã đặt lại mật khẩu cho {user.username}.",
             show=lambda error: flash(" ".join(error.fields.values()), "danger"))
    else:
        flash(" ".join(message for messages in form.errors.values() for message in messages), "danger")
    return redirect(url_for("users.index"), 303)


def _renamed(error: DomainError, **names: str) -> ValidationError:
    """The service's error with its field names as the form calls them."""
    return ValidationError(error.message, {names.get(key, key): text for key, text in error.fields.items()})
