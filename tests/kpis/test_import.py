"""Excel import through the downloadable template: seed 000's Phụ lục 1, and a file with bad rows."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction

import pytest
import sqlalchemy as sa

from kpi_tasks.errors import PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.kpis import excel
from kpi_tasks.kpis.imports import ImportRejected, import_measurements, import_targets
from kpi_tasks.kpis.models import KpiMeasurement, KpiTarget
from kpi_tasks.kpis.queries import progress
from kpi_tasks.text import fold
from tests.factories import commit, csrf_token, login, make_office, make_unit, make_user
from tests.kpis.helpers import (
    APPENDIX_1,
    APPENDIX_1_TOTALS,
    header_row,
    make_kpi,
    open_workbook,
    unit_rows,
    workbook_bytes,
)


def _appendix_world(app):
    """The 11 local governments of the appendix, the office, and the certified-copies KPI."""
    with app.app_context():
        office = make_office()
        for index, (name, *_figures) in enumerate(APPENDIX_1, start=1):
            make_unit(name, "commune", code=f"BD{index:02d}")
        make_unit("Phòng Tư pháp", "department", code="TP")  # listed in the template, left blank
        kpi = make_kpi(office)
        ids = kpi.id, office.username
        commit()
    return ids


def _upload(client, kpi_id, data: bytes, name="so-lieu.xlsx"):
    return client.post(f"/kpis/{kpi_id}/import", data={
        "file": (io.BytesIO(data), name), "csrf_token": csrf_token(client, f"/kpis/{kpi_id}/import")},
        content_type="multipart/form-data")


def test_appendix_1_entered_through_the_template_reproduces_its_totals_and_ranks_units(app, client):
    kpi_id, office = _appendix_world(app)
    login(client, office)
    template = client.get(f"/kpis/{kpi_id}/import/template.xlsx?dates=19/03/2021,20/12/2020")
    assert template.status_code == 200
    assert template.mimetype.endswith("spreadsheetml.sheet")

    workbook = open_workbook(template.data)
    sheet = workbook.active
    header = header_row(sheet)
    # Dates in words, two columns (numerator, denominator) under each; input cells accept numbers only.
    assert sheet.cell(row=header, column=4).value == "Số liệu đến ngày 19/03/2021"
    assert sheet.cell(row=header, column=6).value == "Số liệu đến ngày 20/12/2020"
    assert f"D{header}:E{header}" in {str(merged) for merged in sheet.merged_cells.ranges}
    (validation,) = sheet.data_validations.dataValidation
    assert (validation.type, validation.operator) == ("decimal", "greaterThanOrEqual")
    assert str(validation.sqref) == f"D{header + 2}:G{sheet.max_row}"
    assert sheet.print_title_rows == f"${header}:${header + 1}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.cell(row=header + 1, column=4).value == "Số lượng hoàn thành (bản sao)"
    rows = unit_rows(sheet)
    assert set(rows) >= {name for name, *_ in APPENDIX_1}
    for position, (name, done_mar, total_mar, done_dec, total_dec) in enumerate(APPENDIX_1):
        row = rows[name]
        if position % 2:
            # Every other unit found by its name alone, typed without accents the way clerks often do.
            sheet.cell(row=row, column=2).value = None
            sheet.cell(row=row, column=3).value = fold(name).upper()
        for column, figure in enumerate((done_mar, total_mar, done_dec, total_dec), start=4):
            sheet.cell(row=row, column=column).value = figure
    response = _upload(client, kpi_id, workbook_bytes(workbook))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]

    with app.app_context():
        for period, day in (("2021-Q1", "2021-03-19"), ("2020-Q4", "2020-12-20")):
            table = progress(kpi_id, period)
            assert (table.total.numerator, table.total.denominator) == APPENDIX_1_TOTALS[day]
            assert table.total.as_of.isoformat() == day
            figures = {name: (m, t) if day.startswith("2021") else (d, dt_) for name, m, t, d, dt_ in APPENDIX_1}
            expected = sorted(figures, key=lambda name: (-Fraction(*figures[name]), -figures[name][1], name))
            assert [row.unit_name for row in table.rows] == expected
            assert [row.rank for row in table.rows] == list(range(1, 12))
        march = progress(kpi_id, "2021-Q1")
        assert march.total.actual_value == round(6341 * 100 / 7137, 2)
        assert march.rows[0].unit_name == "UBND huyện Phù Cát"  # 52/57, though the appendix prints it last
        assert march.rows[0].change == round(52 * 100 / 57 - 2 * 100 / 5, 2)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiMeasurement)) == 22

    page = client.get(f"/kpis/{kpi_id}?period=2021-Q1").get_data(as_text=True)
    total_row = page.split('id="progress-total"')[1].split("</tr>")[0]
    assert "6.341" in total_row
    assert "7.137" in total_row
    assert "88,85%" in total_row


def _bad_file(client, kpi_id):
    workbook = open_workbook(client.get(f"/kpis/{kpi_id}/import/template.xlsx?dates=31/03/2026").data)
    sheet = workbook.active
    rows = unit_rows(sheet)
    sheet.cell(row=rows["UBND xã Bình Hải"], column=4).value = 45
    sheet.cell(row=rows["UBND xã Bình Hải"], column=5).value = 50
    sheet.cell(row=rows["UBND xã Bình Trị"], column=4).value = "mười hai"  # text in a number cell
    sheet.cell(row=rows["UBND xã Bình Trị"], column=5).value = 20
    sheet.cell(row=rows["UBND xã Bình Dương"], column=4).value = 3  # denominator 0 with numerator 3
    sheet.cell(row=rows["UBND xã Bình Dương"], column=5).value = 0
    unknown = max(rows.values()) + 1
    sheet.cell(row=unknown, column=3).value = "UBND xã Bình Không Có"  # unknown unit
    sheet.cell(row=unknown, column=4).value = 5
    sheet.cell(row=unknown, column=5).value = 10
    return workbook, rows, unknown


def test_a_file_with_bad_rows_is_refused_whole_then_the_corrected_file_imports(app, client):
    with app.app_context():
        office = make_office()
        for code, name in (("BH", "UBND xã Bình Hải"), ("BT", "UBND xã Bình Trị"), ("BD", "UBND xã Bình Dương")):
            make_unit(name, "commune", code=code)
        kpi_id, username = make_kpi(office).id, office.username
        commit()
    login(client, username)
    workbook, rows, unknown = _bad_file(client, kpi_id)

    refused = _upload(client, kpi_id, workbook_bytes(workbook))
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    errors = page.split('id="import-errors"')[1].split("</div>")[0]
    assert "Tệp chưa được nhập: 3 dòng sai." in errors
    items = {int(item.split('"')[0]): item for item in errors.split('data-row="')[1:]}
    assert sorted(items) == sorted([rows["UBND xã Bình Trị"], rows["UBND xã Bình Dương"], unknown])
    assert "không tìm thấy đơn vị “UBND xã Bình Không Có”" in items[unknown]
    assert f"ô D{rows['UBND xã Bình Trị']} “mười hai” không phải là số" in items[rows["UBND xã Bình Trị"]]
    assert f"ô E{rows['UBND xã Bình Dương']} (ngày 31/03/2026): mẫu số bằng 0 nhưng tử số là 3" in items[
        rows["UBND xã Bình Dương"]]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiMeasurement)) == 0  # not even Bình Hải

    sheet = workbook.active
    sheet.cell(row=rows["UBND xã Bình Trị"], column=4).value = 12
    sheet.cell(row=rows["UBND xã Bình Dương"], column=5).value = 4
    sheet.delete_rows(unknown)
    accepted = _upload(client, kpi_id, workbook_bytes(workbook))
    assert accepted.status_code == 303
    assert "Đã nhập 3 số liệu của 3 đơn vị" in client.get(accepted.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        table = progress(kpi_id, "2026-Q1")
        assert (table.total.numerator, table.total.denominator) == (45 + 12 + 3, 50 + 20 + 4)
        sources = set(db.session.scalars(sa.select(KpiMeasurement.source)))
        assert sources == {"imported"}


def test_import_refuses_a_file_that_is_not_a_workbook_or_another_kpis(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    other = make_kpi(office, code="KHAC")
    with pytest.raises(ValidationError, match="không phải là tệp Excel"):
        import_measurements(kpi, office, b"STT,Don vi\n1,A\n")
    data = excel.measurement_template(other, [make_unit()], [dt.date(2026, 3, 31)], "UBND")
    with pytest.raises(ImportRejected) as raised:
        import_measurements(kpi, office, data)
    assert "KHAC" in raised.value.rejected[0].message


def test_a_unit_imports_its_own_row_only(app_ctx):
    kpi = make_kpi()
    own, other = make_unit("UBND xã Bình Hải", "commune"), make_unit("UBND xã Bình Trị", "commune")
    manager = make_user("unit_manager", own)
    workbook = open_workbook(excel.measurement_template(kpi, [own, other], [dt.date(2026, 3, 31)], "UBND"))
    sheet = workbook.active
    rows = unit_rows(sheet)
    for name in rows:
        sheet.cell(row=rows[name], column=4).value = 1
        sheet.cell(row=rows[name], column=5).value = 2
    with pytest.raises(ImportRejected) as raised:
        import_measurements(kpi, manager, workbook_bytes(workbook))
    assert [item.row for item in raised.value.rejected] == [rows["UBND xã Bình Trị"]]
    assert "chỉ được nhập số liệu của đơn vị mình" in raised.value.rejected[0].message
    sheet.delete_rows(rows["UBND xã Bình Trị"])
    assert import_measurements(kpi, manager, workbook_bytes(workbook)).imported == 1


def test_targets_import_sets_kind_targets_and_unit_overrides(app, client):
    with app.app_context():
        office = make_office()
        make_unit("Phòng Tư pháp", "department", code="TP")
        make_unit("UBND xã Bình Hải", "commune", code="BH")
        make_unit("UBND xã Bình Trị", "commune", code="BT")
        kpi_id, username = make_kpi(office, code="KYSO").id, office.username
        commit()
    login(client, username)
    template = client.get(f"/kpis/{kpi_id}/targets/template.xlsx?periods=2026,2026-Q1")
    assert template.status_code == 200
    workbook = open_workbook(template.data)
    sheet = workbook.active
    rows = unit_rows(sheet)
    # Periods and kinds of unit in words: no "2026-Q1", no internal codes.
    assert [sheet.cell(row=7, column=column).value for column in (4, 5)] == ["Năm 2026", "Quý I/2026"]
    assert {"Tất cả các cơ quan chuyên môn", "Tất cả Ủy ban nhân dân các xã, phường"} <= set(rows)
    assert not any(str(cell.value or "").startswith("*") for row in sheet.iter_rows() for cell in row)
    sheet.cell(row=rows["Tất cả các cơ quan chuyên môn"], column=4).value = 90
    sheet.cell(row=rows["Tất cả Ủy ban nhân dân các xã, phường"], column=4).value = "70"
    sheet.cell(row=rows["UBND xã Bình Trị"], column=4).value = "80,5"
    sheet.cell(row=rows["UBND xã Bình Hải"], column=5).value = 150  # above 100%: the whole file is refused
    data = workbook_bytes(workbook)
    response = client.post(f"/kpis/{kpi_id}/targets/import", data={
        "file": (io.BytesIO(data), "chi-tieu.xlsx"), "csrf_token": csrf_token(client, f"/kpis/{kpi_id}/targets")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert f"ô E{rows['UBND xã Bình Hải']} (kỳ Quý I/2026): chỉ tiêu tỷ lệ phải từ 0 đến 100%" in response.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(KpiTarget)) == 0

    sheet.cell(row=rows["UBND xã Bình Hải"], column=5).value = None
    # A template downloaded before the 2025 reform named the communes' row by the old kind: still read.
    sheet.cell(row=rows["Tất cả Ủy ban nhân dân các xã, phường"], column=3).value = "Tất cả xã, thị trấn"
    response = client.post(f"/kpis/{kpi_id}/targets/import", data={
        "file": (io.BytesIO(workbook_bytes(workbook)), "chi-tieu.xlsx"),
        "csrf_token": csrf_token(client, f"/kpis/{kpi_id}/targets")}, content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context():
        targets = {(t.unit_kind or t.unit.code, t.period_kind): t.target_value
                   for t in db.session.scalars(sa.select(KpiTarget))}
        assert targets == {("department", "year"): 90, ("commune", "year"): 70, ("BT", "year"): 80.5}


def test_targets_import_is_for_the_office(app_ctx):
    kpi = make_kpi()
    unit = make_unit()
    with pytest.raises(PermissionDenied, match="Chỉ Văn phòng"):
        import_targets(kpi, make_user("unit_manager", unit), b"")
