"""Text out of uploaded directives: .txt in three encodings, .docx with Word numbering, PDF with and
without a text layer (pure: no app, no database)."""

from __future__ import annotations

import codecs
import io
import unicodedata

import docx
import pytest

from kpi_tasks.errors import ValidationError
from kpi_tasks.intake.parser import parse_directive
from kpi_tasks.intake.readers import read_text

SAMPLE = "Giao Phòng Văn hóa và Thông tin chủ trì, phối hợp Phòng Tư pháp rà soát thủ tục hành chính."

# cp1258 writes a Vietnamese letter as its base letter (with circumflex, breve or horn precomposed where
# the code page has it) followed by a combining tone mark.
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(text: str) -> bytes:
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
        out.append(base + "".join(c for c in decomposed if c in _TONE_MARKS))
    return "".join(out).encode("cp1258")


# -- plain text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        SAMPLE.encode("utf-8"),
        codecs.BOM_UTF8 + SAMPLE.encode("utf-8"),
        SAMPLE.encode("utf-16"),
        _cp1258(SAMPLE),
        unicodedata.normalize("NFD", SAMPLE).encode("utf-8"),
    ],
    ids=["utf-8", "utf-8-sig", "utf-16", "cp1258", "utf-8 decomposed"],
)
def test_plain_text_is_read_in_the_encodings_offices_save_it_in(data: bytes) -> None:
    assert read_text("chi-dao.TXT", data) == SAMPLE


def test_line_ends_become_newlines() -> None:
    assert read_text("a.txt", b"Dong 1\r\nDong 2\rDong 3") == "Dong 1\nDong 2\nDong 3"


def test_bytes_that_no_encoding_explains_are_refused_in_vietnamese() -> None:
    with pytest.raises(ValidationError, match="bảng mã"):
        read_text("a.txt", b"\x81\x8d\x8f\x90 abc \xff\xfe\xfd")


@pytest.mark.parametrize("data", [b"", b"   \n\t  \n"])
def test_an_empty_file_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationError, match="không có nội dung"):
        read_text("a.txt", data)


@pytest.mark.parametrize(
    ("filename", "message"),
    [("chi-dao.doc", "lưu lại thành .docx"), ("chi-dao.odt", "không được hỗ trợ"), ("chi-dao", "không được hỗ trợ")],
)
def test_unsupported_types_are_refused_with_what_to_do(filename: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        read_text(filename, b"anything")


# -- Word ------------------------------------------------------------------------------------------


def _directive_docx() -> bytes:
    """A directive as offices write it in Word: the header block in a two-column table, items numbered
    by Word's own list styles, an appendix table."""
    document = docx.Document()
    header = document.add_table(rows=2, cols=2)
    header.cell(0, 0).text = "ỦY BAN NHÂN DÂN\nHUYỆN SƠN TỊNH"
    header.cell(0, 1).text = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc"
    header.cell(1, 0).text = "Số: 318/UBND-NV\nV/v tổ chức kiểm tra công vụ năm 2025"
    header.cell(1, 1).text = "Sơn Tịnh, ngày 10 tháng 4 năm 2025"
    document.add_paragraph("Kính gửi: Các phòng, ban, ngành huyện.")
    document.add_paragraph(
        "Thực hiện Kế hoạch số 12/KH-UBND ngày 02/01/2025 của UBND tỉnh, Chủ tịch UBND huyện yêu cầu:"
    )
    document.add_paragraph(
        "Giao Phòng Nội vụ chủ trì, phối hợp Thanh tra huyện kiểm tra công vụ, hoàn thành trước ngày 30/6/2025.",
        style="List Number",
    )
    document.add_paragraph("UBND các xã, thị trấn báo cáo kết quả tự kiểm tra hàng tháng.", style="List Number")
    document.add_paragraph("Các phòng, ban, ngành cử cán bộ tham gia đoàn kiểm tra.", style="List Bullet")
    document.add_paragraph("Nơi nhận:")
    document.add_paragraph("Phụ lục I")
    table = document.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, ["STT", "Nhiệm vụ", "Đơn vị chủ trì", "Thời hạn"], strict=True):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["1", "Tự kiểm tra", "Phòng Tư pháp", "Quý III/2025"], strict=True):
        cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_keeps_word_numbering_and_reads_layout_and_data_tables() -> None:
    text = read_text("chi-dao.docx", _directive_docx())
    lines = text.split("\n")
    assert lines[:4] == [
        "ỦY BAN NHÂN DÂN",
        "HUYỆN SƠN TỊNH",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert "1. Giao Phòng Nội vụ chủ trì" in text
    assert "\n2. UBND các xã, thị trấn" in text
    assert "\n- Các phòng, ban, ngành cử cán bộ" in text
    assert "1\tTự kiểm tra\tPhòng Tư pháp\tQuý III/2025" in lines


def test_a_docx_directive_parses_into_drafts() -> None:
    result = parse_directive(read_text("chi-dao.docx", _directive_docx()))
    assert result["directive"] == {
        "number_symbol": "318/UBND-NV",
        "issuer": "UBND huyện Sơn Tịnh",
        "year": 2025,
        "issued_on": "2025-04-10",
        "subject": "tổ chức kiểm tra công vụ năm 2025",
        "implements": ["12/KH-UBND ngày 02/01/2025"],
    }
    summary = [(t["section"], t["lead_units"], t["coordinating_units"], t["deadline"]["kind"]) for t in result["tasks"]]
    assert summary == [
        ("1", ["Phòng Nội vụ"], ["Thanh tra huyện"], "date"),
        ("2", ["@communes"], [], "recurring"),
        ("2", ["@departments"], [], "none"),
        ("Phụ lục I.1", ["Phòng Tư pháp"], [], "period_end"),
    ]
    assert result["tasks"][3]["deadline"]["date"] == "2025-09-30"


def test_a_file_that_is_not_really_a_docx_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"Không đọc được tệp \.docx"):
        read_text("chi-dao.docx", b"PK\x03\x04 not a zip archive")


# -- PDF -------------------------------------------------------------------------------------------


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF whose text layer holds `lines`: one byte per distinct character, mapped back to
    Unicode by a ToUnicode CMap, so Vietnamese letters survive extraction without embedding a font.
    With no lines the page has no text at all, as a scanned page has none."""
    alphabet = sorted({ch for line in lines for ch in line})
    code = {ch: index + 1 for index, ch in enumerate(alphabet)}
    entries = "\n".join(f"<{code[ch]:02X}> <{ord(ch):04X}>" for ch in alphabet)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Intake def /CMapType 2 def\n1 begincodespacerange <01> <FF> endcodespacerange\n"
        f"{len(alphabet)} beginbfchar\n{entries}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()
    shows = " ".join(f"<{''.join(f'{code[ch]:02X}' for ch in line)}> Tj T*" for line in lines)
    content = (f"BT /F1 10 Tf 14 TL 40 800 Td {shows} ET" if lines else "").encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 6 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PDF_LINES = [
    "ỦY BAN NHÂN DÂN",
    "HUYỆN TRÀ BỒNG",
    "Số: 88/UBND-VP",
    "Trà Bồng, ngày 3 tháng 6 năm 2025",
    "V/v rà soát thủ tục hành chính",
    "Kính gửi: Các phòng, ban, ngành huyện.",
    "1. Giao Phòng Nội vụ chủ trì, phối hợp Phòng Tư pháp rà soát",
    "thủ tục hành chính, hoàn thành trước ngày 15/12/2025.",
    "2. UBND các xã, thị trấn định kỳ vào ngày thứ 6 hàng tuần báo cáo",
    "tỷ lệ hồ sơ trực tuyến, bảo đảm đạt trên 50%.",
]


def test_a_pdf_with_a_text_layer_is_read_and_parsed() -> None:
    text = read_text("chi-dao.pdf", _pdf(PDF_LINES))
    assert "HUYỆN TRÀ BỒNG" in text
    result = parse_directive(text)
    assert result["directive"]["issuer"] == "UBND huyện Trà Bồng"
    first, second = result["tasks"]
    # the wrapped PDF line joins its sentence again
    assert first["text"].endswith("rà soát thủ tục hành chính, hoàn thành trước ngày 15/12/2025.")
    assert (first["lead_units"], first["coordinating_units"]) == (["Phòng Nội vụ"], ["Phòng Tư pháp"])
    assert first["deadline"]["date"] == "2025-12-15"
    assert (second["lead_units"], second["deadline"]["rule"]) == (["@communes"], "weekly:fri")
    assert [(k["value"], k["direction"], k["applies_to"]) for k in second["kpis"]] == [(50, "at_least", "commune")]


def test_a_pdf_without_a_text_layer_is_refused() -> None:
    with pytest.raises(ValidationError, match="không có lớp chữ"):
        read_text("ban-scan.pdf", _pdf([]))


def test_a_broken_pdf_is_refused() -> None:
    with pytest.raises(ValidationError, match="Không đọc được tệp PDF"):
        read_text("hong.pdf", b"%PDF-1.4\nthis is not a PDF body")
