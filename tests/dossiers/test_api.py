"""The dossier endpoints of /api/v1 as API.md fixes them."""

from __future__ import annotations

import io

import sqlalchemy as sa

from kpi_tasks.dossiers.models import ApologyLetter, Dossier
from kpi_tasks.extensions import db
from tests.dossiers.helpers import D, make_dossier, make_units, row, standard_rows, write_xlsx
from tests.factories import api_headers, commit, make_user


def _post_file(client, headers, path):
    return client.post("/api/v1/dossiers/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(path.read_bytes()), path.name)})


def test_import_answers_imported_and_no_rejections_and_is_idempotent(app_ctx, client, tmp_path):
    make_units()
    headers = api_headers(make_user("office"))
    path = write_xlsx(tmp_path / "ho-so.xlsx", standard_rows())

    first = _post_file(client, headers, path)
    second = _post_file(client, headers, path)

    assert first.status_code == 200
    assert first.json["imported"] == 7
    assert first.json["rejected"] == []
    assert (first.json["created"], first.json["obligations_created"]) == (7, 3)
    assert second.status_code == 200
    assert (second.json["imported"], second.json["created"], second.json["unchanged"]) == (7, 0, 7)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 7


def test_rejected_import_answers_422_with_every_row_and_writes_nothing(app_ctx, client, tmp_path):
    make_units()
    headers = api_headers(make_user("office"))
    rows = [*standard_rows(), row("X-1", "TP", D(2026, 2, 2), "32/01/2026"), row("X-2", "??", D(2026, 2, 2),
                                                                                  D(2026, 2, 9))]
    response = _post_file(client, headers, write_xlsx(tmp_path / "sai.xlsx", rows))

    assert response.status_code == 422
    assert response.json["imported"] == 0
    assert [item["row"] for item in response.json["rejected"]] == [12, 13]
    assert "“32/01/2026” không phải là ngày hợp lệ" in response.json["rejected"][0]["message"]
    assert response.json["error"]["code"] == "rejected"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 0


def test_import_needs_a_file_and_the_office(app_ctx, client):
    tp, _ = make_units()
    assert client.post("/api/v1/dossiers/import", headers=api_headers(make_user("office"))).status_code == 422
    manager = api_headers(make_user("unit_manager", tp))
    assert client.post("/api/v1/dossiers/import", headers=manager).status_code == 403


def test_letters_list_filters_and_keeps_units_to_their_own(app_ctx, client):
    tp, bt = make_units()
    first = make_dossier(tp, "TP-1", D(2026, 3, 2), D(2026, 3, 10))
    make_dossier(tp, "TP-2", D(2026, 2, 2), D(2026, 2, 9), D(2026, 2, 11))
    make_dossier(bt, "BT-1", D(2026, 3, 2), D(2026, 3, 10))
    office, manager = make_user("office"), make_user("unit_manager", tp)
    commit()

    everything = client.get("/api/v1/apology-letters", headers=api_headers(office)).json
    assert everything["total"] == 3
    assert (everything["page"], everything["per_page"]) == (1, 50)
    item = next(i for i in everything["items"] if i["dossier_code"] == "TP-1")
    assert {key: item[key] for key in ("dossier_code", "unit_id", "due_by", "status")} == {
        "dossier_code": "TP-1", "unit_id": tp.id, "due_by": "2026-03-10", "status": "pending"}
    assert item["id"] == db.session.scalar(sa.select(ApologyLetter.id).where(ApologyLetter.dossier_id == first.id))
    by_unit = client.get(f"/api/v1/apology-letters?unit_id={bt.id}", headers=api_headers(office)).json
    assert [i["dossier_code"] for i in by_unit["items"]] == ["BT-1"]
    own = client.get("/api/v1/apology-letters", headers=api_headers(manager)).json
    assert sorted(i["dossier_code"] for i in own["items"]) == ["TP-1", "TP-2"]
    assert client.get(f"/api/v1/apology-letters?unit_id={bt.id}", headers=api_headers(manager)).json["total"] == 0
    assert client.get("/api/v1/apology-letters?status=late", headers=api_headers(office)).json["total"] == 0
    assert client.get("/api/v1/apology-letters?status=sent", headers=api_headers(office)).status_code == 422


def test_recording_a_letter_before_and_after_its_due_date(app_ctx, client):
    tp, bt = make_units()
    make_dossier(tp, "TP-1", D(2026, 3, 2), D(2026, 3, 10))
    make_dossier(tp, "TP-2", D(2026, 3, 2), D(2026, 3, 10))
    manager = make_user("unit_manager", tp)
    commit()
    headers = api_headers(manager)
    ids = {i["dossier_code"]: i["id"] for i in client.get("/api/v1/apology-letters", headers=headers).json["items"]}
    body = {"new_appointment_on": "2026-03-20", "reason": "Chờ xác minh."}

    on_time = client.post(f"/api/v1/apology-letters/{ids['TP-1']}", headers=headers,
                          json={**body, "issued_on": "2026-03-09"})
    after = client.post(f"/api/v1/apology-letters/{ids['TP-2']}", headers=headers,
                        json={**body, "issued_on": "2026-03-12"})

    assert on_time.status_code == 200
    assert on_time.json["status"] == "issued"
    assert (on_time.json["issued_on"], on_time.json["new_appointment_on"], on_time.json["reason"]) == (
        "2026-03-09", "2026-03-20", "Chờ xác minh.")
    assert after.status_code == 200
    assert after.json["status"] == "late"
    stale = client.post(f"/api/v1/apology-letters/{ids['TP-1']}", headers=headers,
                        json={**body, "issued_on": "2026-03-09", "version": 1})
    assert stale.status_code == 409
    invalid = client.post(f"/api/v1/apology-letters/{ids['TP-1']}", headers=headers, json={"issued_on": "09/03"})
    assert invalid.status_code == 422
    assert set(invalid.json["error"]["fields"]) == {"issued_on", "new_appointment_on", "reason"}
    stranger = api_headers(make_user("unit_manager", bt))
    assert client.post(f"/api/v1/apology-letters/{ids['TP-1']}", headers=stranger,
                       json={**body, "issued_on": "2026-03-09"}).status_code == 404
    leader = api_headers(make_user("leader"))
    assert client.post(f"/api/v1/apology-letters/{ids['TP-1']}", headers=leader,
                       json={**body, "issued_on": "2026-03-09"}).status_code == 403


def test_openapi_describes_the_dossier_endpoints(client, app_ctx):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"post"} <= set(paths["/dossiers/import"])
    assert {"get"} <= set(paths["/apology-letters"])
    assert {"post"} <= set(paths["/apology-letters/{id}"])
