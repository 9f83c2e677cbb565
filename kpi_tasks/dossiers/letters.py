"""The apology letter in the layout of form no. 04 of Circular 01/2018/TT-VPCP ("Phiếu xin lỗi và hẹn lại
ngày trả kết quả"): header (the committee above the handling unit / national motto, number, place and date),
the addressee, the dossier, the reason for the delay, the new appointment date, "Nơi nhận" and the signer.

`letter_context` builds the text once; the HTML print view and the Word template lay out the same context.
"""

from __future__ import annotations

from typing import Any

from kpi_tasks.documents.context import base_context
from kpi_tasks.documents.identity import Identity, long_date
from kpi_tasks.documents.kinds import APOLOGY_LETTER
from kpi_tasks.documents.word import DOCX_MIME, render_document
from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.text import format_date

__all__ = ["DOCX_MIME", "letter_context", "letter_docx"]
BLANK = "…………………"
TITLE = "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ"


def _paragraphs(letter: ApologyLetter) -> list[str]:
    dossier = letter.dossier
    body = letter.unit.name
    applicant = dossier.applicant or "ông (bà)/tổ chức"
    procedure = f"“{dossier.procedure}”" if dossier.procedure else BLANK
    return [
        f"Ngày {format_date(dossier.received_on)}, {body} tiếp nhận hồ sơ đề nghị giải quyết thủ tục hành chính "
        f"{procedure} của {applicant}.",
        f"Mã số hồ sơ: {dossier.code}.",
        f"Ngày hẹn trả kết quả giải quyết hồ sơ: {format_date(dossier.due_on)}.",
        f"Tuy nhiên đến nay, {body} chưa trả kết quả giải quyết hồ sơ đúng hẹn ghi trên Giấy tiếp nhận hồ sơ "
        "và hẹn trả kết quả.",
        f"Lý do chậm trễ: {letter.reason or BLANK}",
        f"Sự chậm trễ này đã gây phiền hà cho ông (bà)/tổ chức. {body} xin lỗi ông (bà)/tổ chức và hẹn lại ngày "
        f"trả kết quả giải quyết hồ sơ vào {long_date(letter.new_appointment_on)}.",
        "Mong nhận được sự thông cảm của ông (bà)/tổ chức vì sự chậm trễ này./.",
    ]


def letter_context(letter: ApologyLetter, identity: Identity) -> dict[str, Any]:
    """The letter's text: the handling unit under the committee, dated the day it was issued (blank until
    then), signed by the name recorded with it."""
    unit = letter.unit
    return base_context(identity, APOLOGY_LETTER, letter.issued_on, symbol="PXL", unit_name=unit.name,
                        unit_is_committee=unit.kind == "commune", signer_name=letter.signer or "") | {
        "title": TITLE,
        "addressee": letter.dossier.applicant or BLANK,
        "paragraphs": _paragraphs(letter),
    }


def letter_docx(letter: ApologyLetter, identity: Identity) -> bytes:
    """The letter as a Word document, from the template in force."""
    return render_document(APOLOGY_LETTER, letter_context(letter, identity),
                           title=f"Phiếu xin lỗi - hồ sơ {letter.dossier.code}", author=letter.unit.name)
