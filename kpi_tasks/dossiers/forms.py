from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from kpi_tasks.dossiers.models import SHORT_TEXT_MAX
from kpi_tasks.dossiers.services import REASON_MAX
from kpi_tasks.forms import Form, VnDateField


class UploadForm(Form):
    file = FileField("Tệp xuất từ hệ thống một cửa điện tử (.xlsx hoặc .csv)",
                     validators=[FileRequired("Chưa chọn tệp.")])


class ConfirmForm(Form):
    """Only the CSRF token: the file to import is the one uploaded before the preview."""


class LetterForm(Form):
    issued_on = VnDateField("Ngày gửi phiếu xin lỗi", validators=[Optional()])
    new_appointment_on = VnDateField("Ngày hẹn lại trả kết quả", validators=[Optional()])
    reason = TextAreaField("Lý do chậm trễ", validators=[Optional(), Length(max=REASON_MAX)])
    signer = StringField("Người ký (thủ trưởng cơ quan, đơn vị)", validators=[Optional(), Length(max=SHORT_TEXT_MAX)])
    version = HiddenField()
