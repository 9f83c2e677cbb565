"""The dossier exports (seed 001), read back with openpyxl: the late dossiers of a month grouped by kind of unit,
the register of apology letters by unit, the units late in consecutive months of a year; each holds only what
the user may see and its totals carry their values."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.dossiers.services import record_apology_letter
from kpi_tasks.extensions import db
from tests.dossiers.helpers import TODAY, D, make_dossier, make_units
from tests.factories import commit, login, make_identity, make_unit, make_user


def _district():
    make_identity()
    tp, bt = make_units()
    commune = make_unit("UBND xã Cát Tiến", kind="commune", code="CT")
    make_dossier(tp, "TP-1", D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 11), applicant="Ông Nguyễn Văn A")
    make_dossier(tp, "TP-2", D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 12), applicant="Bà Lê Thị B")
    make_dossier(tp, "TP-3", D(2026, 3, 2), D(2026, 3, 10))  # unresolved, past its day
    make_dossier(tp, "TP-4", D(2026, 3, 2), D(2026, 3, 9), D(2026, 3, 9))  # on time
    make_dossier(commune, "CT-1", D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 6), applicant="=cmd|' /C calc'!A0")
    make_dossier(bt, "BT-1", D(2026, 1, 5), D(2026, 1, 12), D(2026, 1, 13))
    letter = db.session.scalar(db.select(ApologyLetter).join(ApologyLetter.dossier).where(
        ApologyLetter.dossier.has(code="TP-2")))
    record_apology_letter(letter, make_user("unit_manager", tp), issued_on=D(2026, 3, 6),
                          new_appointment_on=D(2026, 3, 12), signer="Lê Văn Cường", today=TODAY,
                          reason="Chờ ý kiến của cơ quan thuế.")
    office = make_user("office", username="vanphong")
    manager = make_user("unit_manager", commune, username="xacattien")
    commit()
    return office, manager


def _rows(sheet, first: int) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=first)]


def test_late_dossiers_of_a_month_by_kind_of_unit_with_the_pages_button(app_ctx, client):
    _district()
    login(client, "vanphong")
    page = client.get("/dossiers/?month=2026-03").get_data(as_text=True)
    assert 'href="/dossiers/late.xlsx?month=2026-03"' in page
    response = client.get("/dossiers/late.xlsx?month=2026-03")
    assert response.status_code == 200
    assert "ho-so-tre-han-2026-03.xlsx" in response.headers["Content-Disposition"]
    data = response.data
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "DANH SÁCH HỒ SƠ THỦ TỤC HÀNH CHÍNH TRỄ HẠN THÁNG 3/2026"
    rows = _rows(sheet, 8)
    assert [row[:2] for row in rows] == [
        ["I", "Các cơ quan chuyên môn"], [1, "TP-2"], [2, "TP-3"], ["II", "Ủy ban nhân dân các xã, phường"],
        [1, "CT-1"], ["TỔNG CỘNG", None]]
    assert rows[1][3:5] == ["Bà Lê Thị B", "Phòng Tư pháp"]
    assert rows[1][8:] == [3, "Đã giải quyết quá hạn", "Đã gửi đúng hạn"]
    assert rows[2][8:10] == [6, "Đang giải quyết, quá hạn"]  # unresolved: days past its day until today
    assert rows[4][3] == "=cmd|' /C calc'!A0"  # typed text stays text
    assert sheet["D12"].data_type == "s"
    assert sheet["G9"].number_format == "dd/mm/yyyy"
    stored = load_workbook(io.BytesIO(data), data_only=True).active
    assert [stored.cell(row=13, column=col).value for col in (3, 9)] == [3, 10]


def test_a_commune_exports_only_its_own_late_dossiers(app_ctx, client):
    _district()
    login(client, "xacattien")
    sheet = load_workbook(io.BytesIO(client.get("/dossiers/late.xlsx?month=2026-03&unit_id=1").data)).active
    assert [row[1] for row in _rows(sheet, 8) if isinstance(row[0], int)] == ["CT-1"]


def test_apology_letter_register_by_unit(app_ctx, client):
    _district()
    login(client, "vanphong")
    assert 'href="/dossiers/apology-letters.xlsx?year=2026"' in client.get("/dossiers/apology-letters").get_data(
        as_text=True)
    data = client.get("/dossiers/apology-letters.xlsx?year=2026").data
    book = load_workbook(io.BytesIO(data))
    summary, register = book.worksheets
    assert [row[1:] for row in _rows(summary, 8)] == [
        ["Phòng Tư pháp", 2, 2, 1, 0, 3], ["UBND xã Bình Thạnh", 1, 1, 0, 0, 1], ["UBND xã Cát Tiến", 1, 1, 0, 0, 1],
        [None, "=SUM(C8:C10)", "=SUM(D8:D10)", "=SUM(E8:E10)", "=SUM(F8:F10)", "=SUM(G8:G10)"]]
    stored = load_workbook(io.BytesIO(data), data_only=True).worksheets[0]
    assert _rows(stored, 11)[0] == ["TỔNG CỘNG", None, 4, 4, 1, 0, 5]
    rows = _rows(register, 8)
    assert [row[:2] for row in rows if isinstance(row[0], str)] == [
        ["I", "Phòng Tư pháp"], ["II", "UBND xã Bình Thạnh"], ["III", "UBND xã Cát Tiến"], ["TỔNG CỘNG", None]]
    issued = next(row for row in rows if row[1] == "TP-2")
    assert issued[7:] == ["Chờ ý kiến của cơ quan thuế.", "Lê Văn Cường", "Đã gửi đúng hạn"]


def test_repeat_offenders_of_a_year(app_ctx, client):
    _district()
    login(client, "vanphong")
    assert 'href="/dossiers/repeat-offenders.xlsx?year=2026"' in client.get(
        "/dossiers/repeat-offenders?year=2026").get_data(as_text=True)
    data = client.get("/dossiers/repeat-offenders.xlsx?year=2026").data
    sheet = load_workbook(io.BytesIO(data)).active
    rows = _rows(sheet, 8)
    assert rows[0] == [1, "Phòng Tư pháp", "02/2026 (1), 03/2026 (2)", 2, 3]
    assert rows[-1][0] == "TỔNG CỘNG"
    assert _rows(load_workbook(io.BytesIO(data), data_only=True).active, 8)[-1][3:] == [2, 3]


def test_a_commune_may_not_export_the_repeat_offenders(app_ctx, client):
    _district()
    login(client, "xacattien")
    assert client.get("/dossiers/repeat-offenders.xlsx?year=2026").status_code == 403
