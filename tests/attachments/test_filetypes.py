"""Allowed types are decided by content (magic bytes), and the name's extension must agree with it."""

from __future__ import annotations

import pytest

from kpi_tasks.attachments.filetypes import check_file, clean_name, sniff
from kpi_tasks.errors import ValidationError
from tests.attachments.helpers import DOC, DOCX, EXE, JPEG, PDF, PNG, XLS, XLSM, XLSX


@pytest.mark.parametrize(("name", "data", "kind"), [
    ("bao-cao.pdf", PDF, "pdf"), ("Báo cáo quý I.docx", DOCX, "docx"), ("so-lieu.xlsx", XLSX, "xlsx"),
    ("cong-van.doc", DOC, "doc"), ("bang.xls", XLS, "xls"), ("scan.png", PNG, "png"), ("anh.JPG", JPEG, "jpeg"),
    ("anh.jpeg", JPEG, "jpeg"),
])
def test_accepted_kinds(name, data, kind):
    assert check_file(name, data).code == kind


def test_a_renamed_executable_is_refused_with_a_clear_message():
    with pytest.raises(ValidationError) as refused:
        check_file("bao-cao.pdf", EXE)
    message = refused.value.message
    assert message == refused.value.fields["file"]
    assert "“bao-cao.pdf”" in message
    assert "không phải tài liệu PDF" in message
    assert "chương trình (tệp thực thi)" in message
    with pytest.raises(ValidationError, match="tệp thực thi"):
        check_file("setup.exe", EXE)


@pytest.mark.parametrize(("name", "data", "text"), [
    ("anh.pdf", PNG, "nội dung là ảnh PNG"),
    ("so-lieu.xlsx", XLSM, "nội dung không đúng định dạng"),  # a macro-enabled workbook renamed
    ("so-lieu.xlsx", DOCX, "nội dung là văn bản Word (.docx)"),
    ("nen.docx", b"PK\x03\x04not really a zip", "nội dung không đúng định dạng"),
    ("bang.xls", DOC, "nội dung là văn bản Word (.doc)"),
    ("ghi-chu.txt", b"hello", "không thuộc loại được phép"),
    ("khong-duoi", PDF, "không thuộc loại được phép"),
    ("rong.pdf", b"", "rỗng"),
    ("script.pdf", b"#!/bin/sh\nrm -rf /\n", "tệp thực thi"),
])
def test_content_that_does_not_match_is_refused(name, data, text):
    with pytest.raises(ValidationError) as refused:
        check_file(name, data)
    assert text in refused.value.message


def test_sniff_knows_nothing_else():
    assert sniff(b"GIF89a") is None
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600) is None  # OLE without Word/Excel streams


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\Lan\\Báo cáo.pdf", "Báo cáo.pdf"),
    ("ten\x00la\x1f.pdf", "tenla.pdf"),
    ('a<b>:"c|?*.pdf', "abc.pdf"),
    ("..", ""),
    ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
])
def test_names_lose_folders_and_control_characters(raw, clean):
    assert clean_name(raw) == clean
