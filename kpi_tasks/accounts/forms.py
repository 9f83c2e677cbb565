from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from kpi_tasks.forms import Form


class LoginForm(Form):
    username = StringField("Tên đăng nhập", validators=[DataRequired("Chưa nhập tên đăng nhập."), Length(max=80)])
    password = PasswordField("Mật khẩu", validators=[DataRequired("Chưa nhập mật khẩu."), Length(max=200)])
