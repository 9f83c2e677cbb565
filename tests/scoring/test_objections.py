"""Units object to a counted task; the office decides; an accepted exclusion shows in the next draft only."""

from __future__ import annotations

import pytest

from kpi_tasks.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.scoring.queries import published_result
from kpi_tasks.scoring.services import compute_draft, create_objection, decide_objection, publish_scoring
from tests.factories import make_user
from tests.scoring.dataset import build_district


@pytest.fixture
def district(app_ctx):
    world = build_district()
    world.manager = make_user("unit_manager", world.units["A"])
    return world


def test_an_accepted_exclusion_changes_the_next_draft_not_the_published_version(district):
    published = publish_scoring(2026, district.interior, unfinished_confirmed=True)
    a_id, a5 = district.units["A"].id, district.tasks["a5"].id
    objection = create_objection(district.manager, year=2026, task_id=a5, scoring_id=published.id,
                                 reason="Nhiệm vụ a5 đã được Chủ tịch cho dừng tại cuộc họp ngày 05/03")
    assert objection.counted_as == "overdue/lead"
    assert objection.status == "pending"
    # Pending: nothing changes yet.
    assert compute_draft(2026).unit(a_id).score == round(100 * 4.2 / 6.6, 2)
    decide_objection(objection, district.office, decision="accept", note="Đúng, loại khỏi chấm điểm", exclude=True)
    db.session.commit()
    draft = compute_draft(2026).unit(a_id)
    # Without a5 (lead, overdue): weighed 6.6 − 1, earned unchanged.
    assert draft.score == round(100 * 4.2 / (6.6 - 1), 2)  # 75.0
    assert draft.grade == "Hoàn thành tốt nhiệm vụ"
    assert draft.breakdown["excluded"] == {"count": 1, "task_ids": [a5], "occurrences": []}
    assert published_result(published, a_id).units[0].score == round(100 * 4.2 / 6.6, 2)
    # Only A's count changes: the other units are untouched.
    assert compute_draft(2026).unit(district.units["C"].id).score == round(100 * 1.3 / 4.3, 2)


def test_a_rejected_objection_changes_nothing_and_a_decision_is_final(district):
    objection = create_objection(district.manager, year=2026, task_id=district.tasks["a4"].id,
                                 reason="Đơn vị đã gửi báo cáo đúng hạn qua đường bưu điện")
    before = compute_draft(2026).unit(district.units["A"].id)
    decide_objection(objection, district.office, decision="reject", note="Ngày trên dấu bưu điện là 02/03")
    after = compute_draft(2026).unit(district.units["A"].id)
    assert (after.score, after.breakdown) == (before.score, before.breakdown)
    with pytest.raises(ConflictError):
        decide_objection(objection, district.office, decision="accept", note="Đổi ý")
    # After a rejection the unit may object again, with new grounds.
    again = create_objection(district.manager, year=2026, task_id=district.tasks["a4"].id, reason="Bổ sung chứng từ")
    with pytest.raises(ConflictError):
        create_objection(district.manager, year=2026, task_id=district.tasks["a4"].id, reason="Lần nữa")
    assert again.status == "pending"


def test_objections_are_limited_to_the_units_own_counted_tasks(district):
    manager = district.manager
    with pytest.raises(NotFound):  # a6 is not due yet: not in the breakdown
        create_objection(manager, year=2026, task_id=district.tasks["a6"].id, reason="x")
    with pytest.raises(NotFound):  # another unit's task
        create_objection(manager, year=2026, task_id=district.tasks["e4"].id, reason="x")
    with pytest.raises(ValidationError):
        create_objection(manager, year=2026, task_id=district.tasks["a5"].id, reason="  ")
    # A coordinating unit may object to a task it coordinates: c0 counts for A as overdue/coordinating.
    coordinated = create_objection(manager, year=2026, task_id=district.tasks["c0"].id, reason="Phần việc của A xong")
    assert coordinated.counted_as == "overdue/coordinating"
    for role, unit in (("unit_staff", district.units["A"]), ("office", None), ("interior", None)):
        with pytest.raises(PermissionDenied):
            create_objection(make_user(role, unit), year=2026, task_id=district.tasks["a5"].id, reason="x")


def test_only_the_office_decides_and_a_note_is_required(district):
    objection = create_objection(district.manager, year=2026, task_id=district.tasks["a5"].id, reason="Lý do")
    with pytest.raises(PermissionDenied):
        decide_objection(objection, district.interior, decision="accept", note="x")
    with pytest.raises(ValidationError) as error:
        decide_objection(objection, district.office, decision="maybe", note="")
    assert set(error.value.fields) == {"decision", "note"}
    decided = decide_objection(objection, district.office, decision="accept", note="Chấp nhận, dữ liệu đã sửa",
                               exclude=False)
    assert decided.status == "accepted"
    assert decided.exclude is False
    # Accepted without exclusion (the office corrected the task itself): the computation is unchanged.
    assert compute_draft(2026).unit(district.units["A"].id).breakdown["excluded"]["count"] == 0
