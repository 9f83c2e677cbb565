from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from kpi_tasks.directives.models import DIRECTIVE_KINDS
from kpi_tasks.forms import Form, VnDateField, options


class DirectiveForm(Form):
    number = StringField(
        "Số, ký hiệu", validators=[DataRequired("Chưa nhập số, ký hiệu văn bản."), Length(max=80)]
    )
    kind = SelectField("Loại văn bản", choices=options(DIRECTIVE_KINDS.items()), default="cong_van")
    issued_on = VnDateField("Ngày ban hành", validators=[DataRequired("Chưa nhập ngày ban hành (dd/mm/yyyy).")])
    issuer = StringField("Cơ quan ban hành", validators=[DataRequired("Chưa nhập cơ quan ban hành."), Length(max=255)])
    signer = StringField("Người ký", validators=[Optional(), Length(max=255)])
    subject = TextAreaField("Trích yếu", validators=[DataRequired("Chưa nhập trích yếu."), Length(max=20000)])
    parent_id = SelectField("Thực hiện văn bản cấp trên", coerce=int, choices=[], validate_choice=False)
    confidential = BooleanField("Văn bản mật (không theo dõi nhiệm vụ trên hệ thống)")
    version = HiddenField()  # the version an edit started from; empty for a new directive
