"""The body (up to "Nơi nhận" or the signature) joined into paragraphs, each with its numbering marker.

PDF text breaks lines inside sentences, so a paragraph ends only where a line opens with a numbering or
bullet marker, the previous line closes a sentence, or the previous line stops well short of the text's long
lines without punctuation (a title above its text). Paragraphs before the first numbered item are the
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


# Markers open a paragraph: "Điều 2.", "II.", "2.", "2.1.", "a)", "-", "+", "•". Typed text may leave out the
# space after the marker ("1.Giao ..."): the capital after it tells the marker from a figure ("1.5").
# Numbered items open with a capital, unless the line before closed a sentence: "2) và Tiếp nhận ..." is a
# sentence wrapped after "(Phụ lục", "3. ubnd các xã ..." after "...;" is an item typed in lower case.
_ARTICLE_MARKER_RE = re.compile(r"(?P<label>(?:Điều|ĐIỀU|điều)\s+\d{1,3})\s*[.:]\s*(?=\S)")
_ROMAN_MARKER_RE = re.compile(r"(?P<label>[IVX]{1,4})\s*[.)]\s*(?=[“\"(]?(?P<first>[^\W\d_]))")
_NUMBER_MARKER_RE = re.compile(
    r"(?:(?P<path>\d{1,2}(?:\.\d{1,2})+)\.?|(?P<single>\d{1,2})\s*[.)])\s*(?=[“\"(]?(?P<first>[^\W\d_]))"
)
_LETTER_MARKER_RE = re.compile(r"(?:(?P<label>[a-zđ])\s*\)|(?P<dotted>[a-zđ])\.)\s+(?=[“\"(]?(?P<first>\S))")
# A rule of dashes under a title ("––––––––") is no bullet.
_BULLET_MARKER_RE = re.compile(r"(?P<label>[-–—+•●▪◦·])\s*(?=[^\s\-–—_=])")
# A line ending in a word that needs what follows ("giao", "của", "và", "Văn bản số"): the sentence goes on.
_OPEN_ENDED_RE = vn(r"(?<![^\W\d_])(?:giao|cũng|của|và|với|các|tại|cho|số|theo|để|được|đã|là|những|cùng)$")
_SENTENCE_CLOSE_RE = re.compile(r"[.;:!?…][\s”\"’)]*$")
_MIN_WRAPPED_LINES = 10
_MAX_WRAP_WIDTH = 200
_SHORT_LINE_SHARE = 0.7  # wrapped lines fill to within a word of the width
# A sentence that hands out work, opening a line in capitals ("Giao Phòng ...", "Đề nghị ..."); "Sở / Giao
# thông vận tải" is a name wrapped after its head.
_ASSIGNMENT_OPENING_RE = vn(r"(?:giao(?!\s+(?:thông|dịch|tiếp|lưu|diện))|đề nghị|yêu cầu)\s")


def _marker(text: str, after_sentence: bool = False) -> _Marker | None:
    """The marker a line opens with; `after_sentence` when the line before closed its sentence."""
    stripped = text.lstrip()
    indent = len(text) - len(stripped)
    if match := _ARTICLE_MARKER_RE.match(stripped):
        return _Marker("article", "Điều " + match["label"].split()[-1], indent + match.end())
    if (match := _ROMAN_MARKER_RE.match(stripped)) and match["first"].isupper():
        return _Marker("roman", match["label"], indent + match.end())
    match = _NUMBER_MARKER_RE.match(stripped)
    # a lower-case opening counts only after a closed sentence, with a space after the marker
    if match and (match["first"].isupper() or (after_sentence and stripped[match.end() - 1].isspace())):
        return _Marker("number", match["path"] or match["single"], indent + match.end())
    # "a) ..." in any case; "a. ..." only before a capital, as "v.v." or a wrapped "e. ..." are not items
    if (match := _LETTER_MARKER_RE.match(stripped)) and (match["label"] or match["first"].isupper()):
        return _Marker("letter", match["label"] or match["dotted"], indent + match.end())
    if match := _BULLET_MARKER_RE.match(stripped):
        bullet = "+" if match["label"] in "+◦▪·" else "-"
        return _Marker("bullet", bullet, indent + match.end())
    return None


def opens_item(text: str) -> bool:
    """Whether a line opens a numbered or lettered item ("1. Giao …", "2.1.", "II.", "a) …")."""
    marker = _marker(text)
    return marker is not None and marker.kind != "bullet"


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
    long_line = wrap_width or _long_line(source, lines)
    previous_line = ""
    for line in lines:
        text = line.text(source)
        if not text.strip():
            continue
        marker = _marker(text, after_sentence=not previous_line or _SENTENCE_CLOSE_RE.search(previous_line) is not None)
        is_table = is_table_row(text)
        previous = paragraphs[-1] if paragraphs else None
        if (
            previous is None
            or marker
            or is_table
            or previous.is_table
            or _opens_paragraph(previous_line, text, wrap_width, long_line)
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


def _lengths(source: Text, lines: list[Line]) -> list[int]:
    return sorted(len(line.text(source).strip()) for line in lines if line.text(source).strip())


def _long_line(source: Text, lines: list[Line]) -> int:
    """The length of the text's long lines (95th percentile): a paragraph's lines reach it, a title's not."""
    lengths = _lengths(source, lines)
    return lengths[int(0.95 * (len(lengths) - 1))] if lengths else 0


def _wrap_width(source: Text, lines: list[Line]) -> int | None:
    """The line width of text wrapped at a fixed width (as PDF text is), or None for one line per paragraph."""
    lengths = _lengths(source, lines)
    if len(lengths) < _MIN_WRAPPED_LINES:
        return None
    width = _long_line(source, lines)
    full = sum(length >= 0.75 * width for length in lengths)
    return width if width <= _MAX_WRAP_WIDTH and full >= 0.5 * len(lengths) else None


def _opens_paragraph(previous_line: str, line_text: str, wrap_width: int | None, long_line: int) -> bool:
    """A line without a marker opens a paragraph when the previous line closed its sentence and this one
    starts like a sentence; otherwise it is the previous paragraph's sentence, wrapped. A full-width
    line ending in ":" is a sentence wrapped just after its colon ("... các nội dung: Cấp bản sao ...")."""
    first = line_text.lstrip()[:1]
    previous = previous_line.rstrip()
    if not (first.isupper() or first.isdigit() or first in '“"('):
        return False
    if _OPEN_ENDED_RE.search(match_form(previous)):
        return False  # "Chủ tịch UBND tỉnh giao" / "Sở Nội vụ chủ trì ...": no title ends on such a word
    if len(previous.strip()) > _MAX_WRAP_WIDTH:
        return True  # a line longer than any page is wide is a whole paragraph that lost its final stop
    if _SENTENCE_CLOSE_RE.search(previous) is None:
        # A line ending without punctuation ends its paragraph when it stops well short of the text's long
        # lines: a title such as "1. Về công tác ..." or "1. Phòng Nội vụ" above its text. A long one is a
        # sentence wrapped before a capital ("... báo cáo" / "UBND huyện ...").
        short = len(previous.strip()) < _SHORT_LINE_SHARE * long_line
        return short or (first.isupper() and _ASSIGNMENT_OPENING_RE.match(match_form(line_text.lstrip())) is not None)
    wrapped_after_colon = previous.endswith(":") and wrap_width and len(previous.strip()) >= 0.9 * wrap_width
    return not wrapped_after_colon


def split_preamble(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[Paragraph]]:
    """Paragraphs before the first numbered item or bullet, and the rest."""
    first_item = next((i for i, p in enumerate(paragraphs) if p.marker is not None), None)
    if first_item is None:
        return [p for p in paragraphs if not p.is_table], []
    return paragraphs[:first_item], paragraphs[first_item:]
