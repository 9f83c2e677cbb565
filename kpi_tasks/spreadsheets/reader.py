"""The one reader of uploaded spreadsheets (.xlsx, .csv) and Office packages, for every import.

An uploaded file is hostile until read. Before openpyxl (or python-docx) parses anything:
- every part of the zip package is bounded twice: by the size its header declares, and by the bytes actually
  inflated while it is streamed through a scan (a header may lie: the inflated bytes are counted, never
  trusted). Worksheets may be large (a province's year of dossiers), shared strings less (openpyxl holds them
  all), every other part small;
- no XML part may declare a DTD (`<!DOCTYPE`, `<!ENTITY`): entity expansion and external entities have no
  place in an Office file;
- no run of text may exceed what one Excel cell can hold (32,767 characters): a one-cell bomb is refused
  at its first block instead of being built in memory.

Reading itself: the first sheet's stated `<dimension>` is ignored (`reset_dimensions`: a stale one would cut
the sheet short, and an import would report success on part of its rows); CSV files are decoded as UTF-8
(with or without BOM), UTF-16 with a BOM (Excel's "Unicode text") or Windows' Vietnamese code page (cp1258),
their separator sniffed. Whatever is wrong, the error says so in Vietnamese (SpreadsheetRefused), never as a
server error.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException

from kpi_tasks.errors import ValidationError
from kpi_tasks.text import format_number

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Largest inflated size of each kind of part and of the whole package, and the longest run of text."""

    worksheet: int = 512 * MB
    shared_strings: int = 64 * MB
    other_xml: int = 16 * MB
    binary: int = 64 * MB  # pictures and the like, which do not compress: about their size in the upload
    total: int = 1024 * MB
    parts: int = 2000
    # No text node of a spreadsheet is longer than one Excel cell (32,767 characters, at most 6 bytes each once
    # escaped): a block this long without any "<" is a bomb, not a cell.
    text_run: int = 256 * 1024


DEFAULT_LIMITS = Limits()
# A Word document's paragraph may be longer than a cell; lxml itself stops at 10 MB per text node.
DOCX_LIMITS = Limits(other_xml=64 * MB, text_run=4 * MB)
_DTD_MARKERS = (b"<!DOCTYPE", b"<!doctype", b"<!ENTITY", b"<!entity")
_XML_SUFFIXES = (".xml", ".rels", ".vml")


class SpreadsheetRefused(ValidationError):
    """The file as a whole cannot be read; `message` says why, in Vietnamese."""

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message, {"file": message})
        if too_large:
            self.http_status, self.code = 413, "too_large"


# ----------------------------------------------------------------------------------------- the package

def check_package(source: Path | bytes, limits: Limits = DEFAULT_LIMITS, kind_name: str = "Excel (.xlsx)") -> None:
    """Refuse a zip package (xlsx, docx) with a part too large, a DTD, or an impossibly long run of text."""
    with ExitStack() as stack:
        handle = stack.enter_context(source.open("rb")) if isinstance(source, Path) else io.BytesIO(source)
        try:
            archive = stack.enter_context(zipfile.ZipFile(handle))
            members = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
            raise _unreadable(kind_name) from error
        if len(members) > limits.parts:
            raise SpreadsheetRefused(f"Tệp {kind_name} có quá nhiều thành phần ({format_number(len(members))}): "
                                     "không phải tệp Office bình thường.")
        total = 0
        for member in members:
            limit = _limit_of(member.filename, limits)
            if member.file_size > limit:
                raise _too_large(kind_name, member.filename, member.file_size, limit)
            total += _scan_part(archive, member, limit, limits.text_run, kind_name)
            if total > limits.total:
                raise _too_large(kind_name, "(toàn bộ)", total, limits.total)


def _limit_of(name: str, limits: Limits) -> int:
    lowered = name.lower()
    if lowered.startswith("xl/worksheets/") and lowered.endswith(".xml"):
        return limits.worksheet
    if lowered.endswith("sharedstrings.xml"):
        return limits.shared_strings
    return limits.other_xml if lowered.endswith(_XML_SUFFIXES) else limits.binary


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int, block_size: int,
               kind_name: str) -> int:
    """Inflate one part block by block, counting the bytes; returns how many there were."""
    is_xml = member.filename.lower().endswith(_XML_SUFFIXES)
    count = 0
    tail = b""
    try:
        with archive.open(member) as stream:
            while block := stream.read(block_size):
                count += len(block)
                if count > limit:
                    raise _too_large(kind_name, member.filename, count, limit)
                if not is_xml:
                    continue
                window = tail + block
                if any(marker in window for marker in _DTD_MARKERS):
                    raise SpreadsheetRefused(f"Tệp {kind_name} chứa khai báo DTD (<!DOCTYPE>), điều tệp Office "
                                             "bình thường không có: tệp bị từ chối vì lý do an toàn.")
                if len(block) == block_size and b"<" not in block:
                    raise SpreadsheetRefused(f"Tệp {kind_name} có một ô hoặc một đoạn chữ liền dài bất thường (hơn "
                                             f"{format_number(block_size // 1024)} KB), điều tệp bình thường không "
                                             "có: tệp bị từ chối vì lý do an toàn.")
                tail = block[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        # A bad CRC, an unknown compression method, an encrypted part: not a file Excel or Word wrote.
        raise _unreadable(kind_name) from error
    return count


def _unreadable(kind_name: str) -> SpreadsheetRefused:
    return SpreadsheetRefused(f"Tệp không phải là tệp {kind_name} hợp lệ: tệp bị hỏng hoặc không đúng định dạng.")


def _too_large(kind_name: str, part: str, size: int, limit: int) -> SpreadsheetRefused:
    return SpreadsheetRefused(
        f"Tệp {kind_name} khi giải nén quá lớn (phần “{part[:80]}” hơn {limit // MB} MB): có thể là tệp độc hại "
        "hoặc bị hỏng. Hãy lưu lại tệp bằng Excel hoặc chia nhỏ rồi gửi lại.", too_large=True)


# ------------------------------------------------------------------------------------------------ xlsx

@contextmanager
def xlsx_rows(source: Path | bytes, max_col: int | None = None,
              limits: Limits = DEFAULT_LIMITS) -> Iterator[Iterator[tuple[int, tuple[Any, ...]]]]:
    """The first sheet's rows as (row number, values), streamed, after `check_package`."""
    check_package(source, limits)
    handle: IO[bytes] = source.open("rb") if isinstance(source, Path) else io.BytesIO(source)
    try:
        try:
            # load_workbook() itself, without its check of the file name's suffix (a stored upload has none).
            reader = ExcelReader(handle, read_only=True, data_only=True)
            reader.read()
            workbook = reader.wb
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError, AttributeError,
                IndexError, SyntaxError) as error:  # lxml's and ElementTree's parse errors are SyntaxErrors
            raise _unreadable("Excel (.xlsx)") from error
        try:
            if not workbook.worksheets:
                raise SpreadsheetRefused("Tệp Excel (.xlsx) không có trang tính nào.")
            sheet = workbook.worksheets[0]
            if hasattr(sheet, "reset_dimensions"):  # a chart sheet has none
                sheet.reset_dimensions()  # the stated <dimension> may be stale: read every row there is
            yield _numbered(sheet.iter_rows(max_col=max_col, values_only=True))
        finally:
            workbook.close()
    finally:
        handle.close()


def _numbered(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    number = 0
    try:
        for number, values in enumerate(rows, start=1):
            yield number, values
    except (KeyError, ValueError, TypeError, AttributeError, IndexError, SyntaxError, zipfile.BadZipFile,
            OSError) as error:
        raise SpreadsheetRefused(f"Tệp Excel (.xlsx) bị hỏng sau dòng {number}: không đọc tiếp được.") from error


# ------------------------------------------------------------------------------------------------- csv

def csv_encoding(sample: bytes) -> str:
    """UTF-16 with a BOM (Excel's "Unicode text"), UTF-8 with or without BOM (the dossier systems), else
    cp1258 (Excel's CSV on a Vietnamese Windows)."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise SpreadsheetRefused("Tệp không phải tệp CSV (văn bản): có byte NUL. Hãy xuất lại từ hệ thống một cửa "
                                 "hoặc lưu bằng Excel dạng CSV UTF-8.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1258"
    return "utf-8-sig"


_CONTROL = {chr(code) for code in range(32)} - {"\t", "\n", "\r"}


@contextmanager
def csv_rows(path: Path, encoding: str | None = None,
             dialect: Any = None) -> Iterator[Iterator[tuple[int, tuple[str, ...]]]]:
    """Rows of a CSV file as (row number, values), streamed; the encoding and the separator detected unless
    given."""
    with path.open("rb") as raw:
        sample = raw.read(1 << 20)
    encoding = encoding or csv_encoding(sample)
    try:
        text_sample = sample.decode(encoding, errors="ignore")[:64 * 1024]
    except LookupError as error:  # pragma: no cover - the encodings above all exist
        raise SpreadsheetRefused("Không nhận ra bảng mã của tệp CSV.") from error
    if sum(character in _CONTROL for character in text_sample) > max(8, len(text_sample) // 100):
        raise SpreadsheetRefused("Tệp không phải tệp CSV (văn bản): có nhiều ký tự điều khiển. Hãy xuất lại tệp "
                                 "từ hệ thống một cửa hoặc lưu bằng Excel dạng CSV.")
    with path.open(encoding=encoding, newline="") as handle:
        if dialect is None:
            try:
                dialect = csv.Sniffer().sniff(text_sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
        yield _csv_numbered(csv.reader(handle, dialect))


def _csv_numbered(reader: Any) -> Iterator[tuple[int, tuple[str, ...]]]:
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            yield number, tuple(values)
    except UnicodeDecodeError as error:
        raise SpreadsheetRefused(f"Tệp CSV có ký tự không đọc được ở dòng {number + 1}: lưu lại tệp với mã hóa "
                                 "UTF-8 rồi gửi lại.") from error
    except csv.Error as error:
        reason = ("có ký tự NUL" if "NUL" in str(error) else
                  f"có một ô dài hơn {format_number(csv.field_size_limit())} ký tự"
                  if "field larger" in str(error) else "sai cấu trúc CSV")
        raise SpreadsheetRefused(f"Tệp CSV không đọc được ở dòng {number + 1}: {reason}.") from error
