from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import FormField, HiddenField, StringField, TextAreaField

from kpi_tasks.forms import Form, SubForm


class SignerForm(SubForm):
    """One kind of document's signer and recipients (checked by documents.identity.save_identity)."""

    authority = StringField("Thẩm quyền ký (KT., TL., TM. …; để trống nếu ký trực tiếp)")
    title = StringField("Chức vụ người ký")
    name = StringField("Họ và tên người ký")
    recipients = TextAreaField("Nơi nhận (mỗi dòng một nơi; “- Như trên;” và “- Lưu: VT.” tự thêm)",
                               render_kw={"rows": 3})


class IdentityForm(Form):
    issuing_body = StringField("Tên cơ quan ban hành (đầy đủ)", render_kw={"placeholder": "Ủy ban nhân dân tỉnh …"})
    issuing_body_short = StringField("Tên viết tắt (dùng trong câu văn và trên tiêu đề của Văn phòng, đơn vị)",
                                     render_kw={"placeholder": "UBND tỉnh …"})
    superior_body = StringField("Cơ quan chủ quản (in phía trên tên cơ quan ban hành; UBND để trống)")
    place_name = StringField("Địa danh ghi trước ngày tháng", render_kw={"placeholder": "Quảng Ngãi"})
    office_name = StringField("Tên Văn phòng (dùng trong câu văn)", render_kw={"placeholder": "Văn phòng UBND tỉnh"})
    office_header = StringField("Tên Văn phòng trên tiêu đề (in dưới tên cơ quan)",
                                render_kw={"placeholder": "Văn phòng"})
    committee_symbol = StringField("Chữ viết tắt của cơ quan trong ký hiệu văn bản", render_kw={"placeholder": "UBND"})
    office_symbol = StringField("Chữ viết tắt của Văn phòng trong ký hiệu văn bản", render_kw={"placeholder": "VP"})
    monthly_report = FormField(SignerForm, label="Báo cáo tháng gửi Chủ tịch (Văn phòng ký)")
    unit_report = FormField(SignerForm, label="Báo cáo của đơn vị (thủ trưởng đơn vị ký)")
    apology_letter = FormField(SignerForm, label="Phiếu xin lỗi (thủ trưởng cơ quan, đơn vị giải quyết hồ sơ ký)")
    version = HiddenField()


class TemplateUploadForm(Form):
    file = FileField("Tệp mẫu (.docx)")


class TemplateRevertForm(Form):
    """Only its CSRF token: the kind is in the address."""
