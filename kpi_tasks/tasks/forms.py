from __future__ import annotations

from typing import Any

from flask_wtf.file import MultipleFileField
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import Select

from kpi_tasks.calendar.recurrence import WEEKDAY_NAMES, RecurrenceRule, rule_from_code, rule_to_code
from kpi_tasks.errors import ValidationError
from kpi_tasks.forms import Form, VnDateField, options
from kpi_tasks.validation import MAX_TEXT_LENGTH


class TaskForm(Form):
    title = StringField("Tên nhiệm vụ", validators=[DataRequired("Chưa nhập tên nhiệm vụ."), Length(max=500)])
    section = StringField("Mục trong văn bản", validators=[Optional(), Length(max=40)])
    content = TextAreaField("Nội dung", validators=[Optional(), Length(max=20000)])
    lead_unit_id = SelectField("Đơn vị chủ trì", coerce=int, validate_choice=False)
    # Instead of one lead unit: every unit of a kind, one task each ("UBND các xã, phường"). New tasks only.
    lead_unit_kind = SelectField("Hoặc giao cho tất cả đơn vị thuộc nhóm", validate_choice=False)
    coordinating_unit_ids = SelectMultipleField("Đơn vị phối hợp", coerce=int, validate_choice=False)
    # Lãnh đạo phụ trách: the leader who follows the task (0: none).
    leader_id = SelectField("Lãnh đạo phụ trách", coerce=int, validate_choice=False, default=0)
    deadline_kind = RadioField(
        "Thời hạn",
        choices=options([("date", "Đến ngày"), ("working_days", "Số ngày làm việc kể từ ngày ban hành"),
                         ("period", "Cuối kỳ (tháng, quý, năm)"), ("recurring", "Định kỳ"),
                         ("none", "Không thời hạn (thường xuyên)")]),
        default="date",
    )
    deadline = VnDateField("Hạn xử lý", validators=[Optional()])
    deadline_working_days = IntegerField(
        "Số ngày làm việc", validators=[Optional(), NumberRange(1, 1000, "Từ 1 đến 1000 ngày.")]
    )
    deadline_period = StringField("Kỳ (2026, 2026-Q2 hoặc 2026-06)", validators=[Optional(), Length(max=10)])
    # The recurring rule, built from a few plain fields; the service receives its code (calendar/recurrence.py).
    recurrence = SelectField(
        "Chu kỳ",
        choices=options([("weekly", "Hàng tuần, vào thứ"), ("monthly", "Hàng tháng, vào ngày"),
                         ("monthly_meeting", "Hàng tháng, trước phiên họp thường kỳ"),
                         ("quarterly", "Hàng quý, ngày của tháng cuối quý"), ("yearly", "Hàng năm, ngày/tháng")]),
        default="weekly",
    )
    recurrence_weekday = SelectField(
        "Thứ", coerce=int, choices=options((i, name[0].upper() + name[1:]) for i, name in enumerate(WEEKDAY_NAMES)),
        default=4,
    )
    recurrence_day = IntegerField("Ngày (để trống: ngày cuối)", validators=[Optional(), NumberRange(1, 31)])
    recurrence_month = IntegerField("Tháng (hàng năm)", validators=[Optional(), NumberRange(1, 12)])
    recurrence_days_before = IntegerField("Số ngày trước phiên họp", validators=[Optional(), NumberRange(1, 31)])
    recurrence_until = VnDateField("Đến ngày", validators=[Optional()])
    recurrence_count = IntegerField("Hoặc số kỳ", validators=[Optional(), NumberRange(1, 1000)])
    version = HiddenField()

    def deadline_values(self) -> dict:
        """The deadline as the services take it; raises ValidationError (field `recurrence`) for a bad rule."""
        kind = self.deadline_kind.data
        return {
            "deadline_kind": kind,
            "deadline": self.deadline.data if kind == "date" else None,
            "deadline_working_days": self.deadline_working_days.data if kind == "working_days" else None,
            "deadline_period": self.deadline_period.data if kind == "period" else None,
            "recurrence": self.recurrence_code() if kind == "recurring" else None,
        }

    def recurrence_code(self) -> str:
        choice = self.recurrence.data
        fields: dict[str, object] = {"until": self.recurrence_until.data, "count": self.recurrence_count.data}
        if choice == "weekly":
            fields.update(freq="weekly", weekday=self.recurrence_weekday.data)
        elif choice == "monthly_meeting":
            fields.update(freq="monthly", days_before_meeting=self.recurrence_days_before.data or 1)
        elif choice in ("monthly", "quarterly"):
            fields.update(freq=choice, day=self.recurrence_day.data)
        elif choice == "yearly":
            fields.update(freq="yearly", day=self.recurrence_day.data, month=self.recurrence_month.data)
        else:
            raise ValidationError("Chưa chọn chu kỳ.", {"recurrence": "Chọn chu kỳ định kỳ."})
        return rule_to_code(RecurrenceRule(**fields))  # type: ignore[arg-type]

    def show_recurrence(self, code: str | None) -> None:
        """Fill the rule's fields from a stored code, for the edit page."""
        if not code:
            return
        rule = rule_from_code(code)
        self.recurrence_until.data, self.recurrence_count.data = rule.until, rule.count
        if rule.freq == "weekly":
            self.recurrence.data, self.recurrence_weekday.data = "weekly", rule.weekday
        elif rule.days_before_meeting is not None:
            self.recurrence.data, self.recurrence_days_before.data = "monthly_meeting", rule.days_before_meeting
        else:
            self.recurrence.data = rule.freq
            self.recurrence_day.data = rule.day if rule.day and rule.day > 0 else None
            self.recurrence_month.data = rule.month


class ProgressForm(Form):
    progress_percent = IntegerField(
        "Tiến độ (%)", validators=[Optional(), NumberRange(0, 100, "Tiến độ phải từ 0 đến 100%%.")]
    )
    note = TextAreaField("Nội dung cập nhật", validators=[Optional(), Length(max=20000)])
    report_completed = BooleanField("Báo cáo đã hoàn thành nhiệm vụ")
    completed_on = VnDateField("Ngày hoàn thành", validators=[Optional()])
    attachments = MultipleFileField("Tệp đính kèm (báo cáo, bản scan có chữ ký)")
    version = HiddenField()


class ReviewForm(Form):
    decision = RadioField(
        "Ý kiến", choices=options([("approve", "Xác nhận hoàn thành"), ("return", "Trả lại, yêu cầu bổ sung")]),
        validators=[DataRequired("Chưa chọn ý kiến.")],
    )
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=20000)])
    version = HiddenField()


class AssignForm(Form):
    user_ids = SelectMultipleField("Giao cho chuyên viên", coerce=int, validate_choice=False)


class DirectionForm(Form):
    text = TextAreaField("Nội dung chỉ đạo", validators=[DataRequired("Chưa nhập nội dung ý kiến chỉ đạo."),
                                                          Length(max=MAX_TEXT_LENGTH)], id="direction-text")
    # Only for the office (and admin): whose direction it records; 0 is their own.
    given_by_id = SelectField("Ý kiến của lãnh đạo", coerce=int, default=0)


class ExtensionRequestForm(Form):
    new_deadline = VnDateField("Đề nghị gia hạn đến ngày", validators=[Optional()])
    reason = TextAreaField("Lý do", validators=[Optional(), Length(max=20000)])
    occurrence_id = HiddenField()


class ExtensionDecisionForm(Form):
    decision = RadioField(
        "Ý kiến", choices=options([("approve", "Đồng ý gia hạn"), ("reject", "Không đồng ý")]),
        validators=[DataRequired("Chưa chọn ý kiến.")],
    )
    new_deadline = VnDateField("Gia hạn đến ngày khác (để trống: theo đề nghị)", validators=[Optional()])
    note = TextAreaField("Ghi chú", validators=[Optional(), Length(max=20000)])
    back = HiddenField()


class ManyOptionsSelect(Select):
    """WTForms' Select, each plain option written in one f-string: the same markup, without the per-option
    attribute machinery that took most of a task page's time at a province's 2,000 units (corrections' units)."""

    @classmethod
    def render_option(cls, choice: Any, **kwargs: Any) -> Markup:
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""  # html_params' order: attributes sorted by name
        value, label = escape(choice.value), escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{value}">{label}</option>')  # noqa: S704 - both escaped above


class CorrectionForm(Form):
    """The office's corrections of a task (tasks/corrections.py): withdraw it, hand it to another lead unit, or
    (the administrator) delete a task that was never real."""

    action = RadioField(
        "Điều chỉnh",
        choices=options([("withdraw", "Thu hồi (không theo dõi, ra khỏi thống kê)"),
                         ("reassign", "Chuyển đơn vị chủ trì"), ("delete", "Xóa (nhiệm vụ nhập thử, nhập nhầm)")]),
        validators=[DataRequired("Chưa chọn cách điều chỉnh.")],
    )
    lead_unit_id = SelectField("Đơn vị chủ trì mới", coerce=int, validate_choice=False, default=0,
                               widget=ManyOptionsSelect())
    note = TextAreaField("Lý do", validators=[Optional(), Length(max=20000)])
    version = HiddenField()


class WithdrawDirectiveForm(Form):
    note = TextAreaField("Lý do thu hồi", validators=[Optional(), Length(max=20000)])


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
