"""What the document tests share."""

from __future__ import annotations

# The admin's form of the document identity, filled in for a province.
IDENTITY_FORM = {
    "issuing_body": "Ủy ban nhân dân tỉnh Gia Lai", "issuing_body_short": "UBND tỉnh Gia Lai", "superior_body": "",
    "place_name": "Gia Lai", "office_name": "Văn phòng UBND tỉnh", "office_header": "Văn phòng",
    "committee_symbol": "UBND", "office_symbol": "VP",
    **{f"{kind}-title": "Chánh Văn phòng" for kind in ("monthly_report", "unit_report", "apology_letter")},
}
