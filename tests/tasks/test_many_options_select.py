"""The corrections panel's select of units (a province's 2,000) writes each option itself: the same markup as
WTForms' Select, whatever the labels hold and whichever option is selected; so does the task list's unit filter,
as its template's loop did."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from jinja2 import Environment
from wtforms import Form, SelectField
from wtforms.widgets import Select

from kpi_tasks.forms import options
from kpi_tasks.tasks.forms import ManyOptionsSelect
from kpi_tasks.tasks.views import unit_filter_options

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


# The task list's unit filter as its template wrote it before tasks.views.unit_filter_options wrote it in Python.
TEMPLATE_LOOP = ('{% for unit in units %}<option value="{{ unit.id }}" {% if filters.unit_id == unit.id %}selected'
                 '{% endif %}>{{ unit.name }}</option>{% endfor %}')


@pytest.mark.parametrize("selected", [None, 5, 7, 42])
def test_the_lists_unit_filter_is_written_as_its_template_loop_wrote_it(selected):
    units = [SimpleNamespace(id=unit_id, name=name) for unit_id, name in CHOICES]
    looped = Environment(autoescape=True).from_string(TEMPLATE_LOOP).render(
        units=units, filters=SimpleNamespace(unit_id=selected))
    written = unit_filter_options(units, selected)
    assert written == looped
    assert written.count("selected") == (selected in dict(CHOICES))
