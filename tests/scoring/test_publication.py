"""Must show 2: a published scoring is frozen; a new version (with a reason) reflects new data; every
version stays readable. Rules are versioned once used."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.audit.services import history
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.scoring.models import ScoreRule, UnitScore
from kpi_tasks.scoring.queries import is_superseded, latest_scoring, published_result, rule_versions
from kpi_tasks.scoring.rules import default_settings
from kpi_tasks.scoring.services import compute_draft, publish_scoring, save_rule
from tests.factories import make_user
from tests.scoring.dataset import build_district, finish


@pytest.fixture
def district(app_ctx):
    return build_district()


def frozen(scoring):
    return {unit.unit_code: (unit.score, unit.grade, unit.breakdown) for unit in published_result(scoring).units}


def test_published_results_do_not_follow_the_data_a_new_version_does(district):
    draft = compute_draft(2026)
    first = publish_scoring(2026, district.interior, expected_digest=draft.digest, unfinished_confirmed=True)
    db.session.commit()
    before = frozen(first)
    a_id = district.units["A"].id
    assert before["A"][0] == round(100 * 4.2 / 6.6, 2)

    # a5 was overdue; the unit finishes it today and the office confirms: done late now.
    finish(district.tasks["a5"], dt.date(2026, 3, 16), district.admin, district.office)
    db.session.commit()
    db.session.expire_all()
    assert frozen(first) == before  # read back from the stored rows, not recomputed
    a_now = round(100 * (4.2 + 0.5) / 6.6, 2)
    assert compute_draft(2026).unit(a_id).score == a_now

    with pytest.raises(ValidationError) as missing_reason:
        publish_scoring(2026, district.interior, unfinished_confirmed=True)
    assert "reason" in missing_reason.value.fields
    second = publish_scoring(2026, district.interior, reason="Đơn vị A hoàn thành nhiệm vụ a5 ngày 16/03/2026",
                             unfinished_confirmed=True)
    db.session.commit()
    assert (first.version, second.version) == (1, 2)
    assert frozen(second)["A"][0] == a_now
    assert frozen(first) == before  # the first version stays readable, unchanged
    assert is_superseded(first)
    assert not is_superseded(second)
    assert latest_scoring(2026).id == second.id
    assert [event.action for event in history("scoring", second.id)] == ["score_supersede"]
    assert history("scoring", second.id)[0].note.startswith("Đơn vị A")


def test_a_period_that_has_not_ended_is_published_only_when_confirmed(district):
    # 16/03/2026: the year 2026 runs until 31/12; tasks due after today are not counted yet.
    with pytest.raises(ValidationError) as unconfirmed:
        publish_scoring(2026, district.interior)
    assert "chưa kết thúc" in unconfirmed.value.fields["unfinished_confirmed"]
    assert latest_scoring(2026) is None
    assert publish_scoring(2026, district.interior, unfinished_confirmed=True).version == 1
    # A period that has ended (2025) needs none; the first quarter of 2026 ends on 31/03, after today: it does.
    assert publish_scoring(2025, district.interior).version == 1
    with pytest.raises(ValidationError):
        publish_scoring(2026, district.interior, reason="Quý I", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))


def test_publishing_checks_the_figures_the_user_looked_at(district):
    seen = compute_draft(2026).digest
    finish(district.tasks["a5"], dt.date(2026, 3, 16), district.admin, district.office)
    with pytest.raises(ConflictError):
        publish_scoring(2026, district.interior, expected_digest=seen, unfinished_confirmed=True)
    assert latest_scoring(2026) is None


def test_only_interior_or_admin_publish_and_edit_rules(district):
    for role in ("office", "leader", "viewer"):
        user = make_user(role)
        with pytest.raises(PermissionDenied):
            publish_scoring(2026, user, unfinished_confirmed=True)
        with pytest.raises(PermissionDenied):
            save_rule(2026, user, default_settings())
    assert publish_scoring(2026, district.admin, unfinished_confirmed=True).version == 1


def test_a_rule_is_edited_in_place_until_a_published_scoring_uses_it(district):
    settings = default_settings()
    first = save_rule(2026, district.interior, settings, "Theo QĐ 1748")
    settings["share_done_late"] = 40
    same = save_rule(2026, district.interior, settings, "Theo QĐ 1748, sửa tỷ lệ quá hạn")
    assert same.id == first.id
    assert same.version == 1
    assert same.settings["share_done_late"] == 40
    scoring = publish_scoring(2026, district.interior, unfinished_confirmed=True)
    assert scoring.rule_id == first.id
    settings["share_done_late"] = 60
    second = save_rule(2026, district.interior, settings, "Năm sau nới tỷ lệ")
    assert second.version == 2
    assert second.id != first.id
    db.session.expire_all()
    assert db.session.get(ScoreRule, first.id).settings["share_done_late"] == 40  # the used version is kept
    assert [rule.version for rule in rule_versions(2026)] == [2, 1]
    assert published_result(scoring).settings["share_done_late"] == 40
    # The draft now follows version 2; the published scoring does not.
    assert compute_draft(2026).rule.version == 2
    e_id = district.units["E"].id
    assert compute_draft(2026).unit(e_id).score == round(100 * (3 + 0.6) / 4, 2)
    assert published_result(scoring, e_id).units[0].score == round(100 * (3 + 0.4) / 4, 2)


def test_publishing_without_a_saved_rule_stores_the_default_as_version_one(district):
    scoring = publish_scoring(2026, district.interior, unfinished_confirmed=True)
    assert scoring.rule.version == 1
    assert scoring.rule.settings == default_settings()
    assert db.session.query(UnitScore).filter_by(scoring_id=scoring.id).count() == 5


@pytest.mark.parametrize(("field", "value", "message_key"), [
    ("share_done_late", 120, "share_done_late"),
    ("share_done_late", "nhiều", "share_done_late"),
    ("points_kpi", 30, "points_kpi"),  # 80 + 30 ≠ 100
    ("weight_lead", 0, "weight_lead"),
    ("weight_coordinating", "0,25", None),  # the Vietnamese decimal comma is accepted
])
def test_rule_settings_are_validated(district, field, value, message_key):
    settings = default_settings()
    settings[field] = value
    if message_key is None:
        assert save_rule(2026, district.interior, settings).settings[field] == 0.25
        return
    with pytest.raises(ValidationError) as error:
        save_rule(2026, district.interior, settings)
    assert message_key in error.value.fields
    assert rule_versions(2026) == []


def test_grade_floors_must_descend_to_zero(district):
    settings = default_settings()
    settings["grades"][1]["min"] = 95
    settings["grades"][3]["min"] = 10
    settings["grades"][2]["name"] = " "
    with pytest.raises(ValidationError) as error:
        save_rule(2026, district.interior, settings)
    assert {"grade_2_min", "grade_3_name", "grade_4_min"} <= set(error.value.fields)


def test_a_communes_interior_staff_neither_edit_the_rule_nor_publish(app_ctx, client):
    from kpi_tasks.accounts.permissions import can_manage_scoring
    from kpi_tasks.units.services import create_unit
    from tests.factories import commit, csrf_token, login, make_user

    binh_son = create_unit("21040", "Xã Bình Sơn", "commune", is_committee=True)
    commune_staff = make_user("interior", binh_son, username="binhson.noivu")
    province_staff = make_user("interior", username="tinh.noivu")
    commit()
    assert can_manage_scoring(province_staff)
    assert not can_manage_scoring(commune_staff)
    login(client, "binhson.noivu")
    draft = client.get("/scoring/2026/draft").get_data(as_text=True)
    assert 'id="publish-form"' not in draft
    token = csrf_token(client, "/scoring/rules/2026")
    assert client.post("/scoring/2026/publish", data={"csrf_token": token, "digest": "x"}).status_code == 403
    assert client.post("/scoring/rules/2026", data={"csrf_token": token, "note": "x"}).status_code == 403
