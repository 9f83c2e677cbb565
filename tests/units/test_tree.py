"""The organisation tree: kinds and their names by level, People's Committee nodes, the admin's tree page."""

from __future__ import annotations

import re

import pytest

from kpi_tasks.accounts.permissions import placement_committee_id
from kpi_tasks.extensions import db
from kpi_tasks.units.models import Unit
from kpi_tasks.units.queries import placed_unit_ids
from kpi_tasks.units.services import committee_of, create_unit, get_unit_by_code, unit_tree
from tests.factories import api_headers, commit, csrf_token, login, make_user


def _province() -> dict[str, Unit]:
    """A province's department, a commune with its own users (a committee), its department and village."""
    units = {"so": create_unit("STP", "Sở Tư pháp", "department"),
             "xa": create_unit("21211", "Xã Tịnh Khê", "commune", is_committee=True)}
    units["phong"] = create_unit("21211-VHXH", "Phòng Văn hóa - Xã hội xã Tịnh Khê", "department", units["xa"].id)
    units["thon"] = create_unit("21211-T1", "Thôn Khê Thọ", "village", units["xa"].id)
    units["ward"] = create_unit("21025", "Phường Cẩm Thành", "commune")
    return units


def test_the_tree_lists_each_unit_under_its_parent_with_the_name_of_its_kind_at_its_level(app_ctx):
    units = _province()
    rows = [(row.unit.code, row.depth, row.kind_label) for row in unit_tree([*reversed(list(units.values()))])]
    assert rows == [
        ("STP", 0, "Sở, ban, ngành"),
        ("21025", 0, "Xã, phường, đặc khu"),
        ("21211", 0, "Xã, phường, đặc khu"),
        ("21211-VHXH", 1, "Phòng chuyên môn"),
        ("21211-T1", 1, "Thôn, ấp, tổ dân phố"),
    ]
    assert committee_of(units["thon"]) is committee_of(units["phong"]) is units["xa"]
    assert committee_of(units["so"]) is None
    assert committee_of(units["ward"]) is None


def test_a_commune_instance_calls_its_own_departments_phong(app_ctx):
    office = create_unit("VP", "Văn phòng HĐND và UBND xã", "department")
    village = create_unit("T1", "Thôn 1", "village")
    [alone] = unit_tree([office])  # departments only: a province's first units
    assert alone.kind_label == "Sở, ban, ngành"
    assert [row.kind_label for row in unit_tree([office, village])] == ["Phòng chuyên môn", "Thôn, ấp, tổ dân phố"]


def test_the_api_lists_the_new_kind_the_parent_and_the_committee_flag(app, client):
    with app.app_context():
        units = _province()
        headers = api_headers(make_user("viewer"))
        village_id, commune_id = units["thon"].id, units["xa"].id
    items = {item["code"]: item for item in client.get("/api/v1/units", headers=headers).get_json()["items"]}
    assert items["21211-T1"] == {"id": village_id, "code": "21211-T1", "name": "Thôn Khê Thọ", "kind": "village",
                                 "parent_id": commune_id, "is_committee": False}
    assert items["21211"]["is_committee"] is True


@pytest.fixture
def admin(app):
    with app.app_context():
        units = _province()
        make_user("admin", username="quantri")
        commit()
        return {key: unit.id for key, unit in units.items()}


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def test_the_admin_sees_the_tree_and_places_a_new_village_under_a_commune_that_becomes_a_committee(app, client, admin):
    login(client, "quantri")
    page = client.get("/admin/units").get_data(as_text=True)
    depths = re.findall(r'data-unit="([^"]+)" data-depth="(\d)"', page)
    assert depths == [("STP", "0"), ("21025", "0"), ("21211", "0"), ("21211-VHXH", "1"), ("21211-T1", "1")]
    phong_row = re.search(r'<tr[^>]*data-unit="21211-VHXH".*?</tr>', page, re.S).group(0)
    assert "Phòng chuyên môn" in phong_row
    assert "--depth: 1" in phong_row
    assert "UBND</span>" in re.search(r'<tr[^>]*data-unit="21211".*?</tr>', page, re.S).group(0)
    parents = re.search(r'<select[^>]*name="parent_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert "Thôn Khê Thọ" not in parents  # a village holds no units
    assert "\u00a0\u00a0\u00a0Phòng Văn hóa - Xã hội xã Tịnh Khê" in parents

    response = _post(client, "/admin/units", {"code": "21025-KP1", "name": "Khu phố 1", "kind": "village",
                                              "parent_id": str(admin["ward"])})
    assert response.status_code == 303
    response = _post(client, f"/admin/units/{admin['ward']}/edit", {
        "code": "21025", "name": "Phường Cẩm Thành", "kind": "commune", "parent_id": "0", "is_committee": "y",
        "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        village, ward = get_unit_by_code("21025-KP1"), get_unit_by_code("21025")
        assert (village.kind, village.parent_id, ward.is_committee) == ("village", ward.id, True)
        assert committee_of(village) is ward
    edit_page = client.get(f"/admin/units/{admin['ward']}/edit").get_data(as_text=True)
    assert "Là Ủy ban nhân dân có người dùng riêng: Không → Có" in edit_page
    own_subtree = re.search(r'<select[^>]*name="parent_id"[^>]*>(.*?)</select>', edit_page, re.S).group(1)
    assert "Khu phố 1" not in own_subtree
    assert "Phường Cẩm Thành" not in own_subtree


def test_the_units_each_committee_gives_tasks_to_are_found_in_sql_as_the_permissions_place_them(app_ctx):
    """units.queries.placed_unit_ids (what a committee's statistics list) against
    accounts.permissions.placement_committee_id, unit by unit, on a tree with a village under a village and a
    commune without users (not a committee) holding a village."""
    units = _province()
    units["xom"] = create_unit("21211-T1-X1", "Xóm 1", "village", units["thon"].id)
    units["ward_village"] = create_unit("21025-T1", "Tổ dân phố 1", "village", units["ward"].id)
    units["to"] = create_unit("21211-T1-X1-T", "Tổ 1", "village", units["xom"].id)
    db.session.flush()
    expected: dict[int | None, set[int]] = {}
    for unit in units.values():
        expected.setdefault(placement_committee_id(unit), set()).add(unit.id)
    assert set(expected) == {None, units["xa"].id}
    for committee in (None, units["xa"].id, units["ward"].id, units["so"].id):
        found = set(db.session.scalars(placed_unit_ids(committee)))
        assert found == expected.get(committee, set()), committee
