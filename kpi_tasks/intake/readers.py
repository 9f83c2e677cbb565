"""Text out of an uploaded directive: .txt, .docx, or .pdf with a text layer.

The parser works on plain text, one paragraph per line. Word's automatic numbering ("1.", "a)", bullets)
is not part of a paragraph's text, so it is rendered back in front of the paragraph: a directive's
structure lives in those numbers. Tables become one line per row with tab-separated cells (appendix
tables that assign tasks are read that way), except layout tables of one or two columns (the header
block "ỦY BAN NHÂN DÂN | CỘNG HÒA ...", the signature block), whose cells are written out line by line.
"""

from __future__ import annotations

import codecs
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from pathlib import PurePath
from typing import Any

import docx
import pypdf
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from pypdf.errors import PdfReadError

from kpi_tasks.errors import ValidationError
from kpi_tasks.spreadsheets.reader import DOCX_LIMITS, check_package

SUPPORTED_SUFFIXES = (".docx", ".pdf", ".txt")
# A PDF whose pages yield fewer letters than this is a scan (an image of text), not a text document.
_MIN_LETTERS = 20


def read_text(filename: str, data: bytes) -> str:
    """The text of an uploaded file, NFC-composed, lines ended by "\\n".

    Raises `ValidationError` (Vietnamese message) for an unsupported type, an unreadable file, a file
    without text, or a PDF without a text layer.
    """
    suffix = PurePath(filename).suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        if suffix == ".doc":
            raise ValidationError("Chưa đọc được tệp Word cũ (.doc): hãy mở bằng Word và lưu lại thành .docx.")
        raise ValidationError("Định dạng tệp không được hỗ trợ: chỉ nhận tệp .docx, .pdf (có lớp chữ) hoặc .txt.")
    text = reader(data)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ValidationError("Tệp không có nội dung văn bản.")
    return text


# -- plain text ------------------------------------------------------------------------------------


def _read_txt(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Windows' Vietnamese code page, still what older Vietnamese office PCs save plain text in.
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError:
        raise ValidationError(
            "Không nhận ra bảng mã của tệp văn bản: hãy lưu lại tệp theo bảng mã UTF-8 (Unicode)."
        ) from None


# -- Word ------------------------------------------------------------------------------------------


def _read_docx(data: bytes) -> str:
    if zipfile.is_zipfile(io.BytesIO(data)):  # parts bounded, no DTD, before python-docx parses them
        check_package(data, DOCX_LIMITS, "Word (.docx)")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, etree.XMLSyntaxError) as error:
        raise ValidationError("Không đọc được tệp .docx: tệp bị hỏng hoặc không phải tài liệu Word.") from error
    numbering = _Numbering(document)
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(numbering.label(block) + block.text)
        else:
            lines.extend(_table_lines(block))
    return "\n".join(lines)


def _table_lines(table: Table) -> Iterator[str]:
    rows = [_distinct_cells(row.cells) for row in table.rows]
    if max((len(cells) for cells in rows), default=0) <= 2:
        for cells in rows:
            for cell in cells:
                yield from (paragraph.text for paragraph in cell.paragraphs)
        return
    for cells in rows:
        yield "\t".join(" ".join(cell.text.split()) for cell in cells)


def _distinct_cells(cells: Any) -> list[Any]:
    """python-docx repeats a merged cell once per grid column it spans; keep it once."""
    distinct: list[Any] = []
    for cell in cells:
        if not distinct or cell._tc is not distinct[-1]._tc:
            distinct.append(cell)
    return distinct


_ROMAN_NUMERALS = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"),
                   (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))  # fmt: skip


def _roman(number: int) -> str:
    text = ""
    for value, numeral in _ROMAN_NUMERALS:
        while number >= value:
            text, number = text + numeral, number - value
    return text


_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "lowerLetter": lambda n: chr(ord("a") + (n - 1) % 26),
    "upperLetter": lambda n: chr(ord("A") + (n - 1) % 26),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
}


_W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}


@functools.cache
def _compiled(path: str) -> etree.XPath:
    return etree.XPath(path, namespaces=_W)


def _xpath(element: Any, path: str) -> list[Any]:
    # python-docx's own elements answer only its xpath dialect; lxml's XPath objects take any element
    return list(_compiled(path)(element))


def _first(element: Any, path: str, default: str) -> str:
    found = _xpath(element, path)
    return str(found[0]) if found else default


class _Numbering:
    """Renders Word's automatic list labels ("%1.%2." → "2.1.", bullets → "-") in document order."""

    def __init__(self, document: DocxDocument) -> None:
        self._levels: dict[str, dict[int, tuple[str, str, int]]] = {}
        self._counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, str, int]]] = {}
        for definition in _xpath(root, "./w:abstractNum"):
            abstract[_first(definition, "./@w:abstractNumId", "")] = {
                int(_first(level, "./@w:ilvl", "0")): (
                    _first(level, "./w:numFmt/@w:val", "decimal"),
                    _first(level, "./w:lvlText/@w:val", ""),
                    int(_first(level, "./w:start/@w:val", "1")),
                )
                for level in _xpath(definition, "./w:lvl")
            }
        for num in _xpath(root, "./w:num"):
            abstract_id = _first(num, "./w:abstractNumId/@w:val", "")
            if abstract_id in abstract:
                self._levels[_first(num, "./@w:numId", "")] = abstract[abstract_id]

    def label(self, paragraph: Paragraph) -> str:
        found = _num_properties(paragraph)
        if found is None:
            return ""
        num_id, level = found
        levels = self._levels.get(num_id)
        if not levels or level not in levels:
            return ""
        counters = self._counters.setdefault(num_id, [0] * 9)
        fmt, text, start = levels[level]
        counters[level] = max(counters[level], start - 1) + 1
        for deeper in range(level + 1, len(counters)):
            counters[deeper] = 0
        if fmt == "bullet":
            return "- "
        if fmt == "none":
            return ""

        def value(match: re.Match[str]) -> str:
            index = int(match[1]) - 1
            level_fmt, _, level_start = levels.get(index, ("decimal", "", 1))
            count = counters[index] or level_start
            return _FORMATS.get(level_fmt, str)(count)

        rendered = re.sub(r"%([1-9])", value, text).strip()
        return f"{rendered} " if rendered else ""


def _num_properties(paragraph: Paragraph) -> tuple[str, int] | None:
    """The (numId, level) of a paragraph's list, from the paragraph or else from its style."""
    for element in (paragraph._p, getattr(paragraph.style, "element", None)):
        if element is None:
            continue
        num_id = _first(element, "./w:pPr/w:numPr/w:numId/@w:val", "")
        if num_id:
            return num_id, int(_first(element, "./w:pPr/w:numPr/w:ilvl/@w:val", "0"))
    return None


# -- PDF -------------------------------------------------------------------------------------------


def _read_pdf(data: bytes) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError("Tệp PDF được đặt mật khẩu: hãy tải lên bản không đặt mật khẩu.")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise ValidationError("Không đọc được tệp PDF: tệp bị hỏng hoặc không đúng định dạng.") from error
    text = "\n".join(pages)
    if sum(ch.isalpha() for ch in text) < _MIN_LETTERS:
        raise ValidationError(
            "Tệp PDF không có lớp chữ (có thể là bản chụp, bản scan): hãy tải lên bản .docx "
            "hoặc tệp PDF có thể chọn và sao chép chữ."
        )
    return text


_READERS: dict[str, Callable[[bytes], str]] = {".txt": _read_txt, ".docx": _read_docx, ".pdf": _read_pdf}
