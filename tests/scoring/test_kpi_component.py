"""The KPI component, fed by the KPI area's `targets_met_share` (skipped where that area is absent)."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.scoring.services import compute_draft
from tests.scoring.dataset import build_district

kpi_services = pytest.importorskip("kpi_tasks.kpis.services")


@pytest.fixture
def district(app_ctx):
    world = build_district()
    e, d = world.units["E"], world.units["D"]
    online = kpi_services.create_kpi(world.office, code="DVC", name="Tỷ lệ hồ sơ trực tuyến", measure="percent",
                                     formula="ratio", direction="at_least")
    signing = kpi_services.create_kpi(world.office, code="KYSO", name="Tỷ lệ văn bản ký số", measure="percent",
                                      formula="ratio", direction="at_least")
    for kpi, target in ((online, 50), (signing, 90)):
        kpi_services.set_target(kpi, SYSTEM, period="2026", target_value=target, unit_id=e.id)
    kpi_services.set_target(online, SYSTEM, period="2026", target_value=50, unit_id=d.id)
    march = dt.date(2026, 3, 15)
    kpi_services.record_measurement(online, e, march, numerator=60, denominator=100, actor=SYSTEM)  # 60 % ≥ 50 %: met
    # 80 % < 90 %: not met
    kpi_services.record_measurement(signing, e, march, numerator=80, denominator=100, actor=SYSTEM)
    kpi_services.record_measurement(online, d, march, numerator=7, denominator=10, actor=SYSTEM)  # 70 % ≥ 50 %: met
    return world


def test_targets_met_share_is_the_kpi_component(district):
    result = compute_draft(2026)
    unit_e = result.unit(district.units["E"].id)
    # E: tasks 3 on time + 1 late → rate 3.5 ÷ 4 of 80 points; KPI 1 of 2 targets met → ½ of 20 points.
    assert unit_e.score == round(80 * (3 * 1.00 + 1 * 0.50) / 4 + 20 * 1 / 2, 2)  # 80
    assert unit_e.grade == "Hoàn thành tốt nhiệm vụ"
    kpi = unit_e.breakdown["kpi"]
    assert (kpi["status"], kpi["met"], kpi["total"], kpi["applied_points"]) == ("ok", 1, 2, 20)
    # D has nothing due but one target, met: the KPI part carries the whole 100 points.
    unit_d = result.unit(district.units["D"].id)
    assert unit_d.score == round(100 * 1 / 1, 2)
    assert unit_d.breakdown["tasks"]["status"] == "no_data"
    # A has no target: its tasks carry the 100 points, as without the KPI area.
    unit_a = result.unit(district.units["A"].id)
    assert unit_a.breakdown["kpi"]["status"] == "no_data"
    assert unit_a.score == round(100 * 4.2 / 6.6, 2)


def test_the_kpi_line_lists_its_targets_and_an_accepted_objection_removes_one(district):
    from kpi_tasks.extensions import db
    from kpi_tasks.scoring.services import create_objection, decide_objection
    from tests.factories import make_user

    e_id = district.units["E"].id
    items = compute_draft(2026).unit(e_id).breakdown["kpi"]["items"]
    assert [(item["kpi_code"], item["target_value"], item["actual_value"], item["met"], item["excluded"])
            for item in items] == [("DVC", 50, 60, True, False), ("KYSO", 90, 80, False, False)]
    assert {(item["period_start"], item["period_end"]) for item in items} == {("2026-01-01", "2026-12-31")}
    signing = items[1]
    manager = make_user("unit_manager", district.units["E"])
    objection = create_objection(manager, year=2026, subject="kpi", item_ref=signing["ref"],
                                 reason="Chỉ tiêu ký số giao nhầm cho đơn vị")
    assert objection.task_id is None
    assert objection.item_label == "KYSO – Tỷ lệ văn bản ký số, năm 2026: chỉ tiêu 90, thực hiện 80 (chưa đạt)"
    decide_objection(objection, district.office, decision="accept", note="Đúng, giao nhầm", exclude=True)
    db.session.commit()
    kpi = compute_draft(2026).unit(e_id).breakdown["kpi"]
    # The target is still listed, marked excluded, and no longer counted: 1 of 1 met.
    assert [item["excluded"] for item in kpi["items"]] == [False, True]
    assert (kpi["met"], kpi["total"], kpi["points"]) == (1, 1, 20)
    # D's own target is untouched by E's objection.
    assert compute_draft(2026).unit(district.units["D"].id).breakdown["kpi"]["total"] == 1


def test_a_unit_scored_on_kpis_alone_is_told_so(client, district):
    from tests.factories import commit, login, make_user

    make_user("office", username="vanphong")
    commit()
    login(client, "vanphong")
    d_page = client.get(f"/scoring/2026/draft/units/{district.units['D'].id}").get_data(as_text=True)
    assert "được nâng từ 20 lên 100: điểm của đơn vị chỉ dựa trên chỉ tiêu" in d_page
    e_page = client.get(f"/scoring/2026/draft/units/{district.units['E'].id}").get_data(as_text=True)
    assert "data-kpi-only" not in e_page  # E has tasks due: its KPI part keeps its 20 points
