"""A unit does not coordinate the task it leads: the service refuses it (the form, the API, the intake), the task form
and the intake review hide it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi_tasks.errors import ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.tasks.models import Task
from kpi_tasks.tasks.services import create_task, update_task
from tests.factories import (
    PASSWORD,
    api_headers,
    commit,
    form_post,
    login,
    make_directive,
    make_task,
    make_unit,
    make_user,
    root_office,
    sign_in,
)
from tests.intake.helpers import DIRECTIVE, demo_district

REFUSAL = "“UBND xã Bình Sơn” là đơn vị chủ trì nên không đồng thời là đơn vị phối hợp của nhiệm vụ."


@pytest.fixture
def units(app_ctx):
    return make_unit("UBND xã Bình Sơn", kind="commune"), make_unit("Sở Nội vụ")


def test_the_service_refuses_the_lead_among_the_coordinating_units(units):
    lead, partner = units
    directive = make_directive()
    with pytest.raises(ValidationError) as refused:
        create_task(directive, root_office(), title="Rà soát hộ nghèo", lead_unit_id=lead.id,
                    coordinating_unit_ids=[partner.id, lead.id], deadline_kind="none")
    assert refused.value.fields == {"coordinating_unit_ids": REFUSAL}

    task = make_task(lead, directive=directive, coordinating=[partner])
    with pytest.raises(ValidationError) as refused:
        update_task(task, root_office(), expected_version=task.version, title=task.title, lead_unit_id=lead.id,
                    coordinating_unit_ids=[lead.id], deadline=task.deadline)
    assert refused.value.fields == {"coordinating_unit_ids": REFUSAL}
    # Leading instead of coordinating is a change of lead, and allowed: the old lead may then coordinate.
    update_task(task, root_office(), expected_version=task.version, title=task.title, lead_unit_id=partner.id,
                coordinating_unit_ids=[lead.id], deadline=task.deadline)
    assert (task.lead_unit_id, task.coordinating_unit_ids) == (partner.id, [lead.id])


def test_the_api_answers_422_naming_the_field(client, units):
    lead, partner = units
    office = root_office()
    directive = make_directive(office)
    task = make_task(partner, directive=directive)
    headers = api_headers(office)
    body = {"title": "Rà soát hộ nghèo", "lead_unit_id": lead.id, "coordinating_unit_ids": [lead.id],
            "deadline": "2026-03-31"}

    created = client.post(f"/api/v1/directives/{directive.id}/tasks", headers=headers, json=body)
    assert created.status_code == 422, created.json
    assert created.json["error"]["fields"] == {"coordinating_unit_ids": REFUSAL}
    changed = client.patch(f"/api/v1/tasks/{task.id}", headers=headers,
                           json={**body, "version": task.version})
    assert changed.status_code == 422, changed.json
    assert changed.json["error"]["fields"] == {"coordinating_unit_ids": REFUSAL}
    assert db.session.scalar(sa.select(sa.func.count(Task.id))) == 1


def test_the_form_shows_the_refusal_beside_the_coordinating_units(client, units):
    lead, partner = units
    office = make_user("office", username="vp.giaoviec")
    directive = make_directive(office)
    commit()
    login(client, "vp.giaoviec", PASSWORD)

    page = form_post(client, f"/tasks/new/{directive.id}", {
        "title": "Rà soát hộ nghèo", "lead_unit_id": lead.id, "coordinating_unit_ids": [partner.id, lead.id],
        "deadline_kind": "date", "deadline": "31/03/2026"}, page=f"/tasks/new/{directive.id}")
    assert page.status_code == 200
    assert REFUSAL in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Task.id))) == 0


@pytest.mark.browser
def test_the_form_does_not_offer_the_lead_unit_to_coordinate(app, page):
    with app.app_context():
        lead, partner = make_unit("UBND xã Bình Sơn", kind="commune"), make_unit("Sở Nội vụ")
        make_user("office", username="vp.giaoviec")
        directive = make_directive()
        directive_id, lead_id, partner_id = directive.id, lead.id, partner.id
        task_id = make_task(lead, directive=directive, coordinating=[partner]).id
        commit()
    sign_in(page, "vp.giaoviec")
    # Through the site's own links, as htmx swaps pages in, and not only on a page loaded whole.
    page.goto(f"/directives/{directive_id}")
    page.get_by_role("link", name="Giao nhiệm vụ").first.click()
    page.wait_for_url(f"**/tasks/new/{directive_id}")
    lead_box, partner_box = (page.locator(f"#coordinating_unit_ids-{unit_id}") for unit_id in (lead_id, partner_id))
    lead_box.check()
    partner_box.check()

    page.get_by_label("Đơn vị chủ trì").select_option(str(lead_id))
    assert (lead_box.is_visible(), lead_box.is_checked(), partner_box.is_visible(), partner_box.is_checked()) == (
        False, False, True, True)
    page.get_by_label("Đơn vị chủ trì").select_option(str(partner_id))
    assert (lead_box.is_visible(), lead_box.is_checked(), partner_box.is_visible(), partner_box.is_checked()) == (
        True, False, False, False)

    # A page loaded whole hides the lead it was drawn with.
    page.goto(f"/tasks/{task_id}/edit")
    assert (lead_box.is_visible(), partner_box.is_visible(), partner_box.is_checked()) == (False, True, True)


@pytest.mark.browser
def test_the_intake_review_does_not_offer_a_drafts_lead_units_to_coordinate(app, page):
    with app.app_context():
        _office, units = demo_district()
        make_user("office", username="vp.nhapvanban")
        ids = {code: units[code].id for code in ("TP", "NV", "VHTT")}
        commit()
    sign_in(page, "vp.nhapvanban")
    page.get_by_role("link", name="Nhập từ văn bản").click()
    page.get_by_label("Hoặc dán nội dung văn bản").fill(DIRECTIVE)
    page.get_by_role("button", name="Đọc văn bản").click()
    page.wait_for_url("**/intake/*")
    # Item 1: "Giao Phòng Tư pháp chủ trì, phối hợp Phòng Nội vụ …"; item 3 is Phòng Văn hóa và Thông tin's.
    first, third = page.locator("#draft-d1"), page.locator("#draft-d3")
    leads = first.locator("[id$='-leads']")
    coordinating = {code: first.locator(f"[id$='-coordinating_unit_ids'] input[value='{unit_id}']")
                    for code, unit_id in ids.items()}

    def offered() -> dict[str, tuple[bool, bool]]:
        return {code: (box.is_visible(), box.is_checked()) for code, box in coordinating.items()}

    # The page drawn with Phòng Tư pháp leading does not offer it among the coordinating units.
    assert offered() == {"TP": (False, False), "NV": (True, True), "VHTT": (True, False)}
    coordinating["VHTT"].check()
    # A second lead ticked: it leaves the coordinating units, unticked; the draft's other choices stay.
    leads.get_by_label("Phòng Văn hóa và Thông tin", exact=True).check()
    assert offered() == {"TP": (False, False), "NV": (True, True), "VHTT": (False, False)}
    # A lead unticked is offered again; a whole kind ticked hides none of its units (each leads its own copy).
    leads.get_by_label("Phòng Tư pháp", exact=True).uncheck()
    leads.locator("input[value='kind:department']").check()
    assert offered() == {"TP": (True, False), "NV": (True, True), "VHTT": (False, False)}
    # Each draft follows its own leads.
    assert third.locator(f"[id$='-coordinating_unit_ids'] input[value='{ids['TP']}']").is_visible()
    assert not third.locator(f"[id$='-coordinating_unit_ids'] input[value='{ids['VHTT']}']").is_visible()
