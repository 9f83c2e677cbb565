from __future__ import annotations

from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from kpi_tasks.forms import Form, VnDateField


class MilestoneForm(Form):
    step = StringField("Bước thực hiện", validators=[DataRequired("Chưa nhập bước thực hiện."), Length(max=500)])
    due_on = VnDateField("Hạn hoàn thành", validators=[Optional()])
    done_on = VnDateField("Ngày hoàn thành", validators=[Optional()])
    note = StringField("Ghi chú", validators=[Optional(), Length(max=20000)])
    position = IntegerField("Thứ tự", validators=[Optional(), NumberRange(1, 1000, "Thứ tự từ 1 đến 1000.")])


class MilestoneEditForm(MilestoneForm):
    version = HiddenField()
