from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from kpi_tasks.forms import Form, options
from kpi_tasks.units.models import UNIT_KIND_LABELS, Unit

NO_UNIT = 0  # the "no unit" / "no parent unit" choice of a select of unit ids


class UnitForm(Form):
    code = StringField("Mã đơn vị", validators=[DataRequired("Chưa nhập mã đơn vị."), Length(max=40)])
    name = StringField("Tên đơn vị", validators=[DataRequired("Chưa nhập tên đơn vị."), Length(max=255)])
    kind = SelectField("Loại", choices=options(UNIT_KIND_LABELS.items()))


class UnitEditForm(UnitForm):
    parent_id = SelectField("Đơn vị cấp trên", coerce=int)
    active = BooleanField("Đang hoạt động (bỏ chọn: đơn vị không còn được giao nhiệm vụ mới)")


def unit_choices(blank: str, units: list[Unit], keep: Unit | None) -> list:
    """A select of unit ids: `blank` (0), then `units`; `keep`, the value in force, stays offered even when it
    is no longer active (saving the form unchanged must not fail)."""
    pairs = [(NO_UNIT, blank), *[(u.id, u.name) for u in units]]
    if keep is not None and all(u.id != keep.id for u in units):
        pairs.append((keep.id, f"{keep.name} (ngừng hoạt động)" if not keep.active else keep.name))
    return options(pairs)
