"""Sample contexts, one per kind of Word document: every name a template may use, with example values.

An uploaded template is validated by rendering it once with its kind's sample; the tests check that the
contexts the application builds have the same names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kpi_tasks.documents.context import base_context, table
from kpi_tasks.documents.identity import Identity, Signer
from kpi_tasks.documents.kinds import APOLOGY_LETTER, MONTHLY_REPORT, SCORING_APPENDIX, UNIT_REPORT

SAMPLE_DAY = dt.date(2026, 3, 16)
SAMPLE_IDENTITY = Identity(
    issuing_body="Ủy ban nhân dân tỉnh Quảng Ngãi", issuing_body_short="UBND tỉnh Quảng Ngãi",
    place_name="Quảng Ngãi", office_name="Văn phòng UBND tỉnh", office_header="Văn phòng",
    signers={MONTHLY_REPORT: Signer("", "Chánh Văn phòng", "Nguyễn Văn An", ("Các Phó Chủ tịch UBND tỉnh",))},
    stored=True,
)
_TASK = ["1", "Số hóa hồ sơ thủ tục hành chính", "452/UBND-KSTT", "Sở Tư pháp", "10/03/2026", "6"]


def _monthly() -> dict[str, Any]:
    return base_context(SAMPLE_IDENTITY, MONTHLY_REPORT, SAMPLE_DAY, symbol="BC-VP") | {
        "title_lines": ["Kết quả thực hiện nhiệm vụ do Ủy ban nhân dân, Chủ tịch",
                        "Ủy ban nhân dân tỉnh Quảng Ngãi giao tháng 3 năm 2026"],
        "addressee": "Chủ tịch Ủy ban nhân dân tỉnh Quảng Ngãi",
        "intro": "Văn phòng UBND tỉnh báo cáo kết quả thực hiện nhiệm vụ tháng 3 năm 2026 như sau:",
        "general": ["Hoàn thành đúng hạn: 4 nhiệm vụ;"],
        "stats": table([("I. Các cơ quan chuyên môn", [["1", "Sở Tư pháp", "3", "1", "1", "0", "1", "0", "50,00%"]])],
                       total=["", "Tổng cộng", "3", "1", "1", "0", "1", "0", "50,00%"], intro="", empty=""),
        "overdue": table([("", [_TASK])], intro="Có 1 nhiệm vụ:", empty="Không có."),
        "late": table([("", [[*_TASK[:5], "12/03/2026", "2"]])], intro="Có 1 nhiệm vụ:", empty="Không có."),
        "extensions": table([("", [["1", "Số hóa", "Sở Tư pháp", "10/03/2026", "20/03/2026", "Chờ số liệu",
                                    "Đồng ý"]])], intro="Có 1 đề nghị:", empty="Không có."),
        "kpis": table([("", [["1", "Tỷ lệ hồ sơ trực tuyến", "%", "Năm 2026", "≥ 50,00%", "45,00%",
                               "Chưa đạt"]])], intro="", empty="Chưa có chỉ tiêu."),
        "proposals": ["Đề nghị Chủ tịch UBND tỉnh chỉ đạo …"],
        "closing": "Số liệu chi tiết tại các Biểu 01–05 kèm theo.",
    }


def _unit() -> dict[str, Any]:
    return base_context(SAMPLE_IDENTITY, UNIT_REPORT, SAMPLE_DAY, symbol="BC-STP", unit_name="Sở Tư pháp") | {
        "title_lines": ["Kết quả thực hiện nhiệm vụ do Ủy ban nhân dân, Chủ tịch",
                        "Ủy ban nhân dân tỉnh Quảng Ngãi giao tháng 3 năm 2026"],
        "addressee": "Ủy ban nhân dân tỉnh Quảng Ngãi",
        "intro": "Sở Tư pháp báo cáo kết quả thực hiện nhiệm vụ tháng 3 năm 2026 như sau:",
        "general": ["Được giao 3 nhiệm vụ;"],
        "overdue": table([("", [_TASK])], intro="", empty="Không có."),
        "due_soon": table([("", [_TASK])], intro="", empty="Không có."),
        "kpis": table([("", [["1", "Tỷ lệ hồ sơ trực tuyến", "≥ 50,00%", "45,00%", "Chưa đạt"]])], intro="",
                      empty="Không có."),
        "closing": "Sở Tư pháp báo cáo Ủy ban nhân dân tỉnh./.",
    }


def _letter() -> dict[str, Any]:
    return base_context(SAMPLE_IDENTITY, APOLOGY_LETTER, SAMPLE_DAY, symbol="PXL", unit_name="Sở Tư pháp",
                        signer_name="Ngô Văn Dũng") | {
        "addressee": "Ông Nguyễn Văn A",
        "paragraphs": ["Ngày 02/03/2026, Sở Tư pháp tiếp nhận hồ sơ …", "Mã số hồ sơ: 000.00.01.H48-260302-0001."],
    }


def _scoring() -> dict[str, Any]:
    row = ["1", "Sở Tư pháp", "4", "1", "1", "0", "63,64%", "38,18", "1/2", "10,00", "0,00", "48,18", "Hoàn thành"]
    return base_context(SAMPLE_IDENTITY, SCORING_APPENDIX, SAMPLE_DAY) | {
        "title": "KẾT QUẢ CHẤM ĐIỂM THI ĐUA VỀ THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO NĂM 2026",
        "attached_to": "(Kèm theo Quyết định số      /QĐ-UBND ngày …… tháng …… năm 2026 của UBND tỉnh Quảng Ngãi)",
        "period": "Kỳ đánh giá từ 01/01/2026 đến 31/12/2026",
        "scores": table([("I. Các cơ quan chuyên môn", [row])], total=["", "Tổng cộng", "4", "1", "1", "0", *[""] * 7]),
        "notes": ["- Tiêu chí chấm điểm năm 2026."],
    }


def sample_context(kind: str) -> dict[str, Any]:
    return {MONTHLY_REPORT: _monthly, UNIT_REPORT: _unit, APOLOGY_LETTER: _letter, SCORING_APPENDIX: _scoring}[kind]()
