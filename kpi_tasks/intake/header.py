"""The directive's header: number and symbol, issuer, date of issue, "V/v" subject, and where the body starts
(after the "Kính gửi" list)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from kpi_tasks.intake.paragraphs import opens_item
from kpi_tasks.intake.text import Line, Text, is_upper_block, match_form, vn
from kpi_tasks.intake.unit_phrases import UNIT_HEAD_RE

_MOTTO_RE = vn(r"cộng hòa xã hội|độc lập\s*-\s*tự do")
_NUMBER_LINE_RE = re.compile(r"^\s*Số\s*:?\s*(?P<number>\d*)\s*(?P<symbol>/\s*[^\s,;]+)?")
_PLACE_DATE_RE = vn(r"ngày\s*(?P<d>\d{1,2})?\s*tháng\s*(?P<m>\d{1,2})?\s*năm\s*(?P<y>\d{4})")
_SUBJECT_START_RE = vn(r"^\s*(?:v/v|về việc)\s*:?\s*")
_ADDRESSEE_RE = vn(r"^\s*kính gửi\s*:?")
_ADDRESSEE_ITEM_RE = re.compile(r"^\s*[-–+•]")
_DOCUMENT_TITLE_RE = vn(r"^\s*(?:kế hoạch|quyết định|chỉ thị|thông báo|công văn|báo cáo)\s*$")
_HEADER_SCAN_LINES = 80


@dataclasses.dataclass(frozen=True, slots=True)
class Header:
    number_symbol: str
    issuer: str
    year: int | None
    issued_on: dt.date | None
    subject: str
    body_start: int  # index of the first line of the body


def read_header(source: Text, lines: list[Line]) -> Header:
    texts = [line.text(source) for line in lines]
    lows = [match_form(text) for text in texts]
    scan = range(min(len(lines), _HEADER_SCAN_LINES))
    number_symbol, number_index = _number_symbol(texts, scan)
    year, issued_on, date_index = _issue_date(lows, scan)
    subject, subject_end = _subject(texts, lows, scan)
    addressee_end = _addressee_block_end(texts, lows, scan)
    candidates = [index + 1 for index in (number_index, date_index) if index is not None]
    if subject_end is not None:
        candidates.append(subject_end)
    body_start = addressee_end if addressee_end is not None else max(candidates, default=0)
    return Header(number_symbol, _issuer(texts, lows, scan), year, issued_on, subject, body_start)


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
        if match and match.start() < len(lows[index]) and _is_place_date(lows[index][: match.start()]):
            year = int(match["y"])
            issued_on = None
            if match["d"] and match["m"]:
                try:
                    issued_on = dt.date(year, int(match["m"]), int(match["d"]))
                except ValueError:
                    issued_on = None
            return year, issued_on, index
    return None, None, None


# What may stand before the day of issue on its line: nothing, or the place and a comma ("Hà Nội, ").
_PLACE_PREFIX_MAX = 40


def _is_place_date(before: str) -> bool:
    """Whether a date opens the line or follows its place ("Hòa Vang, ngày …"), as the date of issue does; a
    date inside a sentence ("… treo cờ từ ngày 13 đến hết ngày 15 tháng 5 năm 2019") is the body's."""
    # the number and the place may share the line in two columns: "Số: 152/KH-UBND      Hòa Vang, ngày …"
    before = re.split(r"\s{2,}|\t", before.strip())[-1]
    return not before or (before.endswith(",") and len(before) <= _PLACE_PREFIX_MAX and not opens_item(before))


def _issuer(texts: list[str], lows: list[str], scan: range) -> str:
    """The issuing body from the upper-case block above the national motto ("ỦY BAN NHÂN DÂN / HUYỆN X")."""
    parts: list[str] = []
    for index in scan:
        text, low = texts[index], lows[index]
        motto = _MOTTO_RE.search(low)
        if motto:
            text = text[: motto.start()]
        text = text.strip(" \t-_=")
        if text and is_upper_block(text) and not _NUMBER_LINE_RE.match(text):
            parts.append(text)
        elif text:
            break  # the block ends at the first line in ordinary case ("Số: ...", "V/v ...")
        if motto and parts:
            break
    return _format_issuer(parts)


_COMMITTEE_RE = vn(r"^(?:ủy ban nhân dân|ubnd)\b")
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
    committee = _COMMITTEE_RE.match(match_form(text))
    if committee:
        return "UBND " + _format_place(text[committee.end() :].strip())
    if _starts_with_level(text):
        return _format_place(text)
    return _format_body(text)


def _format_body(text: str) -> str:
    """A body's name as Vietnamese writes it, head noun and the word after it capitalised: "SỞ NỘI VỤ" →
    "Sở Nội vụ", "BAN QUẢN LÝ DỰ ÁN" → "Ban Quản lý dự án"."""
    low = text.lower()
    head = UNIT_HEAD_RE.match(match_form(low))
    words_end = head.end() if head else len(low.split()[0]) if low.split() else 0
    name = low[:1].upper() + low[1:]
    after = re.compile(r"\s+(?=\w)").match(name, words_end)
    if after:
        name = name[: after.end()] + name[after.end()].upper() + name[after.end() + 1 :]
    return name


def _starts_with_level(text: str) -> str | None:
    low = match_form(text)
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
        if _ADDRESSEE_RE.match(lows[index]) or _MOTTO_RE.search(lows[index]) or opens_item(text):
            break  # a numbered item is the body, when a pasted text has no "Kính gửi" between them
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
