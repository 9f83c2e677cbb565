"""The scoring pages as the Interior department, a unit and the office use them (CSRF on)."""

from __future__ import annotations

import re

import pytest

from kpi_tasks.audit.services import history
from kpi_tasks.extensions import db
from kpi_tasks.scoring.models import ScoreObjection, Scoring
from kpi_tasks.scoring.queries import rule_versions
from kpi_tasks.scoring.rules import DEFAULT_SETTINGS, NUMBER_KEYS
from kpi_tasks.scoring.services import compute_draft
from tests.factories import commit, csrf_token, login, make_user
from tests.scoring.dataset import build_district, finish


@pytest.fixture
def district(app, app_ctx):
    world = build_district()
    for username, role, unit in (("noivu", "interior", None), ("vanphong", "office", None),
                                 ("a.truong", "unit_manager", world.units["A"]),
                                 ("e.truong", "unit_manager", world.units["E"])):
        make_user(role, unit, username=username)
    commit()
    return world


def post(client, path, data, page="/"):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, page)})


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page).group(1)


def row_of(page: str, unit_id: int) -> str:
    return page.split(f'data-unit="{unit_id}"')[1].split("</tr>")[0]


def test_interior_publishes_the_draft_it_reviewed_and_a_change_needs_a_new_version(client, district):
    login(client, "noivu")
    draft = client.get("/scoring/2026/draft").get_data(as_text=True)
    a_id = district.units["A"].id
    assert "Bản nháp" in draft
    assert "63,64" in row_of(draft, a_id)
    assert "Hoàn thành nhiệm vụ" in row_of(draft, a_id)
    assert "Có 1 lượt nhiệm vụ" in draft  # a8 awaits the office's confirmation
    # A source that is not installed is said so, not silently counted as zero.
    sources = compute_draft(2026).sources
    assert ("chưa có nguồn dữ liệu" in draft.lower()) == (not all(sources.values()))
    published = post(client, "/scoring/2026/publish", {"digest": hidden(draft, "digest"), "reason": "",
                                                        "period_start": "2026-01-01", "period_end": "2026-12-31"},
                     "/scoring/2026/draft")
    assert published.status_code == 303
    version_page = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "phiên bản 1" in version_page
    assert "63,64" in row_of(version_page, a_id)
    first_id = db.session.query(Scoring.id).scalar()

    # The data changes; the published version does not; the draft does.
    finish(district.tasks["a5"], district.tasks["a5"].deadline, district.admin, district.office)
    commit()
    assert "63,64" in row_of(client.get(f"/scoring/versions/{first_id}").get_data(as_text=True), a_id)
    draft = client.get("/scoring/2026/draft").get_data(as_text=True)
    a_now = f"{100 * (4.2 + 1) / 6.6:.2f}".replace(".", ",")  # a5 now done on time: 78,79
    assert a_now in row_of(draft, a_id)

    # A stale page cannot publish other figures than the ones it showed.
    stale = post(client, "/scoring/2026/publish", {"digest": "0" * 64, "reason": "Cập nhật"}, "/scoring/2026/draft")
    assert stale.status_code == 303
    assert "/draft" in stale.headers["Location"]
    assert db.session.query(Scoring).count() == 1
    # Without a reason, a second version is refused with the reason's message.
    no_reason = post(client, "/scoring/2026/publish", {"digest": hidden(draft, "digest"), "reason": ""})
    assert db.session.query(Scoring).count() == 1
    assert "lý do" in client.get(no_reason.headers["Location"]).get_data(as_text=True)
    second = post(client, "/scoring/2026/publish", {"digest": hidden(draft, "digest"),
                                                    "reason": "A hoàn thành nhiệm vụ a5"})
    assert second.status_code == 303
    index = client.get("/scoring/?year=2026").get_data(as_text=True)
    assert a_now in row_of(index, a_id)
    assert "Phiên bản 2" in index
    assert "đã được thay thế" in index
    old = client.get(f"/scoring/versions/{first_id}").get_data(as_text=True)
    assert "63,64" in row_of(old, a_id)
    assert "đã được thay thế bằng" in old


def test_a_unit_reads_its_breakdown_objects_and_the_office_decides(client, district):
    a_id, a5, e4 = district.units["A"].id, district.tasks["a5"].id, district.tasks["e4"].id
    login(client, "a.truong")
    page = client.get(f"/scoring/2026/draft/units/{a_id}").get_data(as_text=True)
    overdue_row = page.split('data-outcome="overdue" data-role="lead"')[1].split("</tr>")[0]
    assert f'href="/tasks/{a5}"' in overdue_row
    assert "Nhiệm vụ a5" in overdue_row
    assert f"/scoring/2026/objections/new?task_id={a5}" in overdue_row
    # A's head sees C's task c0 (A coordinates it) but not E's tasks, even on E's breakdown page.
    e_page = client.get(f"/scoring/2026/draft/units/{district.units['E'].id}").get_data(as_text=True)
    assert f'data-task="{e4}"' in e_page
    assert "Nhiệm vụ e4" not in e_page
    assert "Đề nghị xem xét</a>" not in e_page

    form_page = f"/scoring/2026/objections/new?task_id={a5}"
    assert client.get(form_page).status_code == 200
    empty = post(client, form_page, {"reason": ""}, form_page)
    assert empty.status_code == 200
    assert "Chưa nhập lý do đề nghị" in empty.get_data(as_text=True)
    sent = post(client, form_page, {"reason": "Đã được Chủ tịch cho dừng"}, form_page)
    assert sent.status_code == 303
    assert client.get(f"/scoring/2026/objections/new?task_id={district.tasks['a6'].id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "e.truong")
    assert "Đã được Chủ tịch cho dừng" not in client.get("/scoring/objections/?year=2026").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "vanphong")
    listing = client.get("/scoring/objections/?year=2026").get_data(as_text=True)
    assert "Đã được Chủ tịch cho dừng" in listing
    assert "Quá hạn, chưa hoàn thành" in listing
    objection_id = db.session.query(ScoreObjection.id).scalar()
    decided = post(client, f"/scoring/objections/{objection_id}/decision",
                   {"decision": "accept", "exclude": "y", "note": "Đồng ý, loại khỏi chấm điểm"})
    assert decided.status_code == 303
    assert [event.action for event in history("score_objection", objection_id)] == [
        "score_objection", "score_objection_accept"]
    breakdown = client.get(f"/scoring/2026/draft/units/{a_id}").get_data(as_text=True)
    assert 'data-outcome="excluded"' in breakdown
    assert f"{100 * 4.2 / 5.6:.2f}".replace(".", ",") in breakdown  # 75,00


def test_interior_edits_the_rule_in_a_page_with_messages_per_field(client, district):
    form = {
        **{key: str(DEFAULT_SETTINGS[key]).replace(".", ",") for key in NUMBER_KEYS},
        **{f"grade_{n}_min": str(g["min"]) for n, g in enumerate(DEFAULT_SETTINGS["grades"], start=1)},
        **{f"grade_{n}_name": g["name"] for n, g in enumerate(DEFAULT_SETTINGS["grades"], start=1)},
        "note": "Theo QĐ 1748/QĐ-UBND",
    }
    login(client, "noivu")
    page = client.get("/scoring/rules/2026").get_data(as_text=True)
    assert "mặc định" in page
    assert 'value="0,3"' in page
    bad = post(client, "/scoring/rules/2026", {**form, "share_done_late": "150", "points_kpi": "30"},
               "/scoring/rules/2026")
    assert bad.status_code == 200
    text = bad.get_data(as_text=True)
    assert "Phải từ 0 đến 100." in text
    assert "phải cộng lại bằng 100" in text
    assert rule_versions(2026) == []
    good = post(client, "/scoring/rules/2026", {**form, "share_done_late": "40"}, "/scoring/rules/2026")
    assert good.status_code == 303
    db.session.expire_all()
    assert rule_versions(2026)[0].settings["share_done_late"] == 40
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "a.truong")
    read_only = client.get("/scoring/rules/2026").get_data(as_text=True)
    assert 'id="rule-form"' not in read_only
    assert "40 % điểm của nhiệm vụ" in read_only
