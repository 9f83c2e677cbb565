"""The penalties, fed by the dossiers area's counts (skipped where that area is absent)."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.extensions import db
from kpi_tasks.scoring.services import compute_draft
from tests.scoring.dataset import build_district

dossier_services = pytest.importorskip("kpi_tasks.dossiers.services")
from kpi_tasks.dossiers.models import Dossier  # noqa: E402 - only once the area is known to exist


@pytest.fixture
def district(app_ctx):
    world = build_district()
    e_id = world.units["E"].id
    # E resolves one dossier late in January and one in February (a run of 2 late months) and one on
    # time in March; no apology letter is recorded for the two late ones.
    for code, due, resolved in (("HS-01", dt.date(2026, 1, 12), dt.date(2026, 1, 15)),
                                ("HS-02", dt.date(2026, 2, 9), dt.date(2026, 2, 11)),
                                ("HS-03", dt.date(2026, 3, 9), dt.date(2026, 3, 6))):
        db.session.add(Dossier(code=code, unit_id=e_id, received_on=due - dt.timedelta(days=10), due_on=due,
                               effective_due_on=due, resolved_on=resolved))
    db.session.flush()
    dossier_services.create_apology_obligations(dt.date(2026, 3, 16))
    return world


def test_late_letters_and_repeat_late_months_are_deducted_within_their_caps(district):
    unit_e = compute_draft(2026).unit(district.units["E"].id)
    penalties = {item["code"]: item for item in unit_e.breakdown["penalties"]}
    assert (penalties["late_apology_letters"]["status"], penalties["late_apology_letters"]["count"]) == ("ok", 2)
    assert (penalties["repeat_late_months"]["status"], penalties["repeat_late_months"]["count"]) == ("ok", 2)
    # E: tasks 100 × 3.5 ÷ 4 (no KPI figures); letters 2 × 0.5 (cap 5); repeat-late months 2 × 2 (cap 10).
    assert unit_e.score == round(100 * (3 * 1.00 + 1 * 0.50) / 4 - min(2 * 0.5, 5) - min(2 * 2, 10), 2)  # 82.5
    assert unit_e.breakdown["penalty_points"] == 2 * 0.5 + 2 * 2
    # A unit without late dossiers loses nothing; its penalties come from a source that exists.
    unit_a = compute_draft(2026).unit(district.units["A"].id)
    assert {item["status"] for item in unit_a.breakdown["penalties"]} == {"ok"}
    assert unit_a.breakdown["penalty_points"] == 0
