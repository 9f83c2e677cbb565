"""Unit names from directives resolved against recorded units (pure: no app, no database)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kpi_tasks.intake.unit_matching import (
    GROUP_ALL_UNITS,
    GROUP_COMMUNES,
    GROUP_DEPARTMENTS,
    display_name,
    group_token_for,
    match_key,
    match_unit,
    match_units,
)

UNITS = [
    (1, "VP", "Văn phòng HĐND và UBND huyện", "department"),
    (2, "NV", "Phòng Nội vụ", "department"),
    (3, "TP", "Phòng Tư pháp", "department"),
    (4, "TCKH", "Phòng Tài chính - Kế hoạch", "department"),
    (5, "VHTT", "Phòng Văn hóa và Thông tin", "department"),
    (6, "KSTTHC", "Phòng Kiểm soát thủ tục hành chính", "department"),
    (7, "MC", "Bộ phận Một cửa huyện", "other"),
    (8, "BD", "Bưu điện huyện", "other"),
    (9, "X-BH", "UBND xã Bình Hòa", "commune"),
    (10, "TT-CO", "UBND thị trấn Châu Ổ", "commune"),
]
DEPARTMENTS = [1, 2, 3, 4, 5, 6]
COMMUNES = [9, 10]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Văn phòng HĐND và UBND huyện", [1]),
        ("VP HĐND&UBND huyện", [1]),
        ("VP HĐND & UBND", [1]),
        ("van phong hdnd va ubnd", [1]),
        ("Văn phòng Hội đồng nhân dân và Ủy ban nhân dân huyện", [1]),
        ("P. Nội vụ", [2]),
        ("PHÒNG NỘI VỤ HUYỆN", [2]),
        ("Phòng  Tư   pháp thị xã", [3]),
        ("Phòng Tài chính – Kế hoạch huyện", [4]),
        ("Phòng Tài chính và Kế hoạch", [4]),
        ("Phòng Văn hoá và Thông tin", [5]),
        ("Phòng Kiểm soát TTHC", [6]),
        ("Bộ phận Tiếp nhận và Trả kết quả huyện", [7]),
        ("xã Bình Hòa", [9]),
        ("Phòng Nội vụ huyện Núi Thành", [2]),
        ("NV", [2]),
    ],
)
def test_a_name_matches_its_unit_whatever_the_accents_case_spacing_or_abbreviation(
    name: str, expected: list[int]
) -> None:
    assert match_unit(name, UNITS) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (GROUP_DEPARTMENTS, DEPARTMENTS),
        (GROUP_COMMUNES, COMMUNES),
        (GROUP_ALL_UNITS, [unit[0] for unit in UNITS]),
        ("UBND các xã, thị trấn", COMMUNES),
        ("Ủy ban nhân dân các xã, thị trấn", COMMUNES),
        ("Các phòng, ban, ngành huyện", DEPARTMENTS),
        ("Thủ trưởng các cơ quan, đơn vị, địa phương", [unit[0] for unit in UNITS]),
    ],
)
def test_a_group_expands_to_every_unit_of_its_kind(name: str, expected: list[int]) -> None:
    assert match_unit(name, UNITS) == expected


@pytest.mark.parametrize("name", ["Phòng", "Phòng Kinh tế", "Công an huyện", "", "UBND"])
def test_an_unknown_or_too_vague_name_matches_nothing(name: str) -> None:
    assert match_unit(name, UNITS) == []


def test_two_equally_good_candidates_are_left_to_the_office() -> None:
    units = [(1, "A", "Phòng Văn hóa và Thông tin", "department"), (2, "B", "Phòng Văn hóa - Xã hội", "department")]
    assert match_unit("Phòng Văn hóa", units) == []


def test_units_may_be_objects_with_attributes() -> None:
    units = [SimpleNamespace(id=42, code="NV", name="Phòng Nội vụ", kind="department")]
    assert match_unit("phong noi vu huyen", units) == [42]


def test_match_units_returns_each_id_once_and_the_names_left_over() -> None:
    result = match_units(["Phòng Nội vụ", "@departments", "Sở Xây dựng", "P. Nội vụ"], UNITS)
    assert result.unit_ids == [2, 1, 3, 4, 5, 6]  # "Phòng Nội vụ" first, then the other departments
    assert result.unmatched == ["Sở Xây dựng"]


@pytest.mark.parametrize(
    ("name", "token"),
    [
        ("UBND các xã, thị trấn", GROUP_COMMUNES),
        ("Chủ tịch UBND các xã, thị trấn", GROUP_COMMUNES),
        ("các xã, phường", GROUP_COMMUNES),
        ("Các cơ quan chuyên môn thuộc UBND huyện", GROUP_DEPARTMENTS),
        ("các phòng, ban thuộc huyện", GROUP_DEPARTMENTS),
        ("Các cơ quan, đơn vị trực thuộc UBND huyện", GROUP_DEPARTMENTS),
        ("Người đứng đầu các cơ quan, đơn vị, địa phương", GROUP_ALL_UNITS),
        ("các cơ quan, đơn vị có liên quan", GROUP_ALL_UNITS),
        ("@communes", GROUP_COMMUNES),
        ("Phòng Nội vụ", None),
    ],
)
def test_group_phrases_become_group_tokens(name: str, token: str | None) -> None:
    assert group_token_for(name) == token


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("VP HĐND&UBND huyện", "Văn phòng HĐND và UBND huyện"),
        ("Văn phòng HĐND & UBND", "Văn phòng HĐND và UBND"),
        ("P. Tư pháp", "Phòng Tư pháp"),
        ("Bộ phận Tiếp nhận và trả kết quả huyện", "Bộ phận Một cửa huyện"),
        ("  Phòng   Nội vụ ;", "Phòng Nội vụ"),
    ],
)
def test_display_names_spell_out_what_the_office_reads(name: str, shown: str) -> None:
    assert display_name(name) == shown


def test_match_key_ignores_what_carries_no_identity() -> None:
    assert match_key("Phòng Tài chính – Kế hoạch huyện") == match_key("phong tai chinh va ke hoach")
    assert match_key("Phòng Nội vụ thị xã") == match_key("Phòng Nội vụ")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Phòng Nội vụ và Tư pháp", [2, 3]),  # "Các phòng Nội vụ và Tư pháp": one head noun, two units
        ("Phòng Nội vụ, Tư pháp", [2, 3]),
        ("Phòng Tư pháp và Văn hóa và Thông tin", [3, 5]),  # the second "và" is inside a unit's name
        ("Phòng Nội vụ, Tư pháp và Tài chính - Kế hoạch", [2, 3, 4]),
        ("Phòng Nội vụ và Phòng Tư pháp", [2, 3]),
        ("Phòng Văn hóa và Thông tin", [5]),  # a name with "và" that is one unit stays one
    ],
)
def test_a_name_joining_units_under_one_head_noun_gives_each_unit(name: str, expected: list[int]) -> None:
    assert match_unit(name, UNITS) == expected
