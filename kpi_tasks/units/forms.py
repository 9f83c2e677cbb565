from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from kpi_tasks.forms import Form, options
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import TreeRow

NO_UNIT = 0  # the "no unit" / "no parent unit" choice of a select of unit ids

# The kind as the admin chooses it: each name at both levels where it differs.
KIND_CHOICES = (
    ("department", "Cơ quan chuyên môn (sở, ban, ngành; phòng chuyên môn của xã)"),
    ("commune", "Xã, phường, đặc khu"),
    ("village", "Thôn, ấp, tổ dân phố"),
    ("other", "Đơn vị khác"),
)


class UnitForm(Form):
    code = StringField("Mã đơn vị", validators=[DataRequired("Chưa nhập mã đơn vị."), Length(max=40)])
    name = StringField("Tên đơn vị", validators=[DataRequired("Chưa nhập tên đơn vị."), Length(max=255)])
    kind = SelectField("Loại", choices=options(KIND_CHOICES))
    parent_id = SelectField("Đơn vị cấp trên", coerce=int, default=NO_UNIT)
    is_committee = BooleanField("Là Ủy ban nhân dân có người dùng riêng (xã, phường tự giao và theo dõi "
                                "nhiệm vụ cho các đơn vị trực thuộc)")


class UnitEditForm(UnitForm):
    active = BooleanField("Đang hoạt động (bỏ chọn: đơn vị không còn được giao nhiệm vụ mới)")


def parent_choices(rows: list[TreeRow], unit: Unit | None) -> list:
    """The active units that may hold `unit` (a village holds nothing), indented as in the tree (`rows`, every
    unit); `unit` itself and the units under it are left out (a unit is never below itself). The parent in force
    stays offered, even inactive (saving the form unchanged must not fail)."""
    pairs: list[tuple[int, str]] = [(NO_UNIT, "— Không có (trực thuộc UBND cấp mình) —")]
    below: set[int] = set()
    for row in rows:
        if unit is not None and (row.unit.id == unit.id or row.unit.parent_id in below):
            below.add(row.unit.id)
            continue
        in_force = unit is not None and row.unit.id == unit.parent_id
        if (row.unit.active and row.unit.kind != "village") or in_force:
            name = row.unit.name if row.unit.active else f"{row.unit.name} (ngừng hoạt động)"
            pairs.append((row.unit.id, "\u00a0\u00a0\u00a0" * row.depth + name))
    return options(pairs)


def unit_choices(blank: str, units: list[Unit], keep: Unit | None) -> list:
    """A select of unit ids: `blank` (0), then `units`; `keep`, the value in force, stays offered even when it
    is no longer active (saving the form unchanged must not fail)."""
    pairs = [(NO_UNIT, blank), *[(u.id, u.name) for u in units]]
    if keep is not None and all(u.id != keep.id for u in units):
        pairs.append((keep.id, f"{keep.name} (ngừng hoạt động)" if not keep.active else keep.name))
    return options(pairs)
