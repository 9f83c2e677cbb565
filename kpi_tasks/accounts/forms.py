from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kpi_tasks.forms import Form


class LoginForm(Form):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Chưa nhập tên đăng nhập."), Length(max=80)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Chưa nhập mật khẩu."), Length(max=200)])


class OwnPasswordForm(Form):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired("Chưa nhập mật khẩu hiện tại.")],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField("Mật khẩu mới", validators=[DataRequired("Chưa nhập mật khẩu mới.")],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField("Nhập lại mật khẩu mới",
                                     validators=[DataRequired("Chưa nhập lại mật khẩu mới.")],
                                     render_kw={"autocomplete": "new-password"})
