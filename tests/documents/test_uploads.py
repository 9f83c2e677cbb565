"""An admin replaces a kind's Word template (checked, validated by rendering it once, logged) and reverts to
the shipped one; the admin's page saves the identity with its change log; PDF without LibreOffice."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import pytest

from kpi_tasks.audit.services import history
from kpi_tasks.documents import pdf
from kpi_tasks.documents.identity import ENTITY, current_identity, root_identity_row
from kpi_tasks.documents.kinds import APOLOGY_LETTER, MONTHLY_REPORT
from kpi_tasks.documents.samples import sample_context
from kpi_tasks.documents.uploads import MAX_TEMPLATE_BYTES, revert_template, upload_template
from kpi_tasks.documents.word import render_document, shipped_template, template_for
from kpi_tasks.errors import ValidationError
from tests.documents.helpers import IDENTITY_FORM
from tests.factories import commit, csrf_token, login, make_identity, make_user


def _edited(kind: str, old: str, new: str) -> bytes:
    """The shipped template of `kind` with one piece of its text changed, as an office would in Word."""
    source = zipfile.ZipFile(io.BytesIO(shipped_template(kind)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                assert old.encode() in data
                data = data.replace(old.encode(), new.encode())
            target.writestr(item, data)
    return buffer.getvalue()


def _body(data: bytes) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)


def test_an_uploaded_template_is_used_until_the_admin_reverts_it(app_ctx):
    admin = make_user("admin")
    make_identity()
    edited = _edited(APOLOGY_LETTER, "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "PHIẾU XIN LỖI (MẪU CỦA TỈNH)")
    upload_template(admin, APOLOGY_LETTER, "phieu.docx", edited)
    rendered = render_document(APOLOGY_LETTER, sample_context(APOLOGY_LETTER), title="", author="")
    assert "PHIẾU XIN LỖI (MẪU CỦA TỈNH)" in _body(rendered)
    assert template_for(MONTHLY_REPORT) == shipped_template(MONTHLY_REPORT)  # other kinds keep theirs
    assert revert_template(admin, APOLOGY_LETTER)
    assert template_for(APOLOGY_LETTER) == shipped_template(APOLOGY_LETTER)
    assert not revert_template(admin, APOLOGY_LETTER)
    lines = [(line.old, line.new) for event in history(ENTITY, root_identity_row().id) for line in event.lines
             if line.label == "Mẫu phiếu xin lỗi"]
    assert lines == [("Mẫu có sẵn", "phieu.docx"), ("phieu.docx", "Mẫu có sẵn")]


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("mau.docx", b"", "Chưa chọn tệp mẫu"),
    ("mau.docx", b"PK\x03\x04" + b"x" * MAX_TEMPLATE_BYTES, "lớn hơn 2 MB"),
    ("mau.docx", b"{{ header.superior }} as plain text", "phải là văn bản Word"),
    ("mau.pdf", "_shipped", "phải là văn bản Word"),
    ("mau.docx", "_misspelt", "Mẫu không dùng được"),
    ("mau.docx", "_unclosed", "Mẫu không dùng được"),
])
def test_a_template_that_is_not_a_working_docx_is_refused(app_ctx, filename, content, message):
    admin = make_user("admin")
    make_identity()
    if content == "_shipped":
        content = shipped_template(APOLOGY_LETTER)
    elif content == "_misspelt":
        content = _edited(APOLOGY_LETTER, "{{ addressee }}", "{{ adressee }}")
    elif content == "_unclosed":
        content = _edited(APOLOGY_LETTER, "{%p endfor %}", "{%p endif %}")
    with pytest.raises(ValidationError) as caught:
        upload_template(admin, APOLOGY_LETTER, filename, content)
    assert message in caught.value.message
    assert template_for(APOLOGY_LETTER) == shipped_template(APOLOGY_LETTER)


def test_a_template_with_macros_is_refused(app_ctx):
    make_identity()
    buffer = io.BytesIO(_edited(APOLOGY_LETTER, "Kính gửi", "Kính gửi"))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("word/vbaProject.bin", b"\x00" * 16)
    with pytest.raises(ValidationError, match="macro"):
        upload_template(make_user("admin"), APOLOGY_LETTER, "mau.docx", buffer.getvalue())


def test_the_admin_page_saves_the_identity_and_shows_its_change_log(app_ctx, client):
    make_user("admin", username="quantri")
    commit()
    login(client, "quantri")
    page = client.get("/admin/documents/").get_data(as_text=True)
    assert "Chưa khai báo" in page
    assert 'value="CHÁNH VĂN PHÒNG"' in page  # the signers' defaults fill the form the first time
    token = csrf_token(client, "/admin/documents/")
    blank = client.post("/admin/documents/", data={**IDENTITY_FORM, "place_name": "", "csrf_token": token})
    assert blank.status_code == 200
    assert "Chưa nhập địa danh." in blank.get_data(as_text=True)
    assert 'value="Ủy ban nhân dân tỉnh Gia Lai"' in blank.get_data(as_text=True)  # what was typed stays
    saved = client.post("/admin/documents/", data={**IDENTITY_FORM, "monthly_report-name": "Nguyễn Văn An",
                                                    "csrf_token": token})
    assert saved.status_code == 303
    assert current_identity().signer(MONTHLY_REPORT).name == "Nguyễn Văn An"
    page = client.get("/admin/documents/").get_data(as_text=True)
    history_html = re.search(r'id="history">.*?</ol>', page, re.S).group(0)
    assert "Địa danh: — → Gia Lai" in history_html


def test_an_identity_saved_meanwhile_is_told_on_the_form_keeping_what_was_typed(app_ctx, client):
    make_user("admin", username="quantri")
    make_identity()
    commit()
    login(client, "quantri")
    stale_version = str(root_identity_row().version)
    make_identity(place_name="Kon Tum")  # another admin saved in between
    commit()
    token = csrf_token(client, "/admin/documents/")
    refused = client.post("/admin/documents/", data={**IDENTITY_FORM, "place_name": "Pleiku", "version": stale_version,
                                                      "csrf_token": token})
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "Thông tin cơ quan ban hành vừa được người khác sửa" in page
    assert 'value="Pleiku"' in page
    assert current_identity().place_name == "Kon Tum"


def test_uploading_through_the_page(app_ctx, client):
    make_user("admin", username="quantri")
    make_identity()
    commit()
    login(client, "quantri")
    token = csrf_token(client, "/admin/documents/")
    edited = _edited(MONTHLY_REPORT, "VII. ĐỀ XUẤT, KIẾN NGHỊ", "VII. KIẾN NGHỊ")
    response = client.post("/admin/documents/templates/monthly_report",
                           data={"file": (io.BytesIO(edited), "bao-cao.docx"), "csrf_token": token},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Đã thay mẫu" in response.get_data(as_text=True)
    assert "bao-cao.docx" in response.get_data(as_text=True)
    current = client.get("/admin/documents/templates/monthly_report.docx")
    assert current.data == edited
    shipped = client.get("/admin/documents/templates/monthly_report.docx?shipped=1")
    assert shipped.data == shipped_template(MONTHLY_REPORT)


def test_without_libreoffice_the_pdf_is_refused_with_a_clear_message(app_ctx, client, monkeypatch):
    monkeypatch.setattr(pdf, "soffice", lambda: None)
    make_user("admin", username="quantri")
    commit()
    login(client, "quantri")
    response = client.get("/admin/documents/templates/apology_letter/sample.docx?format=pdf")
    assert response.status_code == 503
    assert "Máy chủ chưa cài LibreOffice nên chưa tạo được bản PDF" in response.get_data(as_text=True)
    assert client.get("/admin/documents/templates/apology_letter/sample.docx").status_code == 200


@pytest.mark.skipif(pdf.soffice() is None, reason="LibreOffice (soffice) is not installed; .ci/run installs it")
def test_tai_pdf_downloads_the_pdf_of_the_same_document(app_ctx, client):
    make_user("admin", username="quantri")
    commit()
    login(client, "quantri")
    response = client.get("/admin/documents/templates/apology_letter/sample.docx?format=pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="van-ban-mau-apology-letter.pdf"'
    assert response.data.startswith(b"%PDF-")
