"""The kinds of Word document the product issues, who issues each and what it prints by default."""

from __future__ import annotations

from dataclasses import dataclass

COMMITTEE, OFFICE, UNIT = "committee", "office", "unit"  # who a kind's header names as the issuer

MONTHLY_REPORT = "monthly_report"
UNIT_REPORT = "unit_report"
APOLOGY_LETTER = "apology_letter"
SCORING_APPENDIX = "scoring_appendix"


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str
    issued_by: str  # COMMITTEE, OFFICE or UNIT (the handling unit, below the committee)
    signed: bool  # an appendix is not signed on its own: it goes with its decision
    title: str = ""  # the signer's default title
    authority: str = ""  # "KT. CHỦ TỊCH", "TL. CHỦ TỊCH", …
    recipients: tuple[str, ...] = ()  # the default heads of "Nơi nhận", after "- Như trên;"


WORD_KINDS: dict[str, DocumentKind] = {
    kind.code: kind for kind in (
        DocumentKind(MONTHLY_REPORT, "Báo cáo tháng gửi Chủ tịch (kết quả thực hiện nhiệm vụ)", OFFICE, True,
                     title="CHÁNH VĂN PHÒNG", recipients=("Các Phó Chủ tịch UBND", "Lãnh đạo Văn phòng")),
        DocumentKind(UNIT_REPORT, "Báo cáo của đơn vị (kết quả thực hiện nhiệm vụ được giao)", UNIT, True,
                     title="THỦ TRƯỞNG ĐƠN VỊ", recipients=("Văn phòng UBND (để tổng hợp)",)),
        DocumentKind(APOLOGY_LETTER, "Phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu số 04)", UNIT, True,
                     title="THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ"),
        DocumentKind(SCORING_APPENDIX, "Phụ lục kết quả chấm điểm thi đua (kèm theo quyết định)", COMMITTEE,
                     False),
    )
}
SIGNED_KINDS = [kind for kind in WORD_KINDS.values() if kind.signed]
