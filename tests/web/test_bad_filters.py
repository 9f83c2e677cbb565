"""A filter value that cannot be read is said so, and the list shows its default instead."""

from __future__ import annotations

import re

import pytest

from tests.factories import commit, login, make_user


@pytest.fixture
def office(app):
    with app.app_context():
        username = make_user("office", username="vanphong").username
        commit()
    return username


def _month_options(page: str) -> str:
    return page.split('<select class="form-select" id="month" name="month">')[1].split("</select>")[0]


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1", "03/2026"])
def test_a_bad_month_on_the_dossier_list_is_said_and_every_month_shown(client, office, month):
    login(client, office)
    page = client.get("/dossiers/", query_string={"month": month}).get_data(as_text=True)
    assert f"Tháng “{month}” không hợp lệ (chọn tháng trong danh sách, dạng yyyy-mm)" in page
    assert "đang hiển thị tất cả các tháng" in page
    options = _month_options(page)
    assert "selected" not in options  # "Tất cả", the first option, is what the list shows
    assert f"value=\"{month}\"" not in options


def test_a_good_month_on_the_dossier_list_is_kept_without_a_message(client, office):
    login(client, office)
    page = client.get("/dossiers/?month=2026-02").get_data(as_text=True)
    assert "không hợp lệ" not in page
    assert re.search(r'<option value="2026-02" selected>Tháng 2/2026</option>', _month_options(page))
