"""The scoring pages as the Interior department, a unit and the office use them (CSRF on)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.audit.services import history
from kpi_tasks.extensions import db
from kpi_tasks.scoring.models import OBJECTION_PENDING, ScoreObjection, Scoring
from kpi_tasks.scoring.queries import rule_versions
from kpi_tasks.scoring.rules import DEFAULT_SETTINGS, NUMBER_KEYS
from kpi_tasks.scoring.services import compute_draft, create_objection
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


def confirmation_of(client, draft: str):
    """Follow the draft page's "Công bố…" button (a GET form carrying the fingerprint of the figures)."""
    form = draft.split('id="publish-form"')[1].split("</form>")[0]
    assert 'method="get"' in draft.split('id="publish-form"')[0].rsplit("<form", 1)[1]
    query = dict(re.findall(r'<input name="([^"]+)" type="hidden" value="([^"]*)">', form))
    return client.get("/scoring/2026/publish", query_string=query)


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
    confirmation = confirmation_of(client, draft)
    assert confirmation.status_code == 200
    confirm_page = confirmation.get_data(as_text=True)
    assert db.session.query(Scoring).count() == 0  # opening the confirmation publishes nothing
    # 16/03/2026: the year has not ended. The page says so, and publishing needs the box ticked.
    assert 'id="unfinished-warning"' in confirm_page
    assert "Kỳ đánh giá 01/01/2026–31/12/2026 chưa kết thúc (hôm nay 16/03/2026)" in confirm_page
    fields = {"digest": hidden(confirm_page, "digest"), "reason": "",
              "period_start": hidden(confirm_page, "period_start"), "period_end": hidden(confirm_page, "period_end")}
    unticked = post(client, "/scoring/2026/publish", fields, "/scoring/2026/draft")
    assert unticked.status_code == 200
    assert "đánh dấu ô này nếu vẫn công bố kết quả tạm tính" in unticked.get_data(as_text=True)
    assert db.session.query(Scoring).count() == 0
    published = post(client, "/scoring/2026/publish", {**fields, "unfinished_confirmed": "y"}, "/scoring/2026/draft")
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
    # Without a reason, a second version is refused on the confirmation page, with the reason's message.
    confirm_page = confirmation_of(client, draft).get_data(as_text=True)
    assert "Lý do ban hành phiên bản thay thế phiên bản 1 (bắt buộc)" in confirm_page
    no_reason = post(client, "/scoring/2026/publish", {"digest": hidden(draft, "digest"), "reason": "",
                                                       "unfinished_confirmed": "y"})
    assert no_reason.status_code == 200
    assert "phải nêu lý do ban hành phiên bản thay thế" in no_reason.get_data(as_text=True)
    assert 'id="publish-form"' in no_reason.get_data(as_text=True)
    assert db.session.query(Scoring).count() == 1
    second = post(client, "/scoring/2026/publish", {"digest": hidden(draft, "digest"), "unfinished_confirmed": "y",
                                                    "reason": "A hoàn thành nhiệm vụ a5"})
    assert second.status_code == 303
    index = client.get("/scoring/?year=2026").get_data(as_text=True)
    assert a_now in row_of(index, a_id)
    assert "Phiên bản 2" in index
    assert "đã được thay thế" in index
    old = client.get(f"/scoring/versions/{first_id}").get_data(as_text=True)
    assert "63,64" in row_of(old, a_id)
    assert "đã được thay thế bằng" in old


def test_the_confirmation_summarises_what_will_be_published(client, district):
    login(client, "noivu")
    draft = client.get("/scoring/2026/draft").get_data(as_text=True)
    # The draft page itself has no button that publishes: its form only opens the confirmation.
    assert 'action="/scoring/2026/publish"' in draft
    assert 'method="post" action="/scoring/2026/publish"' not in draft
    assert "Xác nhận công bố" not in draft
    page = confirmation_of(client, draft).get_data(as_text=True)
    summary = page.split('id="publish-summary"')[1].split("</dl>")[0]
    assert '<dd class="col-sm-8" data-summary="year">2026</dd>' in summary
    assert "Phiên bản 1" in summary
    assert "mặc định (sẽ được lưu thành phiên bản 1 của năm 2026)" in summary
    assert '<dd class="col-sm-8" data-summary="units">5</dd>' in summary  # A, B, C, D, E
    # B 90 (excellent: floors are inclusive), E 87,5, A 63,64, C 30,23; D has nothing due yet.
    for grade, count in (("Hoàn thành xuất sắc nhiệm vụ", 1), ("Hoàn thành tốt nhiệm vụ", 1),
                         ("Hoàn thành nhiệm vụ", 1), ("Không hoàn thành nhiệm vụ", 1)):
        assert f'<li data-grade="{grade}">{grade}: {count} đơn vị</li>' in summary
    assert "Chưa có dữ liệu (không có nhiệm vụ đến hạn trong kỳ): 1 đơn vị" in summary
    awaiting = summary.split('data-summary="awaiting"')[1]
    assert "1 đơn vị có tổng cộng 1 lượt nhiệm vụ" in awaiting
    assert "<li>Đơn vị A: 1</li>" in awaiting
    assert ">Xác nhận công bố</button>" in page
    assert db.session.query(Scoring).count() == 0


def test_the_confirmation_refuses_figures_that_changed_since_the_draft(client, district):
    login(client, "noivu")
    draft = client.get("/scoring/2026/draft").get_data(as_text=True)
    confirm_page = confirmation_of(client, draft).get_data(as_text=True)
    finish(district.tasks["a5"], district.tasks["a5"].deadline, district.admin, district.office)
    commit()
    # Reopening the confirmation with the old figures sends back to the draft, and so does confirming them.
    reopened = confirmation_of(client, draft)
    assert reopened.status_code == 303
    assert reopened.headers["Location"] == "/scoring/2026/draft"
    confirmed = post(client, "/scoring/2026/publish", {"digest": hidden(confirm_page, "digest"), "reason": "",
                                                       "period_start": "2026-01-01", "period_end": "2026-12-31"})
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == "/scoring/2026/draft"
    assert "Số liệu hoặc tiêu chí đã thay đổi" in client.get("/scoring/2026/draft").get_data(as_text=True)
    assert db.session.query(Scoring).count() == 0
    # Without the draft's fingerprint (a bookmark), the confirmation leads to the draft first.
    bare = client.get("/scoring/2026/publish")
    assert (bare.status_code, bare.headers["Location"]) == (303, "/scoring/2026/draft")


def test_a_period_draft_is_confirmed_and_published_for_that_period(client, district):
    login(client, "noivu")
    draft = client.get("/scoring/2026/draft?from=01/01/2026&to=28/02/2026").get_data(as_text=True)
    confirmation = confirmation_of(client, draft)
    assert confirmation.status_code == 200
    page = confirmation.get_data(as_text=True)
    assert "01/01/2026–28/02/2026" in page
    assert 'id="unfinished-warning"' not in page  # that period ended before 16/03/2026: nothing to confirm
    published = post(client, "/scoring/2026/publish", {"digest": hidden(page, "digest"), "reason": "",
                                                        "period_start": hidden(page, "period_start"),
                                                        "period_end": hidden(page, "period_end")})
    assert published.status_code == 303
    scoring = db.session.scalars(sa.select(Scoring)).one()
    assert (scoring.period_start, scoring.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 2, 28))


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


def test_a_decision_without_a_choice_comes_back_with_the_typed_note(client, district):
    head = db.session.scalars(sa.select(User).where(User.username == "a.truong")).one()
    objection = create_objection(head, year=2026, task_id=district.tasks["a5"].id,
                                 reason="Nhiệm vụ đã được lùi thời hạn")
    commit()
    login(client, "vanphong")
    note = "Đã đối chiếu với Quyết định gia hạn số 12/QĐ-UBND"
    refused = post(client, f"/scoring/objections/{objection.id}/decision", {"note": note, "exclude": "y"},
                   "/scoring/objections/?year=2026")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Chưa chọn chấp nhận hay không chấp nhận." in page
    assert f"{note}</textarea>" in page
    assert 'id="decision-form"' in page
    assert "Nhiệm vụ đã được lùi thời hạn" in page  # the objection being decided is shown with its form
    db.session.expire_all()
    assert db.session.get(ScoreObjection, objection.id).status == OBJECTION_PENDING
    # No note either: both messages, and nothing recorded.
    empty = post(client, f"/scoring/objections/{objection.id}/decision", {"decision": "reject"})
    empty_page = empty.get_data(as_text=True)
    assert "Chưa nhập ý kiến xem xét." in empty_page
    assert '<input checked class="form-check-input" id="decision-1" name="decision" type="radio" value="reject">' in (
        empty_page)
    # The same address opened by GET (a reload, a bookmark) shows the form, not an error.
    assert client.get(f"/scoring/objections/{objection.id}/decision").status_code == 200
    decided = post(client, f"/scoring/objections/{objection.id}/decision", {"decision": "reject", "note": note})
    assert (decided.status_code, decided.headers["Location"]) == (303, "/scoring/objections/?year=2026")
    db.session.expire_all()
    assert db.session.get(ScoreObjection, objection.id).decision_note == note
    # Once decided, the address leads to the list, which shows the decision.
    again = client.get(f"/scoring/objections/{objection.id}/decision")
    assert (again.status_code, again.headers["Location"]) == (303, "/scoring/objections/?year=2026")


def test_a_bad_year_in_the_address_is_said_and_the_current_year_shown(client, district):
    login(client, "noivu")
    for query in ("abc", "1800", "99999999999999999999"):
        page = client.get(f"/scoring/?year={query}").get_data(as_text=True)
        assert f"Năm “{query}” không hợp lệ (năm phải từ 2000 đến 2100)" in page
        assert "đang hiển thị năm 2026" in page
        assert "Chấm điểm thi đua về thực hiện nhiệm vụ năm 2026</h1>" in page
    listing = client.get("/scoring/objections/?year=abc").get_data(as_text=True)
    assert "Năm “abc” không hợp lệ" in listing
    assert "không hợp lệ" not in client.get("/scoring/?year=2026").get_data(as_text=True)


def test_a_long_results_table_is_read_in_pages_of_the_ranking(client, district, monkeypatch):
    monkeypatch.setattr("kpi_tasks.scoring.views.UNITS_PER_PAGE", 2)
    login(client, "noivu")
    ranked = compute_draft(2026, with_items=False).units
    assert len(ranked) > 4
    first = client.get("/scoring/2026/draft").get_data(as_text=True)
    last_page = -(-len(ranked) // 2)
    last = client.get(f"/scoring/2026/draft?page={last_page}").get_data(as_text=True)
    assert re.findall(r'data-unit="(\d+)"', first) == [str(unit.unit_id) for unit in ranked[:2]]
    assert re.findall(r'data-unit="(\d+)"', last) == [str(unit.unit_id) for unit in ranked[(last_page - 1) * 2:]]
    assert f"Trang 1/{last_page}" in first
    assert 'href="/scoring/2026/draft?page=2"' in first
    # Every page publishes the whole ranking: the fingerprint is the same.
    assert hidden(first, "digest") == hidden(last, "digest")
    assert client.get("/scoring/2026/draft?page=999").status_code == 200


def test_a_published_results_table_reads_only_its_page(client, district, monkeypatch):
    from kpi_tasks.scoring.services import publish_scoring

    monkeypatch.setattr("kpi_tasks.scoring.views.UNITS_PER_PAGE", 2)
    interior = db.session.scalar(sa.select(User).where(User.username == "noivu"))
    scoring = publish_scoring(2026, interior, reason="", unfinished_confirmed=True)
    commit()
    ranked = compute_draft(2026, with_items=False).units
    login(client, "noivu")
    for path in (f"/scoring/versions/{scoring.id}?page=2", "/scoring/?year=2026&page=2"):
        page = client.get(path).get_data(as_text=True)
        assert re.findall(r'data-unit="(\d+)"', page) == [str(unit.unit_id) for unit in ranked[2:4]], path
        assert re.findall(r"<td>(\d+)</td>\s*<td><a", page) == ["3", "4"]
