"""A directive's number and symbol is unique for its issuer within a year: the service, the page, the API and
the intake confirmation refuse a second directive with it and name the first."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from kpi_tasks import create_app
from kpi_tasks.demo.seed import DEMO_PASSWORD
from kpi_tasks.directives import services as directive_services
from kpi_tasks.directives.models import Directive
from kpi_tasks.directives.services import DuplicateDirectiveError, find_same_number, number_key
from kpi_tasks.errors import ConflictError
from kpi_tasks.extensions import db
from kpi_tasks.intake.models import IntakeDraft
from kpi_tasks.tasks.models import Task
from tests.factories import api_headers, commit, csrf_token, login, make_directive, make_office
from tests.intake.helpers import DIRECTIVE, demo_district
from tests.intake.test_pages import form_fields

ISSUER = "UBND huyện Bình Sơn"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_numbers_compare_without_spaces_and_case():
    assert number_key("999/UBND-VP") == number_key(" 999/ubnd-vp ") == number_key("999 / UBND - VP")
    assert number_key("15/KH-UBND") != number_key("15/QĐ-UBND")
    assert number_key("15/QĐ-UBND") == number_key("15/qđ-ubnd")


def test_the_service_refuses_the_same_number_of_the_same_issuer_in_the_same_year(app_ctx):
    office = make_office()
    first = make_directive(office, issued_on=dt.date(2026, 3, 2), number="999/UBND-VP", issuer=ISSUER,
                           subject="V/v tăng cường công tác phòng, chống dịch bệnh")
    with pytest.raises(DuplicateDirectiveError) as caught:
        make_directive(office, issued_on=dt.date(2026, 3, 9), number="999/ubnd-vp ", issuer=" ubnd huyện  Bình Sơn")
    error = caught.value
    assert isinstance(error, ConflictError)
    assert error.http_status == 409
    assert error.existing.id == first.id
    assert "Đã có văn bản số 999/UBND-VP ngày 02/03/2026 của UBND huyện Bình Sơn" in error.message
    assert f"mã {first.id}" in error.message
    assert "phòng, chống dịch bệnh" in error.message
    assert "đã được dùng trong năm 2026" in error.fields["number"]

    # Another issuer, another year (the number restarts each year), another number: all accepted.
    make_directive(office, issued_on=dt.date(2026, 3, 2), number="999/UBND-VP", issuer="UBND xã Bình Thạnh")
    make_directive(office, issued_on=dt.date(2025, 12, 31), number="999/UBND-VP", issuer=ISSUER)
    make_directive(office, issued_on=dt.date(2026, 3, 2), number="9990/UBND-VP", issuer=ISSUER)
    make_directive(office, issued_on=dt.date(2026, 3, 2), number="1999/UBND-VP", issuer=ISSUER)
    assert _count(Directive) == 5


def test_a_directive_does_not_collide_with_itself(app_ctx):
    """What an edit of the number will check: the directive being edited is left out of the comparison."""
    directive = make_directive(make_office(), issued_on=dt.date(2026, 3, 2), number="45/UBND-VP", issuer=ISSUER)
    assert find_same_number("45/UBND-VP", ISSUER, dt.date(2026, 3, 2)) == directive
    assert find_same_number("45/UBND-VP", ISSUER, dt.date(2026, 3, 2), exclude_id=directive.id) is None


def test_the_factory_gives_distinct_numbers(app_ctx):
    numbers = {make_directive().number for _ in range(3)}
    assert len(numbers) == 3


def _new_directive_form(number: str) -> dict[str, str]:
    return {"number": number, "kind": "cong_van", "issued_on": "02/03/2026", "issuer": ISSUER,
            "subject": "V/v đẩy mạnh cải cách thủ tục hành chính", "parent_id": "0"}


def test_the_page_refuses_a_second_entry_and_links_to_the_first(app, client):
    with app.app_context():
        office = make_office()
        username = office.username
        commit()
    login(client, username)
    form = _new_directive_form("999/UBND-VP")
    created = client.post("/directives/new", data={**form, "csrf_token": csrf_token(client, "/directives/new")})
    assert created.status_code == 303
    first_path = created.headers["Location"]

    again = client.post("/directives/new", data={**_new_directive_form("999/ubnd-vp "),
                                                 "csrf_token": csrf_token(client, "/directives/new")})
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert f'href="{first_path}"' in page
    assert "Văn bản này đã có trên hệ thống" in page
    assert "Công văn số 999/UBND-VP ngày 02/03/2026 của UBND huyện Bình Sơn" in page
    assert "đã được dùng trong năm 2026" in page  # on the number field
    assert 'value="999/ubnd-vp "' in page  # what was typed stays
    with app.app_context():
        assert _count(Directive) == 1


def test_the_api_answers_409_with_the_error_shape_of_api_md(app_ctx, client):
    headers = api_headers(make_office())
    body = {"number": "999/UBND-VP", "issued_on": "2026-03-02", "issuer": ISSUER, "subject": "V/v thử"}
    first = client.post("/api/v1/directives", headers=headers, json=body)
    assert first.status_code == 201
    again = client.post("/api/v1/directives", headers=headers, json={**body, "number": " 999/ubnd-VP"})
    assert again.status_code == 409
    error = again.json["error"]
    assert error["code"] == "conflict"
    assert "Đã có văn bản số 999/UBND-VP ngày 02/03/2026" in error["message"]
    assert f"mã {first.json['id']}" in error["message"]
    assert set(error["fields"]) == {"number"}
    assert _count(Directive) == 1


def _confirm_uploaded(client, units) -> tuple[str, object]:
    upload = client.post("/intake/", data={"file": (io.BytesIO(DIRECTIVE.encode()), "chi-dao.txt"), "text": "",
                                           "csrf_token": csrf_token(client, "/intake/")},
                         content_type="multipart/form-data")
    assert upload.status_code == 303
    url = upload.headers["Location"]
    fields = form_fields(client.get(url).get_data(as_text=True))
    index = next(int(name.split("-")[1]) for name, values in fields.items()
                 if name.endswith("-key") and values == ["d4"])  # the draft whose unit the demo lacks
    fields[f"drafts-{index}-leads"] = [f"unit:{units['KTHT'].id}"]
    fields["drafts-0-title"] = ["Rà soát thủ tục hành chính (tên đã sửa)"]
    return url, client.post(url, data={**fields, "action": "confirm"})


def test_the_intake_confirmation_refuses_a_directive_entered_twice_and_keeps_the_drafts(app_ctx, client):
    office, units = demo_district()
    commit()
    login(client, office.username, DEMO_PASSWORD)
    _url, first = _confirm_uploaded(client, units)
    assert first.status_code == 303
    existing = db.session.scalars(sa.select(Directive).where(Directive.number == "88/UBND-VP")).one()
    directives, tasks = _count(Directive), _count(Task)

    url, again = _confirm_uploaded(client, units)  # the same file, uploaded and confirmed again
    page = again.get_data(as_text=True)
    assert again.status_code == 200
    assert f'href="/directives/{existing.id}"' in page
    assert "Văn bản này đã có trên hệ thống" in page
    assert "Chưa tạo văn bản và nhiệm vụ: văn bản số 88/UBND-VP ngày 02/03/2026" in page
    assert "đã được dùng trong năm 2026" in page  # on the header's number field
    assert 'value="Rà soát thủ tục hành chính (tên đã sửa)"' in page  # the drafts as the clerk edited them
    assert (_count(Directive), _count(Task)) == (directives, tasks)
    intake = db.session.get(IntakeDraft, int(url.rsplit("/", 1)[1]))
    assert intake.directive_id is None  # still open: its drafts can be saved, corrected or discarded
    assert client.get(url).status_code == 200


def test_the_database_refuses_a_number_that_a_concurrent_entry_took_after_the_check(app_ctx, monkeypatch):
    """Two clerks enter the same directive at once: both checks find nothing, the unique index refuses the
    second insert, and the refusal names the first directive as the check would have."""
    office = make_office()
    first = make_directive(office, issued_on=dt.date(2026, 3, 2), number="999/UBND-VP", issuer=ISSUER,
                           subject="V/v tăng cường công tác phòng, chống dịch bệnh")
    commit()
    first_id = first.id
    monkeypatch.setattr(directive_services, "check_unique_number", lambda *args, **kwargs: None)
    with pytest.raises(DuplicateDirectiveError) as caught:
        make_directive(office, issued_on=dt.date(2026, 3, 9), number="999/ubnd-vp", issuer=ISSUER.upper())
    assert caught.value.existing.id == first_id
    assert "Đã có văn bản số 999/UBND-VP ngày 02/03/2026 của UBND huyện Bình Sơn" in caught.value.message
    db.session.rollback()
    assert _count(Directive) == 1
    # An edit that would take the number is refused the same way.
    other = make_directive(office, issued_on=dt.date(2026, 3, 9), number="1000/UBND-VP", issuer=ISSUER)
    commit()
    with pytest.raises(DuplicateDirectiveError) as caught:
        directive_services.update_directive(
            other, office, expected_version=other.version, number="999/UBND-VP", issued_on=other.issued_on,
            issuer=other.issuer, subject=other.subject)
    assert caught.value.existing.id == first_id
    db.session.rollback()
    assert db.session.get(Directive, other.id).number == "1000/UBND-VP"


def test_the_migration_keys_existing_directives_and_leaves_old_duplicates_unkeyed(tmp_path):
    """Directives entered twice before the check existed survive the migration that adds the unique index."""
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}"})
    with app.app_context():
        upgrade(revision="0011_directions_reminders")
        insert = sa.text(
            "INSERT INTO directives (id, number, kind, issued_on, issuer, subject, subject_folded, confidential,"
            " created_at, version) VALUES (:id, :number, 'cong_van', :issued_on, :issuer, 'V/v', 'v/v', 0,"
            " '2026-01-01 00:00:00', 1)")
        with db.engine.begin() as connection:
            for directive_id, number, issued_on, issuer in (
                (1, "15/UBND-VP", "2025-03-02", ISSUER), (2, "15/ubnd-vp ", "2025-06-02", " ubnd huyện Bình Sơn"),
                (3, "15/UBND-VP", "2026-03-02", ISSUER), (4, "15/UBND-VP", "2025-03-02", "UBND xã Bình Thạnh"),
            ):
                connection.execute(insert, {"id": directive_id, "number": number, "issued_on": issued_on,
                                            "issuer": issuer})
        upgrade()
        keys = dict(db.session.execute(sa.text("SELECT id, number_key FROM directives ORDER BY id")).all())
        db.session.remove()
        db.engine.dispose()
    assert keys == {1: "2025|ubnd huyện bình sơn|15/ubnd-vp", 2: None, 3: "2026|ubnd huyện bình sơn|15/ubnd-vp",
                    4: "2025|ubnd xã bình thạnh|15/ubnd-vp"}
