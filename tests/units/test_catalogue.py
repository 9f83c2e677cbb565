"""`kpi-tasks import-units`: a real province's communes and wards from the 2025 catalogue, through the CLI runner."""

from __future__ import annotations

import sqlalchemy as sa

from kpi_tasks.audit.services import history
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit
from kpi_tasks.units.services import get_unit_by_code, update_unit

QUANG_NGAI_COMMUNES = 96  # 86 xã, 9 phường, 1 đặc khu (Lý Sơn) in vietnam-provinces 2025.10.1


def _count(kind: str | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(Unit)
    if kind:
        query = query.where(Unit.kind == kind)
    return db.session.scalar(query)


def test_quang_ngai_is_imported_once_with_official_codes_and_a_rename_keeps_the_unit(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import-units", "--province", "quang ngai"])  # accents and case do not matter
    assert first.exit_code == 0, first.output
    assert f"thêm mới {QUANG_NGAI_COMMUNES}," in first.output
    with app.app_context():
        assert _count("commune") == _count() == QUANG_NGAI_COMMUNES
        ly_son = get_unit_by_code("21548")
        assert (ly_son.name, ly_son.kind, ly_son.parent_id, ly_son.is_committee) == (
            "Đặc khu Lý Sơn", "commune", None, False)
        assert get_unit_by_code("21211").name == "Xã Tịnh Khê"
        # An admin renamed a commune by hand: the next import restores the official name on the same unit.
        update_unit(ly_son, None, code="21548", name="Huyện đảo Lý Sơn", kind="commune", parent_id=None,
                    active=True)
        db.session.commit()
        ly_son_id = ly_son.id

    again = runner.invoke(args=["import-units", "--province", "Quảng Ngãi"])
    assert again.exit_code == 0, again.output
    assert "thêm mới 0, đổi tên 1." in again.output
    assert "Huyện đảo Lý Sơn → Đặc khu Lý Sơn" in again.output
    with app.app_context():
        assert _count() == QUANG_NGAI_COMMUNES
        ly_son = get_unit_by_code("21548")
        assert (ly_son.id, ly_son.name) == (ly_son_id, "Đặc khu Lý Sơn")
        assert sorted(event.action for event in history("unit", ly_son.id)) == ["create", "update", "update"]


def test_commune_departments_are_added_under_each_commune_once_and_wards_get_their_own_economy_office(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["import-units", "--province", "Quảng Ngãi", "--with-commune-departments"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _count("department") == 4 * QUANG_NGAI_COMMUNES
        ward, commune = get_unit_by_code("21025"), get_unit_by_code("21211")  # Phường Cẩm Thành, Xã Tịnh Khê
        assert ward.is_committee
        assert commune.is_committee
        under_ward = set(db.session.scalars(sa.select(Unit.name).where(Unit.parent_id == ward.id)))
        assert under_ward == {"Văn phòng HĐND và UBND phường Cẩm Thành",
                              "Phòng Kinh tế - Hạ tầng và Đô thị phường Cẩm Thành",
                              "Phòng Văn hóa - Xã hội phường Cẩm Thành",
                              "Trung tâm Phục vụ hành chính công phường Cẩm Thành"}
        assert get_unit_by_code("21211-KT").name == "Phòng Kinh tế xã Tịnh Khê"
    again = runner.invoke(args=["import-units", "--province", "Quảng Ngãi", "--with-commune-departments"])
    assert again.exit_code == 0, again.output
    assert "thêm mới 0, đổi tên 0." in again.output
    with app.app_context():
        assert _count() == 5 * QUANG_NGAI_COMMUNES


def test_an_unknown_province_is_refused_with_close_names_and_nothing_is_written(app):
    result = app.test_cli_runner().invoke(args=["import-units", "--province", "Quang Ngai tinh"])
    assert result.exit_code != 0
    assert "Không có tỉnh, thành phố “Quang Ngai tinh”" in result.output
    assert "Quảng Ngãi" in result.output.split("Tên gần giống:")[1]
    with app.app_context():
        assert _count() == 0
