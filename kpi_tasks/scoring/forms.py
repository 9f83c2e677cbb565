from __future__ import annotations

from typing import Any

from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from kpi_tasks.forms import Form, options
from kpi_tasks.scoring.rules import COORDINATING_LATENESS_LABEL, GRADE_COUNT, NUMBER_SETTINGS


class RuleForm(Form):
    """Every setting of a rule as a text field (so "0,3" typed the Vietnamese way is accepted); the
    service checks the values and its messages land on the fields of the same names."""

    coordinating_lateness = BooleanField(COORDINATING_LATENESS_LABEL)
    note = TextAreaField("Ghi chú, căn cứ (văn bản quy định, lý do thay đổi)", validators=[Optional(),
                                                                                          Length(max=20000)])

    def settings_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {setting.key: self[setting.key].data for setting in NUMBER_SETTINGS}
        data["coordinating_lateness"] = bool(self.coordinating_lateness.data)
        data["grades"] = [
            {"min": self[f"grade_{n}_min"].data, "name": self[f"grade_{n}_name"].data}
            for n in range(1, GRADE_COUNT + 1)
        ]
        return data

    def fill(self, settings: dict[str, Any], note: str = "") -> None:
        for setting in NUMBER_SETTINGS:
            self[setting.key].data = _shown(settings.get(setting.key))
        self.coordinating_lateness.data = bool(settings.get("coordinating_lateness", False))
        for n, grade in enumerate(settings.get("grades", []), start=1):
            self[f"grade_{n}_min"].data = _shown(grade.get("min"))
            self[f"grade_{n}_name"].data = grade.get("name", "")
        self.note.data = note


def _shown(value: Any) -> str:
    """A stored number the way a Vietnamese user writes it: 0,3."""
    return "" if value is None else str(value).replace(".", ",")


for _setting in NUMBER_SETTINGS:
    setattr(RuleForm, _setting.key, StringField(_setting.label, description=_setting.unit,
                                                validators=[Length(max=20)]))
for _n in range(1, GRADE_COUNT + 1):
    setattr(RuleForm, f"grade_{_n}_name", StringField(f"Mức {_n}: tên xếp loại", validators=[Length(max=200)]))
    setattr(RuleForm, f"grade_{_n}_min", StringField(f"Mức {_n}: từ (điểm)", validators=[Length(max=20)]))


class PublishForm(Form):
    digest = HiddenField()
    period_start = HiddenField()
    period_end = HiddenField()
    reason = TextAreaField("Lý do (bắt buộc khi ban hành phiên bản thay thế)",
                           validators=[Optional(), Length(max=20000)])
    # Asked only when the period has not ended (the page words the label with the dates).
    unfinished_confirmed = BooleanField("Tôi xác nhận công bố khi kỳ đánh giá chưa kết thúc")


class ObjectionForm(Form):
    reason = TextAreaField("Lý do đề nghị xem xét", validators=[Optional(), Length(max=20000)])


class DecisionForm(Form):
    decision = RadioField(
        "Ý kiến", choices=options([("accept", "Chấp nhận"), ("reject", "Không chấp nhận")]),
        validators=[Optional()], validate_choice=False,
    )
    exclude = BooleanField("Khi chấp nhận: loại nhiệm vụ (hoặc mục) này khỏi kết quả chấm điểm của đơn vị",
                           default=True)
    note = TextAreaField("Ý kiến xem xét", validators=[Optional(), Length(max=20000)])
