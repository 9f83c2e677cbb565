"""A recurring task is scored through its occurrences due in the period, each with its own outcome, for its
lead unit and its coordinating units, as the unit statistics count it; the task itself is not counted.

The frozen day is 16/03/2026. Unit L leads a weekly report (every Friday from 06/02 to 20/03/2026)
coordinated by unit K, and one ordinary task (l1, done on time). K leads k1 (done on time).
The weekly report's occurrences:
  06/02 done on 06/02 (on time)          13/02 done on 12/02 (on time)
  20/02 done on 24/02 (late)             27/02 extended to 05/03, done on 04/03 (extended, then on time)
  06/03 not done (overdue)               13/03 reported done on 13/03, not yet confirmed (listed, not scored)
  20/03 not due yet (not counted)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from kpi_tasks.extensions import db
from kpi_tasks.scoring.models import Scoring, UnitScore
from kpi_tasks.scoring.queries import breakdown_task_ids, published_result
from kpi_tasks.scoring.services import compute_draft, create_objection, decide_objection, publish_scoring
from kpi_tasks.tasks.lifecycle import decide_extension, report_occurrence, request_extension, review_occurrence
from kpi_tasks.tasks.models import Task, TaskOccurrence
from kpi_tasks.tasks.queries import unit_stats
from kpi_tasks.tasks.services import withdraw_task
from kpi_tasks.units.models import Unit
from tests.factories import commit, login, make_directive, make_task, make_unit, make_user
from tests.scoring.dataset import finish

D = dt.date
TODAY = D(2026, 3, 16)
GOOD, DONE, EXCELLENT = "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ", "Hoàn thành xuất sắc nhiệm vụ"
# The scenario above: due date → (effective deadline, completion confirmed by the office).
DATES = {
    D(2026, 2, 6): (D(2026, 2, 6), D(2026, 2, 6)),
    D(2026, 2, 13): (D(2026, 2, 13), D(2026, 2, 12)),
    D(2026, 2, 20): (D(2026, 2, 20), D(2026, 2, 24)),
    D(2026, 2, 27): (D(2026, 3, 5), D(2026, 3, 4)),
    D(2026, 3, 6): (D(2026, 3, 6), None),
    D(2026, 3, 13): (D(2026, 3, 13), None),
}


@dataclass
class Weekly:
    lead: Unit
    coordinating: Unit
    task: Task
    l1: Task
    k1: Task
    occurrences: dict[dt.date, TaskOccurrence] = field(default_factory=dict)

    def refs(self, *due_dates: dt.date) -> list[dict]:
        """The breakdown's entries for these occurrences: which one, and the dates of the scenario."""
        return [{"task_id": self.task.id, "occurrence_id": self.occurrences[day].id, "due_on": day.isoformat(),
                 "effective_deadline": DATES[day][0].isoformat(),
                 "completed_on": DATES[day][1].isoformat() if DATES[day][1] else None}
                for day in due_dates]


def _report_done(occurrence: TaskOccurrence, reporter, completed_on: dt.date) -> None:
    report_occurrence(occurrence, reporter, progress_percent=None, note="Đã gửi báo cáo tuần",
                      report_completed=True, completed_on=completed_on)


@pytest.fixture
def weekly(app_ctx, monkeypatch) -> Weekly:
    office, admin = make_user("office"), make_user("admin")
    lead, coordinating = make_unit("Phòng Văn hoá", code="L"), make_unit("Phòng Y tế", code="K")
    lead_manager = make_user("unit_manager", lead, username="l.truong")
    directive = make_directive(office, issued_on=D(2026, 1, 31))
    task = make_task(lead, deadline=None, directive=directive, coordinating=[coordinating],
                     recurrence="weekly:fri;until=2026-03-20", title="Báo cáo tuần tình hình dịch bệnh")
    world = Weekly(lead, coordinating, task,
                   l1=make_task(lead, deadline=D(2026, 2, 10), directive=directive, title="Nhiệm vụ l1"),
                   k1=make_task(coordinating, deadline=D(2026, 3, 10), directive=directive, title="Nhiệm vụ k1"))
    finish(world.l1, D(2026, 2, 9), admin, office)
    finish(world.k1, D(2026, 3, 9), admin, office)
    world.occurrences = {
        occurrence.due_on: occurrence
        for occurrence in db.session.scalars(sa.select(TaskOccurrence).where(TaskOccurrence.task_id == task.id))
    }
    assert sorted(world.occurrences) == [D(2026, 2, 6) + dt.timedelta(weeks=n) for n in range(7)]
    occurrence = world.occurrences
    for due_on, completed_on in ((D(2026, 2, 6), D(2026, 2, 6)), (D(2026, 2, 13), D(2026, 2, 12)),
                                 (D(2026, 2, 20), D(2026, 2, 24))):
        _report_done(occurrence[due_on], admin, completed_on)
        review_occurrence(occurrence[due_on], office, decision="approve")
    # The 27/02 report: on 26/02 the unit asks for a week more, for that occurrence only, and gets it.
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-02-26")
    request = request_extension(task, lead_manager, new_deadline=D(2026, 3, 5), reason="Chờ số liệu của các xã",
                                occurrence=occurrence[D(2026, 2, 27)])
    decide_extension(request, office, decision="approve")
    monkeypatch.setenv("KPI_TASKS_TODAY", TODAY.isoformat())
    _report_done(occurrence[D(2026, 2, 27)], admin, D(2026, 3, 4))
    review_occurrence(occurrence[D(2026, 2, 27)], office, decision="approve")
    _report_done(occurrence[D(2026, 3, 13)], admin, D(2026, 3, 13))  # awaiting the office
    db.session.flush()
    assert occurrence[D(2026, 2, 27)].effective_deadline == D(2026, 3, 5)
    # What the old computation scored: the task itself, due on its earliest open occurrence (06/03, overdue).
    assert task.effective_deadline == D(2026, 3, 6)
    return world


def lines_of(breakdown: dict) -> dict[tuple[str, str], dict]:
    return {(line["outcome"], line["role"]): line for line in breakdown["tasks"]["lines"]}


def test_a_weekly_task_is_scored_per_occurrence_for_its_lead_and_coordinating_units(weekly):
    result = compute_draft(2026)
    lead = result.unit(weekly.lead.id)
    lines = lines_of(lead.breakdown)
    # L: five occurrences scored (two on time, one extended then on time, one late, one overdue), and l1.
    assert {key: line["occurrences"] for key, line in lines.items()} == {
        ("done_on_time", "lead"): weekly.refs(D(2026, 2, 6), D(2026, 2, 13)),
        ("extended_on_time", "lead"): weekly.refs(D(2026, 2, 27)),
        ("done_late", "lead"): weekly.refs(D(2026, 2, 20)),
        ("overdue", "lead"): weekly.refs(D(2026, 3, 6)),
    }
    assert {key: (line["count"], line["task_ids"]) for key, line in lines.items()} == {
        ("done_on_time", "lead"): (2 + 1, [weekly.l1.id]),
        ("extended_on_time", "lead"): (1, []),
        ("done_late", "lead"): (1, []),
        ("overdue", "lead"): (1, []),
    }
    # The recurring task itself is not an item: its id is in no line's tasks, only in its occurrences.
    assert all(weekly.task.id not in line["task_ids"] for line in lines.values())
    assert lead.breakdown["awaiting_review"] == {"count": 1, "task_ids": [], "occurrences": weekly.refs(D(2026, 3, 13))}
    # Default rule, no KPI data: on time 100 %, extended 90 %, late 50 %, overdue 0 %; lead 1, coordinating 0.3.
    occurrences_earned = 2 * 1.00 + 1 * 0.90 + 1 * 0.50 + 1 * 0
    lead_score = 100 * (occurrences_earned + 1 * 1.00) / (5 + 1)
    assert (lead.score, lead.grade) == (round(lead_score, 2), DONE)  # 73.33
    # K coordinates the same five occurrences (weight 0.3 each) and leads k1, on time.
    coordinating = result.unit(weekly.coordinating.id)
    assert {key: (line["count"], line["occurrences"]) for key, line in lines_of(coordinating.breakdown).items()} == {
        ("done_on_time", "lead"): (1, []),
        ("done_on_time", "coordinating"): (2, weekly.refs(D(2026, 2, 6), D(2026, 2, 13))),
        ("extended_on_time", "coordinating"): (1, weekly.refs(D(2026, 2, 27))),
        ("done_late", "coordinating"): (1, weekly.refs(D(2026, 2, 20))),
        ("overdue", "coordinating"): (1, weekly.refs(D(2026, 3, 6))),
    }
    coordinating_score = 100 * (occurrences_earned * 0.3 + 1 * 1.00) / (5 * 0.3 + 1)
    assert (coordinating.score, coordinating.grade) == (round(coordinating_score, 2), GOOD)  # 80.8
    assert breakdown_task_ids(lead.breakdown) == {weekly.l1.id: "done_on_time/lead",
                                                  weekly.task.id: "occurrences/lead"}


def test_the_scoring_counts_what_the_unit_statistics_count(weekly):
    """The same items, with the same statuses, as the unit statistics for the year up to the computation date."""
    stats = unit_stats(TODAY, D(2026, 1, 1), TODAY, unit_id=weekly.lead.id)[0]
    lead = compute_draft(2026).unit(weekly.lead.id).breakdown
    counts = {outcome: sum(line["count"] for line in lead["tasks"]["lines"] if line["outcome"] == outcome)
              for outcome in ("done_on_time", "extended_on_time", "done_late", "overdue")}
    assert counts["done_on_time"] + counts["extended_on_time"] == stats["done_on_time"] == 4
    assert counts["done_late"] == stats["done_late"] == 1
    assert counts["overdue"] == stats["overdue"] == 1
    assert lead["awaiting_review"]["count"] == stats["awaiting_review"] == 1


def test_occurrences_due_in_another_period_or_after_the_computation_date_do_not_count(weekly, monkeypatch):
    # A period of February only: the 06/02, 13/02 and 20/02 occurrences; the 27/02 one was moved to 05/03.
    february = compute_draft(2026, D(2026, 2, 1), D(2026, 2, 28)).unit(weekly.lead.id).breakdown
    counted = sorted(ref["due_on"] for line in february["tasks"]["lines"] for ref in line["occurrences"])
    assert counted == ["2026-02-06", "2026-02-13", "2026-02-20"]
    # Computed on 01/03/2026: the 27/02 occurrence (due 05/03 after its extension) and later ones not yet.
    monkeypatch.setenv("KPI_TASKS_TODAY", "2026-03-01")
    early = compute_draft(2026).unit(weekly.lead.id).breakdown
    counted = sorted(ref["due_on"] for line in early["tasks"]["lines"] for ref in line["occurrences"])
    assert counted == ["2026-02-06", "2026-02-13", "2026-02-20"]


def test_a_withdrawn_recurring_task_and_its_occurrences_do_not_count(weekly):
    withdraw_task(weekly.task, make_user("office"), note="Dịch bệnh đã kết thúc")
    lead = compute_draft(2026).unit(weekly.lead.id)
    assert breakdown_task_ids(lead.breakdown) == {weekly.l1.id: "done_on_time/lead"}
    assert lead.score == 100


def test_an_accepted_objection_excludes_every_occurrence_of_the_task_for_that_unit(weekly):
    lead_manager = make_user("unit_manager", weekly.lead)
    objection = create_objection(lead_manager, year=2026, task_id=weekly.task.id,
                                 reason="Báo cáo tuần do Sở chủ trì từ tháng 02/2026")
    assert objection.counted_as == "occurrences/lead"
    decide_objection(objection, make_user("office"), decision="accept", note="Đúng, loại khỏi chấm điểm",
                     exclude=True)
    result = compute_draft(2026)
    lead = result.unit(weekly.lead.id)
    # Left for L: l1 alone, on time. Every occurrence that would have counted (five scored, one awaiting
    # the office) is listed as excluded, none scored.
    assert (lead.score, lead.grade) == (100 * 1.00 / 1, EXCELLENT)
    assert lines_of(lead.breakdown).keys() == {("done_on_time", "lead")}
    assert lead.breakdown["excluded"]["count"] == 5 + 1
    assert lead.breakdown["excluded"]["occurrences"] == weekly.refs(
        D(2026, 2, 6), D(2026, 2, 13), D(2026, 2, 20), D(2026, 2, 27), D(2026, 3, 6), D(2026, 3, 13))
    assert lead.breakdown["awaiting_review"]["count"] == 0
    # K's objection was not made: K still counts the occurrences it coordinates.
    coordinating = result.unit(weekly.coordinating.id)
    assert coordinating.score == round(100 * ((2 + 0.9 + 0.5) * 0.3 + 1) / (5 * 0.3 + 1), 2)


def test_the_breakdown_page_names_each_occurrence_with_a_link(app, client, weekly):
    make_user("unit_manager", weekly.lead, username="l.pho")
    commit()
    login(client, "l.pho")
    page = client.get(f"/scoring/2026/draft/units/{weekly.lead.id}").get_data(as_text=True)
    task_id = weekly.task.id
    for due_on in DATES:
        occurrence_id = weekly.occurrences[due_on].id
        assert f'href="/tasks/{task_id}/occurrences/{occurrence_id}" data-occurrence="{occurrence_id}">' \
               f'hạn {due_on:%d/%m/%Y}</a>' in page
    # The extended occurrence says so, with its new deadline and when it was done.
    assert "hạn 27/02/2026</a> (gia hạn đến 05/03/2026, xong 04/03/2026)" in page
    assert f'data-occurrence="{weekly.occurrences[D(2026, 3, 20)].id}"' not in page  # not due yet
    on_time_row = page.split('data-outcome="done_on_time" data-role="lead"')[1].split("</tr>")[0]
    assert "Báo cáo tuần tình hình dịch bệnh</a>" in on_time_row
    assert "2 kỳ báo cáo" in on_time_row
    # An occurrence link opens the occurrence's page.
    assert client.get(f"/tasks/{task_id}/occurrences/{weekly.occurrences[D(2026, 3, 6)].id}").status_code == 200
    # The objection form says what excluding a recurring task does.
    form = client.get(f"/scoring/2026/objections/new?task_id={task_id}").get_data(as_text=True)
    assert "mọi kỳ báo cáo của nhiệm vụ" in form


def test_a_version_published_before_occurrences_were_counted_still_renders(app, client, weekly):
    scoring = publish_scoring(2026, make_user("interior"), unfinished_confirmed=True)
    # Rewrite the stored rows as the earlier computation stored them: no occurrences, no counting marker.
    for row in db.session.scalars(sa.select(UnitScore).where(UnitScore.scoring_id == scoring.id)):
        breakdown = {**row.breakdown, "tasks": {**row.breakdown["tasks"]}}
        del breakdown["tasks"]["counting"]
        breakdown["tasks"]["lines"] = [{k: v for k, v in line.items() if k != "occurrences"}
                                       for line in breakdown["tasks"]["lines"]]
        for outcome in ("awaiting_review", "excluded"):
            breakdown[outcome] = {k: v for k, v in breakdown[outcome].items() if k != "occurrences"}
        row.breakdown = breakdown
    make_user("unit_manager", weekly.lead, username="l.pho")
    commit()
    stored = published_result(db.session.get(Scoring, scoring.id), weekly.lead.id).units[0].breakdown
    assert breakdown_task_ids(stored) == {weekly.l1.id: "done_on_time/lead"}
    login(client, "l.pho")
    unit_page = client.get(f"/scoring/versions/{scoring.id}/units/{weekly.lead.id}")
    assert unit_page.status_code == 200
    assert "Nhiệm vụ l1</a>" in unit_page.get_data(as_text=True)
    assert client.get(f"/scoring/versions/{scoring.id}").status_code == 200
    export = client.get(f"/scoring/versions/{scoring.id}.xlsx")
    assert export.status_code == 200
    # Its appendix states the rule it was computed under, not today's.
    notes = [cell.value for row in load_workbook(BytesIO(export.data)).active.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("- Chỉ tính")]
    assert len(notes) == 1
    assert "hoặc đã hoàn thành trong kỳ" in notes[0]
    assert "kỳ báo cáo" not in notes[0]
    draft_export = client.get("/scoring/2026/draft.xlsx")
    notes = [cell.value for row in load_workbook(BytesIO(draft_export.data)).active.iter_rows() for cell in row
             if isinstance(cell.value, str) and cell.value.startswith("- Chỉ tính")]
    assert "nhiệm vụ định kỳ tính theo từng kỳ báo cáo" in notes[0]
