"""The penalties, fed by the dossiers area's counts (skipped where that area is absent)."""

from __future__ import annotations

import datetime as dt
import re
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

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


def test_each_penalty_lists_its_letters_and_months_and_a_whole_line_can_be_objected_to(district):
    from kpi_tasks.errors import ConflictError, NotFound
    from kpi_tasks.scoring.services import create_objection, decide_objection
    from tests.factories import make_user

    e_id = district.units["E"].id
    penalties = {item["code"]: item for item in compute_draft(2026).unit(e_id).breakdown["penalties"]}
    letters = penalties["late_apology_letters"]["items"]
    assert [item["dossier_code"] for item in letters] == ["HS-01", "HS-02"]
    assert all(item["issued_on"] is None and not item["excluded"] for item in letters)
    months = penalties["repeat_late_months"]["items"]
    assert [(item["ref"], item["late_dossiers"]) for item in months] == [("2026-01", 1), ("2026-02", 1)]

    manager = make_user("unit_manager", district.units["E"])
    with pytest.raises(NotFound):  # a month that is not counted
        create_objection(manager, year=2026, subject="repeat_late_months", item_ref="2026-03", reason="x")
    objection = create_objection(manager, year=2026, subject="repeat_late_months",
                                 reason="Hệ thống một cửa lỗi từ 10/01 đến 15/02")
    assert objection.item_label == "Toàn bộ dòng “Tháng có hồ sơ trễ hạn từ 2 tháng liên tiếp trở lên” (2 mục)"
    with pytest.raises(ConflictError):  # the line is already under review
        create_objection(manager, year=2026, subject="repeat_late_months", reason="Lần nữa")
    one_letter = create_objection(manager, year=2026, subject="late_apology_letters", item_ref=letters[0]["ref"],
                                  reason="Phiếu đã gửi qua bưu điện ngày 12/01")
    assert one_letter.item_label.startswith("Hồ sơ HS-01: phiếu xin lỗi phải gửi trước ngày")
    for decided in (objection, one_letter):
        decide_objection(decided, district.office, decision="accept", note="Đã kiểm tra", exclude=True)
    db.session.commit()
    penalties = {item["code"]: item for item in compute_draft(2026).unit(e_id).breakdown["penalties"]}
    assert (penalties["repeat_late_months"]["count"], penalties["repeat_late_months"]["points"]) == (0, 0)
    assert all(item["excluded"] for item in penalties["repeat_late_months"]["items"])
    assert [item["excluded"] for item in penalties["late_apology_letters"]["items"]] == [True, False]
    assert (penalties["late_apology_letters"]["count"], penalties["late_apology_letters"]["points"]) == (1, 0.5)


def test_the_unit_page_names_every_letter_and_month_and_the_office_reads_the_line_objection(app, client, district):
    from kpi_tasks.scoring.models import ScoreObjection
    from tests.factories import commit, csrf_token, login, make_user

    e_id = district.units["E"].id
    make_user("unit_manager", district.units["E"], username="e.truong")
    make_user("office", username="vanphong")
    commit()
    login(client, "e.truong")
    page = client.get(f"/scoring/2026/draft/units/{e_id}").get_data(as_text=True)
    months = page.split('data-penalty="repeat_late_months"')[1].split("</div>")[0]
    assert f"/dossiers/?unit_id={e_id}&amp;month=2026-01" in months
    assert "Tháng 01/2026: 1 hồ sơ trễ hạn" in months
    assert "Tháng 02/2026: 1 hồ sơ trễ hạn" in months
    assert "/scoring/2026/objections/new?line=repeat_late_months&amp;item=2026-02" in months
    letters = page.split('data-penalty="late_apology_letters"')[1].split("</div>")[0]
    assert "Hồ sơ HS-01" in letters
    assert "Hồ sơ HS-02" in letters
    assert "chưa gửi" in letters
    form_page = "/scoring/2026/objections/new?line=repeat_late_months&item=2026-02"
    form = client.get(form_page).get_data(as_text=True)
    assert "Tháng 02/2026: 1 hồ sơ trễ hạn" in form
    sent = client.post(form_page, data={"reason": "Hồ sơ trễ do lỗi kết nối",
                                         "csrf_token": csrf_token(client, form_page)})
    assert sent.status_code == 303
    assert client.get("/scoring/2026/objections/new?line=repeat_late_months&item=2026-07").status_code == 404
    assert client.get("/scoring/2026/objections/new?line=nothing").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    login(client, "vanphong")
    listing = client.get("/scoring/objections/?year=2026").get_data(as_text=True)
    assert "Tháng có hồ sơ trễ hạn từ 2 tháng liên tiếp trở lên: Tháng 02/2026: 1 hồ sơ trễ hạn" in listing
    objection = db.session.scalars(sa.select(ScoreObjection)).one()
    decision = client.get(f"/scoring/objections/{objection.id}/decision").get_data(as_text=True)
    assert "Mục đề nghị" in decision
    assert "Hồ sơ trễ do lỗi kết nối" in decision
    # The list exports what it shows, with the line and its item in words.
    export = re.search(r'hx-boost="false" href="([^"]+)">Tải Excel', listing).group(1).replace("&amp;", "&")
    assert export == "/scoring/objections.xlsx?year=2026"
    sheet = load_workbook(BytesIO(client.get(export).data)).active
    assert sheet["A4"].value == "Bộ lọc: Năm 2026"
    row = [cell.value for cell in sheet[8]]
    assert row[0] == 1
    assert row[3] == "Tháng có hồ sơ trễ hạn từ 2 tháng liên tiếp trở lên: Tháng 02/2026: 1 hồ sơ trễ hạn"
    assert row[4] == "một mục của dòng tháng có hồ sơ trễ hạn từ 2 tháng liên tiếp trở lên"
    assert sheet["A9"].value == "TỔNG CỘNG"


def test_the_scores_api_gives_the_items_of_every_penalty_line(client, district):
    from tests.factories import api_headers, commit, make_user

    headers = api_headers(make_user("viewer"))
    commit()
    body = client.get("/api/v1/scores?year=2026", headers=headers).json
    e = next(item for item in body["items"] if item["unit_id"] == district.units["E"].id)
    penalties = {penalty["code"]: penalty for penalty in e["breakdown"]["penalties"]}
    # The existing fields are unchanged; the items are added beside them.
    assert (penalties["late_apology_letters"]["count"], penalties["late_apology_letters"]["points"]) == (2, 1)
    assert [letter["dossier_code"] for letter in penalties["late_apology_letters"]["items"]] == ["HS-01", "HS-02"]
    assert [month["month"] for month in penalties["repeat_late_months"]["items"]] == ["2026-01-01", "2026-02-01"]
    assert e["breakdown"]["kpi"]["items"] == []
