"""The directive list by level (DESIGN.md §1: the province steers its departments and communes, each commune its
own): the province's staff list the province's own directives, and a commune's or every level's on asking; a
commune's office lists the province's and its own, as before."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from kpi_tasks.units.services import create_unit
from tests.factories import commit, login, make_directive, make_user

PROVINCE, BINH_SON, VAN_TUONG = "312/UBND-VP", "15/KH-UBND", "7/TB-UBND"


@pytest.fixture
def levels(app_ctx):
    binh_son = create_unit("21040", "Xã Bình Sơn", "commune", is_committee=True)
    van_tuong = create_unit("21061", "Xã Vạn Tường", "commune", is_committee=True)
    department = create_unit("STP", "Sở Tư pháp", "department")
    make_directive(make_user("office", username="vanphong"), number=PROVINCE, issuer="UBND tỉnh Quảng Ngãi")
    make_directive(make_user("office", binh_son, username="binhson.vanphong"), number=BINH_SON,
                   issuer="UBND xã Bình Sơn")
    make_directive(make_user("office", van_tuong, username="vantuong.vanphong"), number=VAN_TUONG,
                   issuer="UBND xã Vạn Tường")
    make_user("leader", username="chutich")
    commit()
    return {"binh_son": binh_son.id, "van_tuong": van_tuong.id, "department": department.id}


def _listed(page: str) -> list[str]:
    return re.findall(r'<a href="/directives/\d+">([^<]+)</a>', page)


@pytest.mark.parametrize("username", ["vanphong", "chutich"])
def test_the_province_lists_its_own_directives_and_a_communes_on_asking(client, levels, username):
    login(client, username)
    own = client.get("/directives/").get_data(as_text=True)
    assert _listed(own) == [PROVINCE]
    assert "Bộ lọc: Văn bản của cấp mình" in own
    assert f'<option value="{levels["binh_son"]}">Xã Bình Sơn</option>' in own

    assert sorted(_listed(client.get("/directives/?commune=all").get_data(as_text=True))) == sorted(
        [PROVINCE, BINH_SON, VAN_TUONG])
    one = client.get(f"/directives/?commune={levels['binh_son']}").get_data(as_text=True)
    assert _listed(one) == [BINH_SON]
    assert "Bộ lọc: Văn bản của Xã Bình Sơn" in one
    for not_a_committee in (levels["department"], 0, "xyz", "99999999999999999999"):
        assert client.get(f"/directives/?commune={not_a_committee}").status_code == 404


def test_the_export_keeps_the_level(client, levels):
    login(client, "vanphong")
    page = client.get(f"/directives/?commune={levels['binh_son']}").get_data(as_text=True)
    link = re.search(r'href="(/directives/export\.xlsx[^"]*)"', page).group(1).replace("&amp;", "&")
    assert f"commune={levels['binh_son']}" in link
    sheet = load_workbook(io.BytesIO(client.get(link).data)).active
    numbers = [row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert numbers == [BINH_SON]


def test_a_commune_lists_the_provinces_and_its_own_with_no_choice_of_level(client, levels):
    login(client, "binhson.vanphong")
    page = client.get("/directives/").get_data(as_text=True)
    assert sorted(_listed(page)) == sorted([PROVINCE, BINH_SON])
    assert 'name="commune"' not in page
    # Asking for another commune's changes nothing: a commune reads no other commune's own work.
    assert sorted(_listed(client.get(f"/directives/?commune={levels['van_tuong']}").get_data(as_text=True))) == sorted(
        [PROVINCE, BINH_SON])
