from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from kpi_tasks.forms import options

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class TaskForm(FlaskForm):
    title = StringField("Tên nhiệm vụ", validators=[DataRequired("Chưa nhập tên nhiệm vụ."), Length(max=500)])
    section = StringField("Mục trong văn bản", validators=[Optional(), Length(max=40)])
    content = TextAreaField("Nội dung", validators=[Optional(), Length(max=20000)])
    lead_unit_id = SelectField("Đơn vị chủ trì", coerce=int, validate_choice=False)
    coordinating_unit_ids = SelectMultipleField("Đơn vị phối hợp", coerce=int, validate_choice=False)
    deadline_kind = RadioField(
        "Thời hạn",
        choices=options([("date", "Đến ngày"), ("working_days", "Số ngày làm việc kể từ ngày ban hành"),
                         ("none", "Không thời hạn (thường xuyên)")]),
        default="date",
    )
    deadline = DateField("Hạn xử lý", validators=[Optional()], format=DATE_FORMATS)
    deadline_working_days = IntegerField(
        "Số ngày làm việc", validators=[Optional(), NumberRange(1, 1000, "Từ 1 đến 1000 ngày.")]
    )
    version = HiddenField()

    def deadline_values(self) -> dict:
        kind = self.deadline_kind.data
        return {
            "deadline": self.deadline.data if kind == "date" else None,
            "deadline_working_days": self.deadline_working_days.data if kind == "working_days" else None,
        }


class ProgressForm(FlaskForm):
    progress_percent = IntegerField(
        "Tiến độ (%)", validators=[Optional(), NumberRange(0, 100, "Tiến độ phải từ 0 đến 100%.")]
    )
    note = TextAreaField("Nội dung cập nhật", validators=[Optional(), Length(max=20000)])
    report_completed = BooleanField("Báo cáo đã hoàn thành nhiệm vụ")
    completed_on = DateField("Ngày hoàn thành", validators=[Optional()], format=DATE_FORMATS)
    version = HiddenField()


class ReviewForm(FlaskForm):
    decision = RadioField(
        "Ý kiến", choices=options([("approve", "Xác nhận hoàn thành"), ("return", "Trả lại, yêu cầu bổ sung")]),
        validators=[DataRequired("Chưa chọn ý kiến.")],
    )
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=20000)])
    version = HiddenField()


class AssignForm(FlaskForm):
    user_ids = SelectMultipleField("Giao cho chuyên viên", coerce=int, validate_choice=False)
