"""Resolve unit names read from a directive against the units the Committee has recorded.

Directives name units loosely: "Phòng Tư pháp huyện", "P. Tư pháp", "VP HĐND&UBND", "Bộ phận Tiếp nhận
và Trả kết quả" (the legal name of the "Bộ phận Một cửa"), and address whole groups: "các phòng, ban,
ngành", "UBND các xã, thị trấn", "các cơ quan, đơn vị, địa phương". The parser writes groups as tokens
(`@departments`, `@communes`, `@all_units`); this module expands them and matches the other names
without regard to accents, case, spacing, punctuation, common abbreviations or a trailing "huyện" /
"thị xã".

Pure functions: units come in as tuples `(id, code, name, kind)` or any object with those attributes,
so the intake works with database rows, fixtures and plain data alike.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Protocol

GROUP_DEPARTMENTS = "@departments"
GROUP_COMMUNES = "@communes"
GROUP_ALL_UNITS = "@all_units"
GROUP_TOKENS = (GROUP_DEPARTMENTS, GROUP_COMMUNES, GROUP_ALL_UNITS)

# The kinds each group token stands for; `None` means every unit.
_GROUP_KINDS: dict[str, str | None] = {
    GROUP_DEPARTMENTS: "department",
    GROUP_COMMUNES: "commune",
    GROUP_ALL_UNITS: None,
}


class UnitLike(Protocol):
    id: int
    code: str
    name: str
    kind: str


@dataclasses.dataclass(frozen=True, slots=True)
class KnownUnit:
    id: int
    code: str
    name: str
    kind: str  # department, commune or other


@dataclasses.dataclass(frozen=True, slots=True)
class MatchResult:
    unit_ids: list[int]
    unmatched: list[str]


# -- normalisation ---------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without diacritics ("Phòng Văn hoá" → "phong van hoa"); one character per character."""
    return "".join(_fold_char(ch) for ch in text)


def _fold_char(ch: str) -> str:
    if ch in "đĐÐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


# Department and body abbreviations used in Vietnamese administrative writing, on folded text. Compound
# department names come first so that "TN&MT" is not half-expanded by a shorter rule.
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bvp\s*hdnd\s*(?:&|va|-)\s*ubnd\b", "van phong hoi dong nhan dan va uy ban nhan dan"),
        (r"\btn\s*(?:&|va|-)\s*mt\b", "tai nguyen va moi truong"),
        (r"\bkt\s*(?:&|va|-)\s*ht\b", "kinh te va ha tang"),
        (r"\btc\s*(?:&|va|-)\s*kh\b", "tai chinh ke hoach"),
        (r"\bgd\s*(?:&|va|-)\s*dt\b", "giao duc va dao tao"),
        (r"\bvh\s*(?:&|va|-)\s*tt\b", "van hoa va thong tin"),
        (r"\bld\s*-?\s*tb\s*(?:&|va|-)\s*xh\b", "lao dong thuong binh va xa hoi"),
        (r"\bnn\s*(?:&|va|-)\s*ptnt\b", "nong nghiep va phat trien nong thon"),
        (r"\bubmttq\b", "uy ban mat tran to quoc"),
        (r"\bmttq\b", "mat tran to quoc"),
        (r"\bubnd\b", "uy ban nhan dan"),
        (r"\bhdnd\b", "hoi dong nhan dan"),
        (r"\btthc\b", "thu tuc hanh chinh"),
        (r"\btncs\b", "thanh nien cong san"),
        (r"\bbch\b", "ban chi huy"),
        (r"\bbql\b", "ban quan ly"),
        (r"\bvp\b", "van phong"),
        (r"^p\s*\.\s*", "phong "),
        (r"\bbo phan tiep nhan va tra ket qua\b", "bo phan mot cua"),
    )
)

# Administrative level words that directives append to a unit's name ("Phòng Nội vụ huyện").
_LEVEL_SUFFIX_RE = re.compile(r"(?:\s+(?:cap\s+)?(?:huyen|thi xa|thanh pho|quan|tinh))+$")
# Words that carry no identity: "Phòng Tài chính - Kế hoạch" and "Phòng Tài chính và Kế hoạch" are one.
_NOISE_WORDS = frozenset({"va", "cua", "thuoc", "truc"})


def match_key(name: str) -> str:
    """The form two names are compared in: folded, abbreviations expanded, punctuation and level dropped."""
    text = fold(" ".join(name.split())).replace("&", " & ")
    text = " ".join(text.split())
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"[^a-z0-9@ ]+", " ", text)
    text = _LEVEL_SUFFIX_RE.sub("", " ".join(text.split()))
    return " ".join(word for word in text.split() if word not in _NOISE_WORDS)


# Display forms of abbreviations, for names the parser shows to the office.
_DISPLAY_ALIASES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bVP\s*HĐND\s*(?:&|và|-)\s*UBND\b"), "Văn phòng HĐND và UBND"),
    (re.compile(r"\bHĐND\s*(?:&|-|–)\s*UBND\b"), "HĐND và UBND"),  # "Văn phòng HĐND-UBND xã"
    (re.compile(r"^P\s*\.\s*(?=\w)"), "Phòng "),
    (re.compile(r"\bBộ phận [Tt]iếp nhận và [Tt]rả kết quả\b"), "Bộ phận Một cửa"),
)


def display_name(name: str) -> str:
    """A unit name as the office should read it: spaces collapsed, well-known abbreviations written out.

    "Bộ phận Tiếp nhận và Trả kết quả" is shown as "Bộ phận Một cửa", the name the units themselves use
    (Decree 61/2018/NĐ-CP calls it both).
    """
    text = " ".join(name.split()).strip(" ,;:-–")
    for pattern, replacement in _DISPLAY_ALIASES:
        text = pattern.sub(replacement, text)
    return text


# -- groups ----------------------------------------------------------------------------------------

_LEVEL = r"(?:huyen|tinh|thanh pho|thi xa|quan)"
# "... thuộc UBND huyện", "... cấp huyện", "... huyện" after a group of departments.
_UNDER_COMMITTEE = (
    rf"(?:\s+(?:truc\s+)?thuoc(?:\s+(?:ubnd|uy ban nhan dan))?\s+{_LEVEL}|\s+cap\s+{_LEVEL}|\s+{_LEVEL})?"
)

# "các sở, ban, ngành, đơn vị cấp tỉnh", "các Sở, Ban, ngành, Hội, Đoàn thể": bodies at the departments' level
_DEPARTMENT_TAIL = r"(?:,?\s*(?:hoi,?\s*)?(?:doan the|don vi)(?:\s+cap\s+tinh)?)?"

# Group phrases on folded text, most specific first. Each is tried at one position by the parser and as
# a whole name by `group_token_for`.
GROUP_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (token, re.compile(pattern))
    for token, pattern in (
        (GROUP_ALL_UNITS,
         r"(?:tat ca\s+)?(?:cac|moi)\s+co quan,?\s*don vi(?:,|\s+va)\s*dia phuong(?:\s+(?:co\s+)?lien quan)?"),
        (GROUP_ALL_UNITS, r"cac\s+(?:so|phong),?\s*ban,?\s*nganh(?:,|\s+va)\s*(?:cac\s+)?dia phuong"),
        (GROUP_DEPARTMENTS, rf"cac\s+co quan,?\s*don vi\s+(?:truc\s+)?thuoc\s+(?:ubnd|uy ban nhan dan)\s+{_LEVEL}"),
        (GROUP_DEPARTMENTS, rf"cac\s+co quan\s+chuyen mon{_UNDER_COMMITTEE}"),
        (GROUP_DEPARTMENTS, rf"cac\s+phong,?\s*ban(?:,?\s*nganh)?(?:\s+chuyen mon)?{_UNDER_COMMITTEE}"),
        (GROUP_DEPARTMENTS, rf"cac\s+phong\s+chuyen mon{_UNDER_COMMITTEE}"),
        # "các sở, ban, ngành, đơn vị cấp tỉnh", "các sở, ban, ngành, đoàn thể tỉnh"
        (GROUP_DEPARTMENTS, rf"cac\s+(?:so,?\s*)?ban,?\s*nganh{_DEPARTMENT_TAIL}{_UNDER_COMMITTEE}"),
        (GROUP_DEPARTMENTS, rf"co quan\s+chuyen mon\s+cap\s+{_LEVEL}"),
        # "Tất cả các cơ quan, đơn vị" heading a list; "các tổ chức, cơ quan, đơn vị"
        (GROUP_ALL_UNITS,
         r"(?:tat ca\s+)?(?:cac|moi)\s+(?:to chuc,?\s*)?co quan,?\s*don vi(?:\s+(?:co\s+)?lien quan)?"),
        (GROUP_ALL_UNITS, r"cac\s+don vi,?\s*dia phuong(?:\s+(?:co\s+)?lien quan)?"),
        # "các đơn vị, ban ngành" of a commune: its departments and the units beside them
        (GROUP_DEPARTMENTS, r"cac\s+don vi,?\s*ban(?:,?\s*nganh)?"),
        (GROUP_COMMUNES,
         r"(?:ubnd|uy ban nhan dan)\s+(?:cac|cap)\s+xa(?:,?\s*phuong)?(?:,?\s*(?:thi tran|dac khu))*"),
        (GROUP_COMMUNES, r"(?:ubnd|uy ban nhan dan)\s+cac\s+phuong(?:,?\s*xa)?(?:,?\s*thi tran)?"),
        # A province's directive addresses the local governments one level down as one group too.
        (GROUP_COMMUNES, r"(?:ubnd|uy ban nhan dan)\s+cac\s+(?:huyen|quan)(?:,?\s*(?:thi xa|thanh pho|quan|huyen))*"),
        # "Chủ tịch UBND các cấp": the local governments below the issuer, whatever their level.
        (GROUP_COMMUNES, r"(?:ubnd|uy ban nhan dan)\s+cac\s+cap"),
        # "Giám đốc các sở", "các sở, ngành": a province's departments named by their head noun alone.
        # Folded, "sở" is "số": "các số liệu", "các số điện thoại" are no departments.
        (GROUP_DEPARTMENTS,
         r"cac\s+so(?!\s+(?:lieu|luong|dien|tien|ho|von|bao|chi|hieu|nha|trang|ky|thu|du|phan|dong|mau))"
         r"(?:,?\s*(?:ban|nganh))*(?:\s+(?:lien quan|cap tinh))?"),
    )
)

# Bare "các xã, thị trấn" (without "UBND"): a group when it stands alone, a level qualifier after a
# named unit ("Tổ công tác huyện, các xã, thị trấn": the team works at both levels).
BARE_COMMUNES_PATTERN = re.compile(r"(?:cac\s+xa(?:,?\s*phuong)?(?:,?\s*thi tran)?|cac\s+dia phuong)(?:\s+lien quan)?")


# The usual wording of each group, for names the source mistyped ("Các quan chuyên môn", "UBND các xả").
_GROUP_WORDINGS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (token, tuple(wording.split()))
    for token, wording in (
        (GROUP_DEPARTMENTS, "cac co quan chuyen mon"),
        (GROUP_DEPARTMENTS, "cac phong ban chuyen mon"),
        (GROUP_DEPARTMENTS, "cac phong chuyen mon"),
        (GROUP_DEPARTMENTS, "cac so ban nganh"),
        (GROUP_COMMUNES, "uy ban nhan dan cac xa phuong"),
        (GROUP_COMMUNES, "uy ban nhan dan cac xa"),
        (GROUP_COMMUNES, "ubnd cac xa phuong"),
        (GROUP_COMMUNES, "ubnd cac xa"),
        (GROUP_ALL_UNITS, "cac co quan don vi dia phuong"),
        (GROUP_ALL_UNITS, "cac co quan don vi"),
    )
)
_MIN_FUZZY_WORDS = 3  # shorter wordings are too easily near another phrase


def near_words(a: str, b: str) -> bool:
    """Two folded words the same but for one letter ("san"/"can", "xa"/"xả" folded), in words of 3+ letters."""
    if a == b:
        return True
    if min(len(a), len(b)) < 3 or abs(len(a) - len(b)) > 1:
        return False
    return _edit_distance(a, b) <= 1


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _word_distance(words: Sequence[str], wording: Sequence[str]) -> int:
    """Edit distance counted in words, a word one letter off counting as equal."""
    previous = list(range(len(wording) + 1))
    for i, word in enumerate(words, 1):
        current = [i]
        for j, other in enumerate(wording, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (not near_words(word, other))))
        previous = current
    return previous[-1]


def fuzzy_group_at(folded: str, pos: int) -> tuple[str, int] | None:
    """A group written with one word missing, added or mistyped at `pos` ("các quan chuyên môn"): its token
    and where it ends. Tried after the exact patterns, so only mistyped groups get here."""
    spans = [(m.group(), m.end()) for m in re.finditer(r"[a-z0-9]+", folded[pos : pos + 80])]
    if not spans or not folded[pos : pos + 1].isalnum():
        return None
    for token, wording in _GROUP_WORDINGS:
        for count in (len(wording), len(wording) - 1, len(wording) + 1):
            if count < _MIN_FUZZY_WORDS or count > len(spans):
                continue
            words = [word for word, _ in spans[:count]]
            if words[0] != wording[0] and not near_words(words[0], wording[0]):
                continue
            if "cac" in wording and "cac" not in words:
                continue  # "Ủy ban nhân dân xã Đức Hợp": without "các" it is one committee, not the group
            if _word_distance(words, wording) <= 1:
                return token, pos + spans[count - 1][1]
    return None


def group_token_for(name: str) -> str | None:
    """The group token a whole name stands for ("UBND các xã, thị trấn" → "@communes"), if any."""
    stripped = name.strip()
    if stripped in GROUP_TOKENS:
        return stripped
    text = " ".join(fold(stripped).replace(";", ",").split()).strip(" ,.")
    text = re.sub(r"^(?:thu truong|nguoi dung dau|lanh dao|chu tich)\s+", "", text)
    for token, pattern in GROUP_PATTERNS:
        if pattern.fullmatch(text):
            return token
    if BARE_COMMUNES_PATTERN.fullmatch(text):
        return GROUP_COMMUNES
    words = re.findall(r"[a-z0-9]+", text)
    for token, wording in _GROUP_WORDINGS:
        if len(words) >= _MIN_FUZZY_WORDS and _word_distance(words, wording) <= 1:
            return token
    return None


# -- matching --------------------------------------------------------------------------------------


def as_known_unit(unit: UnitLike | Sequence[object]) -> KnownUnit:
    """Accept a `(id, code, name, kind)` tuple or an object with those attributes."""
    if isinstance(unit, Sequence) and not isinstance(unit, str):
        unit_id, code, name, kind = unit
        return KnownUnit(int(unit_id), str(code), str(name), str(kind))  # type: ignore[call-overload]
    return KnownUnit(int(unit.id), str(unit.code), str(unit.name), str(unit.kind))


def match_unit(name: str, units: Iterable[UnitLike | Sequence[object]]) -> list[int]:
    """Ids of the units `name` designates: every unit of a group, or the one unit a name matches.

    A name matches a unit when their keys are equal, when it equals the unit's code, or when one key's
    words contain the other's (at least two words, so "Phòng" alone matches nothing) and no other unit
    fits as well. Ambiguous ("UBND" against every commune) or unknown names match nothing.
    """
    known = [as_known_unit(unit) for unit in units]
    token = group_token_for(name)
    if token is not None:
        kind = _GROUP_KINDS[token]
        return [unit.id for unit in known if kind is None or unit.kind == kind]
    exact = _match_exact(name, known)
    if exact is not None:
        return [exact]
    joined = _joined_units(name, known)
    if joined:
        return joined
    found = _match_single(name, known)
    if found is None:
        found = _match_mistyped(name, known)
    return [found] if found is not None else []


# Where a name may join two units under one head noun: "Phòng Nội vụ và Tư pháp", "Phòng Nội vụ, Tư pháp".
_JOIN_RE = re.compile(r"\s*,\s*|\s+(?:và|va)\s+", re.IGNORECASE)
_MAX_JOINS = 6  # cut points tried in every combination: 2**6 at most


def _joined_units(name: str, known: list[KnownUnit]) -> list[int]:
    """The units a name joins, when it is no unit's name itself: each part, the head noun carried over to the
    parts that lack it, must be exactly one unit's name ("Phòng Tư pháp và Văn hóa và Thông tin" is Phòng
    Tư pháp and Phòng Văn hóa và Thông tin). The fewest cuts that work win; no such cut, no units."""
    words = name.split()
    joins = list(_JOIN_RE.finditer(name))
    if not words or not joins or len(joins) > _MAX_JOINS:
        return []
    head = words[0]
    for cut_count in range(1, len(joins) + 1):
        for cuts in itertools.combinations(joins, cut_count):
            found = _parts_matched(name, cuts, head, known)
            if found:
                return found
    return []


def _parts_matched(name: str, cuts: tuple[re.Match[str], ...], head: str, known: list[KnownUnit]) -> list[int]:
    bounds = [0, *(bound for cut in cuts for bound in (cut.start(), cut.end())), len(name)]
    found: list[int] = []
    for start, end in zip(bounds[::2], bounds[1::2], strict=True):
        part = name[start:end].strip()
        unit_id = _match_exact(part, known)
        if unit_id is None and start > 0:
            unit_id = _match_exact(f"{head} {part}", known)
        if unit_id is None or unit_id in found:
            return []
        found.append(unit_id)
    return found


def _match_exact(name: str, known: list[KnownUnit]) -> int | None:
    """The one unit whose name compares equal to `name`, or whose code it is."""
    key = match_key(name)
    if not key:
        return None
    exact = [unit.id for unit in known if match_key(unit.name) == key]
    if len(exact) == 1:
        return exact[0]
    by_code = [unit.id for unit in known if unit.code.strip().lower() == name.strip().lower()]
    return by_code[0] if len(by_code) == 1 else None


def _match_mistyped(name: str, known: list[KnownUnit]) -> int | None:
    """The one unit whose name is this name with one word mistyped, missing or added ("Ban sán sự các thôn"
    for "Ban cán sự các thôn"), among names of three words or more."""
    words = match_key(name).split()
    if len(words) < _MIN_FUZZY_WORDS:
        return None
    near = [unit.id for unit in known if _word_distance(words, match_key(unit.name).split()) <= 1]
    return near[0] if len(near) == 1 else None


# "Phòng" alone, or any one word, says too little to pick a unit.
_MIN_SHARED_WORDS = 2


def _match_single(name: str, known: list[KnownUnit]) -> int | None:
    key = match_key(name)
    return _best_containing(set(key.split()), known) if key else None


def _best_containing(words: set[str], known: list[KnownUnit]) -> int | None:
    """A short form inside exactly one unit's name ("xã Bình Hòa" in "UBND xã Bình Hòa"), else the most
    specific unit name inside a longer form ("Phòng Nội vụ huyện Núi Thành")."""
    keys = [(set(match_key(unit.name).split()), unit.id) for unit in known]
    if len(words) >= _MIN_SHARED_WORDS:
        containing = [unit_id for unit_words, unit_id in keys if words < unit_words]
        if containing:
            return containing[0] if len(containing) == 1 else None
    contained = sorted(
        (
            (len(unit_words), unit_id)
            for unit_words, unit_id in keys
            if len(unit_words) >= _MIN_SHARED_WORDS and unit_words < words
        ),
        reverse=True,
    )
    if not contained or (len(contained) > 1 and contained[0][0] == contained[1][0]):
        return None
    return contained[0][1]


def match_units(names: Iterable[str], units: Iterable[UnitLike | Sequence[object]]) -> MatchResult:
    """Resolve several names: the matched ids (each once, in order of appearance) and the names left over."""
    known = [as_known_unit(unit) for unit in units]
    ids: list[int] = []
    unmatched: list[str] = []
    for name in names:
        found = match_unit(name, known)
        if not found:
            unmatched.append(name)
        ids.extend(unit_id for unit_id in found if unit_id not in ids)
    return MatchResult(ids, unmatched)
