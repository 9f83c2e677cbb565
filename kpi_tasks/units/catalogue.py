"""The official 2025 catalogue of communes and wards (`vietnam-provinces`, offline), imported into the units tree.

Communes and wards become units of kind `commune` under the root committee (the province), their code the
official code ("21211"), so that a second run finds them again: nothing is created twice, and a name changed in a
later catalogue renames the unit in place (same id, same tasks and history, the rename in its change log).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import sqlalchemy as sa
from vietnam_provinces import Province, VietNamDivisionType, Ward

from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.text import fold
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import create_unit, update_unit

# The standard departments of a commune's People's Committee since 1 July 2025 (code suffix, name). A ward's
# economic department also covers infrastructure and urban affairs.
COMMUNE_DEPARTMENTS = (
    ("VP", "Văn phòng HĐND và UBND"),
    ("KT", "Phòng Kinh tế"),
    ("VHXH", "Phòng Văn hóa - Xã hội"),
    ("HCC", "Trung tâm Phục vụ hành chính công"),
)
WARD_ECONOMY_DEPARTMENT = "Phòng Kinh tế - Hạ tầng và Đô thị"

_PROVINCE_PREFIXES = ("thanh pho ", "tinh ")


@dataclass
class ImportSummary:
    province: str
    communes: int = 0  # communes and wards of the province in the catalogue
    created: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    departments_created: int = 0

    def lines(self) -> list[str]:
        lines = [f"{self.province}: {self.communes} xã, phường, đặc khu trong danh mục; "
                 f"thêm mới {len(self.created)}, đổi tên {len(self.renamed)}."]
        if self.departments_created:
            lines.append(f"Thêm {self.departments_created} cơ quan chuyên môn của các xã, phường.")
        lines.extend(f"Đổi tên: {line}" for line in self.renamed)
        return lines


def _bare(name: str) -> str:
    folded = fold(name).strip()
    for prefix in _PROVINCE_PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix):]
    return folded


def find_province(name: str) -> Province:
    """The province or centrally-run city named `name`, without regard to accents, case or a "Tỉnh"/"Thành phố"
    prefix ("quang ngai", "TP Hồ Chí Minh" does not match: "Thành phố Hồ Chí Minh" or "Hồ Chí Minh" do)."""
    provinces = list(Province.iter_all())
    wanted = _bare(name)
    for province in provinces:
        if _bare(province.name) == wanted:
            return province
    names = {_bare(p.name): p.name for p in provinces}
    close = [names[key] for key in difflib.get_close_matches(wanted, list(names), n=5, cutoff=0.6)]
    hint = (f"Tên gần giống: {', '.join(close)}." if close
            else f"Các tỉnh, thành phố: {', '.join(sorted(p.name for p in provinces))}.")
    raise ValidationError(f"Không có tỉnh, thành phố “{name.strip()}” trong danh mục đơn vị hành chính 2025. {hint}",
                          {"province": hint})


def import_province_units(name: str, *, with_commune_departments: bool = False) -> ImportSummary:
    """Create the communes and wards of the province `name` (and, on request, each commune's standard
    departments) that are not there yet; rename those whose official name changed. The caller commits."""
    province = find_province(name)
    wards = sorted(Ward.iter_by_province(province.code), key=lambda ward: int(ward.code))
    summary = ImportSummary(province.name, communes=len(wards))
    existing = {unit.code: unit for unit in db.session.scalars(
        sa.select(Unit).where(Unit.code.in_([str(int(ward.code)) for ward in wards])))}
    for ward in wards:
        code = str(int(ward.code))
        unit = existing.get(code)
        if unit is None:
            unit = create_unit(code, ward.name, "commune", is_committee=with_commune_departments, log=True)
            summary.created.append(ward.name)
        elif unit.name != ward.name:
            summary.renamed.append(f"{unit.name} → {ward.name}")
            update_unit(unit, None, code=unit.code, name=ward.name, kind=unit.kind, parent_id=unit.parent_id,
                        active=unit.active)
        if with_commune_departments:
            summary.departments_created += _add_departments(unit, ward)
    return summary


def _add_departments(commune: Unit, ward: Ward) -> int:
    """The commune's standard departments that it lacks (by code "<commune code>-<suffix>"); returns how many."""
    wanted = {f"{commune.code}-{suffix}": _department_name(suffix, ward) for suffix, _ in COMMUNE_DEPARTMENTS}
    present = set(db.session.scalars(sa.select(Unit.code).where(Unit.code.in_(list(wanted)))))
    created = 0
    for code, department in wanted.items():
        if code not in present:
            create_unit(code, department, "department", commune.id, log=True)
            created += 1
    if created and not commune.is_committee:  # a commune with its own departments runs its own work
        update_unit(commune, None, code=commune.code, name=commune.name, kind=commune.kind,
                    parent_id=commune.parent_id, active=commune.active, is_committee=True)
    return created


def _department_name(suffix: str, ward: Ward) -> str:
    """"Phòng Văn hóa - Xã hội xã Tịnh Khê": the commune named, as its seal reads and as task lists need (every
    commune has a "Phòng Văn hóa - Xã hội")."""
    if suffix == "KT" and ward.division_type == VietNamDivisionType.PHUONG:
        department = WARD_ECONOMY_DEPARTMENT
    else:
        department = dict(COMMUNE_DEPARTMENTS)[suffix]
    return f"{department} {ward.name[:1].lower()}{ward.name[1:]}"
