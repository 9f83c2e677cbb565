from __future__ import annotations

from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from kpi_tasks.forms import Form, VnDateField, options


class ExtensionRequestForm(Form):
    new_deadline = VnDateField("Đề nghị gia hạn đến ngày", validators=[Optional()])
    reason = TextAreaField("Lý do", validators=[Optional(), Length(max=20000)])
    occurrence_id = HiddenField()


class ExtensionDecisionForm(Form):
    decision = RadioField(
        "Ý kiến", choices=options([("approve", "Đồng ý gia hạn"), ("reject", "Không đồng ý")]),
        validators=[DataRequired("Chưa chọn ý kiến.")],
    )
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=20000)])
    back = HiddenField()


class OccurrenceReportForm(Form):
    progress_percent = IntegerField(
        "Tiến độ (%)", validators=[Optional(), NumberRange(0, 100, "Tiến độ phải từ 0 đến 100%%.")]
    )
    note = TextAreaField("Nội dung báo cáo", validators=[Optional(), Length(max=20000)])
    report_completed = BooleanField("Báo cáo đã hoàn thành kỳ này")
    completed_on = VnDateField("Ngày hoàn thành", validators=[Optional()])
    attachments = MultipleFileField("Tệp đính kèm (báo cáo, bản scan có chữ ký)")
    version = HiddenField()


class OccurrenceReviewForm(Form):
    decision = RadioField(
        "Ý kiến", choices=options([("approve", "Xác nhận hoàn thành"), ("return", "Trả lại, yêu cầu bổ sung")]),
        validators=[DataRequired("Chưa chọn ý kiến.")],
    )
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=20000)])
    version = HiddenField()


class MilestoneForm(Form):
    step = StringField("Bước thực hiện", validators=[DataRequired("Chưa nhập bước thực hiện."), Length(max=500)])
    due_on = VnDateField("Hạn hoàn thành", validators=[Optional()])
    done_on = VnDateField("Ngày hoàn thành", validators=[Optional()])
    note = StringField("Ghi chú", validators=[Optional(), Length(max=20000)])
    position = IntegerField("Thứ tự", validators=[Optional(), NumberRange(1, 1000, "Thứ tự từ 1 đến 1000.")])


class MilestoneEditForm(MilestoneForm):
    version = HiddenField()
