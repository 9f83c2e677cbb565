"""A coordinating unit is not scored on the lead unit's lateness unless the year's rule says so (issue 16): its
item is listed in the breakdown with the task behind it, and not scored."""

from __future__ import annotations

import datetime as dt

from kpi_tasks.scoring import rules
from kpi_tasks.scoring.rules import default_settings
from kpi_tasks.scoring.services import compute_draft, save_rule
from tests.factories import make_task, make_unit, make_user


def test_a_unit_coordinating_on_an_overdue_task_is_not_scored_on_it_unless_the_rule_says_so(app_ctx, monkeypatch):
    monkeypatch.setitem(rules.DEFAULT_SETTINGS, "coordinating_lateness", False)  # the shipped default
    lead, post = make_unit("Phòng Tài chính - Kế hoạch", code="TCKH"), make_unit("Bưu điện", kind="other", code="BD")
    overdue = make_task(lead, deadline=dt.date(2026, 3, 2), coordinating=[post], title="Thanh toán không tiền mặt")

    (unit,) = compute_draft(2026, unit_id=post.id).units
    (line,) = unit.breakdown["tasks"]["lines"]
    assert (line["outcome"], line["role"], line["not_scored"], line["task_ids"]) == (
        "overdue", "coordinating", True, [overdue.id])
    assert unit.score is None  # nothing else to score it on: no grade, not "Không hoàn thành nhiệm vụ"
    (lead_result,) = compute_draft(2026, unit_id=lead.id).units
    assert lead_result.score == 0  # the lead unit answers for its lateness

    save_rule(2026, make_user("interior"), {**default_settings(), "coordinating_lateness": True}, "Quy chế mới")
    (unit,) = compute_draft(2026, unit_id=post.id).units
    assert unit.score == 0
    assert "not_scored" not in unit.breakdown["tasks"]["lines"][0]
