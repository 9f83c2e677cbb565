"""The body (up to "Nơi nhận" or the signature) joined into paragraphs, each with its numbering marker.

PDF text breaks lines inside sentences, so a paragraph ends only where a line opens with a numbering or
bullet marker, or the previous line closes a sentence. Paragraphs before the first numbered item are the
preamble."""

from __future__ import annotations

import dataclasses
import re

from kpi_tasks.intake.text import Line, Text, is_upper_block, match_form, vn

_RECEIVERS_RE = vn(r"^\s*nơi nhận\b")
# The signature block: "KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN", "PHÓ GIÁM ĐỐC", in capitals on a line of its own.
_SIGNATURE_RE = vn(
    r"^\s*(?:(?:kt|tm|tl|q)\.\s*\S.*|(?:phó\s+)?(?:chủ tịch|giám đốc|chánh văn phòng|trưởng phòng|trưởng ban))\s*$"
)


def body_end(source: Text, lines: list[Line], start: int) -> int:
    for index in range(start, len(lines)):
        text = lines[index].text(source)
        low = match_form(text)
        if _RECEIVERS_RE.match(low) or (_SIGNATURE_RE.match(low) and is_upper_block(text)):
            return index
    return len(lines)


@dataclasses.dataclass(frozen=True, slots=True)
class _Marker:
    kind: str  # roman, number, letter, bullet
    label: str
    length: int  # characters the marker takes, spaces included


# Markers open a paragraph: "II.", "2.", "2.1.", "a)", "-", "+", "•".
# Numbered items open with a capital: "2) và Tiếp nhận ..." is a sentence wrapped after "(Phụ lục".
_ROMAN_MARKER_RE = re.compile(r"(?P<label>[IVX]{1,4})\s*[.)]\s+(?=[“\"(]?(?P<first>[^\W\d_]))")
_NUMBER_MARKER_RE = re.compile(
    r"(?:(?P<path>\d{1,2}(?:\.\d{1,2})+)\.?|(?P<single>\d{1,2})\s*[.)])\s+(?=[“\"(]?(?P<first>[^\W\d_]))"
)
_LETTER_MARKER_RE = re.compile(r"(?:(?P<label>[a-zđ])\s*\)|(?P<dotted>[a-zđ])\.)\s+(?=[“\"(]?(?P<first>\S))")
_BULLET_MARKER_RE = re.compile(r"(?P<label>[-–—+•●▪◦·])\s*(?=\S)")
_SENTENCE_CLOSE_RE = re.compile(r"[.;:!?…][\s”\"’)]*$")
_MIN_WRAPPED_LINES = 10
_MAX_WRAP_WIDTH = 200


def _marker(text: str) -> _Marker | None:
    stripped = text.lstrip()
    indent = len(text) - len(stripped)
    if (match := _ROMAN_MARKER_RE.match(stripped)) and match["first"].isupper():
        return _Marker("roman", match["label"], indent + match.end())
    if (match := _NUMBER_MARKER_RE.match(stripped)) and match["first"].isupper():
        return _Marker("number", match["path"] or match["single"], indent + match.end())
    # "a) ..." in any case; "a. ..." only before a capital, as "v.v." or a wrapped "e. ..." are not items
    if (match := _LETTER_MARKER_RE.match(stripped)) and (match["label"] or match["first"].isupper()):
        return _Marker("letter", match["label"] or match["dotted"], indent + match.end())
    if match := _BULLET_MARKER_RE.match(stripped):
        bullet = "+" if match["label"] in "+◦▪·" else "-"
        return _Marker("bullet", bullet, indent + match.end())
    return None


@dataclasses.dataclass(slots=True)
class Paragraph:
    start: int
    end: int
    marker: _Marker | None
    is_table: bool

    def content(self, source: Text) -> Text:
        """The paragraph's words after its marker, collapsed."""
        offset = self.marker.length if self.marker else 0
        return source.slice(self.start + offset, self.end).collapsed()


def is_table_row(text: str) -> bool:
    return "\t" in text.strip() or text.lstrip().startswith("|")


def read_paragraphs(source: Text, lines: list[Line]) -> list[Paragraph]:
    """Join lines into paragraphs (see the module docstring, step 2)."""
    paragraphs: list[Paragraph] = []
    wrap_width = _wrap_width(source, lines)
    previous_line = ""
    for line in lines:
        text = line.text(source)
        if not text.strip():
            continue
        marker = _marker(text)
        is_table = is_table_row(text)
        previous = paragraphs[-1] if paragraphs else None
        if (
            previous is None
            or marker
            or is_table
            or previous.is_table
            or _opens_paragraph(previous_line, text, wrap_width)
        ):
            start = line.start + (len(text) - len(text.lstrip()))
            paragraphs.append(Paragraph(start, line.end, marker, is_table))
        else:
            previous.end = line.end
        previous_line = text
    for paragraph in paragraphs:
        while paragraph.end > paragraph.start and source.text[paragraph.end - 1].isspace():
            paragraph.end -= 1
    return paragraphs


def _wrap_width(source: Text, lines: list[Line]) -> int | None:
    """The line width of text wrapped at a fixed width (as PDF text is), or None for one line per paragraph."""
    lengths = sorted(len(line.text(source).strip()) for line in lines if line.text(source).strip())
    if len(lengths) < _MIN_WRAPPED_LINES:
        return None
    width = lengths[int(0.95 * (len(lengths) - 1))]
    full = sum(length >= 0.75 * width for length in lengths)
    return width if width <= _MAX_WRAP_WIDTH and full >= 0.5 * len(lengths) else None


def _opens_paragraph(previous_line: str, line_text: str, wrap_width: int | None) -> bool:
    """A line without a marker opens a paragraph when the previous line closed its sentence and this one
    starts like a sentence; otherwise it is the previous paragraph's sentence, wrapped. A full-width
    line ending in ":" is a sentence wrapped just after its colon ("... các nội dung: Cấp bản sao ...")."""
    first = line_text.lstrip()[:1]
    previous = previous_line.rstrip()
    if _SENTENCE_CLOSE_RE.search(previous) is None or not (first.isupper() or first.isdigit() or first in '“"('):
        return False
    wrapped_after_colon = previous.endswith(":") and wrap_width and len(previous.strip()) >= 0.9 * wrap_width
    return not wrapped_after_colon


def split_preamble(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[Paragraph]]:
    """Paragraphs before the first numbered item or bullet, and the rest."""
    first_item = next((i for i, p in enumerate(paragraphs) if p.marker is not None), None)
    if first_item is None:
        return [p for p in paragraphs if not p.is_table], []
    return paragraphs[:first_item], paragraphs[first_item:]
