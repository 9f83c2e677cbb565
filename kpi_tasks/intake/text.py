"""Text with its origin: the cleaned input, its matching forms, and where each character came from.

Every draft points back into the text as given (the review page highlights it), so cleaning (markup and
invisible characters dropped, Unicode composed) keeps for each character the input range it came from.
Vocabulary is matched on a lower-cased copy whose tone marks are placed one way ("hoá" and "hóa" alike);
the copy has the same length as the text, so a match's offsets are valid in both, and patterns are
written in plain Vietnamese through `vn`.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata

from kpi_tasks.intake.unit_matching import fold

# Emphasis and cell markup a converter leaves around words ("**1.**", "<b>TỔNG CỘNG</b>", "<p>…</p>",
# "<math>b/a</math>" in a table cell); never part of the wording.
_MARKUP_RE = re.compile(
    r"\*+|</?(?:b|i|u|em|strong|p|span|div|br|sub|sup|math|mi|mo|mn|mrow|mfrac|mtext)(?:\s[^<>]{0,200})?/?>",
    re.IGNORECASE,
)
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


def match_form(text: str) -> str:
    """Lower case with one tone placement; same length as `text`."""
    lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return _TONE_PLACEMENT_RE.sub(lambda m: _TONE_PLACEMENT[m.group()], lowered)


def vn(pattern: str) -> re.Pattern[str]:
    """Compile a pattern written in lower-case Vietnamese for use on `match_form` text."""
    return re.compile(_TONE_PLACEMENT_RE.sub(lambda m: _TONE_PLACEMENT[m.group()], pattern))


@dataclasses.dataclass(frozen=True)  # no slots: the matching forms are cached on first use
class Text:
    """A text, its matching forms, and for each character the input range [starts[i], ends[i]) it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @functools.cached_property
    def low(self) -> str:
        return match_form(self.text)

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

    def slice(self, start: int, end: int) -> Text:
        return Text(self.text[start:end], self.starts[start:end], self.ends[start:end])

    def collapsed(self) -> Text:
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
        return Text.of(chars)

    def strip(self, chars: str = " ") -> Text:
        start, end = 0, len(self.text)
        while start < end and (self.text[start] in chars or self.text[start].isspace()):
            start += 1
        while end > start and (self.text[end - 1] in chars or self.text[end - 1].isspace()):
            end -= 1
        return self.slice(start, end)

    @staticmethod
    def of(chars: list[tuple[str, int, int]]) -> Text:
        return Text("".join(c for c, _, _ in chars), tuple(s for _, s, _ in chars), tuple(e for _, _, e in chars))

    @staticmethod
    def join(parts: list[Text], separator: str = " ") -> Text:
        chars: list[tuple[str, int, int]] = []
        for part in parts:
            if chars and part.text:
                chars.extend((ch, part.starts[0], part.starts[0]) for ch in separator)
            chars.extend(zip(part.text, part.starts, part.ends, strict=True))
        return Text.of(chars)


def clean(raw: str) -> Text:
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
    return _unglued(Text.of(chars))


# Converters glue "các" to the noun after it ("cácsở, ban, ngành", "cáchuyện"); a space put back between them
# lets the unit phrases read the group. Only before the nouns that name units or levels, so "cách" stays.
_GLUED_PLURAL_RE = re.compile(
    r"(?<![^\W\d_])([Cc]ác)(?=(?:sở|phòng|ban|ngành|xã|huyện|cơ quan|đơn vị|địa phương|thôn|tổ)(?![^\W\d_]))"
)


def _unglued(text: Text) -> Text:
    chars = list(zip(text.text, text.starts, text.ends, strict=True))
    for match in reversed(list(_GLUED_PLURAL_RE.finditer(text.text))):
        end = chars[match.end() - 1][2]
        chars.insert(match.end(), (" ", end, end))
    return Text.of(chars) if len(chars) != len(text.text) else text


@dataclasses.dataclass(frozen=True, slots=True)
class Line:
    start: int
    end: int

    def text(self, source: Text) -> str:
        return source.text[self.start : self.end]


def split_lines(source: Text) -> list[Line]:
    lines, start = [], 0
    for match in re.finditer("\n", source.text):
        lines.append(Line(start, match.start()))
        start = match.end()
    lines.append(Line(start, len(source.text)))
    return lines


def is_upper_block(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
