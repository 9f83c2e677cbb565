"""Rule-based reading of a directive: its header and the draft tasks the office only has to confirm.

`parse_directive(text)` returns the schema of `shared/intake/README.md`: the header (number and symbol,
issuer, year, subject, the directives it implements) and one draft per assignment, each with its section,
text, lead and coordinating units, deadline and KPI targets, plus `span` (where the draft's text lies in
the input) for the review page.

How a directive is read, in order:

1. The input is cleaned (Markdown/HTML emphasis dropped, Unicode composed) while remembering where each
   character came from, so that every draft can point back into the original text.
2. Lines are joined into paragraphs: PDF text breaks lines inside sentences, so a paragraph ends only
   where a line opens with a numbering or bullet marker, or the previous line closes a sentence.
3. The header gives the number, issuer, date and "V/v" subject; the body runs from the end of the
   "Kính gửi" list to "Nơi nhận" (or the signature). Paragraphs before the first numbered item are the
   preamble: they name the directives implemented and often the addressees ("yêu cầu Thủ trưởng ...").
4. Numbered items, lettered sub-items, bullets and plain paragraphs form a tree. An item that introduces
   a list ("... các nhiệm vụ sau:", "2.3. Về ...") is a heading; every other paragraph is a draft,
   split where a sentence hands work to a different unit ("Giao X ... . Giao Y ...").
5. Units come from the subject of the assignment ("Giao X chủ trì, phối hợp Y", "Phòng A và UBND các xã
   ...", "Đề nghị X:"); a paragraph without one takes its heading's units, then the preamble's.
6. Deadlines and KPI targets are read from each draft's own text.

Vocabulary is matched on a lower-cased copy of the text whose tone marks are placed one way ("hoá" and
"hóa" alike), so patterns are written in plain Vietnamese; the copy has the same length as the text, so
a match's offsets are valid in both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from kpi_tasks.calendar.workdays import default_calendar, period_end
from kpi_tasks.intake.unit_matching import (
    BARE_COMMUNES_PATTERN,
    GROUP_ALL_UNITS,
    GROUP_COMMUNES,
    GROUP_DEPARTMENTS,
    GROUP_PATTERNS,
    GROUP_TOKENS,
    display_name,
    fold,
)

Json = dict[str, Any]


def parse_directive(text: str) -> Json:
    """Read a directive's text and propose its header and draft tasks (see the module docstring)."""
    source = _clean(text)
    lines = _split_lines(source)
    header = _read_header(source, lines)
    body_end = _body_end(source, lines, header.body_start)
    body_lines = lines[header.body_start : body_end]
    paragraphs = _paragraphs(source, body_lines)
    preamble, items = _split_preamble(paragraphs)
    context = _Context(
        year=header.year,
        issued_on=header.issued_on,
        default_lead=_preamble_lead(source, preamble),
    )
    drafts = _drafts_from_items(source, items, context) if items else _drafts_from_flat_text(source, preamble, context)
    drafts += _appendix_drafts(source, lines[body_end:], context)
    return {
        "directive": {
            "number_symbol": header.number_symbol,
            "issuer": header.issuer,
            "year": header.year,
            "subject": header.subject,
            "implements": _implemented_directives(source, header, preamble),
        },
        "tasks": [draft.as_json() for draft in drafts],
    }


# == Text with its origin ==========================================================================

# Emphasis a converter leaves around words ("**1.**", "<b>TỔNG CỘNG</b>"); never part of the wording.
_MARKUP_RE = re.compile(r"\*+|</?(?:b|i|u|em|strong)>", re.IGNORECASE)
_DROPPED_CHARS = frozenset("\u200b\ufeff\u00ad\r")
_SPACE_CHARS = frozenset("\u00a0\u2002\u2003\u2009\u202f")
# "Ð" (Icelandic eth) stands in for "Đ" in documents typed with old Vietnamese fonts.
_LOOKALIKES = {"Ð": "Đ"}

# Tone marks on "oa", "oe", "uy" are placed on either vowel ("hoá"/"hóa", "uỷ"/"ủy"); one placement for
# matching. Each pair maps to a pair, so lengths are kept.
_TONE_PLACEMENT = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip
_TONE_PLACEMENT_RE = re.compile("|".join(_TONE_PLACEMENT))


def _match_form(text: str) -> str:
    """Lower case with one tone placement; same length as `text`."""
    lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return _TONE_PLACEMENT_RE.sub(lambda m: _TONE_PLACEMENT[m.group()], lowered)


def _vn(pattern: str) -> re.Pattern[str]:
    """Compile a pattern written in lower-case Vietnamese for use on `_match_form` text."""
    return re.compile(_TONE_PLACEMENT_RE.sub(lambda m: _TONE_PLACEMENT[m.group()], pattern))


@dataclasses.dataclass(frozen=True)  # no slots: the matching forms are cached on first use
class _Text:
    """A text, its matching forms, and for each character the input range [starts[i], ends[i]) it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @functools.cached_property
    def low(self) -> str:
        return _match_form(self.text)

    @functools.cached_property
    def folded(self) -> str:
        return fold(self.text)

    def __len__(self) -> int:
        return len(self.text)

    def span(self, start: int = 0, end: int | None = None) -> list[int]:
        end = len(self.text) if end is None else end
        if end <= start:
            return [self.starts[start], self.starts[start]] if start < len(self.text) else [0, 0]
        return [self.starts[start], self.ends[end - 1]]

    def slice(self, start: int, end: int) -> _Text:
        return _Text(self.text[start:end], self.starts[start:end], self.ends[start:end])

    def collapsed(self) -> _Text:
        """Whitespace runs made one space, ends trimmed: the form drafts are read and shown in."""
        chars: list[tuple[str, int, int]] = []
        for ch, start, end in zip(self.text, self.starts, self.ends, strict=True):
            if ch.isspace():
                if chars and chars[-1][0] != " ":
                    chars.append((" ", start, end))
                continue
            chars.append((ch, start, end))
        while chars and chars[-1][0] == " ":
            chars.pop()
        return _Text.of(chars)

    def strip(self, chars: str = " ") -> _Text:
        start, end = 0, len(self.text)
        while start < end and (self.text[start] in chars or self.text[start].isspace()):
            start += 1
        while end > start and (self.text[end - 1] in chars or self.text[end - 1].isspace()):
            end -= 1
        return self.slice(start, end)

    @staticmethod
    def of(chars: list[tuple[str, int, int]]) -> _Text:
        return _Text("".join(c for c, _, _ in chars), tuple(s for _, s, _ in chars), tuple(e for _, _, e in chars))

    @staticmethod
    def join(parts: list[_Text], separator: str = " ") -> _Text:
        chars: list[tuple[str, int, int]] = []
        for part in parts:
            if chars and part.text:
                chars.extend((ch, part.starts[0], part.starts[0]) for ch in separator)
            chars.extend(zip(part.text, part.starts, part.ends, strict=True))
        return _Text.of(chars)


def _clean(raw: str) -> _Text:
    """Drop markup and invisible characters, compose Unicode; remember each character's input range."""
    markup = {m.start(): m.end() for m in _MARKUP_RE.finditer(raw)}
    chars: list[tuple[str, int, int]] = []
    i = 0
    while i < len(raw):
        if i in markup:
            i = markup[i]
            continue
        j = i + 1
        while j < len(raw) and unicodedata.combining(raw[j]):
            j += 1
        cluster = raw[i:j]
        if cluster == "\r" and raw[j : j + 1] != "\n":
            cluster = "\n"  # a lone CR (old Mac files) ends a line
        for ch in unicodedata.normalize("NFC", cluster):
            if ch in _DROPPED_CHARS:
                continue
            ch = " " if ch in _SPACE_CHARS else _LOOKALIKES.get(ch, ch)
            chars.append((ch, i, j))
        i = j
    return _Text.of(chars)


@dataclasses.dataclass(frozen=True, slots=True)
class _Line:
    start: int
    end: int

    def text(self, source: _Text) -> str:
        return source.text[self.start : self.end]


def _split_lines(source: _Text) -> list[_Line]:
    lines, start = [], 0
    for match in re.finditer("\n", source.text):
        lines.append(_Line(start, match.start()))
        start = match.end()
    lines.append(_Line(start, len(source.text)))
    return lines


# == Header ========================================================================================

_MOTTO_RE = _vn(r"cộng hòa xã hội|độc lập\s*-\s*tự do")
_NUMBER_LINE_RE = re.compile(r"^\s*Số\s*:?\s*(?P<number>\d*)\s*(?P<symbol>/\s*[^\s,;]+)?")
_PLACE_DATE_RE = _vn(r"ngày\s*(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4})")
_SUBJECT_START_RE = _vn(r"^\s*(?:v/v|về việc)\s*:?\s*")
_ADDRESSEE_RE = _vn(r"^\s*kính gửi\s*:?")
_ADDRESSEE_ITEM_RE = re.compile(r"^\s*[-–+•]")
_DOCUMENT_TITLE_RE = _vn(r"^\s*(?:kế hoạch|quyết định|chỉ thị|thông báo|công văn|báo cáo)\s*$")
_HEADER_SCAN_LINES = 80


@dataclasses.dataclass(frozen=True, slots=True)
class _Header:
    number_symbol: str
    issuer: str
    year: int | None
    issued_on: dt.date | None
    subject: str
    body_start: int  # index of the first line of the body


def _read_header(source: _Text, lines: list[_Line]) -> _Header:
    texts = [line.text(source) for line in lines]
    lows = [_match_form(text) for text in texts]
    scan = range(min(len(lines), _HEADER_SCAN_LINES))
    number_symbol, number_index = _number_symbol(texts, scan)
    year, issued_on, date_index = _issue_date(lows, scan)
    subject, subject_end = _subject(texts, lows, scan)
    addressee_end = _addressee_block_end(texts, lows, scan)
    candidates = [index + 1 for index in (number_index, date_index) if index is not None]
    if subject_end is not None:
        candidates.append(subject_end)
    body_start = addressee_end if addressee_end is not None else max(candidates, default=0)
    return _Header(number_symbol, _issuer(texts, lows, scan), year, issued_on, subject, body_start)


def _number_symbol(texts: list[str], scan: range) -> tuple[str, int | None]:
    for index in scan:
        match = _NUMBER_LINE_RE.match(texts[index])
        if match and (match["number"] or match["symbol"]):
            value = (match["number"] or "") + re.sub(r"\s+", "", match["symbol"] or "")
            return value.rstrip(".,;"), index
    return "", None


def _issue_date(lows: list[str], scan: range) -> tuple[int | None, dt.date | None, int | None]:
    """Year and, when filled in, day of issue from "…, ngày 05 tháng 3 năm 2024" (drafts leave the day blank)."""
    for index in scan:
        # the line with the next one: a narrow layout may put "năm 2024" on a line of its own
        match = _PLACE_DATE_RE.search(" ".join(lows[index : index + 2]))
        if match and match.start() < len(lows[index]):
            year = int(match["y"])
            issued_on = None
            if match["d"] and match["m"]:
                try:
                    issued_on = dt.date(year, int(match["m"]), int(match["d"]))
                except ValueError:
                    issued_on = None
            return year, issued_on, index
    return None, None, None


def _issuer(texts: list[str], lows: list[str], scan: range) -> str:
    """The issuing body from the upper-case block above the national motto ("ỦY BAN NHÂN DÂN / HUYỆN X")."""
    parts: list[str] = []
    for index in scan:
        text, low = texts[index], lows[index]
        motto = _MOTTO_RE.search(low)
        if motto:
            text = text[: motto.start()]
        text = text.strip(" \t-_=")
        if text and _is_upper_block(text) and not _NUMBER_LINE_RE.match(text):
            parts.append(text)
        elif text:
            break  # the block ends at the first line in ordinary case ("Số: ...", "V/v ...")
        if motto and parts:
            break
    return _format_issuer(parts)


def _is_upper_block(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)


_COMMITTEE_RE = _vn(r"^(?:ủy ban nhân dân|ubnd)\b")
_BARE_BODY_WORDS = 2  # "VĂN PHÒNG", "THANH TRA": a body named only by its kind
_LEVEL_WORDS = ("thành phố", "thị trấn", "thị xã", "huyện", "tỉnh", "xã", "phường", "quận")


def _format_issuer(parts: list[str]) -> str:
    """The issuer as written in text: "ỦY BAN NHÂN DÂN" + "HUYỆN NÚI THÀNH" → "UBND huyện Núi Thành".

    When the block holds a parent body and the issuing body on separate lines ("UBND TỈNH X" / "SỞ Y"),
    the last line names the issuer; a bare "VĂN PHÒNG" is the parent's office ("Văn phòng UBND tỉnh X").
    """
    if not parts:
        return ""
    lines = [" ".join(part.split()) for part in parts]
    if len(lines) > 1 and not _starts_with_level(lines[-1]):
        body = _format_body(lines[-1])
        if len(body.split()) > _BARE_BODY_WORDS:
            return body
        return f"{body} {_format_place_or_committee(' '.join(lines[:-1]))}"
    return _format_place_or_committee(" ".join(lines))


def _format_place_or_committee(text: str) -> str:
    committee = _COMMITTEE_RE.match(_match_form(text))
    if committee:
        return "UBND " + _format_place(text[committee.end() :].strip())
    if _starts_with_level(text):
        return _format_place(text)
    return _format_body(text)


def _format_body(text: str) -> str:
    """A body's name as Vietnamese writes it, head noun and the word after it capitalised: "SỞ NỘI VỤ" →
    "Sở Nội vụ", "BAN QUẢN LÝ DỰ ÁN" → "Ban Quản lý dự án"."""
    low = text.lower()
    head = _UNIT_HEAD_RE.match(_match_form(low))
    words_end = head.end() if head else len(low.split()[0]) if low.split() else 0
    name = low[:1].upper() + low[1:]
    after = re.compile(r"\s+(?=\w)").match(name, words_end)
    if after:
        name = name[: after.end()] + name[after.end()].upper() + name[after.end() + 1 :]
    return name


def _starts_with_level(text: str) -> str | None:
    low = _match_form(text)
    return next((word for word in _LEVEL_WORDS if re.match(rf"{word}\b", low)), None)


def _format_place(text: str) -> str:
    """A place with its level: "HUYỆN NÚI THÀNH" → "huyện Núi Thành" (level in lower case, name in title case)."""
    level = _starts_with_level(text)
    if not level:
        return " ".join(word.capitalize() for word in text.split())
    rest = text[len(level) :].split()
    return " ".join([level, *(word.capitalize() for word in rest)])


def _subject(texts: list[str], lows: list[str], scan: range) -> tuple[str, int | None]:
    """The "V/v ..." subject, joined across the lines the layout broke it into; and the line after it."""
    for index in scan:
        match = _SUBJECT_START_RE.match(lows[index])
        if match:
            parts = [texts[index][match.end() :].strip()]
            end = _subject_continuation(texts, lows, index + 1, parts)
            return _join_broken_lines(parts), end
    for index in scan:
        if _DOCUMENT_TITLE_RE.match(lows[index]):
            following = next((i for i in range(index + 1, len(texts)) if texts[i].strip()), None)
            if following is not None:
                return " ".join(texts[following].split()), following + 1
    return "", None


def _subject_continuation(texts: list[str], lows: list[str], index: int, parts: list[str]) -> int:
    """Append the subject's continuation lines to `parts`: lines that go on in lower case, or after a
    line broken at a hyphen ("45/UBND-" / "VP"). Returns the index of the first line after it."""
    while index < len(texts):
        text = texts[index].strip()
        if not text:
            index += 1
            continue
        if _ADDRESSEE_RE.match(lows[index]) or _MOTTO_RE.search(lows[index]):
            break
        if not (text[0].islower() or text[0].isdigit() or (parts and parts[-1].endswith("-"))):
            break
        parts.append(text)
        index += 1
    return index


def _join_broken_lines(parts: list[str]) -> str:
    joined = ""
    for part in parts:
        if not joined:
            joined = part
        elif joined.endswith("-"):
            joined += part
        else:
            joined += " " + part
    return " ".join(joined.split()).rstrip(" .;")


def _addressee_block_end(texts: list[str], lows: list[str], scan: range) -> int | None:
    """The line after the "Kính gửi:" list (its bullets and the lines wrapped inside them)."""
    for index in scan:
        match = _ADDRESSEE_RE.match(lows[index])
        if not match:
            continue
        cursor = index + 1
        while cursor < len(texts):
            text = texts[cursor].strip()
            if not text or _ADDRESSEE_ITEM_RE.match(text):
                cursor += 1
                continue
            previous = next((texts[i].strip() for i in range(cursor - 1, index, -1) if texts[i].strip()), "")
            if previous.startswith(("-", "–", "+", "•")) and not previous.endswith((".", ";", ":")):
                cursor += 1  # a bullet wrapped onto the next line
                continue
            break
        return cursor
    return None


# == Body and paragraphs ===========================================================================

_RECEIVERS_RE = _vn(r"^\s*nơi nhận\b")
# The signature block: "KT. CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN", "PHÓ GIÁM ĐỐC", in capitals on a line of its own.
_SIGNATURE_RE = _vn(
    r"^\s*(?:(?:kt|tm|tl|q)\.\s*\S.*|(?:phó\s+)?(?:chủ tịch|giám đốc|chánh văn phòng|trưởng phòng|trưởng ban))\s*$"
)


def _body_end(source: _Text, lines: list[_Line], start: int) -> int:
    for index in range(start, len(lines)):
        text = lines[index].text(source)
        low = _match_form(text)
        if _RECEIVERS_RE.match(low) or (_SIGNATURE_RE.match(low) and _is_upper_block(text)):
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
class _Paragraph:
    start: int
    end: int
    marker: _Marker | None
    is_table: bool

    def content(self, source: _Text) -> _Text:
        """The paragraph's words after its marker, collapsed."""
        offset = self.marker.length if self.marker else 0
        return source.slice(self.start + offset, self.end).collapsed()


def _is_table_row(text: str) -> bool:
    return "\t" in text.strip() or text.lstrip().startswith("|")


def _paragraphs(source: _Text, lines: list[_Line]) -> list[_Paragraph]:
    """Join lines into paragraphs (see the module docstring, step 2)."""
    paragraphs: list[_Paragraph] = []
    wrap_width = _wrap_width(source, lines)
    previous_line = ""
    for line in lines:
        text = line.text(source)
        if not text.strip():
            continue
        marker = _marker(text)
        is_table = _is_table_row(text)
        previous = paragraphs[-1] if paragraphs else None
        if (
            previous is None
            or marker
            or is_table
            or previous.is_table
            or _opens_paragraph(previous_line, text, wrap_width)
        ):
            start = line.start + (len(text) - len(text.lstrip()))
            paragraphs.append(_Paragraph(start, line.end, marker, is_table))
        else:
            previous.end = line.end
        previous_line = text
    for paragraph in paragraphs:
        while paragraph.end > paragraph.start and source.text[paragraph.end - 1].isspace():
            paragraph.end -= 1
    return paragraphs


def _wrap_width(source: _Text, lines: list[_Line]) -> int | None:
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


def _split_preamble(paragraphs: list[_Paragraph]) -> tuple[list[_Paragraph], list[_Paragraph]]:
    """Paragraphs before the first numbered item or bullet, and the rest."""
    first_item = next((i for i, p in enumerate(paragraphs) if p.marker is not None), None)
    if first_item is None:
        return [p for p in paragraphs if not p.is_table], []
    return paragraphs[:first_item], paragraphs[first_item:]


# == Units: who is assigned ========================================================================

# Titles before a unit's name: "Thủ trưởng các cơ quan", "Giám đốc Văn phòng ...", "Chủ tịch UBND các xã".
_TITLE_RE = _vn(
    r"(?:thủ trưởng|người đứng đầu|lãnh đạo|phó giám đốc|giám đốc|chánh(?=\s+(?:văn phòng|thanh tra))"
    r"|phó chủ tịch|chủ tịch|tổ trưởng|hiệu trưởng|chi cục trưởng|cục trưởng|bí thư)\s+"
)
# "Trưởng phòng Tư pháp" names the unit with a lower-case head.
_HEAD_TITLE_RE = _vn(r"trưởng\s+(?=phòng|ban)")

# Nouns a unit's name starts with, with the common words that begin the same way but are not units.
_UNIT_HEAD_RE = _vn(
    r"(?:văn phòng|phòng(?!\s*,|\s+(?:chống|ngừa|tránh))|ban(?!\s+hành)|bộ phận tiếp nhận và trả kết quả|bộ phận"
    r"|chi nhánh|trung tâm"
    r"|đoàn(?!\s+kết)|hội(?!\s+(?:nghị|thảo|nhập))|bưu điện|công an|cơ quan|tổ(?!\s+chức)|sở(?!\s+(?:dĩ|hữu))"
    r"|kho bạc|chi cục|đội(?!\s+ngũ)|liên đoàn|mặt trận|ủy ban|ubnd|hđnd|hội đồng|thanh tra|ngân hàng"
    r"|bảo hiểm|trường(?!\s+hợp)|bệnh viện|viện(?!\s+dẫn)|cục(?!\s+bộ)|huyện đoàn|tỉnh đoàn|thị đoàn"
    r"|huyện ủy|thị ủy|tỉnh ủy|quỹ|hạt kiểm lâm|đài|công ty|hợp tác xã|tòa án|chi đội|vp|bch|bql"
    r"|ubmttq|mttq|vnpt|viettel|bộ(?!\s+(?:hồ sơ|máy|tiêu chí|công cụ|chỉ số|mặt))|p\.(?=\s*[^\W\d_]))"
    r"(?![^\W\d_])"
)

# Words that end a unit's name because the sentence's predicate (or a qualifier) starts there.
_PREDICATE_WORD_RE = _vn(
    r"(?:chủ trì|phối hợp|thực hiện|triển khai|tham mưu|theo dõi|đôn đốc|cập nhật|sử dụng|chỉ đạo|tăng cường"
    r"|rà soát|kiểm tra|tổ chức|xây dựng|báo cáo|hướng dẫn|nghiêm túc|khẩn trương|kịp thời|thường xuyên"
    r"|định kỳ|chủ động|tiếp tục|tập trung|làm|khảo sát|lựa chọn|đẩy mạnh|quán triệt|gương mẫu|đề xuất"
    r"|nghiên cứu|bố trí|hoàn thành|ban hành|tuyên truyền|phổ biến|thống kê|tổng hợp|giải quyết|xử lý"
    r"|duy trì|nâng cao|cung cấp|lập|trình|chịu trách nhiệm|đảm bảo|bảo đảm|phấn đấu|thông báo|tham gia"
    r"|hỗ trợ|đánh giá|xem xét|điều chỉnh|bổ sung|soạn thảo|gửi|nộp|ưu tiên|chấp hành|công khai|niêm yết"
    r"|kiện toàn|thành lập|phân công|giao(?!\s+(?:thông|dịch|tiếp|lưu))|yêu cầu|đề nghị|căn cứ|theo"
    r"|trên địa bàn|có|để|nhằm|tại|trong"
    r"|trước|sau|khi|nếu|đối với|về|thuộc|được|phải|cần|là|đã|đang|sẽ|cùng|với|vào|ngay|từ|đến|tiến hành"
    r"|quan tâm|vận động|khuyến khích|phát huy|đổi mới|tiếp nhận|phát động|lấy|tích cực|quyết liệt|sớm"
    r"|khắc phục|chấn chỉnh|dự toán|bảo vệ|mở|rút|nghiêm|hàng|hằng|mỗi|chuẩn bị|xác định|hoàn thiện|thẩm định"
    r"|phê duyệt|giám sát|kiểm soát|bàn giao|giải trình|cử|mời|đăng tải|vận hành|áp dụng|rà|số hóa"
    r"|thu thập|cấp|tập huấn|bồi dưỡng|trả|tiếp thu|làm rõ|nắm|dừng|tạm dừng|ngừng)"
    r"(?![^\W\d_])"
)

_UNIT_SEPARATOR_RE = _vn(r"\s*(?:[,;]\s*(?:và\s+)?|\s+và\s+|\s+cùng\s+)")
# A level word closing a name, written in lower case ("Phòng Nội vụ huyện"; "Phòng Văn hóa - Xã hội" has none).
_LEVEL_END_RE = re.compile(r"(?<![^\W\d_])(?:huyện|tỉnh|xã|phường|thị trấn|thị xã|thành phố|quận)$")
_MAX_NAME_WORDS = 16


@dataclasses.dataclass(frozen=True, slots=True)
class _Units:
    names: list[str]
    end: int  # where the unit list ends in the text it was read from


def _normalise_units(names: list[str]) -> list[str]:
    """Each name once; "all units" makes departments and communes redundant."""
    unique = list(dict.fromkeys(name for name in names if name))
    if GROUP_ALL_UNITS in unique:
        unique = [name for name in unique if name not in (GROUP_DEPARTMENTS, GROUP_COMMUNES)]
    return unique


def _read_units(seg: _Text, pos: int) -> _Units:
    """Read a list of units starting exactly at `pos` ("Phòng A, Phòng B và UBND các xã, thị trấn")."""
    names: list[str] = []
    end = pos
    while True:
        item = _read_one_unit(seg, pos, names)
        if item is None:
            break
        name, pos = item
        if name:
            names.append(name)
        end = pos
        separator = _UNIT_SEPARATOR_RE.match(seg.low, pos)
        if separator is None or not _unit_starts_at(seg, separator.end()):
            break
        pos = separator.end()
    return _Units(_normalise_units(names), end)


def _read_one_unit(seg: _Text, pos: int, names_so_far: list[str]) -> tuple[str, int] | None:
    """One unit (or group) at `pos`: its display name ("" for a level qualifier) and where it ends."""
    lowercase_head = False
    if title := _TITLE_RE.match(seg.low, pos):
        pos = title.end()
    elif head_title := _HEAD_TITLE_RE.match(seg.low, pos):
        pos, lowercase_head = head_title.end(), True
    group = _group_at(seg, pos)
    if group is not None:
        token, end, bare = group
        if bare and names_so_far and _LEVEL_END_RE.search(names_so_far[-1]):
            return "", end  # "Tổ X huyện, các xã, thị trấn": the levels X works at, not the communes
        return token, end
    end = _unit_name_end(seg, pos, lowercase_head)
    if end is None:
        return None
    name = seg.text[pos:end]
    if lowercase_head:
        name = name[:1].upper() + name[1:]
    return display_name(name), end


def _group_at(seg: _Text, pos: int) -> tuple[str, int, bool] | None:
    for token, pattern in GROUP_PATTERNS:
        match = pattern.match(seg.folded, pos)
        if match and _word_ends(seg.folded, match.end()):
            return token, match.end(), False
    match = BARE_COMMUNES_PATTERN.match(seg.folded, pos)
    if match and _word_ends(seg.folded, match.end()):
        return GROUP_COMMUNES, match.end(), True
    return None


def _word_ends(text: str, pos: int) -> bool:
    return pos >= len(text) or not text[pos].isalnum()


def _unit_starts_at(seg: _Text, pos: int) -> bool:
    if _TITLE_RE.match(seg.low, pos) or _HEAD_TITLE_RE.match(seg.low, pos) or _group_at(seg, pos):
        return True
    return _UNIT_HEAD_RE.match(seg.low, pos) is not None and seg.text[pos : pos + 1].isupper()


_NEXT_WORD_RE = re.compile(r"\s+(?P<word>[^\s,;:()\[\]]+)")
_NAME_COMMA_RE = re.compile(r",\s+")
_ABBREVIATION_RE = re.compile(r"[A-ZĐ]{1,3}\.")
_COUNCIL_BEFORE_RE = _vn(r"(?:hđnd|hội đồng nhân dân)\s*$")


def _unit_name_end(seg: _Text, pos: int, lowercase_head: bool = False) -> int | None:
    """Where the unit name beginning at `pos` ends, or None when no unit name begins there.

    A name goes on word by word until punctuation, a predicate word written in lower case, "và" before
    another unit ("HĐND và UBND" excepted: it is one office's name), or a lower-case word after the
    level it belongs to ("Phòng Nội vụ huyện | chuẩn bị ...": after "huyện" only a place name follows).
    """
    head = _UNIT_HEAD_RE.match(seg.low, pos)
    if head is None or not (lowercase_head or seg.text[pos : pos + 1].isupper()):
        return None
    end = head.end()
    for _ in range(_MAX_NAME_WORDS):
        word = _NEXT_WORD_RE.match(seg.text, end)
        if word is None:
            break
        start = word.start("word")
        if _is_predicate(seg, start) or _joins_another_unit(seg, start):
            break
        if seg.text[start].islower() and _LEVEL_END_RE.search(seg.text, pos, end):
            break
        if word["word"].endswith(".") and not _ABBREVIATION_RE.fullmatch(word["word"]):
            return word.end() - 1  # the sentence ends with this word
        end = _past_name_comma(seg, pos, word.end())
    return end


def _past_name_comma(seg: _Text, pos: int, end: int) -> int:
    """Step over a comma inside a name ("Phòng Kinh tế, Hạ tầng và Đô thị"): one followed by a capital that
    starts no other unit, in a name that has not reached its level word yet."""
    comma = _NAME_COMMA_RE.match(seg.text, end)
    if comma is None or _LEVEL_END_RE.search(seg.text, pos, end):
        return end
    after = comma.end()
    if seg.text[after : after + 1].isupper() and not _unit_starts_at(seg, after):
        return comma.start() + 1
    return end


def _joins_another_unit(seg: _Text, pos: int) -> bool:
    """Whether "và" here ends the unit's name: before another unit (except in "HĐND và UBND", one office's
    name) or before a lower-case word."""
    if not (seg.low.startswith("và", pos) and _word_ends(seg.low, pos + 2)):
        return False
    after = pos + 2
    while after < len(seg) and seg.text[after].isspace():
        after += 1
    if seg.text[after : after + 1].islower():
        return True  # "Kho bạc Nhà nước và các chủ đầu tư": names go on in capitals after "và"
    return _unit_starts_at(seg, after) and not _COUNCIL_BEFORE_RE.search(seg.low[:pos])


def _is_predicate(seg: _Text, pos: int) -> bool:
    return seg.text[pos : pos + 1].islower() and _PREDICATE_WORD_RE.match(seg.low, pos) is not None


# Phrases that open a sentence without naming its subject yet: "Trên cơ sở đó, Thủ trưởng ...".
_CONNECTIVE_RE = _vn(
    r"(?:(?:trên cơ sở đó|đồng thời|bên cạnh đó|ngoài ra|mặt khác|sau đó|trong đó|vì vậy|do đó|theo đó)\s*,?\s*)+"
)
_ASSIGNING_VERB_RE = _vn(r"(?:giao(?:\s+cho)?|đề nghị|yêu cầu)\s+")
_HANDING_OUT_RE = _vn(r"\s+(?:giao(?:\s+cho)?|đề nghị|yêu cầu)\s+")
_SINGLED_OUT_RE = _vn(r"riêng\s+")  # "Riêng Phòng Tư pháp ..."
# "Riêng đối với TTHC ... tại cấp xã": the rest of the sentence concerns one level only.
_SCOPE_RE = _vn(r"riêng\s+(?:đối với\s+)?[^.;:]{0,120}?(?P<level>cấp xã|các xã|cấp huyện|các phòng)(?![^\W\d_])")
_RESPONSIBILITY_ONLY_RE = _vn(r"\s*(?:phải\s+)?(?:cùng\s+)?chịu trách nhiệm\s+(?:trước|với)")


@dataclasses.dataclass(frozen=True, slots=True)
class _Lead:
    units: list[str]
    responsibility_only: bool  # "X chịu trách nhiệm trước ...": not an assignment of work


def _lead_at_start(seg: _Text) -> _Lead | None:
    """The units a sentence opens with: "Giao X ...", "Đề nghị X:", "Phòng A và UBND các xã ..."."""
    pos = 0
    if connective := _CONNECTIVE_RE.match(seg.low, pos):
        pos = connective.end()
    if singled_out := _SINGLED_OUT_RE.match(seg.low, pos):
        pos = singled_out.end()
    if verb := _ASSIGNING_VERB_RE.match(seg.low, pos):
        pos = verb.end()
    units = _read_units(seg, pos)
    if not units.names:
        return None
    # "Chủ tịch UBND huyện yêu cầu X ...", "UBND huyện giao X ...": the one named first hands out the work
    if (verb := _HANDING_OUT_RE.match(seg.low, units.end)) and (assigned := _read_units(seg, verb.end())).names:
        units = assigned
    responsibility = _RESPONSIBILITY_ONLY_RE.match(seg.low, units.end) is not None
    return _Lead(units.names, responsibility)


def _scope_lead(seg: _Text) -> list[str]:
    match = _SCOPE_RE.match(seg.low)
    if match is None:
        return []
    return [GROUP_COMMUNES] if "xã" in match["level"] else [GROUP_DEPARTMENTS]


# Where a heading or preamble hands out work: "yêu cầu" / "đề nghị" anywhere ("Chủ tịch UBND huyện yêu cầu
# Thủ trưởng ..."); "giao" where a clause begins or after the Committee's own name ("Chủ tịch UBND thành
# phố giao Phòng X ...").
_ASSIGNMENT_ANYWHERE_RE = _vn(
    r"(?:(?<![^\W\d_])(?:yêu cầu|đề nghị)"
    r"|(?:^|(?<=[,;:.]\s)|(?<=huyện\s)|(?<=tỉnh\s)|(?<=xã\s)|(?<=phường\s)|(?<=phố\s)|(?<=quận\s)|(?<=ubnd\s))"
    r"giao(?:\s+cho)?)\s+"
)
# "nhiệm vụ do UBND huyện giao cho ..." names who gave the work, not who is to do it.
_GIVEN_BY_RE = _vn(r"(?<![^\W\d_])(?:do|được|đã)\s+[^.;:]{0,60}$")


def _lead_anywhere(seg: _Text) -> list[str]:
    """Units a heading or preamble assigns work to, wherever the assigning verb stands."""
    if lead := _lead_at_start(seg):
        return lead.units
    found: list[str] = []
    for verb in _ASSIGNMENT_ANYWHERE_RE.finditer(seg.low):
        if seg.low.startswith("giao", verb.start()) and _GIVEN_BY_RE.search(seg.low, 0, verb.start()):
            continue
        units = _read_units(seg, verb.end())
        if units.names:
            found = units.names
    return found


_COORDINATION_RE = _vn(r"(?:(?<=[,;:.(]\s)|^|(?<=chủ trì\s)|(?<=chủ trì,\s))phối hợp(?:\s+với)?\s+")
_LEAD_THEN_COORDINATORS_RE = _vn(r"chủ trì\s*,\s*")
_COORDINATOR_VERB_RE = _vn(r"\s+(?:cùng\s+)?phối hợp")
_PARENTHESIS_RE = re.compile(r"\(([^()]{3,200})\)")
_SUPPORTING_ROLE_RE = _vn(r"\s*(?:có trách nhiệm|chịu trách nhiệm|phối hợp|cung cấp)")


def _coordinating_units(seg: _Text, lead: list[str]) -> list[str]:
    """Units the text asks to coordinate: "chủ trì, phối hợp (với) Y", "chủ trì, Y phối hợp",
    "Phối hợp Y ..." at a clause start, "(Y chịu trách nhiệm cung cấp)"."""
    found: list[str] = []
    for verb in _COORDINATION_RE.finditer(seg.low):
        found += _read_units(seg, verb.end()).names
    for verb in _LEAD_THEN_COORDINATORS_RE.finditer(seg.low):
        units = _read_units(seg, verb.end())
        if units.names and _COORDINATOR_VERB_RE.match(seg.low, units.end):
            found += units.names
    for parenthesis in _PARENTHESIS_RE.finditer(seg.text):
        units = _read_units(seg, parenthesis.start(1))
        if units.names and _SUPPORTING_ROLE_RE.match(seg.low, units.end):
            found += units.names
    return [name for name in _normalise_units(found) if name not in lead]


# == Deadlines =====================================================================================

_EVERY = r"(?:hàng|hằng|mỗi)"
_WEEKDAYS = {"2": "mon", "hai": "mon", "3": "tue", "ba": "tue", "4": "wed", "tư": "wed", "5": "thu",
             "năm": "thu", "6": "fri", "sáu": "fri", "7": "sat", "bảy": "sat"}  # fmt: skip
_ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}

# Recurring duties.
_WEEKLY_ON_DAY_RE = _vn(
    r"(?:định kỳ\s+)?(?:vào\s+)?(?:trước\s+)?(?:ngày\s+)?"
    rf"(?:thứ\s+(?P<wd>[2-7]|hai|ba|tư|năm|sáu|bảy)|(?P<sun>chủ nhật))\s+{_EVERY}\s+tuần"
)
_WEEKLY_RE = _vn(rf"(?:định kỳ\s+)?{_EVERY}\s+tuần")
_BEFORE_MEETING_RE = _vn(
    rf"trước\s+(?P<n>\d{{1,2}})\s+ngày\s+(?:tổ chức\s+)?(?:phiên\s+)?họp\s+(?:thường kỳ\s+)?{_EVERY}\s+tháng"
    r"(?:\s+của\s+(?:ubnd|ủy ban nhân dân)(?:\s+(?:huyện|tỉnh|xã|phường|thành phố|thị xã|quận))?)?"
)
_MONTHLY_ON_DAY_RE = _vn(rf"(?:định kỳ\s+)?(?:trước|vào|chậm nhất)?\s*ngày\s+(?P<day>\d{{1,2}})\s+{_EVERY}\s+tháng")
_MONTHLY_RE = _vn(rf"(?:định kỳ\s+)?{_EVERY}\s+tháng")
_QUARTERLY_ON_DAY_RE = _vn(
    r"(?:định kỳ\s+)?(?:vào\s+|trước\s+)?ngày\s+(?P<day>\d{1,2})\s+(?:của\s+)?tháng\s+cuối\s+(?:của\s+|mỗi\s+)?quý"
)
_QUARTERLY_RE = _vn(rf"(?:định kỳ\s+)?{_EVERY}\s+quý")
_YEARLY_ON_DAY_RE = _vn(rf"(?:trước|vào)\s+ngày\s+(?P<d>\d{{1,2}})\s*/\s*(?P<m>\d{{1,2}})\s+{_EVERY}\s+năm")
_YEARLY_RE = _vn(rf"(?:định kỳ\s+)?{_EVERY}\s+năm")

# One-off deadlines: a date after a deadline word, N (working) days, the end of a named period.
_DATE_CUE = (
    r"(?:(?:hoàn thành|xong|kết thúc|báo cáo)\s+)?(?:trước|chậm nhất(?:\s+là)?|muộn nhất|hạn chót|hạn cuối"
    r"|thời hạn(?:\s+hoàn thành)?\s*:?|(?<!tính\s)(?<!từ\s)đến)"
)
_DATE_NUMERIC_RE = _vn(
    rf"{_DATE_CUE}\s+(?:ngày\s+)?(?P<d>\d{{1,2}})\s*[/.-]\s*(?P<m>\d{{1,2}})(?:\s*[/.-]\s*(?P<y>\d{{4}}))?(?![\d/])"
)
_DATE_WORDS_RE = _vn(rf"{_DATE_CUE}\s+ngày\s+(?P<d>\d{{1,2}})\s+tháng\s+(?P<m>\d{{1,2}})(?:\s+năm\s+(?P<y>\d{{4}}))?")
_WORKING_DAYS_RE = _vn(
    r"(?:(?:trong\s+(?:vòng|thời hạn|thời gian)|chậm nhất(?:\s+sau)?|trong)\s+)?(?P<n>\d{1,3})\s+ngày\s+làm\s+việc"
)
_CALENDAR_DAYS_RE = _vn(
    r"(?:trong\s+(?:vòng|thời hạn|thời gian)|chậm nhất(?:\s+sau)?)\s+(?P<n>\d{1,3})\s+ngày(?!\s+làm)"
)
_PERIOD_CUE = r"(?:trong|trước|hết|cuối|đến hết|đến cuối|hoàn thành trong|hoàn thành|ngay trong|vào)"
_QUARTER_RE = _vn(rf"{_PERIOD_CUE}\s+quý\s+(?P<q>iv|iii|ii|i|[1-4])(?![^\W\d_])(?:\s*(?:/|năm|-)\s*(?P<y>\d{{4}}))?")
_MONTH_RE = _vn(rf"{_PERIOD_CUE}\s+tháng\s+(?P<m>\d{{1,2}})(?:\s*(?:/|năm)\s*(?P<y>\d{{4}}))?(?![\d/])")
_HALF_YEAR_RE = _vn(rf"(?:{_PERIOD_CUE}\s+)?6\s+tháng\s+(?P<which>đầu|cuối)\s+năm(?:\s+(?P<y>\d{{4}}))?")
_YEAR_RE = _vn(rf"{_PERIOD_CUE}\s+năm\s+(?:(?P<y>\d{{4}})|(?P<this>nay))")


@dataclasses.dataclass(frozen=True, slots=True)
class _Deadline:
    kind: str  # none, date, period_end, recurring
    date: dt.date | None = None
    rule: str = ""
    text: str = ""
    period: str = ""  # the KPI period it implies: "2021", "2024-Q1", "2024-03"
    working_days: int | None = None
    calendar_days: int | None = None
    start: int = 0  # where the phrase lies in the draft's text
    end: int = 0
    priority: int = 99  # lower wins when a text holds several

    def as_json(self) -> Json:
        data: Json = {
            "kind": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "rule": self.rule,
            "text": self.text,
        }
        if self.working_days is not None:
            data["working_days"] = self.working_days
        if self.calendar_days is not None:
            data["calendar_days"] = self.calendar_days
        return data


_NO_DEADLINE = _Deadline("none")


@dataclasses.dataclass(frozen=True, slots=True)
class _Context:
    year: int | None
    issued_on: dt.date | None
    default_lead: list[str]


def _find_deadline(seg: _Text, context: _Context) -> _Deadline:
    """The deadline a draft's text sets. Where it sets several, a date beats a period end, which beats a
    recurrence ("hoàn thành trước 15/12; định kỳ hàng tháng báo cáo" is due on 15/12)."""
    found = [deadline for finder in _DEADLINE_FINDERS for deadline in finder(seg, context)]
    # "trước ngày 31/12 hằng năm" is a yearly duty, not the date inside it
    recurring = [(d.start, d.end) for d in found if d.kind == "recurring"]
    found = [d for d in found if d.kind == "recurring" or not any(a <= d.start < b for a, b in recurring)]
    if not found:
        return _NO_DEADLINE
    return min(found, key=lambda deadline: (deadline.priority, deadline.start))


def _phrase(seg: _Text, match: re.Match[str]) -> str:
    return seg.text[match.start() : match.end()].strip()


def _dates(seg: _Text, context: _Context) -> Iterator[_Deadline]:
    for pattern in (_DATE_NUMERIC_RE, _DATE_WORDS_RE):
        for match in pattern.finditer(seg.low):
            year = int(match["y"]) if match["y"] else context.year
            if year is None:
                continue
            try:
                day = dt.date(year, int(match["m"]), int(match["d"]))
            except ValueError:
                continue
            yield _Deadline("date", day, "", _phrase(seg, match), "", start=match.start(), end=match.end(), priority=0)


def _relative_days(seg: _Text, context: _Context) -> Iterator[_Deadline]:
    for match in _WORKING_DAYS_RE.finditer(seg.low):
        n = int(match["n"])
        day = default_calendar().add_working_days(context.issued_on, n) if context.issued_on else None
        yield _Deadline(
            "date", day, "", _phrase(seg, match), working_days=n, start=match.start(), end=match.end(), priority=1
        )
    for match in _CALENDAR_DAYS_RE.finditer(seg.low):
        n = int(match["n"])
        day = context.issued_on + dt.timedelta(days=n) if context.issued_on else None
        yield _Deadline(
            "date", day, "", _phrase(seg, match), calendar_days=n, start=match.start(), end=match.end(), priority=1
        )


def _period_ends(seg: _Text, context: _Context) -> Iterator[_Deadline]:
    for match in _QUARTER_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        if year is not None:
            quarter = _ROMAN_QUARTERS[match["q"]]
            yield _period_deadline(seg, match, period_end("quarter", year, quarter), f"{year}-Q{quarter}")
    for match in _MONTH_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        month = int(match["m"])
        if year is not None and 1 <= month <= 12:
            yield _period_deadline(seg, match, period_end("month", year, month), f"{year}-{month:02d}")
    for match in _HALF_YEAR_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        if year is not None:
            end = dt.date(year, 6, 30) if match["which"] == "đầu" else dt.date(year, 12, 31)
            yield _period_deadline(seg, match, end, str(year))
    for match in _YEAR_RE.finditer(seg.low):
        year = int(match["y"]) if match["y"] else context.year
        if year is not None:
            yield _period_deadline(seg, match, period_end("year", year), str(year))


def _period_deadline(seg: _Text, match: re.Match[str], end: dt.date, period: str) -> _Deadline:
    return _Deadline(
        "period_end", end, "", _phrase(seg, match), period, start=match.start(), end=match.end(), priority=2
    )


def _recurrences(seg: _Text, context: _Context) -> Iterator[_Deadline]:
    del context  # a recurrence does not depend on the directive's date
    for match in _WEEKLY_ON_DAY_RE.finditer(seg.low):
        weekday = "sun" if match["sun"] else _WEEKDAYS[match["wd"]]
        yield _recurring(seg, match, f"weekly:{weekday}", 3)
    for match in _BEFORE_MEETING_RE.finditer(seg.low):
        yield _recurring(seg, match, f"monthly:day-{int(match['n'])}-before-meeting", 3)
    for match in _MONTHLY_ON_DAY_RE.finditer(seg.low):
        yield _recurring(seg, match, f"monthly:day{int(match['day'])}", 3)
    for match in _QUARTERLY_ON_DAY_RE.finditer(seg.low):
        yield _recurring(seg, match, f"quarterly:day{int(match['day'])}-last-month", 3)
    for match in _YEARLY_ON_DAY_RE.finditer(seg.low):
        yield _recurring(seg, match, f"yearly:{int(match['m']):02d}-{int(match['d']):02d}", 3)
    # A week without a named day is due when the working week closes, as "hàng tháng" is due when the
    # month closes (see kpi_tasks.calendar.recurrence).
    for pattern, rule in ((_WEEKLY_RE, "weekly:fri"), (_MONTHLY_RE, "monthly"), (_QUARTERLY_RE, "quarterly"),
                          (_YEARLY_RE, "yearly")):  # fmt: skip
        for match in pattern.finditer(seg.low):
            yield _recurring(seg, match, rule, 4)


def _recurring(seg: _Text, match: re.Match[str], rule: str, priority: int) -> _Deadline:
    return _Deadline(
        "recurring", None, rule, _phrase(seg, match), start=match.start(), end=match.end(), priority=priority
    )


_DEADLINE_FINDERS = (_dates, _relative_days, _period_ends, _recurrences)


# == KPI targets ===================================================================================

_PERCENT_RE = re.compile(r"(?<![\d.,])(?P<value>\d{1,3}(?:[.,]\d{1,2})?)\s*%")
_AT_LEAST_RE = _vn(
    r"(?:tối thiểu|ít nhất|không thấp hơn|không dưới|không ít hơn|trên|từ|vượt|cao hơn|đạt|đảm bảo|bảo đảm"
    r"|phấn đấu|sớm hơn|tăng)(?![^\W\d_])"
)
_AT_MOST_RE = _vn(r"(?:tối đa|không quá|không vượt quá|dưới|thấp hơn|không cao hơn|giảm|ít hơn)(?![^\W\d_])")
_EXACTLY_RE = _vn(r"(?:bằng|đúng)(?![^\W\d_])")
_OR_MORE_RE = _vn(r"\s*trở lên")
_OR_LESS_RE = _vn(r"\s*trở xuống")
_REPORTED_FIGURE_RE = _vn(r"(?:chiếm|còn|chỉ đạt|mới đạt)\s*$")
_APPLIES_TO_RE = _vn(r"\s*(?:đối với|với|cho)\s+(?P<target>[^;,.()]+?)(?=\s+và\s+\d|[;,.()]|$)")
_COMMUNE_WORDS_RE = _vn(r"(?<![^\W\d_])(?:xã|thị trấn|phường|thôn|tổ dân phố)(?![^\W\d_])")
_DEPARTMENT_WORDS_RE = _vn(r"(?<![^\W\d_])(?:cấp huyện|cấp tỉnh|chuyên môn|phòng|ban|ngành|sở)(?![^\W\d_])")
_COUNT_RE = _vn(
    r"(?P<cue>tối thiểu|ít nhất|không dưới|không ít hơn|tối đa|không quá|trên)\s+"
    r"(?P<value>\d{1,3}(?:\.\d{3})+|\d+)\s+(?P<noun>(?!ngày|tháng|năm|quý|tuần|giờ|phút|lần\s+trong)[^\W\d_]+)"
    r"(?:\s+(?!mỗi|hàng|hằng|trong|trước|của)[^\W\d_]+){0,2}"
)
_MONEY_RE = _vn(
    r"(?P<cue>tối thiểu|ít nhất|không dưới|tối đa|không quá|trên)\s+(?P<value>\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)"
    r"\s*(?P<scale>tỷ|triệu|nghìn|ngàn)?\s*đồng"
)
_MONEY_SCALES = {None: 1, "nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tỷ": 1_000_000_000}
_CLAUSE_START_RE = re.compile(r"[;:.!?(]\s*|^")
_CLAUSE_END_RE = re.compile(r"[;:!?()]|\.(?:\s|$)")
_JOINER_RE = _vn(r",\s+(?:và\s+)?|\s+và\s+")
# A comma before the words that open a target: "..., phấn đấu giải ngân đạt ít nhất 60%".
_TARGET_OPENING_RE = _vn(r",\s+(?=(?:tỷ lệ|phấn đấu|đảm bảo|bảo đảm|đạt|giảm|tăng|nâng|trả kết quả)(?![^\W\d_]))")
_MAX_KPI_WORDS = 35  # syllables: a Vietnamese word is one to three of them
_MIN_KPI_WORDS = 4


def _find_kpis(seg: _Text, lead: list[str], deadline: _Deadline) -> list[Json]:
    default_target = _default_applies_to(lead)
    kpis: list[Json] = []
    previous_direction = "at_least"
    for match in _PERCENT_RE.finditer(seg.text):
        before = seg.low[max(0, match.start() - 40) : match.start()]
        if _REPORTED_FIGURE_RE.search(before):
            continue
        direction = _direction(seg, match, before, previous_direction)
        previous_direction = direction
        applies_to, text_end = _applies_to(seg, match.end(), default_target)
        kpis.append(
            {
                "text": _kpi_text(seg, match.start(), max(match.end(), text_end)),
                "value": _number(match["value"]),
                "measure": "%",
                "direction": direction,
                "applies_to": applies_to,
                "period": deadline.period,
            }
        )
    kpis += _count_and_money_kpis(seg, default_target, deadline)
    return kpis


def _direction(seg: _Text, match: re.Match[str], before: str, previous: str) -> str:
    if _OR_MORE_RE.match(seg.low, match.end()):
        return "at_least"
    if _OR_LESS_RE.match(seg.low, match.end()):
        return "at_most"
    # only the last few words count: "giảm ít nhất 10%" is at least a 10% cut
    last_word = re.search(r"(?:[^\W\d_]+\s+){0,4}$", before)
    window = last_word.group() if last_word else ""
    # the nearest cue decides, the longer one where two end together ("không dưới" over "dưới")
    cues = [(m.end(), -m.start(), "at_least") for m in _AT_LEAST_RE.finditer(window)]
    cues += [(m.end(), -m.start(), "at_most") for m in _AT_MOST_RE.finditer(window)]
    cues += [(m.end(), -m.start(), "exactly") for m in _EXACTLY_RE.finditer(window)]
    if cues:
        return max(cues)[2]
    # "… đạt tối thiểu 90% đối với A và 70% đối với B": the second figure shares the first one's cue
    return previous if re.search(r"\svà\s*$", before) else "at_least"


def _applies_to(seg: _Text, pos: int, default: str) -> tuple[str, int]:
    match = _APPLIES_TO_RE.match(seg.low, pos)
    if match is None:
        return default, pos
    target = match["target"]
    if _COMMUNE_WORDS_RE.search(target):
        return "commune", match.end()
    if _DEPARTMENT_WORDS_RE.search(target):
        return "department", match.end()
    units = _read_units(seg, match.start("target"))
    if units.names == [GROUP_ALL_UNITS]:
        return "all", match.end()
    if len(units.names) == 1 and units.names[0] not in GROUP_TOKENS:
        return units.names[0], match.end()
    return default, pos


def _default_applies_to(lead: list[str]) -> str:
    if lead == [GROUP_DEPARTMENTS]:
        return "department"
    if lead == [GROUP_COMMUNES]:
        return "commune"
    if len(lead) == 1 and lead[0] not in GROUP_TOKENS:
        return lead[0]
    return "all"


def _kpi_text(seg: _Text, value_start: int, value_end: int) -> str:
    """The words that state one target: its clause (between ";", ":" or "."), narrowed to the part between
    the neighbouring figures ("… không quá 5%, tỷ lệ hài lòng không dưới 95%, …"), at most ~35 syllables
    before the figure and preferably from a comma."""
    start = max(m.end() for m in _CLAUSE_START_RE.finditer(seg.text, 0, value_start))
    clause_end = _CLAUSE_END_RE.search(seg.text, value_end)
    end = clause_end.start() if clause_end else len(seg)
    figures = [span for span in _figure_spans(seg) if start <= span[0] and span[1] <= end]
    before = [figure_end for figure_start, figure_end in figures if figure_end <= value_start]
    after = [figure_start for figure_start, _ in figures if figure_start >= value_end]
    if before:
        joiner = _JOINER_RE.search(seg.text, before[-1], value_start)
        start = joiner.end() if joiner else before[-1]
    openings = [m.end() for m in _TARGET_OPENING_RE.finditer(seg.low, start, value_start)]
    if openings:
        start = openings[-1]
    if after:
        joiners = list(_JOINER_RE.finditer(seg.text, value_end, after[0]))
        end = joiners[-1].start() if joiners else after[0]
    if len(seg.text[start:value_start].split()) > _MAX_KPI_WORDS:
        comma = seg.text.rfind(", ", start, value_start)
        if comma >= 0 and len(seg.text[comma:value_start].split()) >= _MIN_KPI_WORDS:
            start = comma + 2
        else:
            start = value_start - len(" ".join(seg.text[start:value_start].split()[-_MAX_KPI_WORDS:])) - 1
    return " ".join(seg.text[max(start, 0) : max(end, value_end)].split()).strip(" ,;:")


def _figure_spans(seg: _Text) -> list[tuple[int, int]]:
    spans = [m.span() for m in _PERCENT_RE.finditer(seg.text)]
    spans += [m.span() for pattern in (_MONEY_RE, _COUNT_RE) for m in pattern.finditer(seg.low)]
    return sorted(spans)


def _count_and_money_kpis(seg: _Text, applies_to: str, deadline: _Deadline) -> list[Json]:
    kpis: list[Json] = []
    money_spans: list[tuple[int, int]] = []
    for match in _MONEY_RE.finditer(seg.low):
        money_spans.append(match.span())
        value = _number(match["value"]) * _MONEY_SCALES[match["scale"]]
        kpis.append(_simple_kpi(seg, match, value, "VND", applies_to, deadline))
    for match in _COUNT_RE.finditer(seg.low):
        if any(start <= match.start() < end for start, end in money_spans) or match["noun"] == "đồng":
            continue
        kpis.append(_simple_kpi(seg, match, _number(match["value"]), "count", applies_to, deadline))
    return kpis


def _simple_kpi(seg: _Text, match: re.Match[str], value: float, measure: str, applies_to: str,
                deadline: _Deadline) -> Json:  # fmt: skip
    cue = match["cue"]
    direction = "at_most" if _AT_MOST_RE.fullmatch(cue) else "at_least"
    return {
        "text": _phrase(seg, match),
        "value": value,
        "measure": measure,
        "direction": direction,
        "applies_to": applies_to,
        "period": deadline.period,
    }


def _number(text: str) -> float | int:
    """A figure as written: "90" → 90, "2,5" → 2.5, "1.000.000" → 1000000 (dots group thousands)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return int(text.replace(".", ""))
    value = float(text.replace(",", "."))
    return int(value) if value.is_integer() else value


# == Drafts ========================================================================================


@dataclasses.dataclass(slots=True)
class _Draft:
    section: str
    seg: _Text
    lead: list[str]
    coordinating: list[str]
    context: _Context
    # Appendix rows carry their deadline and target in cells of their own.
    deadline_cell: _Text | None = None
    target_cell: _Text | None = None

    def as_json(self) -> Json:
        deadline = _find_deadline(self.seg, self.context)
        if self.deadline_cell is not None:
            deadline = _cell_deadline(self.deadline_cell, self.context)
        kpis = _find_kpis(self.seg, self.lead, deadline)
        if self.target_cell is not None:
            kpis = _cell_kpis(self.target_cell, self.seg, self.lead, deadline) or kpis
        return {
            "section": self.section,
            "text": self.seg.text,
            "lead_units": self.lead,
            "coordinating_units": self.coordinating,
            "deadline": deadline.as_json(),
            "kpis": kpis,
            "span": self.seg.span(),
        }


_SENTENCE_END_RE = re.compile(r"[.!?…][”\"’)]*\s+(?=[“\"(]?(?P<next>\w))")
_CLAUSE_ASSIGNMENT_RE = _vn(r";\s+(?=(?:giao|đề nghị|yêu cầu)\s)")
# Sentences that only set the scene for the next one ("Trên cơ sở thống kê ...", "Căn cứ ...").
_BACKGROUND_RE = _vn(r"(?:trên cơ sở|căn cứ|nhằm|để|qua|thực hiện|với mục tiêu|theo)(?![^\W\d_])")


def _sentence_breaks(text: str) -> Iterator[int]:
    """Where sentences begin: after ". " before a capital, but not after "TP." or "P." style abbreviations."""
    for match in _SENTENCE_END_RE.finditer(text):
        if not match["next"].isupper():
            continue
        word_before = text[: match.start() + 1].split()[-1] if text[: match.start() + 1].split() else ""
        if _ABBREVIATION_RE.fullmatch(word_before):
            continue
        yield match.end()


def _pieces(seg: _Text) -> list[tuple[int, int]]:
    """A paragraph cut into sentences, and at "; giao ..." where a clause hands work to another unit."""
    cuts = set(_sentence_breaks(seg.text)) | {m.start() + 1 for m in _CLAUSE_ASSIGNMENT_RE.finditer(seg.low)}
    bounds = [0, *sorted(cuts), len(seg)]
    pieces = []
    for start, end in itertools.pairwise(bounds):
        while start < end and seg.text[start] in " ;":
            start += 1
        while end > start and seg.text[end - 1] in " ;":
            end -= 1
        if end > start:
            pieces.append((start, end))
    return pieces


@dataclasses.dataclass(slots=True)
class _Pending:
    """The draft being gathered from consecutive sentences of one paragraph."""

    start: int
    end: int
    lead: list[str]
    background_only: bool  # so far only scene-setting sentences, without a unit of their own


def _drafts_from_paragraph(seg: _Text, section: str, inherited: list[str], context: _Context) -> list[_Draft]:
    """Drafts of one paragraph: a new draft starts at each sentence that names a different lead."""
    drafts: list[_Draft] = []
    pending: _Pending | None = None
    for start, end in _pieces(seg):
        piece = seg.slice(start, end)
        found = _lead_at_start(piece)
        if found and found.responsibility_only:
            continue  # "X chịu trách nhiệm trước ...": accountability, not work to track
        if pending is None:
            lead = found.units if found else (_scope_lead(piece) or inherited)
            background = found is None and _BACKGROUND_RE.match(piece.low) is not None
            pending = _Pending(start, end, lead, background)
        elif found and found.units != pending.lead and not pending.background_only:
            drafts.append(_make_draft(seg, section, pending, context))
            pending = _Pending(start, end, found.units, False)
        else:
            # the same work goes on, or the scene-setting sentence leads to the unit named now
            pending.end = end
            if found:
                pending.lead, pending.background_only = found.units, False
    if pending is not None:
        drafts.append(_make_draft(seg, section, pending, context))
    return drafts


def _make_draft(paragraph: _Text, section: str, pending: _Pending, context: _Context) -> _Draft:
    seg = paragraph.slice(pending.start, pending.end)
    return _Draft(section, seg, pending.lead, _coordinating_units(seg, pending.lead), context)


# -- the item tree ---------------------------------------------------------------------------------

_HEADING_END_RE = _vn(r"(?::|(?:như|dưới đây|sau đây|cụ thể|các nội dung|nhiệm vụ|công việc|việc)\s+sau|sau)\s*$")
_TOPIC_START_RE = _vn(r"(?:về|đối với|việc|công tác|lĩnh vực|nhiệm vụ|giải pháp)(?![^\W\d_])")
_SKIPPED_SECTION_RE = _vn(r"(?:mục đích|căn cứ|tình hình)(?![^\W\d_])")
_CLOSING_RE = _vn(
    r"(?:(?:yêu cầu|đề nghị)\s.*(?:nghiêm túc|khẩn trương|triển khai|thực hiện)[^.]*\.\s*/\s*\.?\s*$"
    r"|trên đây là|trong quá trình (?:tổ chức\s+)?(?:triển khai\s+)?thực hiện,? nếu|nhận được (?:công văn|văn bản))"
)
_SHORT_HEADING_WORDS = 25
_FINAL_MARK_RE = re.compile(r"\.\s*/\s*\.?\s*$")  # "./." ends an official text

_LEVELS = {"roman": 1, "letter": 20, "heading": 29, "-": 30, "+": 31, "plain": 40}


@dataclasses.dataclass(eq=False, slots=True)
class _Node:
    paragraph: _Paragraph
    seg: _Text
    level: int
    section: str
    parent: _Node | None
    children: list[_Node] = dataclasses.field(default_factory=list)


def _level(paragraph: _Paragraph, seg: _Text) -> int:
    marker = paragraph.marker
    if marker is None:
        return _LEVELS["heading"] if seg.text.endswith(":") else _LEVELS["plain"]
    if marker.kind == "number":
        return 1 + marker.label.count(".") + 1
    if marker.kind == "bullet":
        return _LEVELS[marker.label]
    return _LEVELS[marker.kind]


def _section(paragraph: _Paragraph, parent: _Node | None) -> str:
    """The section path ("II", "II.1", "2.1", "2.1.a"); bullets and plain paragraphs take their parent's."""
    marker = paragraph.marker
    if marker is None or marker.kind == "bullet":
        return parent.section if parent else ""
    if marker.kind == "roman":
        return marker.label
    if marker.kind == "number":
        roman = _ancestor_with_marker(parent, ("roman",))
        return f"{roman.section}.{marker.label}" if roman else marker.label
    numbered = _ancestor_with_marker(parent, ("roman", "number"))
    return f"{numbered.section}.{marker.label}" if numbered else marker.label


def _ancestor_with_marker(node: _Node | None, kinds: tuple[str, ...]) -> _Node | None:
    while node is not None and not (node.paragraph.marker and node.paragraph.marker.kind in kinds):
        node = node.parent
    return node


def _is_closing(paragraph: _Paragraph, seg: _Text, is_last: bool) -> bool:
    """The closing request ("Yêu cầu ... nghiêm túc thực hiện./.", "... thông báo để các đơn vị biết, thực
    hiện./."): an unnumbered paragraph in those words, or the last one when it ends the text with "./."."""
    if paragraph.marker is not None:
        return False
    return _CLOSING_RE.match(seg.low) is not None or (is_last and _FINAL_MARK_RE.search(seg.text) is not None)


def _build_tree(source: _Text, paragraphs: list[_Paragraph]) -> list[_Node]:
    nodes: list[_Node] = []
    stack: list[_Node] = []
    for index, paragraph in enumerate(paragraphs):
        if paragraph.is_table:
            continue
        seg = paragraph.content(source)
        if not seg.text or _is_closing(paragraph, seg, index == len(paragraphs) - 1):
            continue
        level = _level(paragraph, seg)
        while stack and stack[-1].level >= level:
            stack.pop()
        parent = stack[-1] if stack else None
        node = _Node(paragraph, seg, level, _section(paragraph, parent), parent)
        if parent:
            parent.children.append(node)
        nodes.append(node)
        stack.append(node)
    return nodes


def _is_heading(node: _Node) -> bool:
    """An item that introduces the items under it rather than assigning work itself."""
    if not node.children:
        return False
    text = node.seg.text.rstrip(" .")
    if _HEADING_END_RE.search(node.seg.low.rstrip(" .")) or _TOPIC_START_RE.match(node.seg.low):
        return True
    if _is_upper_block(text):
        return True
    return len(text.split()) <= _SHORT_HEADING_WORDS and not node.seg.text.rstrip().endswith(".")


def _is_skipped(node: _Node) -> bool:
    """Under a heading such as "I. MỤC ĐÍCH, YÊU CẦU": aims, not assignments."""
    current: _Node | None = node
    while current is not None:
        if _is_heading(current) and _SKIPPED_SECTION_RE.match(current.seg.low):
            return True
        current = current.parent
    return False


def _drafts_from_items(source: _Text, items: list[_Paragraph], context: _Context) -> list[_Draft]:
    nodes = _build_tree(source, items)
    leads: dict[int, list[str]] = {}

    def lead_of(node: _Node | None) -> list[str]:
        if node is None:
            return context.default_lead
        if id(node) not in leads:
            own = _lead_anywhere(node.seg) if _is_heading(node) else _own_lead(node.seg)
            leads[id(node)] = own or lead_of(node.parent)
        return leads[id(node)]

    drafts: list[_Draft] = []
    for node in nodes:
        if _is_heading(node) or _is_skipped(node):
            continue
        own = _drafts_from_paragraph(node.seg, node.section, lead_of(node.parent), context)
        if own:
            # a paragraph that goes on below a draft continues with the unit it named last
            leads[id(node)] = own[-1].lead
        drafts += own
    return drafts


def _own_lead(seg: _Text) -> list[str]:
    lead = _lead_at_start(seg)
    return lead.units if lead else []


def _drafts_from_flat_text(source: _Text, paragraphs: list[_Paragraph], context: _Context) -> list[_Draft]:
    """A directive without numbered items: every paragraph that assigns work is a draft."""
    drafts: list[_Draft] = []
    for paragraph in paragraphs:
        seg = paragraph.content(source)
        if not seg.text or _CLOSING_RE.match(seg.low):
            continue
        lead = _lead_anywhere(seg)
        if lead:
            drafts += _drafts_from_paragraph(seg, "", lead, context)
    return drafts


# -- preamble ----------------------------------------------------------------------------------------

_BASIS_START_RE = _vn(
    r"(?:thực hiện|căn cứ|triển khai|để triển khai|để thực hiện|tiếp theo|theo|nhằm triển khai)(?![^\W\d_])"
)
_REFERENCE_RE = re.compile(
    r"(?:[Ss]ố\s+)?(?P<number>\d{1,5}(?:-[A-ZĐ]{1,6})?)\s*/\s*(?P<symbol>[A-ZĐ][\wĐđ]*(?:[-/][\wĐđ]+)*)"
    r"(?:\s*,?\s*ngày\s+(?P<date>\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))?"
)

# "45/UBND-" / "VP": a symbol the layout broke after its hyphen.
_SYMBOL_BROKEN_AT_HYPHEN_RE = re.compile(r"(?<=[A-ZĐ])-\s+(?=[A-ZĐ]{2,}\b)")


def _preamble_lead(source: _Text, preamble: list[_Paragraph]) -> list[str]:
    lead: list[str] = []
    for paragraph in preamble:
        found = _lead_anywhere(paragraph.content(source))
        if found:
            lead = found
    return lead


def _implemented_directives(source: _Text, header: _Header, preamble: list[_Paragraph]) -> list[str]:
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


# == Appendix tables ===============================================================================

_APPENDIX_RE = _vn(r"^\s*phụ lục\s*(?:số\s*)?(?P<label>[\w.]*)")
_TASK_COLUMN_RE = _vn(r"nhiệm vụ|nội dung|công việc|tên chỉ tiêu")
_LEAD_COLUMN_RE = _vn(r"chủ trì|đơn vị thực hiện|cơ quan thực hiện|đơn vị được giao|đơn vị")
_COORDINATION_COLUMN_RE = _vn(r"phối hợp")
_DEADLINE_COLUMN_RE = _vn(r"thời hạn|thời gian|hạn hoàn thành|tiến độ")
_TARGET_COLUMN_RE = _vn(r"chỉ tiêu|mục tiêu|kế hoạch giao")
_ROW_NUMBER_RE = re.compile(r"^\s*\|?\s*(?P<n>\d{1,3}|[IVX]{1,4}|[a-z])\s*[.)]?\s*$")


@dataclasses.dataclass(frozen=True, slots=True)
class _Columns:
    task: int
    lead: int
    coordination: int | None
    deadline: int | None
    target: int | None


def _appendix_drafts(source: _Text, lines: list[_Line], context: _Context) -> list[_Draft]:
    """Rows of appendix tables that give a unit a task or a target ("STT | Nhiệm vụ | Đơn vị chủ trì | Thời
    hạn"). Tables that only report figures per unit have no task column and give nothing."""
    drafts: list[_Draft] = []
    label = ""
    index = 0
    while index < len(lines):
        text = lines[index].text(source)
        if appendix := _APPENDIX_RE.match(_match_form(text)):
            label = appendix["label"].strip(".").upper()
        if not _is_table_row(text):
            index += 1
            continue
        table_end = index
        while table_end < len(lines) and _is_table_row(lines[table_end].text(source)):
            table_end += 1
        drafts += _table_drafts(source, lines[index:table_end], label, context)
        index = table_end
    return drafts


def _cells(source: _Text, line: _Line) -> list[_Text]:
    row = source.slice(line.start, line.end)
    separator = "|" if row.text.lstrip().startswith("|") else "\t"
    cells, start = [], 0
    for position, ch in enumerate(row.text + separator):
        if ch == separator:
            cells.append(row.slice(start, min(position, len(row))).collapsed())
            start = position + 1
    if separator == "|":
        cells = cells[1:-1] if len(cells) > 2 else cells
    return cells


def _table_drafts(source: _Text, rows: list[_Line], label: str, context: _Context) -> list[_Draft]:
    cell_rows = [_cells(source, row) for row in rows]
    first_data_row = next(
        (i for i, cells in enumerate(cell_rows) if cells and _ROW_NUMBER_RE.match(cells[0].text)), None
    )
    if first_data_row is None:
        return []
    # header cells spread over several rows (merged cells) are read together, column by column
    header: list[str] = []
    for cells in cell_rows[:first_data_row]:
        for position, cell in enumerate(cells):
            header.extend([""] * (position + 1 - len(header)))
            header[position] += " " + cell.low
    columns = _columns(header)
    if columns is None:
        return []
    drafts = (_row_draft(cells, columns, label, context) for cells in cell_rows[first_data_row:])
    return [draft for draft in drafts if draft is not None]


def _columns(header: list[str]) -> _Columns | None:
    def find(pattern: re.Pattern[str], exclude: set[int]) -> int | None:
        return next((i for i, text in enumerate(header) if i not in exclude and pattern.search(text)), None)

    task = find(_TASK_COLUMN_RE, set())
    if task is None:
        return None
    coordination = find(_COORDINATION_COLUMN_RE, {task})
    lead = find(_LEAD_COLUMN_RE, {task} | ({coordination} if coordination is not None else set()))
    if lead is None:
        return None
    taken = {task, lead} | ({coordination} if coordination is not None else set())
    deadline = find(_DEADLINE_COLUMN_RE, taken)
    target = find(_TARGET_COLUMN_RE, taken | ({deadline} if deadline is not None else set()))
    return _Columns(task, lead, coordination, deadline, target)


def _row_draft(cells: list[_Text], columns: _Columns, label: str, context: _Context) -> _Draft | None:
    def cell(index: int | None) -> _Text | None:
        return cells[index] if index is not None and index < len(cells) and cells[index].text else None

    number = _ROW_NUMBER_RE.match(cells[0].text) if cells else None
    task, lead_cell = cell(columns.task), cell(columns.lead)
    if number is None or task is None or lead_cell is None:
        return None
    section = f"Phụ lục {label}.{number['n']}" if label else f"Phụ lục.{number['n']}"
    lead = _units_in_cell(lead_cell)
    coordination_cell = cell(columns.coordination)
    coordinating = _units_in_cell(coordination_cell) if coordination_cell else []
    return _Draft(
        section,
        task,
        lead,
        [unit for unit in coordinating if unit not in lead],
        context,
        deadline_cell=cell(columns.deadline),
        target_cell=cell(columns.target),
    )


def _units_in_cell(cell: _Text) -> list[str]:
    units = _read_units(cell, 0)
    if units.names:
        return units.names
    return [display_name(part) for part in re.split(r"\s*[,;]\s*", cell.text) if part.strip()]


def _cell_deadline(cell: _Text, context: _Context) -> _Deadline:
    """A "Thời hạn" cell: its phrase ("Hàng tháng", "Trước 15/12/2025"), or a bare date or period, read
    as if preceded by "trước" / "trong"."""
    found = _find_deadline(cell, context)
    if found.kind != "none":
        return found
    for cue in ("trước ", "trong "):
        prefixed = _Text.join([_Text.of([(ch, cell.starts[0], cell.starts[0]) for ch in cue.strip()]), cell])
        found = _find_deadline(prefixed, context)
        if found.kind != "none":
            return dataclasses.replace(found, text=cell.text)
    return _NO_DEADLINE


def _cell_kpis(cell: _Text, task: _Text, lead: list[str], deadline: _Deadline) -> list[Json]:
    kpis = _find_kpis(cell, lead, deadline)
    if not kpis and (bare := re.fullmatch(r"\s*(?P<value>\d{1,3}(?:\.\d{3})+|\d+(?:,\d+)?)\s*", cell.text)):
        kpis = [{"text": "", "value": _number(bare["value"]), "measure": "count", "direction": "at_least",
                 "applies_to": _default_applies_to(lead), "period": deadline.period}]  # fmt: skip
    for kpi in kpis:
        kpi["text"] = f"{task.text}: {cell.text}"
    return kpis
