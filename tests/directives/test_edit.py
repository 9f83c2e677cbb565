"""The office corrects a directive it entered: every field, by page and by API, with its change log; a new date
of issue moves the deadlines counted in working days from it, except where an extension was approved."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi_tasks.audit.services import history
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import DuplicateDirectiveError, update_directive
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.lifecycle import decide_extension, post_update, request_extension, review_task
from kpi_tasks.tasks.models import Task
from tests.factories import (
    api_headers,
    commit,
    csrf_token,
    login,
    make_directive,
    make_office,
    make_task,
    make_unit,
    make_user,
)

ISSUER = "UBND huyện Bình Sơn"
MONDAY = dt.date(2026, 3, 2)
THURSDAY = dt.date(2026, 3, 5)


def _fields(directive: Directive, **changed) -> dict:
    values = {"number": directive.number, "issued_on": directive.issued_on, "issuer": directive.issuer,
              "subject": directive.subject, "signer": directive.signer, "kind": directive.kind,
              "parent_id": directive.parent_id, "confidential": directive.confidential}
    return {**values, **changed}


@pytest.fixture
def directive(app_ctx) -> Directive:
    office = make_office()
    return make_directive(office, issued_on=MONDAY, number="45/UBND-VP", issuer=ISSUER, subject="V/v cải cách TTHC")


def test_the_office_corrects_the_fields_and_the_change_log_reads_them(directive):
    actor = make_office()
    changes = update_directive(directive, actor, expected_version=1, **_fields(
        directive, number="46/UBND-VP", subject="V/v đẩy mạnh cải cách thủ tục hành chính", kind="ke_hoach",
        signer="Nguyễn Văn A"))
    commit()
    assert set(changes) == {"number", "subject", "directive_kind", "signer"}
    stored = db.session.get(Directive, directive.id)
    assert (stored.number, stored.kind, stored.signer, stored.version) == ("46/UBND-VP", "ke_hoach", "Nguyễn Văn A", 2)
    assert "day manh cai cach" in stored.subject_folded  # the directive list's search finds the new subject
    [_created, updated] = history("directive", directive.id)
    lines = {line.label: (line.old, line.new) for line in updated.lines}
    assert lines["Số, ký hiệu"] == ("45/UBND-VP", "46/UBND-VP")
    assert lines["Loại văn bản"] == ("Công văn", "Kế hoạch")
    assert lines["Người ký"] == ("—", "Nguyễn Văn A")
    assert updated.actor_id == actor.id

    # Saving the same values again changes nothing and logs nothing.
    assert update_directive(stored, actor, expected_version=2, **_fields(stored)) == {}
    commit()
    assert len(history("directive", directive.id)) == 2
    assert db.session.get(Directive, directive.id).version == 2


def test_a_new_date_of_issue_moves_the_working_day_deadlines_counted_from_it(directive):
    lead = make_unit("Phòng Tư pháp", code="TP")
    counted = make_task(lead, directive=directive, deadline=None, deadline_working_days=10)
    extended = make_task(lead, directive=directive, deadline=None, deadline_working_days=10)
    dated = make_task(lead, directive=directive, deadline=dt.date(2026, 3, 20))
    assert counted.deadline == extended.deadline == dt.date(2026, 3, 16)  # 10 working days after Monday 02/03
    manager = make_user("unit_manager", lead)
    office = make_office()
    ask = request_extension(extended, manager, new_deadline=dt.date(2026, 3, 31), reason="Chờ số liệu")
    decide_extension(ask, office, decision="approve")
    commit()

    update_directive(directive, office, expected_version=directive.version, **_fields(directive, issued_on=THURSDAY))
    commit()
    counted, extended, dated = (db.session.get(Task, task.id) for task in (counted, extended, dated))
    # 10 working days after Thursday 05/03: 06, 09–13, 16–19.
    assert (counted.deadline, counted.effective_deadline) == (dt.date(2026, 3, 19), dt.date(2026, 3, 19))
    assert (extended.deadline, extended.effective_deadline) == (dt.date(2026, 3, 19), dt.date(2026, 3, 31))
    assert (dated.deadline, dated.effective_deadline) == (dt.date(2026, 3, 20), dt.date(2026, 3, 20))
    moved = history("task", counted.id)[-1]
    assert moved.note == "Ngày ban hành văn bản sửa thành 05/03/2026."
    assert {line.label: (line.old, line.new) for line in moved.lines}["Hạn xử lý"] == ("16/03/2026", "19/03/2026")
    assert history("task", dated.id)[-1].action == "create"  # a date deadline is not counted from the issue


def test_a_later_date_of_issue_may_not_leave_tasks_due_before_it(directive):
    lead = make_unit("Phòng Tư pháp", code="TP")
    make_task(lead, directive=directive, deadline=dt.date(2026, 3, 4))
    make_task(lead, directive=directive, deadline=dt.date(2026, 3, 6))
    make_task(lead, directive=directive, deadline=None, deadline_working_days=2)  # moves with the date
    office = make_office()
    commit()
    with pytest.raises(ValidationError) as caught:
        update_directive(directive, office, expected_version=1, **_fields(directive, issued_on=dt.date(2026, 3, 9)))
    assert caught.value.fields["issued_on"].startswith("2 nhiệm vụ của văn bản có hạn xử lý trước ngày 09/03/2026 "
                                                       "(sớm nhất 04/03/2026)")
    db.session.rollback()
    # Up to the earliest of those deadlines, the date may move.
    update_directive(directive, office, expected_version=1, **_fields(directive, issued_on=dt.date(2026, 3, 4)))
    commit()
    assert db.session.get(Directive, directive.id).issued_on == dt.date(2026, 3, 4)


def test_the_number_of_another_directive_is_refused_and_nothing_changes(directive):
    other = make_directive(issued_on=dt.date(2026, 2, 10), number="30/UBND-VP", issuer=ISSUER)
    commit()
    with pytest.raises(DuplicateDirectiveError) as caught:
        update_directive(directive, make_office(), expected_version=1, **_fields(directive, number="30/ubnd-vp"))
    assert caught.value.existing.id == other.id
    db.session.rollback()
    assert db.session.get(Directive, directive.id).number == "45/UBND-VP"


def test_a_stale_version_a_unit_and_a_loop_of_parents_are_refused(directive):
    office = make_office()
    child = make_directive(office, issued_on=dt.date(2026, 3, 9), parent_id=directive.id)
    commit()
    with pytest.raises(ConflictError, match="vừa được người khác sửa"):
        update_directive(directive, office, expected_version=0, **_fields(directive, subject="V/v khác"))
    with pytest.raises(PermissionDenied):
        update_directive(directive, make_user("unit_manager", make_unit()), expected_version=1, **_fields(directive))
    with pytest.raises(ValidationError) as caught:
        update_directive(directive, office, expected_version=1, **_fields(directive, parent_id=child.id))
    assert "chính văn bản này hoặc văn bản thực hiện nó" in caught.value.fields["parent_id"]
    with pytest.raises(ValidationError) as caught:
        update_directive(directive, office, expected_version=1,
                         **_fields(directive, number=" ", issued_on=dt.date(2026, 3, 17)))
    assert set(caught.value.fields) == {"number", "issued_on"}  # 17/03 is after the frozen today


def _edit_form(directive: Directive, **changed: str) -> dict[str, str]:
    form = {"number": directive.number, "kind": directive.kind, "issued_on": directive.issued_on.strftime("%d/%m/%Y"),
            "issuer": directive.issuer, "signer": directive.signer or "", "subject": directive.subject,
            "parent_id": str(directive.parent_id or 0), "version": str(directive.version)}
    return {**form, **changed}


def test_the_edit_page_keeps_what_was_typed_on_an_error_and_saves_with_a_log(directive, client):
    office = make_office()
    make_directive(office, issued_on=dt.date(2026, 2, 10), number="30/UBND-VP", issuer=ISSUER)
    commit()
    login(client, office.username)
    path = f"/directives/{directive.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert 'value="45/UBND-VP"' in page
    assert 'value="02/03/2026"' in page
    assert 'name="version" type="hidden" value="1"' in page

    refused = client.post(path, data={**_edit_form(directive, number="30/UBND-VP", subject="V/v đã sửa trích yếu"),
                                      "csrf_token": csrf_token(client, path)})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Văn bản này đã có trên hệ thống" in text
    assert "V/v đã sửa trích yếu" in text  # what was typed stays
    assert db.session.get(Directive, directive.id).subject == "V/v cải cách TTHC"

    saved = client.post(path, data={**_edit_form(directive, subject="V/v đã sửa trích yếu"),
                                    "csrf_token": csrf_token(client, path)})
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"/directives/{directive.id}"
    db.session.expire_all()
    assert db.session.get(Directive, directive.id).subject == "V/v đã sửa trích yếu"
    log = client.get(path).get_data(as_text=True).split('id="history"', 1)[1]
    assert "Trích yếu: V/v cải cách TTHC → V/v đã sửa trích yếu" in log
    # The directive's page tells everyone who reads it that it was corrected, and how.
    reader = make_user("unit_manager", make_unit())
    commit()
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, reader.username)
    shown = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Văn bản đã được sửa 1 lần" in shown
    assert "Trích yếu: V/v cải cách TTHC → V/v đã sửa trích yếu" in shown
    assert "Sửa văn bản" not in shown  # the button is the office's
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, office.username)

    stale = client.post(path, data={**_edit_form(directive, subject="V/v lần nữa", version="1"),
                                    "csrf_token": csrf_token(client, path)})
    assert "vừa được người khác sửa" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Directive, directive.id).subject == "V/v đã sửa trích yếu"


def test_the_api_patch_changes_only_the_fields_sent(directive, client):
    headers = api_headers(make_office())
    patched = client.patch(f"/api/v1/directives/{directive.id}", headers=headers,
                           json={"subject": "V/v sửa qua API", "signer": "Trần Thị B", "version": 1})
    assert patched.status_code == 200, patched.json
    body = patched.json
    assert (body["subject"], body["signer"], body["number"], body["issued_on"], body["version"]) == (
        "V/v sửa qua API", "Trần Thị B", "45/UBND-VP", "2026-03-02", 2)
    assert body["tasks"] == []

    stale = client.patch(f"/api/v1/directives/{directive.id}", headers=headers, json={"subject": "x", "version": 1})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "conflict"
    empty = client.patch(f"/api/v1/directives/{directive.id}", headers=headers, json={"number": "", "version": 2})
    assert empty.status_code == 422
    assert set(empty.json["error"]["fields"]) == {"number"}
    cleared = client.patch(f"/api/v1/directives/{directive.id}", headers=headers, json={"signer": None, "version": 2})
    assert cleared.status_code == 200
    assert cleared.json["signer"] is None


def test_the_directive_list_tells_each_directives_tasks_as_the_reader_may_see_them(directive, client):
    lead, other = make_unit("Phòng Tư pháp", code="TP"), make_unit("Phòng Nội vụ", code="NV")
    office, manager = make_office(), make_user("unit_manager", lead)
    make_task(lead, directive=directive, deadline=dt.date(2026, 3, 10))  # overdue on 16/03
    make_task(lead, directive=directive, deadline=dt.date(2026, 3, 30))
    done = make_task(other, directive=directive, deadline=dt.date(2026, 3, 12))
    post_update(done, make_user("unit_manager", other), progress_percent=None, note="Xong", report_completed=True,
                completed_on=dt.date(2026, 3, 11))
    review_task(done, office, decision="approve")
    empty = make_directive(office, issued_on=dt.date(2026, 3, 3))
    commit()

    def cell(username: str, directive_id: int) -> str:
        login(client, username)
        page = client.get("/directives/").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
        return " ".join(page.split(f'data-directive-counts="{directive_id}">', 1)[1].split("</td>", 1)[0].split())

    assert cell(office.username, directive.id) == (
        '3 nhiệm vụ<br><span class="text-danger">1 quá hạn</span><br>1 đã hoàn thành')
    assert cell(manager.username, directive.id) == '2 nhiệm vụ<br><span class="text-danger">1 quá hạn</span>'
    assert "Chưa giao" in cell(office.username, empty.id)
