"""Small real files for attachment tests: each is the smallest valid file of its kind."""

from __future__ import annotations

import io
import zipfile

from werkzeug.datastructures import FileStorage

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
# A Windows program's first bytes: "MZ", the DOS stub, "This program cannot be run in DOS mode".
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + \
      b"This program cannot be run in DOS mode.\r\r\n$" + b"\x00" * 64


def office_file(main_content_type: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'content-types"><Override PartName="/main.xml" ContentType="{main_content_type}"/></Types>',
        )
        archive.writestr("main.xml", "<x/>")
    return buffer.getvalue()


DOCX = office_file("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = office_file("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
XLSM = office_file("application/vnd.ms-excel.sheet.macroEnabled.main+xml")
OLE_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
DOC = OLE_HEADER + "WordDocument".encode("utf-16-le") + b"\x00" * 64
XLS = OLE_HEADER + "Workbook".encode("utf-16-le") + b"\x00" * 64


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)
