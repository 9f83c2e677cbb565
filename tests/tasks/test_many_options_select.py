"""The corrections panel's select of units (a province's 2,000) writes each option itself: the same markup as
WTForms' Select, whatever the labels hold and whichever option is selected."""

from __future__ import annotations

import pytest
from wtforms import Form, SelectField
from wtforms.widgets import Select

from kpi_tasks.forms import options
from kpi_tasks.tasks.forms import ManyOptionsSelect

CHOICES = [(0, "— Chọn đơn vị —"), (5, 'Sở "Tư pháp" & <Nội vụ>'), (7, "Xã 'Tịnh' Khê"), (9, "")]


@pytest.mark.parametrize("selected", [0, 5, 7, 9, 42])
def test_the_options_are_written_as_wtforms_writes_them(selected):
    class Picked(Form):
        unit = SelectField("Đơn vị", coerce=int, choices=options(CHOICES), default=selected)

    field = Picked().unit
    written = ManyOptionsSelect()(field, class_="form-select")
    assert written == Select()(field, class_="form-select")
    assert written.count("selected") == (selected in dict(CHOICES))
    assert "&lt;Nội vụ&gt;" in written
