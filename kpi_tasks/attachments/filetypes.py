"""Which files may be attached, decided by their content (magic bytes), never by the name alone.

Accepted: PDF, Word (.docx; .doc), Excel (.xlsx; .xls), PNG and JPEG images. An Office Open XML file is a zip
whose `[Content_Types].xml` names the main part; a legacy .doc/.xls is an OLE2 compound file whose directory
names its "WordDocument" or "Workbook" stream. The extension must agree with the content, so an
executable renamed to .pdf, or a macro-enabled workbook renamed to .xlsx, is refused.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath, PureWindowsPath
from typing import NamedTuple

from kpi_tasks.errors import ValidationError


class FileKind(NamedTuple):
    code: str
    label: str
    content_type: str
    extensions: tuple[str, ...]


KINDS = {
    kind.code: kind
    for kind in (
        FileKind("pdf", "tài liệu PDF", "application/pdf", (".pdf",)),
        FileKind("docx", "văn bản Word (.docx)",
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
        FileKind("xlsx", "bảng tính Excel (.xlsx)",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
        FileKind("doc", "văn bản Word (.doc)", "application/msword", (".doc",)),
        FileKind("xls", "bảng tính Excel (.xls)", "application/vnd.ms-excel", (".xls",)),
        FileKind("png", "ảnh PNG", "image/png", (".png",)),
        FileKind("jpeg", "ảnh JPEG", "image/jpeg", (".jpg", ".jpeg")),
    )
}
CONTENT_TYPES = tuple(kind.content_type for kind in KINDS.values())
EXTENSIONS = {extension: kind for kind in KINDS.values() for extension in kind.extensions}
ALLOWED_TEXT = "PDF, Word (.doc, .docx), Excel (.xls, .xlsx), ảnh PNG hoặc JPEG"
MAX_NAME_LENGTH = 200

_PDF = b"%PDF-"
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
# Programs: Windows PE ("MZ"), Linux ELF, macOS Mach-O (both byte orders, fat binaries), scripts.
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
                b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
_WORD_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_SHEET_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CONTENT_TYPES_LIMIT = 1024 * 1024  # [Content_Types].xml is a few KB; a huge one is not an Office file


def clean_name(filename: str | None) -> str:
    """The name to show and to offer on download: no folders, no control characters, bounded length.

    Vietnamese letters are kept (the file is stored under a random name; this is only a label).
    """
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"/\\|?*').strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: MAX_NAME_LENGTH - len(extension) - 1] + dot + extension) if dot else name[:MAX_NAME_LENGTH]
    return name


def sniff(data: bytes) -> str | None:
    """The kind code the content is, or None when it is none of the accepted kinds."""
    if data.startswith(_PDF):
        return "pdf"
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpeg"
    if data.startswith(_OLE):
        return _ole_kind(data)
    if data.startswith(_ZIP):
        return _office_open_xml_kind(data)
    return None


def _ole_kind(data: bytes) -> str | None:
    # The compound file's directory entries carry stream names in UTF-16LE.
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    return None


def _office_open_xml_kind(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("[Content_Types].xml")
            if info.file_size > _CONTENT_TYPES_LIMIT:
                return None
            content_types = archive.read(info)
    except (zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError, OSError, EOFError):
        return None
    if _WORD_MAIN in content_types:
        return "docx"
    if _SHEET_MAIN in content_types:
        return "xlsx"
    return None


def check_file(name: str, data: bytes) -> FileKind:
    """The kind of an uploaded file, or a ValidationError (field `file`) that says plainly why it is refused."""
    if not name:
        raise _refuse("Tệp tải lên không có tên.")
    if not data:
        raise _refuse(f"Tệp “{name}” rỗng (0 byte).")
    extension = ("." + name.rsplit(".", 1)[1].lower()) if "." in name else ""
    expected = EXTENSIONS.get(extension)
    if data.startswith(_EXECUTABLES):
        what = f"không phải {expected.label}" if expected else "không phải tài liệu"
        raise _refuse(
            f"Tệp “{name}” {what}: nội dung là một chương trình (tệp thực thi) được đổi tên. "
            "Hệ thống không nhận tệp này."
        )
    if expected is None:
        raise _refuse(f"Tệp “{name}” không thuộc loại được phép. Chỉ nhận tệp {ALLOWED_TEXT}.")
    actual = sniff(data)
    if actual != expected.code:
        found = f"nội dung là {KINDS[actual].label}" if actual else "nội dung không đúng định dạng"
        raise _refuse(
            f"Tệp “{name}” có đuôi {extension} nhưng {found}. Hệ thống không nhận tệp này; "
            f"vui lòng gửi đúng tệp {ALLOWED_TEXT}."
        )
    return expected


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, {"file": message})
