from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from kpi_tasks.accounts.roles import ROLE_LABELS
from kpi_tasks.forms import Form, options


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
