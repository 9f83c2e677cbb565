"""Rule-based reading of a directive: its header and the draft tasks the office only has to confirm.

`parse_directive(text)` returns the schema of `shared/intake/README.md`: the header (number and symbol,
issuer, year, subject, the directives it implements) and one draft per assignment, each with its section,
text, lead and coordinating units, deadline and KPI targets, plus `span` (where the draft's text lies in
the input) for the review page.

How a directive is read, in order (the module doing each step in brackets):

1. The input is cleaned (Markdown/HTML emphasis dropped, Unicode composed) while remembering where each
   character came from, so that every draft can point back into the original text [text].
2. Lines are joined into paragraphs: PDF text breaks lines inside sentences, so a paragraph ends only
   where a line opens with a numbering or bullet marker, or the previous line closes a sentence
   [paragraphs].
3. The header gives the number, issuer, date and "V/v" subject; the body runs from the end of the
   "Kính gửi" list to "Nơi nhận" (or the signature) [header, paragraphs]. Paragraphs before the first
   numbered item are the preamble: they name the directives implemented and often the addressees
   ("yêu cầu Thủ trưởng ...") [preamble].
4. Numbered items, lettered sub-items, bullets and plain paragraphs form a tree. An item that introduces
   a list ("... các nhiệm vụ sau:", "2.3. Về ...") is a heading; every other paragraph is a draft,
   split where a sentence hands work to a different unit ("Giao X ... . Giao Y ...") [sections, drafts].
   Appendix rows that assign a task or a target are drafts too [appendix].
5. Units come from the subject of the assignment ("Giao X chủ trì, phối hợp Y", "Phòng A và UBND các xã
   ...", "Đề nghị X:"); a paragraph without one takes its heading's units, then the preamble's
   [unit_phrases].
6. Deadlines and KPI targets are read from each draft's own text [deadlines, kpis].
"""

from __future__ import annotations

from kpi_tasks.intake.appendix import appendix_drafts
from kpi_tasks.intake.context import Context, Json
from kpi_tasks.intake.drafts import Draft
from kpi_tasks.intake.header import read_header
from kpi_tasks.intake.paragraphs import body_end, read_paragraphs, split_preamble
from kpi_tasks.intake.preamble import implemented_directives, preamble_lead
from kpi_tasks.intake.sections import drafts_from_flat_text, drafts_from_items, time_window
from kpi_tasks.intake.text import clean, split_lines, vn
from kpi_tasks.intake.unit_phrases import group_mentioned

__all__ = ["parse_directive"]


# The issuing committee itself, named alone ("UBND phường", "Ủy ban nhân dân xã Đức Hợp"): its own measures
# ("UBND phường tổ chức đoàn đi kiểm tra ...") are what it does, not work it hands out. Committees below it
# come as a group ("UBND các xã").
_ONE_COMMITTEE_RE = vn(
    r"(?:ủy ban nhân dân|uỷ ban nhân dân|ubnd)\s+(?:xã|phường|thị trấn|thị xã|huyện|tỉnh|thành phố|quận|đặc khu)"
    r"(?!\s+(?:các|cấp)\b)(?:\s+\S+){0,4}"
)


def _assigned(drafts: list[Draft]) -> list[Draft]:
    """The drafts that hand work to someone: a draft that names nobody takes a group its text mentions
    ("Tại trụ sở ... của các cơ quan, đơn vị treo cờ"), else it is no task (the issuer's own measure, a
    heading's leftover) unless it sets a target, whose unit the office then picks; a draft led by the
    issuing committee alone is its own measure."""
    kept = []
    for draft in drafts:
        if not draft.lead and draft.as_json()["kpis"]:
            kept.append(draft)
            continue
        if not draft.lead:
            draft.lead = group_mentioned(draft.seg)
        if not draft.lead or all(_ONE_COMMITTEE_RE.fullmatch(name.lower()) for name in draft.lead):
            continue
        kept.append(draft)
    return kept


def parse_directive(text: str) -> Json:
    """Read a directive's text and propose its header and draft tasks (see the module docstring)."""
    source = clean(text)
    lines = split_lines(source)
    header = read_header(source, lines)
    end_of_body = body_end(source, lines, header.body_start)
    body_lines = lines[header.body_start : end_of_body]
    paragraphs = read_paragraphs(source, body_lines)
    preamble, items = split_preamble(paragraphs)
    context = Context(
        year=header.year,
        issued_on=header.issued_on,
        default_lead=preamble_lead(source, preamble),
    )
    drafts = drafts_from_items(source, items, context) if items else drafts_from_flat_text(source, preamble, context)
    drafts += appendix_drafts(source, lines[end_of_body:], context)
    windows = [window for p in paragraphs if (window := time_window(p.content(source)))]
    drafts = _assigned(drafts)
    for draft in drafts:
        if draft.deadline_cell is None:
            draft.window = next((w.seg for w in windows if w.governs(draft.seg)), None)
    return {
        "directive": {
            "number_symbol": header.number_symbol,
            "issuer": header.issuer,
            "year": header.year,
            "issued_on": header.issued_on.isoformat() if header.issued_on else None,
            "subject": header.subject,
            "implements": implemented_directives(source, header, preamble),
        },
        "tasks": [draft.as_json() for draft in drafts],
    }
