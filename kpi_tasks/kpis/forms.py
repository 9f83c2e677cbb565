from __future__ import annotations

import datetime as dt

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from kpi_tasks.forms import Form, VnDateField, options
from kpi_tasks.kpis.models import AGGREGATION_LABELS, DIRECTION_LABELS, FORMULA_LABELS, MEASURE_LABELS
from kpi_tasks.kpis.periods import Period

MAX_FIGURE = 10**15


class KpiForm(Form):
    code = StringField("Mã chỉ tiêu", validators=[DataRequired("Chưa nhập mã chỉ tiêu."), Length(max=40)])
    name = StringField("Tên chỉ tiêu", validators=[DataRequired("Chưa nhập tên chỉ tiêu."), Length(max=500)])
    formula = RadioField("Cách tính", choices=options(FORMULA_LABELS.items()), default="ratio")
    measure = SelectField("Đơn vị đo", choices=options(MEASURE_LABELS.items()), default="percent")
    numerator_label = StringField("Tên tử số (ví dụ: số hồ sơ giải quyết đúng hạn)",
                                  validators=[Optional(), Length(max=255)])
    denominator_label = StringField("Tên mẫu số (ví dụ: tổng số hồ sơ đã giải quyết)",
                                    validators=[Optional(), Length(max=255)])
    direction = SelectField("Yêu cầu đạt", choices=options(DIRECTION_LABELS.items()), default="at_least")
    aggregation = RadioField("Số liệu trong kỳ", choices=options(AGGREGATION_LABELS.items()), default="latest")
    description = TextAreaField("Ghi chú, căn cứ", validators=[Optional(), Length(max=20000)])


class TargetForm(Form):
    scope = SelectField("Giao cho", validate_choice=False)
    # Choices from period_choices(); another code (an older year) is still accepted and checked by the service.
    period = SelectField("Kỳ", validate_choice=False, validators=[DataRequired("Chưa chọn kỳ.")])
    target_value = StringField("Mức chỉ tiêu", validators=[DataRequired("Chưa nhập mức chỉ tiêu.")])


def period_choices(today: dt.date, chosen: str | None = None) -> dict[str, list[SelectChoice]]:
    """The year before, this year and the next two, each with its quarters and months, grouped by year; the
    code already chosen is kept when it is outside them."""
    groups: dict[str, list[SelectChoice]] = {}
    for year in range(today.year - 1, today.year + 3):
        periods = [Period.parse(str(year)), *(Period.parse(f"{year}-Q{quarter}") for quarter in range(1, 5)),
                   *(Period.parse(f"{year}-{month:02d}") for month in range(1, 13))]
        groups[f"Năm {year}"] = options((period.code, period.label) for period in periods)
    listed = {choice.value for choices in groups.values() for choice in choices}
    if chosen and chosen not in listed:
        groups["Kỳ đã nhập"] = options([(chosen, chosen)])
    return groups


class MeasurementForm(Form):
    unit_id = SelectField("Đơn vị", coerce=int, validate_choice=False)
    period_end = VnDateField("Số liệu tính đến ngày", validators=[DataRequired("Chưa nhập ngày.")])
    numerator = IntegerField("Tử số", validators=[Optional(), NumberRange(0, MAX_FIGURE, "Phải từ 0 trở lên.")])
    denominator = IntegerField("Mẫu số", validators=[Optional(), NumberRange(0, MAX_FIGURE, "Phải từ 0 trở lên.")])
    value = StringField("Giá trị", validators=[Optional(), Length(max=40)])


class ImportForm(Form):
    file = FileField("Tệp Excel (.xlsx) đã điền", validators=[FileRequired("Chưa chọn tệp.")])


class LinkTargetsForm(Form):
    target_ids = SelectMultipleField("Chỉ tiêu của nhiệm vụ", coerce=int, validate_choice=False)
