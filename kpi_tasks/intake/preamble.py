"""The preamble: the directives implemented ("Thực hiện Văn bản số ...") and the addressees it hands the
work to ("Chủ tịch UBND huyện yêu cầu Thủ trưởng ...")."""

from __future__ import annotations

import re

from kpi_tasks.intake.header import Header
from kpi_tasks.intake.paragraphs import Paragraph
from kpi_tasks.intake.text import Text, is_upper_block, vn
from kpi_tasks.intake.unit_phrases import lead_anywhere, read_units

_BASIS_START_RE = vn(
    r"(?:thực hiện|căn cứ|triển khai|để triển khai|để thực hiện|tiếp theo|theo|nhằm triển khai)(?![^\W\d_])"
)
_REFERENCE_RE = re.compile(
    r"(?:[Ss]ố\s+)?(?P<number>\d{1,5}(?:-[A-ZĐ]{1,6})?)\s*/\s*(?P<symbol>[A-ZĐ][\wĐđ]*(?:[-/][\wĐđ]+)*)"
    r"(?:\s*,?\s*ngày\s+(?P<date>\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))?"
)

# "45/UBND-" / "VP": a symbol the layout broke after its hyphen.
_SYMBOL_BROKEN_AT_HYPHEN_RE = re.compile(r"(?<=[A-ZĐ])-\s+(?=[A-ZĐ]{2,}\b)")


def preamble_lead(source: Text, preamble: list[Paragraph]) -> list[str]:
    """The addressees the preamble hands the work to. Lines in capitals are titles, not assignments: the
    authority a decision is made by ("CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN X"), "QUYẾT ĐỊNH:"."""
    lead: list[str] = []
    earlier: list[Text] = []
    for paragraph in preamble:
        seg = paragraph.content(source)
        if is_upper_block(seg.text):
            continue
        found = lead_anywhere(seg) or _unit_referred_back(seg, earlier)
        if found:
            lead = found
        earlier.append(seg)
    return lead


# "yêu cầu lãnh đạo, công chức phòng tiếp tục ...": the staff of "the department", named in full before
# ("... tập thể lãnh đạo, công chức phòng Văn hoá - Xã hội").
_STAFF_OF_RE = vn(
    r"(?:yêu cầu|đề nghị|giao)\s+(?:(?:tập thể|toàn thể)\s+)?(?:(?:lãnh đạo|công chức|cán bộ|viên chức|người lao động)"
    r"(?:\s*,\s*|\s+và\s+|\s+))+(?P<head>phòng|ban|trung tâm|văn phòng)(?![^\W\d_])"
)
_HEAD_NAMED_RE = {head: vn(rf"(?<![^\W\d_]){head}(?![^\W\d_])") for head in ("phòng", "ban", "trung tâm", "văn phòng")}


def _unit_referred_back(seg: Text, earlier: list[Text]) -> list[str]:
    """The unit a bare head noun refers back to: the last one named with that head, here or before."""
    for match in _STAFF_OF_RE.finditer(seg.low):
        after = seg.text[match.end() : match.end() + 2].strip()
        if after[:1].isupper():
            continue  # the head comes with its own name: read where it stands
        head_re = _HEAD_NAMED_RE[match["head"]]
        for text, end in [(seg, match.start()), *((t, len(t)) for t in reversed(earlier))]:
            named = [m for m in head_re.finditer(text.low, 0, end) if text.text[m.end() + 1 : m.end() + 2].isupper()]
            if named:
                units = read_units(text, named[-1].start())
                if units.names:
                    return units.names
    return []


def implemented_directives(source: Text, header: Header, preamble: list[Paragraph]) -> list[str]:
    """References in the subject and in the preamble's basis sentences ("Thực hiện Văn bản số ...")."""
    texts = [header.subject]
    for paragraph in preamble:
        seg = paragraph.content(source)
        if _BASIS_START_RE.match(seg.low):
            texts.append(seg.text)
    references: dict[str, str] = {}
    for text in texts:
        text = _SYMBOL_BROKEN_AT_HYPHEN_RE.sub("-", text)
        for match in _REFERENCE_RE.finditer(text):
            key = f"{match['number']}/{match['symbol']}"
            if key not in references:
                references[key] = key + (f" ngày {_reference_date(match['date'])}" if match["date"] else "")
    return list(references.values())


def _reference_date(text: str) -> str:
    """Numeric dates as printed; dates in words made numeric: "5 tháng 3 năm 2025" → "5/3/2025"."""
    words = re.fullmatch(r"(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", text)
    if words:
        return f"{int(words[1])}/{int(words[2])}/{words[3]}"
    return re.sub(r"\s+", "", text)
