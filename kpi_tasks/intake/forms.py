"""Forms of the intake pages: the upload, and the review of the header and every draft in one form."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from kpi_tasks.directives.models import DIRECTIVE_KINDS
from kpi_tasks.forms import Form, SubForm, VnDateField, options
from kpi_tasks.intake.services import DraftValues, HeaderValues

DEADLINE_KIND_LABELS = {
    "none": "Không thời hạn (thường xuyên)",
    "date": "Đến ngày",
    "working_days": "Số ngày làm việc kể từ ngày ban hành",
    "period": "Đến hết kỳ (tháng, quý, năm)",
    "recurring": "Định kỳ",
}
# The rules a clerk picks from, in words (calendar/recurrence.py reads the codes); a draft whose rule is not
# among them keeps it as one more choice.
RECURRENCE_CHOICES = (
    *(f"weekly:{day}" for day in ("mon", "tue", "wed", "thu", "fri")),
    "monthly", *(f"monthly:day{day}" for day in (5, 10, 15, 20, 25)),
    *(f"monthly:day-{days}-before-meeting" for days in (1, 2, 3, 5)),
    "quarterly", *(f"quarterly:day{day}-last-month" for day in (15, 20, 25)),
    "yearly", "yearly:12-15",
)


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Phải là một số nguyên.") from None


class UploadForm(Form):
    file = FileField("Tệp văn bản (.docx, .pdf có lớp chữ, .txt)")
    text = TextAreaField("Hoặc dán nội dung văn bản", validators=[Optional()])


class HeaderForm(SubForm):
    number = StringField("Số, ký hiệu", validators=[Length(max=80, message="Tối đa 80 ký tự.")])
    kind = SelectField("Loại văn bản", choices=options(DIRECTIVE_KINDS.items()), validate_choice=False)
    issued_on = VnDateField("Ngày ban hành", validators=[Optional()])
    issuer = StringField("Cơ quan ban hành", validators=[Length(max=255, message="Tối đa 255 ký tự.")])
    subject = TextAreaField("Trích yếu")
    signer = StringField("Người ký", validators=[Length(max=255, message="Tối đa 255 ký tự.")])


class DraftForm(SubForm):
    key = HiddenField()
    dropped = BooleanField("Bỏ mục này")
    selected = BooleanField("Chọn để gộp")
    section = StringField("Mục", validators=[Length(max=40, message="Tối đa 40 ký tự.")])
    title = StringField("Tên nhiệm vụ", validators=[Length(max=500, message="Tối đa 500 ký tự.")])
    content = TextAreaField("Nội dung")
    leads = SelectMultipleField("Đơn vị chủ trì", validate_choice=False)
    coordinating_unit_ids = SelectMultipleField("Đơn vị phối hợp", coerce=int, validate_choice=False)
    deadline_kind = SelectField("Thời hạn", choices=options(DEADLINE_KIND_LABELS.items()), validate_choice=False)
    deadline = VnDateField("Hạn xử lý", validators=[Optional()])
    working_days = WholeNumberField(
        "Số ngày làm việc", validators=[Optional(), NumberRange(1, 1000, "Từ 1 đến 1000 ngày.")]
    )
    period = StringField("Kỳ", validators=[Optional(), Length(max=10, message="Ghi dạng 2024, 2024-Q1, 2024-03.")])
    recurrence = SelectField("Chu kỳ", validate_choice=False)

    def edits(self) -> dict[str, Any]:
        """The clerk's values, as `DraftValues.with_edits` takes them."""
        return {
            "section": (self.section.data or "").strip(),
            "title": (self.title.data or "").strip(),
            "content": (self.content.data or "").strip(),
            "leads": [choice for choice in self.leads.data or [] if choice],
            "coordinating_unit_ids": list(self.coordinating_unit_ids.data or []),
            "deadline_kind": self.deadline_kind.data or "none",
            "deadline": self.deadline.data,
            "working_days": self.working_days.data,
            "period": (self.period.data or "").strip(),
            "recurrence": (self.recurrence.data or "").strip(),
            "dropped": bool(self.dropped.data),
        }


class ReviewForm(Form):
    header = FormField(HeaderForm)
    drafts = FieldList(FormField(DraftForm))
    version = HiddenField()

    def header_values(self) -> HeaderValues:
        header = self.header.form
        return HeaderValues(
            number=(header.number.data or "").strip(),
            kind=header.kind.data or "cong_van",
            issued_on=header.issued_on.data,
            issuer=(header.issuer.data or "").strip(),
            subject=(header.subject.data or "").strip(),
            signer=(header.signer.data or "").strip(),
        )

    def draft_forms(self) -> dict[str, DraftForm]:
        return {entry.form.key.data: entry.form for entry in self.drafts}


def review_data(header: HeaderValues, drafts: list[DraftValues], version: int) -> dict[str, Any]:
    """The review form's initial data from the stored values."""
    return {
        "header": {
            "number": header.number,
            "kind": header.kind,
            "issued_on": header.issued_on,
            "issuer": header.issuer,
            "subject": header.subject,
            "signer": header.signer,
        },
        "drafts": [
            {
                "key": draft.key,
                "dropped": draft.dropped,
                "selected": False,
                "section": draft.section,
                "title": draft.title,
                "content": draft.content,
                "leads": draft.leads,
                "coordinating_unit_ids": draft.coordinating_unit_ids,
                "deadline_kind": draft.deadline_kind,
                "deadline": draft.deadline,
                "working_days": draft.working_days,
                "period": draft.period,
                "recurrence": draft.recurrence,
            }
            for draft in drafts
        ],
        "version": str(version),
    }
