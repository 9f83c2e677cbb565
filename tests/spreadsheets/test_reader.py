"""The one reader of uploaded spreadsheets: bombs, DTDs, stale dimensions, encodings and broken files are told
apart in Vietnamese, never a server error, and an import writes all its rows or none."""

from __future__ import annotations

import io
import re
import resource
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from kpi_tasks.dossiers.models import Dossier
from kpi_tasks.extensions import db
from kpi_tasks.spreadsheets.reader import Limits, SpreadsheetRefused, check_package, csv_rows, xlsx_rows
from tests.dossiers.helpers import D, make_units, row, standard_rows, write_csv, write_xlsx
from tests.factories import api_headers, commit, csrf_token, login, make_unit, make_user
from tests.kpis.helpers import make_kpi

MB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"


def _rewrite_sheet(source: Path, target: Path, write_sheet) -> Path:
    """A copy of the workbook `source` whose first sheet's XML is written by `write_sheet(stream)`."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED,
                                                                compresslevel=9) as copy:
        for member in original.infolist():
            if member.filename == SHEET:
                with copy.open(SHEET, "w") as stream:
                    write_sheet(stream, original.read(member))
            else:
                copy.writestr(member, original.read(member))
    return target


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A dossier export of a few hundred kilobytes whose one cell inflates to 300 MB of XML."""
    folder = tmp_path_factory.mktemp("bomb")
    plain = write_xlsx(folder / "plain.xlsx", standard_rows()[:1], title=False)

    def bomb(stream, original: bytes) -> None:
        head = original[:original.index(b"<sheetData>")]
        stream.write(head + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>')
        chunk = b"A" * MB
        for _ in range(300):
            stream.write(chunk)
        stream.write(b"</t></is></c></row></sheetData></worksheet>")

    path = _rewrite_sheet(plain, folder / "ho-so.xlsx", bomb)
    assert path.stat().st_size < 1 * MB
    return path


def _memory_growth(action):
    """Run `action`; return its result, the peak of Python allocations during it, and the growth of the
    process's peak resident size (which also sees C allocations, lxml's among them)."""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    try:
        result = action()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before


def _post_dossiers(client, headers, path: Path, name: str | None = None):
    return client.post("/api/v1/dossiers/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(path.read_bytes()), name or path.name)})


def _dossier_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Dossier))


def test_a_zip_bomb_sent_to_the_dossier_api_is_refused_without_growing_the_worker(app_ctx, client, zip_bomb):
    make_units()
    headers = api_headers(make_user("office"))
    response, peak, rss_growth = _memory_growth(lambda: _post_dossiers(client, headers, zip_bomb))
    assert response.status_code in (413, 422)
    assert "giải nén quá lớn" in str(response.json) or "dài bất thường" in str(response.json)
    assert peak < 300 * MB
    assert rss_growth < 300 * MB
    assert _dossier_count() == 0


def test_a_zip_bomb_sent_to_the_kpi_import_is_refused_without_growing_the_worker(app, client, zip_bomb):
    with app.app_context():
        unit = make_unit()
        make_user("unit_manager", unit, username="truongphong")
        kpi_id = make_kpi().id
        commit()
    login(client, "truongphong")
    token = csrf_token(client, f"/kpis/{kpi_id}/import")

    def upload():
        return client.post(f"/kpis/{kpi_id}/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(zip_bomb.read_bytes()), "so-lieu.xlsx"), "csrf_token": token})

    response, peak, rss_growth = _memory_growth(upload)
    assert response.status_code in (200, 413, 422)  # the form page, re-shown with the reason
    assert "dài bất thường" in response.get_data(as_text=True)
    assert peak < 300 * MB
    assert rss_growth < 300 * MB


def test_a_header_that_lies_about_a_parts_size_is_refused(tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", standard_rows()[:1], title=False)
    big = _rewrite_sheet(plain, tmp_path / "big.xlsx",
                         lambda stream, original: stream.write(original.replace(b"<sheetData>", b"<sheetData>"
                                                                                + b"<row/>" * (3 * MB))))
    # The central directory says the sheet is 100 bytes; the bytes inflated say otherwise.
    data = bytearray(big.read_bytes())
    entry = data.rindex(b"PK\x01\x02", 0, data.index(SHEET.encode(), data.index(b"PK\x01\x02")) + 1)
    data[entry + 24:entry + 28] = (100).to_bytes(4, "little")
    with pytest.raises(SpreadsheetRefused, match="giải nén quá lớn"):
        check_package(big.read_bytes(), Limits(worksheet=1 * MB))  # the true size, counted
    with pytest.raises(SpreadsheetRefused):  # the lie: the inflated bytes do not match it
        check_package(bytes(data), Limits(worksheet=1 * MB))


def test_an_xlsx_with_a_dtd_is_refused_in_vietnamese(app_ctx, client, tmp_path):
    make_units()
    headers = api_headers(make_user("office"))
    plain = write_xlsx(tmp_path / "plain.xlsx", standard_rows(), title=False)
    with_dtd = _rewrite_sheet(plain, tmp_path / "dtd.xlsx", lambda stream, original: stream.write(
        original.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">]><worksheet', 1)))
    response = _post_dossiers(client, headers, with_dtd)
    assert response.status_code == 422
    assert "DTD" in response.json["rejected"][0]["message"]
    assert _dossier_count() == 0


def test_a_stale_dimension_imports_every_row_not_the_declared_few(app_ctx, client, tmp_path):
    make_units()
    headers = api_headers(make_user("office"))
    rows = [*standard_rows(), *(row(f"TP-THEM-{n}", "TP", D(2026, 3, 2), D(2026, 3, 20)) for n in range(3))]
    plain = write_xlsx(tmp_path / "plain.xlsx", rows, title=False)
    stale = _rewrite_sheet(plain, tmp_path / "stale.xlsx", lambda stream, original: stream.write(
        re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:I3"/>', original)
        if b"<dimension" in original else original.replace(b"<sheetData>", b'<dimension ref="A1:I3"/><sheetData>')))
    with xlsx_rows(stale) as numbered:
        assert sum(1 for _ in numbered) == 11  # the header and ten rows, whatever the dimension says
    response = _post_dossiers(client, headers, stale)
    assert response.status_code == 200, response.json
    assert response.json["imported"] == 10
    assert _dossier_count() == 10


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-16", "\t"), ("utf-8-sig", ";"), ("utf-8", ","),
                                                     ("cp1258", ",")])
def test_csv_in_every_encoding_excel_and_the_dossier_systems_write_imports(app_ctx, client, tmp_path, encoding,
                                                                           delimiter):
    make_units()
    headers = api_headers(make_user("office"))
    path = write_csv(tmp_path / "ho-so.csv", standard_rows(), delimiter=delimiter, encoding=encoding)
    response = _post_dossiers(client, headers, path)
    assert response.status_code == 200, response.json
    assert response.json["imported"] == 7


@pytest.mark.parametrize(("content", "reason"), [
    (bytes(range(256)) * 64, "không phải tệp CSV"),
    ("Mã hồ sơ,Đơn vị xử lý\nA\x00B,TP\n".encode(), "NUL"),
    (("Mã hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,Đơn vị xử lý\n" + "X" * 131_073 + ",1/3/2026,5/3/2026,TP\n").encode(),
     "dài hơn"),
])
def test_broken_csv_files_are_refused_with_their_reason_not_a_500(app_ctx, client, tmp_path, content, reason):
    make_units()
    headers = api_headers(make_user("office"))
    path = tmp_path / "ho-so.csv"
    path.write_bytes(content)
    response = _post_dossiers(client, headers, path)
    assert response.status_code == 422
    assert reason in response.json["rejected"][0]["message"]
    assert _dossier_count() == 0


def test_a_broken_file_on_the_import_page_is_explained_not_a_500(app, client, tmp_path):
    with app.app_context():
        make_user("office", username="vanphong")
        commit()
    login(client, "vanphong")
    path = tmp_path / "ho-so.csv"
    path.write_bytes(b"Ma ho so\x00,Don vi\n")
    response = client.post("/dossiers/import", content_type="multipart/form-data", follow_redirects=True, data={
        "file": (io.BytesIO(path.read_bytes()), "ho-so.csv"), "csrf_token": csrf_token(client, "/dossiers/import")})
    assert response.status_code == 200
    assert "NUL" in response.get_data(as_text=True)


def test_a_docx_with_a_ten_megabyte_text_node_is_refused_in_vietnamese(app, client):
    import docx

    document = docx.Document()
    document.add_paragraph("UBND HUYỆN THỬ")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/document.xml":
                data = data.replace(b"UBND HUY", b"UBND HUY" + b"A" * (10 * MB))
            copy.writestr(member, data)
    from kpi_tasks.intake.readers import read_text

    with pytest.raises(SpreadsheetRefused, match="dài bất thường"):
        read_text("van-ban.docx", target.getvalue())


def test_csv_rows_reads_utf16_with_its_tabs(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("Mã hồ sơ\tĐơn vị\nA-1\tTư pháp\n".encode("utf-16"))
    with csv_rows(path) as rows:
        assert list(rows) == [(1, ("Mã hồ sơ", "Đơn vị")), (2, ("A-1", "Tư pháp"))]


def test_a_workbook_from_openpyxl_reads_back(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Mã", "Tên"])
    workbook.active.append(["A", "Bình"])
    path = tmp_path / "wb.xlsx"
    workbook.save(path)
    with xlsx_rows(path) as numbered:
        assert list(numbered) == [(1, ("Mã", "Tên")), (2, ("A", "Bình"))]
