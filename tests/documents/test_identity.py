"""The document identity: what every document prints about who issues it, entered by the admin, logged."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.audit.services import history
from kpi_tasks.documents.context import header, roman
from kpi_tasks.documents.identity import ENTITY, Identity, current_identity, long_date, root_identity_row, save_identity
from kpi_tasks.documents.kinds import COMMITTEE, MONTHLY_REPORT, OFFICE, UNIT, UNIT_REPORT
from kpi_tasks.errors import ConflictError, ValidationError
from tests.factories import IDENTITY, SIGNERS, make_identity, make_user

TODAY = dt.date(2026, 3, 16)


def test_dates_follow_decree_30():
    assert long_date(TODAY) == "ngày 16 tháng 3 năm 2026"
    assert long_date(dt.date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"
    assert long_date(None) == "ngày …… tháng …… năm ……"
    assert [roman(n) for n in (1, 2, 4, 9, 14)] == ["I", "II", "IV", "IX", "XIV"]


def test_before_it_is_entered_documents_print_blanks_not_a_district(app_ctx):
    identity = current_identity()
    assert identity == Identity()
    assert not identity.stored
    assert identity.place_and_date(TODAY) == "……, ngày 16 tháng 3 năm 2026"
    assert "huyện" not in repr(identity).lower()
    # Each signed kind has its default title until the admin enters one.
    assert identity.signer(MONTHLY_REPORT).title == "CHÁNH VĂN PHÒNG"


def test_headers_of_the_committee_the_office_a_unit_and_a_commune(app_ctx):
    identity = make_identity()
    assert header(identity, COMMITTEE, TODAY) == {
        "superior": "", "issuer_lines": ["ỦY BAN NHÂN DÂN", "TỈNH GIA LAI"], "number": "",
        "place_date": "Gia Lai, ngày 16 tháng 3 năm 2026"}
    office = header(identity, OFFICE, TODAY, symbol="BC-VP")
    assert (office["superior"], office["issuer_lines"], office["number"]) == (
        "UBND TỈNH GIA LAI", ["VĂN PHÒNG"], "Số:        /BC-VP")
    unit = header(identity, UNIT, None, symbol="PXL", unit_name="Sở Tư pháp")
    assert (unit["superior"], unit["issuer_lines"], unit["place_date"]) == (
        "UBND TỈNH GIA LAI", ["SỞ TƯ PHÁP"], "Gia Lai, ngày …… tháng …… năm ……")
    commune = header(identity, UNIT, TODAY, unit_name="UBND xã Tây Sơn", unit_is_committee=True)
    assert (commune["superior"], commune["issuer_lines"]) == ("", ["ỦY BAN NHÂN DÂN", "XÃ TÂY SƠN"])


def test_recipients_open_with_as_above_and_close_with_the_archive(app_ctx):
    identity = make_identity()
    assert identity.recipients(MONTHLY_REPORT) == [
        "- Như trên;", "- Các Phó Chủ tịch UBND tỉnh;", "- Lãnh đạo Văn phòng;", "- Lưu: VT."]
    assert identity.signer(UNIT_REPORT).title == "Giám đốc"


def test_the_admin_changes_the_identity_and_the_change_is_logged(app_ctx):
    admin = make_user("admin")
    save_identity(admin, IDENTITY, SIGNERS)
    row = root_identity_row()
    changes = save_identity(admin, {**IDENTITY, "place_name": "Pleiku"},
                            {**SIGNERS, "monthly_report": {**SIGNERS["monthly_report"], "name": "Trần Thị Hà"}},
                            version=row.version)
    assert changes == {"place_name": ("Gia Lai", "Pleiku"), "monthly_report.name": ("Nguyễn Văn An", "Trần Thị Hà")}
    assert current_identity().place_and_date(TODAY).startswith("Pleiku, ")
    events = history(ENTITY, row.id)
    assert [event.action for event in events] == ["create", "update"]
    assert [(line.label, line.old, line.new) for line in events[-1].lines] == [
        ("Địa danh", "Gia Lai", "Pleiku"), ("Báo cáo tháng: họ tên người ký", "Nguyễn Văn An", "Trần Thị Hà")]
    # Saving what is already there changes and logs nothing.
    assert save_identity(admin, {**IDENTITY, "place_name": "Pleiku"}, {
        **SIGNERS, "monthly_report": {**SIGNERS["monthly_report"], "name": "Trần Thị Hà"}}) == {}
    assert len(history(ENTITY, row.id)) == 2


def test_a_stale_form_or_missing_fields_are_refused_with_nothing_written(app_ctx):
    admin = make_user("admin")
    save_identity(admin, IDENTITY, SIGNERS)
    stale = root_identity_row().version
    save_identity(admin, {**IDENTITY, "place_name": "Pleiku"}, SIGNERS)
    with pytest.raises(ConflictError):
        save_identity(admin, {**IDENTITY, "place_name": "An Khê"}, SIGNERS, version=stale)
    with pytest.raises(ValidationError) as caught:
        save_identity(admin, {**IDENTITY, "place_name": " ", "office_symbol": "V P"},
                      {**SIGNERS, "unit_report": {"title": ""}})
    assert set(caught.value.fields) == {"place_name", "office_symbol", "unit_report.title"}
    assert caught.value.fields["place_name"] == "Chưa nhập địa danh."
    assert current_identity().place_name == "Pleiku"
