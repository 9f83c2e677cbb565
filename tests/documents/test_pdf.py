"""Every kind of document, Word and Excel, as LibreOffice prints it to PDF (all in one run of LibreOffice), read
back with pdftotext as the clerk who signs it would (must show 1 of issue 18): the issuer, the place and date,
the motto on one line, "Nơi nhận:", page numbers from page 2, the table header at the top of every page the table
runs over; for the Excel appendices, the issuer, A4 landscape, "Trang x/y" and the header row on every page. Page
1 of each is written as a PNG to test-artifacts/documents/. Skipped with a message where LibreOffice or poppler
is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from kpi_tasks.documents.pdf import convert_files, soffice
from kpi_tasks.extensions import db
from tests.conftest import ARTIFACTS
from tests.documents.long_province import build_province, documents
from tests.factories import empty_database

# One run of LibreOffice for every document takes 20–50 s: in `make test`, the PostgreSQL pass only.
pytestmark = [pytest.mark.one_pass, pytest.mark.skipif(
    soffice() is None or shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) or poppler-utils is not installed: apt-get install libreoffice-writer "
           "libreoffice-calc fonts-liberation2 poppler-utils (.ci/run installs them)",
)]
SIGNED = {"bao-cao-thang.docx", "bao-cao-don-vi.docx", "phieu-xin-loi.docx"}
# The Excel documents whose table runs over several pages, with a header label and a mark of their rows.
LONG_SHEETS = {
    "danh-sach-nhiem-vu.xlsx": ("Nhiệm vụ", "Rà soát, số hóa"),
    "ho-so-tre-han.xlsx": ("Mã hồ sơ", "000.00.12.H21"),
    "bieu-bao-cao-thang.xlsx": ("STT", "Sở thử nghiệm"),
}
WORD = [*sorted(SIGNED), "phu-luc-cham-diem.docx"]
# What heads each document's long table, and what marks one of its rows.
TABLES = {
    "bao-cao-thang.docx": (("Đơn vị", "Nhiệm vụ"), ("Sở thử nghiệm", "Rà soát, số hóa")),
    "bao-cao-don-vi.docx": (("Nhiệm vụ",), ("Rà soát, số hóa",)),
    "phu-luc-cham-diem.docx": (("Đơn vị",), ("Sở thử nghiệm", "UBND xã Thử Nghiệm")),
}


sizes: dict[str, list[tuple[int, int]]] = {}


@pytest.fixture(scope="module")
def pdf_sizes(printed: dict[str, list[str]]) -> dict[str, list[tuple[int, int]]]:
    """Each PDF's page sizes in points (A4 landscape is 842 × 595)."""
    return sizes


@pytest.fixture(scope="module")
def printed(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Each document's pages as pdftotext reads them (layout kept), made once for the module."""
    folder = tmp_path_factory.mktemp("documents")
    with app.app_context():
        try:
            files = documents(build_province())
        finally:
            db.session.rollback()
            empty_database()
            db.session.remove()
    sources = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        sources.append(folder / name)
    pdfs = convert_files(sources, folder / "pdf", timeout=180)
    images = ARTIFACTS / "documents"
    images.mkdir(parents=True, exist_ok=True)
    pages = {}
    sizes.clear()
    for source, pdf in zip(sources, pdfs, strict=True):
        sizes[source.name] = [(round(float(page.mediabox.width)), round(float(page.mediabox.height)))
                              for page in PdfReader(pdf).pages]
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(images / source.name.replace(".", "-"))], check=True, timeout=60)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True,
                              timeout=60).stdout
        pages[source.name] = text.split("\f")[:-1]
    return pages


def _lines(page: str) -> list[str]:
    return [line.strip() for line in page.splitlines() if line.strip()]


@pytest.mark.parametrize("name", WORD)
def test_the_header_names_the_issuer_place_and_date_with_the_motto_on_one_line(printed, name):
    first = _lines(printed[name][0])
    head = "\n".join(first[:8])
    assert "TỈNH GIA LAI" in head, head
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in first[:4]), head
    assert any("Độc lập - Tự do - Hạnh phúc" in line for line in first[:4]), head
    assert any("Gia Lai, ngày 16 tháng 3 năm 2026" in line for line in first[:8]), head


@pytest.mark.parametrize("name", sorted(SIGNED))
def test_signed_documents_close_with_the_recipients_and_the_signer(printed, name):
    last = _lines(printed[name][-1])
    start = next(index for index, line in enumerate(last) if line.startswith("Nơi nhận:"))
    assert last[start + 1].startswith("- Như trên;")
    assert any(line.startswith("- Lưu: VT.") for line in last[start:])


def test_the_letter_is_one_page_and_signed_by_name(printed):
    pages = printed["phieu-xin-loi.docx"]
    assert len(pages) == 1
    text = pages[0]
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "SỞ TÀI CHÍNH" in text
    assert "Lê Văn Cường" in text


@pytest.mark.parametrize("name", sorted(TABLES))
def test_pages_are_numbered_from_page_two_and_every_page_of_a_table_starts_with_its_header(printed, name):
    pages = printed[name]
    assert len(pages) >= 3, f"{name}: {len(pages)} pages; the long table should run over several"
    assert _lines(pages[0])[0] != "1"  # no number on the first page
    labels, markers = TABLES[name]
    for number, page in enumerate(pages[1:], start=2):
        lines = _lines(page)
        assert lines[0] == str(number), f"{name} page {number} starts with {lines[0]!r}"
        rows = [index for index, line in enumerate(lines) if any(marker in line for marker in markers)]
        if rows:  # the table runs on this page: its header comes before its first row
            head = " ".join(lines[1:rows[0]])
            assert "STT" in head or "Hạng" in head, f"{name} page {number}: {lines[:6]}"
            assert any(label in head for label in labels), f"{name} page {number}: {lines[:6]}"


def test_the_monthly_workbook_prints_its_five_sheets_with_their_headers(printed):
    pages = printed["bieu-bao-cao-thang.xlsx"]
    assert len(pages) >= 5
    for number, page in enumerate(pages, start=1):
        assert "STT" in page, number
        assert f"Trang {number}/{len(pages)}" in page, number


def test_every_excel_document_names_its_issuer_and_prints_a4_landscape_pages_numbered(printed, pdf_sizes):
    excel = sorted(name for name in printed if name.endswith(".xlsx"))
    assert len(excel) >= 11
    for name in excel:
        pages = printed[name]
        assert "ỦY BAN NHÂN DÂN TỈNH GIA LAI" in pages[0], name
        assert all(size == (842, 595) for size in pdf_sizes[name]), (name, pdf_sizes[name])
        for number, page in enumerate(pages, start=1):
            assert f"Trang {number}/{len(pages)}" in page, (name, number)


@pytest.mark.parametrize("name", sorted(LONG_SHEETS))
def test_long_excel_tables_repeat_their_header_row_on_every_page(printed, name):
    label, marker = LONG_SHEETS[name]
    pages = printed[name]
    assert len(pages) >= 2, name
    for number, page in enumerate(pages, start=1):
        lines = _lines(page)
        rows = [index for index, line in enumerate(lines) if marker in line]
        if rows:
            head = " ".join(lines[:rows[0]])
            assert "STT" in head, (name, number, lines[:6])
            assert label in head, (name, number, lines[:6])


def test_page_one_of_each_document_is_kept_as_an_image(printed):
    for name in printed:
        image = ARTIFACTS / "documents" / (name.replace(".", "-") + ".png")
        assert image.stat().st_size > 1000, image
        assert Path(image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
