"""Must show 1 and 3: hand-computed scores and grades under the default rule and a changed rule; the
breakdown lists exactly the tasks behind each figure."""

from __future__ import annotations

import pytest

from kpi_tasks.scoring.queries import breakdown_task_ids
from kpi_tasks.scoring.rules import default_settings
from kpi_tasks.scoring.services import compute_draft, save_rule
from tests.scoring.dataset import build_district

EXCELLENT, GOOD, DONE, FAILED = (
    "Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ", "Không hoàn thành nhiệm vụ",
)


@pytest.fixture
def district(app_ctx):
    return build_district()


def scores(result):
    return {unit.unit_code: (unit.score, unit.grade) for unit in result.units}


def test_default_rule_gives_the_hand_computed_scores_and_grades(district):
    result = compute_draft(2026)
    # Default: on time 100 %, extended then on time 90 %, late 50 %, overdue 0 %; lead weighs 1, coordinating
    # 0.3. No KPI figures, so the task part carries the whole 100 points. Score = 100 × earned ÷ weighed.
    # A: lead a1, a2 on time; a3 extended; a4, a14 late; a5 overdue; coordinates b1 (on time), c0 (overdue).
    a_weighed = 6 * 1 + 2 * 0.3
    a_earned = (2 * 1.00 + 1 * 0.90 + 2 * 0.50 + 1 * 0) * 1 + (1 * 1.00 + 1 * 0) * 0.3
    # B: four on time, one late.
    b_score = 100 * (4 * 1.00 + 1 * 0.50) / 5
    # C: leads three overdue and one on time; coordinates b1 (on time).
    c_score = 100 * (1 * 1.00 * 1 + 1 * 1.00 * 0.3) / (4 * 1 + 1 * 0.3)
    # E: three on time, one late.
    e_score = 100 * (3 * 1.00 + 1 * 0.50) / 4
    assert scores(result) == {
        "A": (round(100 * a_earned / a_weighed, 2), DONE),  # 63.64
        "B": (round(b_score, 2), EXCELLENT),  # exactly 90: the floor is inclusive
        "C": (round(c_score, 2), FAILED),  # 30.23
        "D": (None, None),  # nothing due yet
        "E": (round(e_score, 2), GOOD),  # 87.5
    }
    # Ranking: best first, no score last.
    assert [unit.unit_code for unit in result.units] == ["B", "E", "A", "C", "D"]
    assert [unit.position for unit in result.units] == [1, 2, 3, 4, 5]


def test_a_changed_rule_gives_its_own_hand_computed_scores(district):
    settings = default_settings()
    settings.update(share_extended_on_time=100, share_done_late=25, weight_coordinating=0.5)
    settings["grades"] = [{"min": 95, "name": EXCELLENT}, {"min": 80, "name": GOOD}, {"min": 50, "name": DONE},
                          {"min": 0, "name": FAILED}]
    save_rule(2026, district.interior, settings, "Thử tiêu chí chặt hơn")
    result = compute_draft(2026)
    a_score = 100 * ((2 * 1.00 + 1 * 1.00 + 2 * 0.25 + 0) * 1 + (1 * 1.00 + 0) * 0.5) / (6 * 1 + 2 * 0.5)
    b_score = 100 * (4 * 1.00 + 1 * 0.25) / 5
    c_score = 100 * (1 * 1.00 * 1 + 1 * 1.00 * 0.5) / (4 * 1 + 1 * 0.5)
    e_score = 100 * (3 * 1.00 + 1 * 0.25) / 4
    assert scores(result) == {
        "A": (round(a_score, 2), DONE),  # 57.14
        "B": (round(b_score, 2), GOOD),  # 85: under the new floor of 95 for excellent
        "C": (round(c_score, 2), FAILED),  # 33.33
        "D": (None, None),
        "E": (round(e_score, 2), GOOD),  # 81.25
    }
    assert result.rule is not None
    assert result.rule.version == 1


def test_kpi_weight_and_task_points_are_settings_too(district):
    # Without KPI figures the KPI points are handed to the task part, so the task maximum alone does not
    # change a score; the ratio of shares does. Here: late counts nothing.
    settings = default_settings()
    settings.update(points_tasks=60, points_kpi=40, share_done_late=0)
    save_rule(2026, district.interior, settings)
    result = compute_draft(2026)
    unit_e = result.unit(district.units["E"].id)
    assert unit_e.score == round(100 * (3 * 1.00 + 1 * 0) / 4, 2)
    assert unit_e.breakdown["tasks"]["max_points"] == 60
    assert unit_e.breakdown["tasks"]["applied_points"] == 100
    assert unit_e.breakdown["kpi"]["status"] in ("no_source", "no_data")
    assert unit_e.breakdown["kpi"]["points"] == 0


def test_breakdown_lists_exactly_the_tasks_behind_each_line(district):
    result = compute_draft(2026)
    unit_a = result.unit(district.units["A"].id).breakdown
    lines = {(line["outcome"], line["role"]): line for line in unit_a["tasks"]["lines"]}
    expected = {
        ("done_on_time", "lead"): ("a1", "a2"),
        ("extended_on_time", "lead"): ("a3",),
        ("done_late", "lead"): ("a4", "a14"),
        ("overdue", "lead"): ("a5",),
        ("done_on_time", "coordinating"): ("b1",),
        ("overdue", "coordinating"): ("c0",),
    }
    assert set(lines) == set(expected)
    for key, names in expected.items():
        assert lines[key]["task_ids"] == district.ids(*names), key
        assert lines[key]["count"] == len(names)
    assert unit_a["awaiting_review"] == {"count": 1, "task_ids": district.ids("a8"), "occurrences": []}
    assert unit_a["excluded"] == {"count": 0, "task_ids": [], "occurrences": []}
    # The tasks that produced the points, and nothing else: not due, withdrawn, confidential, last year's
    # (a11, a12), next year's (a15), standing tasks and other units' tasks are absent.
    scored = {task_id for line in unit_a["tasks"]["lines"] for task_id in line["task_ids"]}
    assert scored == set(district.ids("a1", "a2", "a3", "a4", "a14", "a5", "b1", "c0"))
    assert all(line["occurrences"] == [] for line in unit_a["tasks"]["lines"])
    assert set(breakdown_task_ids(unit_a)) == scored | set(district.ids("a8"))
    # Each line's points are its share of the score, and they add up to it.
    a_weighed = 6 * 1 + 2 * 0.3
    assert lines[("done_late", "lead")]["points"] == round(100 * 2 * 1 * 0.50 / a_weighed, 2)
    assert lines[("overdue", "lead")]["lost"] == round(100 * 1 * 1 * 1.00 / a_weighed, 2)
    assert sum(line["points"] for line in lines.values()) == pytest.approx(result.unit(district.units["A"].id).score,
                                                                        abs=0.03)


def test_period_and_computation_date_decide_what_is_due(district, monkeypatch):
    # Scored on 05/03/2026: a5 (due 06/03, open) is not due yet, and neither is a3 (due 13/03 after its
    # extension) although it was completed on 10/03 (recorded data is as it stands today): a task counts
    # once its effective deadline has come, not when it is completed.
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-03-05")
    named = breakdown_task_ids(compute_draft(2026).unit(district.units["A"].id).breakdown)
    assert district.tasks["a5"].id not in named
    assert district.tasks["a3"].id not in named
    assert named[district.tasks["a4"].id] == "done_late/lead"
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-03-16")
    named = breakdown_task_ids(compute_draft(2026).unit(district.units["A"].id).breakdown)
    assert named[district.tasks["a3"].id] == "extended_on_time/lead"


def test_a_task_late_across_the_year_boundary_counts_once_in_the_year_of_its_deadline(district, monkeypatch):
    """a11 is due 20/12/2025 and done on 10/01/2026; a15 is done on 10/03/2026 but due 15/01/2027."""
    a_id, a11, a12, a15 = (district.units["A"].id, district.tasks["a11"].id, district.tasks["a12"].id,
                           district.tasks["a15"].id)
    unit_a_2025 = compute_draft(2025).unit(a_id).breakdown
    assert breakdown_task_ids(unit_a_2025) == {a11: "done_late/lead", a12: "done_on_time/lead"}
    # 2025 for A: a12 on time and a11 late, both led: 100 × (1 + 0.5) ÷ 2.
    assert compute_draft(2025).unit(a_id).score == round(100 * (1 * 1.00 + 1 * 0.50) / 2, 2)
    named_2026 = breakdown_task_ids(compute_draft(2026).unit(a_id).breakdown)
    assert a11 not in named_2026
    assert a15 not in named_2026
    # 2027, computed once a15's deadline has passed: a15 on time, and nothing else of A's (all due earlier).
    monkeypatch.setenv("KPI_TASKS_TODAY", "2027-02-01")
    unit_a_2027 = compute_draft(2027).unit(a_id)
    assert breakdown_task_ids(unit_a_2027.breakdown) == {a15: "done_on_time/lead"}
    assert unit_a_2027.score == 100
    # Over 2025–2027, each of A's completed tasks is counted in exactly one year.
    counted = [task_id for year in (2025, 2026, 2027)
               for task_id in breakdown_task_ids(compute_draft(year).unit(a_id).breakdown)]
    assert len(counted) == len(set(counted))


def test_one_unit_computation_equals_its_row_in_the_whole(district):
    whole = compute_draft(2026).unit(district.units["C"].id)
    alone = compute_draft(2026, unit_id=district.units["C"].id).unit(district.units["C"].id)
    assert (alone.score, alone.grade, alone.breakdown) == (whole.score, whole.grade, whole.breakdown)
