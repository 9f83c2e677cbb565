"""The demo district shows every part of the product on whatever day it is loaded: every status, recurring
reports, extension requests in each state, a progress table, dossiers with apology letters in each state, repeat
offenders and today's reminders; every unit with tasks reports through its own manager; every demo login opens
its home page."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.models import User
from kpi_tasks.clock import today
from kpi_tasks.demo.data import USERS
from kpi_tasks.demo.seed import DEMO_PASSWORD, seed_demo
from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.dossiers.queries import repeat_offenders
from kpi_tasks.extensions import db
from kpi_tasks.milestones.models import Milestone
from kpi_tasks.notifications.models import Notification
from kpi_tasks.scoring.services import compute_draft
from kpi_tasks.tasks.models import ExtensionRequest, Task, TaskOccurrence
from kpi_tasks.tasks.status import STATUSES, status_expression
from kpi_tasks.units.catalogue import import_province_units
from kpi_tasks.units.models import Unit
from tests.factories import commit, login

# A Monday in March, the first working day of a year (the plan then began the year before), and a day in Tết.
DAYS = ["2026-03-16", "2026-01-05", "2027-02-10"]


@pytest.mark.parametrize("day", DAYS)
def test_the_demo_shows_every_part_of_the_product(app_ctx, monkeypatch, day):
    monkeypatch.setenv("KPI_TASKS_TODAY", day)
    seed_demo()
    on = today()
    assert on == dt.date.fromisoformat(day)

    statuses = set(db.session.scalars(sa.select(status_expression(on)).select_from(Task).distinct()))
    assert statuses == set(STATUSES)
    occurrence_states = {(state, deadline < on) for state, deadline in db.session.execute(
        sa.select(TaskOccurrence.state, TaskOccurrence.effective_deadline))}
    assert {("done", True), ("open", True)} <= occurrence_states  # reports confirmed, and one the unit is late on
    assert set(db.session.scalars(sa.select(ExtensionRequest.status))) == {"pending", "approved", "rejected"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Milestone)) >= 3
    assert set(db.session.scalars(sa.select(ApologyLetter.status))) == {"pending", "issued", "late"}
    assert len(repeat_offenders(on)) >= 2
    kinds = set(db.session.scalars(sa.select(Notification.kind)))
    assert {"due_soon", "overdue"} <= kinds

    managers = set(db.session.scalars(sa.select(User.unit_id).where(User.role == "unit_manager")))
    lead_units = set(db.session.scalars(sa.select(Task.lead_unit_id)))
    assert lead_units <= managers


def test_every_demo_login_opens_its_home_page(app):
    with app.app_context():
        seed_demo()
        commit()
        # Bưu điện tỉnh only coordinates on another unit's overdue task: that lateness is not scored against it.
        post = db.session.scalar(sa.select(Unit).where(Unit.code == "BUUDIEN"))
        (result,) = compute_draft(today().year, unit_id=post.id).units
        assert result.score != 0
        lines = result.breakdown["tasks"]["lines"]
        assert lines
        assert all(line["task_ids"] or line["occurrences"] for line in lines)
        assert [line["not_scored"] for line in lines if line["role"] == "coordinating" and
                line["outcome"] in ("overdue", "done_late")] == [True]
    for username, _name, _role, _unit in USERS:
        client = app.test_client()
        login(client, username, DEMO_PASSWORD)
        page = client.get("/")
        assert page.status_code == 200, username
        assert "Đăng xuất" in page.get_data(as_text=True), username


def test_the_demo_units_see_what_is_new_and_what_was_sent_back(app):
    with app.app_context():
        seed_demo()
        commit()
    culture = app.test_client()
    login(culture, "vhtt.giamdoc", DEMO_PASSWORD)
    page = culture.get("/").get_data(as_text=True)
    new = page.split('id="new-tasks"', 1)[1].split("<h2", 1)[0]
    # the directive issued two days ago, led or coordinated by Sở Văn hóa, Thể thao và Du lịch; nothing older
    assert "Tuyên truyền kết quả khảo sát trên Cổng thông tin điện tử tỉnh" in new
    assert "Tổ chức khảo sát mức độ hài lòng của người dân tại Bộ phận Một cửa" in new
    assert new.count("/tasks/") == 2
    officer = app.test_client()
    login(officer, "vhtt.chuyenvien", DEMO_PASSWORD)
    assert 'id="new-tasks"' not in officer.get("/").get_data(as_text=True)  # handed tasks the day they came
    social = app.test_client()
    login(social, "yt.lanhdao", DEMO_PASSWORD)
    page = social.get("/").get_data(as_text=True)
    returned = page.split('id="returned"', 1)[1].split("<h2", 1)[0]
    assert "Triển khai tiếp nhận hồ sơ bảo trợ xã hội trực tuyến" in returned
    assert "Đề nghị bổ sung số hồ sơ bảo trợ xã hội" in returned


def test_the_demos_communes_are_the_catalogues_so_importing_the_province_adds_only_the_others(app, app_ctx):
    seed_demo()
    summary = import_province_units("Quảng Ngãi")
    assert (summary.communes, len(summary.created), summary.renamed) == (96, 86, [])
