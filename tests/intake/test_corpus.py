"""The parser on the development set (`tests/intake/corpus/`): real notices, directives and decisions of
People's Committees that the parser was not written for, each with a hand-made answer. One test per kind of
failure the issue lists, each on these documents; the seeds are checked elsewhere."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from kpi_tasks.intake.parser import parse_directive
from kpi_tasks.intake.unit_matching import group_token_for, match_unit

CORPUS = Path(__file__).parent / "corpus"
Parsed = dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def parsed() -> Parsed:
    """Every document parsed once for the whole module."""
    return {path.stem: parse_directive(path.read_text(encoding="utf-8")) for path in sorted(CORPUS.glob("*.txt"))}


def _gold(name: str) -> dict[str, Any]:
    return json.loads((CORPUS / "gold" / f"{name}.json").read_text(encoding="utf-8"))


def _words(name: str) -> frozenset[str]:
    folded = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D").lower())
    folded = "".join(ch for ch in folded if unicodedata.category(ch) != "Mn")
    return frozenset(re.findall(r"[a-z0-9@]+", folded)) - {"cac", "huyen"}


def _same_units(found: list[str], expected: list[str]) -> bool:
    """As the scorer compares them: each name's words within another's on the other side."""
    a, b = [_words(n) for n in found], [_words(n) for n in expected]
    return all(any(x <= y or y <= x for y in b) for x in a) and all(any(y <= x or x <= y for x in a) for y in b)


def _deadline(task: dict[str, Any]) -> tuple[str, str | None]:
    return task["deadline"]["kind"], task["deadline"].get("date")


def _task(parsed: Parsed, name: str, start: str) -> dict[str, Any]:
    (task,) = [t for t in parsed[name]["tasks"] if t["text"].startswith(start)]
    return task


def test_every_document_gives_the_hand_made_tasks(parsed: Parsed) -> None:
    """Each document's drafts, in order: as many as the answer's tasks, each with its units and deadline."""
    for name, result in parsed.items():
        gold = _gold(name)["tasks"]
        assert len(result["tasks"]) == len(gold), name
        for task, expected in zip(result["tasks"], gold, strict=True):
            assert _words(expected["text"]) & _words(task["text"]), name
            assert _same_units(task["lead_units"], expected["lead_units"]), (name, task["lead_units"])
            assert _deadline(task) == _deadline(expected), (name, task["text"][:60])


# -- deadlines --------------------------------------------------------------------------------------------


def test_a_range_is_due_on_its_last_day(parsed: Parsed) -> None:
    assert _deadline(parsed["p01_namdong_tb_treo_co_2023"]["tasks"][0]) == ("date", "2023-10-11")
    # the year written once, at the end of the range
    assert _deadline(parsed["p03_hanoi_tb263_gio_to_2022"]["tasks"][0]) == ("date", "2022-04-11")
    # the first day as a bare number, the last in words
    flags = _task(parsed, "p07_dienban_tb217_2019", "Các cơ quan, đơn vị")
    assert flags["deadline"]["text"] == "từ ngày 13 đến hết ngày 15 tháng 5 năm 2019"
    assert _deadline(flags) == ("date", "2019-05-15")
    # and a day of an event: "tiếp âm ... vào sáng ngày 15/5/2019"
    assert _deadline(_task(parsed, "p07_dienban_tb217_2019", "Ủy ban nhân dân các xã")) == ("date", "2019-05-15")


def test_a_window_stated_once_governs_the_items_naming_its_work(parsed: Parsed) -> None:
    """"Thời gian treo cờ Tổ quốc: Từ ... đến hết 27/7/2025" before the items: the item that hangs the flags is
    due on 27/7, the item that broadcasts the notice and the one that mobilises villagers are not."""
    tasks = parsed["p05_sonthuy_tb_treo_co_2025"]["tasks"]
    assert [(t["section"], _deadline(t)) for t in tasks] == [
        ("1", ("none", None)),
        ("2", ("date", "2025-07-27")),
        ("3", ("none", None)),
    ]
    # after the items, for all of them (each hangs flags)
    assert {_deadline(t) for t in parsed["p10_vinhhien_tb_treo_co_2021"]["tasks"]} == {("date", "2021-05-03")}


def test_a_line_giving_only_the_time_window_is_no_task(parsed: Parsed) -> None:
    (task,) = parsed["p04_chuongduong_tb149_2025"]["tasks"]
    assert task["text"].startswith("Theo đó, UBND xã đề nghị")
    assert task["deadline"]["text"] == "Từ ngày 31/12/2025 đến hết ngày 06/01/2026"
    assert _deadline(task) == ("date", "2026-01-06")


def test_a_body_date_is_not_taken_for_the_date_of_issue(parsed: Parsed) -> None:
    """Without a header, "… đến hết ngày 15 tháng 5 năm 2019" in item 1 is no "ngày … tháng … năm" of issue."""
    assert parsed["p07_dienban_tb217_2019"]["directive"]["issued_on"] is None
    assert [t["section"] for t in parsed["p07_dienban_tb217_2019"]["tasks"]] == ["1", "2"]


# -- units ------------------------------------------------------------------------------------------------


def test_units_of_the_two_tier_government_and_below_the_commune(parsed: Parsed) -> None:
    center = _task(parsed, "p05_sonthuy_tb_treo_co_2025", "Trung tâm")
    assert center["lead_units"] == ["Trung tâm Cung ứng dịch vụ công"]
    assert _task(parsed, "p08_phucla_tb_thao_bang_ron_2019", "Đề nghị các tổ dân phố")["lead_units"] == ["Tổ dân phố"]
    (radio,) = parsed["p06_duchop_tb_tiep_cong_dan_2021"]["tasks"]
    assert radio["lead_units"] == ["Đài truyền thanh xã", "Trưởng thôn"]
    assert parsed["p09_iayeng_cv26_tuyen_truyen_2020"]["tasks"][-1]["lead_units"] == ["Ban nhân dân các thôn"]
    assert _task(parsed, "p10_vinhhien_tb_treo_co_2021", "Đối với các đoàn thể")["lead_units"] == ["Các đoàn thể"]
    # "sở, ban, ngành, đơn vị cấp tỉnh", the committees below, "các Ban Quản lý dự án ..." in one list
    (task,) = parsed["p14_thanhhoa_ct15_dau_tu_cong_2019"]["tasks"]
    assert task["lead_units"] == ["@departments", "@communes", "Ban Quản lý dự án chuyên ngành"]


def test_the_office_of_council_and_committee_written_with_an_ampersand(parsed: Parsed) -> None:
    first = parsed["p11_tuky_thanh_toan_truc_tuyen"]["tasks"][0]
    assert first["lead_units"] == ["Văn phòng HĐND và UBND huyện"]


def test_addressees_joined_by_a_semicolon_are_two_tasks(parsed: Parsed) -> None:
    tasks = parsed["p02_hanoi_tb681_treo_co_2023"]["tasks"]
    assert [t["lead_units"] for t in tasks] == [["@all_units"], ["@communes"], ["@all_units"]]
    assert tasks[2]["text"].startswith("Thủ trưởng các cơ quan, đơn vị kiểm tra")


def test_mistyped_names_match_by_word_edit_distance() -> None:
    """"ban sán sự các thôn" (p05, as the commune typed it) is the recorded "Ban cán sự các thôn"."""
    text = (CORPUS / "p05_sonthuy_tb_treo_co_2025.txt").read_text(encoding="utf-8")
    typed = re.search(r"ban sán sự các thôn", text)
    assert typed is not None
    units = [(1, "BCS", "Ban cán sự các thôn", "other"), (2, "VP", "Văn phòng HĐND và UBND xã", "department")]
    assert match_unit(typed.group(), units) == [1]
    assert match_unit("ban sán sự các tổ dân phố", units) == []  # more than one word off is another body
    # a group with a word left out or mistyped
    assert group_token_for("Các quan chuyên môn") == "@departments"
    assert group_token_for("UBND các xả, phường") == "@communes"


# -- what is a task ---------------------------------------------------------------------------------------


def test_the_issuers_own_measures_are_no_tasks(parsed: Parsed) -> None:
    """"UBND phường tổ chức đoàn đi kiểm tra ..." (p01); "1. Tạm dừng hoạt động tiếp công dân ...", "2. UBND xã
    chỉ xem xét ..." (p06): what the issuer does itself."""
    texts = [t["text"] for name in ("p01_namdong_tb_treo_co_2023", "p06_duchop_tb_tiep_cong_dan_2021")
             for t in parsed[name]["tasks"]]  # fmt: skip
    assert not [text for text in texts if "đoàn đi kiểm tra" in text or "Tạm dừng" in text or "chỉ xem xét" in text]


def test_closing_formulas_are_no_tasks_and_a_request_after_one_is(parsed: Parsed) -> None:
    # "Vậy UBND xã thông báo ... biết và thực hiện." closes; the request after it is the notice's one task
    (task,) = parsed["p06_duchop_tb_tiep_cong_dan_2021"]["tasks"]
    assert task["text"].startswith("Đề nghị Đài truyền thanh xã, các đồng chí Trưởng thôn thông báo liên tục")
    # "Để góp phần ..., đề nghị ... nghiêm túc triển khai thực hiện./." and "Trên đây là thông báo ..."
    assert all("nghiêm túc triển khai thực hiện./." not in t["text"] for t in parsed["p07_dienban_tb217_2019"]["tasks"])
    assert all(not t["text"].startswith("Trên đây") for t in parsed["p08_phucla_tb_thao_bang_ron_2019"]["tasks"])


def test_a_decisions_issuing_and_executing_articles_are_no_tasks(parsed: Parsed) -> None:
    assert [t["section"] for t in parsed["p12_binhdinh_qd1528_ctxh_2021"]["tasks"]] == ["Điều 2"]
    # the executing article cut short by the page, and one with the typo "chịu trách nhiệm hành"
    assert [t["section"] for t in parsed["p13_binhdinh_qd715_van_hoa_dtts_2011"]["tasks"]] == ["Điều 2"]
    assert parsed["p15_hagiang_qd1209_dan_so_2013"]["tasks"] == []
    assert parsed["p16_thainguyen_qd2191_tiet_kiem_2017"]["tasks"] == []


def test_a_bullet_naming_no_subject_takes_the_group_it_mentions(parsed: Parsed) -> None:
    first = parsed["p10_vinhhien_tb_treo_co_2021"]["tasks"][0]
    assert first["text"].startswith("Tại trụ sở, nơi làm việc của các cơ quan, đơn vị treo cờ")
    assert first["lead_units"] == ["@all_units"]
