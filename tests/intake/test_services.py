"""The intake services called directly: reading an upload, matching the drafts' units against the demo
district, editing (drop, merge) and the confirmation that creates the directive and its tasks, or nothing."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.intake.models import IntakeDraft
from kpi_tasks.intake.services import (
    DraftValues,
    HeaderValues,
    check_file_type,
    confirm_intake,
    drafts_of,
    header_of,
    merge_drafts,
    read_upload,
    save_intake,
    start_intake,
    title_of,
    undo_confirmation,
)
from kpi_tasks.kpis.models import Kpi, KpiTarget
from kpi_tasks.kpis.services import create_kpi
from kpi_tasks.tasks.models import Task, TaskGroup, TaskOccurrence
from kpi_tasks.units.models import Unit
from tests.factories import make_user
from tests.intake.helpers import DIRECTIVE, SEED_002, demo_district, needs_seed_002

OTHER_SHAPES = Path(__file__).parent / "directives"


def _start(office, text: str = DIRECTIVE):
    intake = start_intake(office, filename="chi-dao.txt", text=text)
    return intake, header_of(intake), drafts_of(intake)


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _tasks_by_lead(directive: Directive) -> dict[str, list[Task]]:
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == directive.id).order_by(Task.id))
    found: dict[str, list[Task]] = {}
    for task in tasks:
        found.setdefault(task.lead_unit.code, []).append(task)
    return found


# -- reading and matching ------------------------------------------------------------------------------


def test_the_drafts_come_with_the_demo_districts_units_and_deadlines_ready_for_the_services(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)

    assert header == HeaderValues(number="88/UBND-VP", kind="cong_van", issued_on=dt.date(2026, 3, 2),
                                  issuer="UBND huyện Thử Nghiệm",
                                  subject="triển khai nhiệm vụ cải cách hành chính quý II năm 2026")  # fmt: skip
    assert [(d.section, d.leads, d.coordinating_unit_ids, d.unmatched) for d in drafts] == [
        ("1", [f"unit:{units['TP'].id}"], [units["NV"].id], []),
        ("2", ["kind:commune"], [], []),
        ("3", [f"unit:{units['VHTT'].id}"], [], []),
        ("4", [], [], ["Ban Quản lý chợ huyện"]),  # no such unit in the district: the clerk picks one
        ("5", [f"unit:{units['VP'].id}"], [], []),
    ]
    assert [(d.deadline_kind, d.deadline, d.working_days, d.period, d.recurrence) for d in drafts] == [
        ("date", dt.date(2026, 4, 30), None, "", ""),
        ("recurring", None, None, "", "weekly:fri"),
        ("period", None, None, "2026-Q2", ""),
        ("working_days", None, 10, "", ""),
        ("recurring", None, None, "", "monthly"),
    ]
    assert drafts[2].kpis == ["bảo đảm tỷ lệ cán bộ được tập huấn đạt tối thiểu 80%"]
    for draft in drafts:  # each draft points at its own words in the text kept with it
        (start, end), = draft.spans
        assert " ".join(intake.source_text[start:end].split()) == draft.content


def test_a_title_is_the_first_sentence_cut_at_a_word() -> None:
    assert title_of("Giao Phòng A rà soát hồ sơ. Báo cáo kết quả.") == "Giao Phòng A rà soát hồ sơ"
    assert title_of("Giao Phòng A: khảo sát, lựa chọn mô hình hay. Báo cáo.") == "Khảo sát, lựa chọn mô hình hay"
    assert title_of("Giao Phòng A: rà soát.") == "Giao Phòng A: rà soát"  # too little after the colon
    assert title_of("Cơ quan chủ trì: Phòng Tài chính - Kế hoạch; cơ quan phối hợp: Phòng Nội vụ. Xây dựng kế "
                    "hoạch vốn năm 2027. Báo cáo.") == "Xây dựng kế hoạch vốn năm 2027"  # the labels name units
    long = "Giao Phòng A " + "rà soát hồ sơ thủ tục " * 20
    title = title_of(long)
    assert len(title) <= 201
    assert title.endswith("…")
    assert long.startswith(title[:-1])


def test_only_the_office_and_admin_start_an_intake(app_ctx):
    _office, units = demo_district()
    for role, unit in (("leader", None), ("viewer", None), ("unit_manager", units["TP"])):
        with pytest.raises(PermissionDenied):
            start_intake(make_user(role, unit), filename="", text=DIRECTIVE)
    assert start_intake(make_user("admin"), filename="", text=DIRECTIVE).id


def test_an_empty_text_is_refused(app_ctx):
    office, _units = demo_district()
    with pytest.raises(ValidationError, match="Chưa có nội dung"):
        start_intake(office, filename="", text="  \n ")


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    for line in DIRECTIVE.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_uploads_are_checked_by_content_not_by_name(app_ctx):
    name, text = read_upload("chỉ đạo.docx", _docx_bytes())
    assert name == "chỉ đạo.docx"
    assert "88/UBND-VP" in text
    assert read_upload("a.txt", DIRECTIVE.encode("utf-8"))[1].startswith("ỦY BAN")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("note.txt", "không phải Word")
    refused = [
        ("chi-dao.pdf", DIRECTIVE.encode("utf-8")),  # text named .pdf
        ("chi-dao.docx", zipped.getvalue()),  # a zip, not a Word package
        ("chi-dao.txt", b"MZ\x90\x00\x03\x00\x00\x00"),  # a program renamed .txt
        ("chi-dao.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),  # a PDF renamed .txt
    ]
    for filename, data in refused:
        with pytest.raises(ValidationError) as caught:
            check_file_type(filename, data)
        assert filename in caught.value.message
    check_file_type("utf16.txt", "\ufeffỦy ban".encode("utf-16"))  # UTF-16 text has NUL bytes and is text


# -- confirmation --------------------------------------------------------------------------------------


def _ready(drafts: list[DraftValues], units) -> list[DraftValues]:
    """The clerk's one correction: the market board is a task of the Economy and Infrastructure office."""
    return [dataclasses.replace(d, leads=[f"unit:{units['KTHT'].id}"]) if d.section == "4" else d for d in drafts]


def test_confirm_creates_the_directive_and_a_task_per_unit_in_one_go(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    directives_before = _count(Directive)

    confirmed = confirm_intake(intake, office, header, _ready(drafts, units))
    db.session.commit()

    directive = confirmed.directive
    assert (directive.number, directive.issued_on, directive.subject) == (
        "88/UBND-VP", dt.date(2026, 3, 2), "triển khai nhiệm vụ cải cách hành chính quý II năm 2026")
    assert _count(Directive) == directives_before + 1
    by_lead = _tasks_by_lead(directive)
    communes = sorted(code for code, unit in units.items() if unit.kind == "commune")
    assert sorted(by_lead) == sorted(["TP", "VHTT", "KTHT", "VP", *communes])
    (legal,) = by_lead["TP"]
    assert [unit.code for unit in legal.coordinating_units] == ["NV"]
    assert (legal.deadline_kind, legal.deadline) == ("date", dt.date(2026, 4, 30))
    (training,) = by_lead["VHTT"]
    assert (training.deadline_kind, training.deadline_period, training.deadline) == (
        "period", "2026-Q2", dt.date(2026, 6, 30))
    (market,) = by_lead["KTHT"]
    assert (market.deadline_kind, market.deadline_working_days) == ("working_days", 10)
    (summary,) = by_lead["VP"]
    assert summary.recurrence == "monthly"
    # "UBND các xã, thị trấn": one weekly task per commune, grouped as one instruction
    weekly = [task for code in communes for task in by_lead[code]]
    assert len(weekly) == len(communes)
    assert {task.recurrence for task in weekly} == {"weekly:fri"}
    assert len({task.group_id for task in weekly}) == 1
    assert db.session.get(TaskGroup, weekly[0].group_id).unit_kind == "commune"
    assert _count(TaskOccurrence) > 0  # recurring duties have their due dates
    assert len(confirmed.tasks) == len(communes) + 4
    assert intake.directive_id == directive.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "intake_confirm"))
    assert event is not None
    assert event.entity_id == directive.id


def test_one_invalid_draft_and_nothing_is_written(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    db.session.commit()
    counts = (_count(Directive), _count(Task), _count(TaskGroup), _count(AuditEvent))
    drafts = _ready(drafts, units)
    # the last draft is the invalid one, so the others were created before it was refused
    drafts[-1] = dataclasses.replace(drafts[-1], deadline_kind="date", deadline=dt.date(2026, 2, 1), recurrence="")
    drafts[0] = dataclasses.replace(drafts[0], leads=[])

    with pytest.raises(ValidationError) as caught:
        confirm_intake(intake, office, header, drafts)

    assert caught.value.fields == {
        "drafts.d1.leads": "Chưa chọn đơn vị chủ trì.",
        "drafts.d5.deadline": "Hạn xử lý (01/02/2026) không được trước ngày ban hành văn bản (02/03/2026).",
    }
    assert "2 nhiệm vụ chưa hợp lệ" in caught.value.message
    # nothing left in the session either: a commit after the refusal writes nothing
    db.session.commit()
    assert (_count(Directive), _count(Task), _count(TaskGroup), _count(AuditEvent)) == counts
    assert db.session.get(IntakeDraft, intake.id).directive_id is None


def test_a_lead_unit_ticked_as_coordinating_too_is_refused_naming_it(app_ctx):
    # As on the task form (tasks.services.check_units): the draft is refused, not silently corrected.
    office, units = demo_district()
    intake, header, drafts = _start(office)
    drafts = _ready(drafts, units)
    drafts[0] = dataclasses.replace(drafts[0], coordinating_unit_ids=[units["NV"].id, units["TP"].id])

    with pytest.raises(ValidationError) as caught:
        confirm_intake(intake, office, header, drafts)

    assert caught.value.fields == {"drafts.d1.coordinating_unit_ids": (
        "“Phòng Tư pháp” là đơn vị chủ trì nên không đồng thời là đơn vị phối hợp của nhiệm vụ.")}
    assert db.session.get(IntakeDraft, intake.id).directive_id is None


def test_header_errors_and_draft_errors_are_reported_together(app_ctx):
    office, units = demo_district()
    directives = _count(Directive)  # the demo's own
    intake, header, drafts = _start(office)
    header = dataclasses.replace(header, number="/UBND-VP", issued_on=None)
    drafts = _ready(drafts, units)
    drafts[2] = dataclasses.replace(drafts[2], period="2026-Q5")
    drafts[3] = dataclasses.replace(drafts[3], deadline_kind="working_days", working_days=None)

    with pytest.raises(ValidationError) as caught:
        confirm_intake(intake, office, header, drafts)

    fields = caught.value.fields
    assert fields["header.number"] == "Chưa điền số của văn bản (ví dụ 123/UBND-VP)."
    assert fields["header.issued_on"] == "Chưa nhập ngày ban hành."
    assert fields["drafts.d4.working_days"] == "Chưa nhập số ngày làm việc."
    assert set(fields) == {"header.number", "header.issued_on", "drafts.d4.working_days"}
    assert _count(Directive) == directives


def test_an_invalid_period_is_refused_by_the_task_service(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    drafts = _ready(drafts, units)
    drafts[2] = dataclasses.replace(drafts[2], period="2026-Q5")
    with pytest.raises(ValidationError) as caught:
        confirm_intake(intake, office, header, drafts)
    assert list(caught.value.fields) == ["drafts.d3.period"]


def test_dropped_drafts_are_not_created_and_unmatched_ones_may_be_dropped(app_ctx):
    office, _units = demo_district()
    intake, header, drafts = _start(office)
    drafts = [dataclasses.replace(d, dropped=d.section in ("2", "4")) for d in drafts]

    confirmed = confirm_intake(intake, office, header, drafts)

    assert sorted(_tasks_by_lead(confirmed.directive)) == ["TP", "VHTT", "VP"]


def test_nothing_kept_is_refused(app_ctx):
    office, _units = demo_district()
    intake, header, drafts = _start(office)
    with pytest.raises(ValidationError, match="Chưa có nhiệm vụ nào"):
        confirm_intake(intake, office, header, [dataclasses.replace(d, dropped=True) for d in drafts])
    with pytest.raises(ValidationError, match="không có nhiệm vụ nào để tạo"):
        confirm_intake(intake, office, header, [])


def test_a_unit_chosen_with_its_whole_kind_gets_one_task(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    draft = dataclasses.replace(drafts[0], leads=["kind:department", f"unit:{units['TP'].id}",
                                                  f"unit:{units['MOTCUA'].id}"], coordinating_unit_ids=[])  # fmt: skip
    confirmed = confirm_intake(intake, office, header, [draft])
    by_lead = _tasks_by_lead(confirmed.directive)
    departments = [code for code, unit in units.items() if unit.kind == "department"]
    assert sorted(by_lead) == sorted([*departments, "MOTCUA"])
    assert all(len(tasks) == 1 for tasks in by_lead.values())


def test_every_unit_for_the_whole_administration(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    draft = dataclasses.replace(drafts[0], leads=["kind:all"], coordinating_unit_ids=[])
    confirmed = confirm_intake(intake, office, header, [draft])
    assert sorted(_tasks_by_lead(confirmed.directive)) == sorted(units)


def test_a_confirmed_intake_cannot_be_confirmed_or_saved_again(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    confirm_intake(intake, office, header, _ready(drafts, units))
    with pytest.raises(ConflictError):
        confirm_intake(intake, office, header, _ready(drafts, units))
    with pytest.raises(ConflictError):
        save_intake(intake, office, header, drafts)


def test_saving_keeps_the_clerks_values_and_a_stale_version_is_refused(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    version = intake.version
    edited = dataclasses.replace(drafts[3], leads=[f"unit:{units['KTHT'].id}"], title="Chợ: báo cáo", dropped=True)
    save_intake(intake, office, dataclasses.replace(header, signer="Nguyễn Văn A"), [edited, *drafts[4:]],
                expected_version=version)  # fmt: skip
    db.session.commit()
    db.session.expire_all()
    stored = drafts_of(db.session.get(IntakeDraft, intake.id))
    assert [d.key for d in stored] == ["d4", "d5"]
    assert (stored[0].title, stored[0].leads, stored[0].dropped) == ("Chợ: báo cáo", [f"unit:{units['KTHT'].id}"], True)
    assert stored[0].unmatched == ["Ban Quản lý chợ huyện"]  # what the document said stays visible
    assert header_of(intake).signer == "Nguyễn Văn A"
    with pytest.raises(ConflictError, match="người khác"):
        save_intake(intake, office, header, drafts, expected_version=version)


# -- merging -------------------------------------------------------------------------------------------


def test_merge_joins_texts_unites_units_and_keeps_the_first_deadline(app_ctx):
    office, units = demo_district()
    _intake, _header, drafts = _start(office)

    merged = merge_drafts(drafts, ["d1", "d3"])

    assert [d.key for d in merged] == ["d1", "d2", "d4", "d5"]
    first = merged[0]
    assert first.content == f"{drafts[0].content}\n{drafts[2].content}"
    assert first.leads == [f"unit:{units['TP'].id}", f"unit:{units['VHTT'].id}"]
    assert first.coordinating_unit_ids == [units["NV"].id]
    assert (first.deadline_kind, first.deadline) == ("date", dt.date(2026, 4, 30))
    assert first.spans == drafts[0].spans + drafts[2].spans  # both sentences stay highlighted
    assert first.kpis == drafts[2].kpis
    assert first.section == "1, 3"


def test_merging_a_lead_into_a_coordinator_makes_it_lead_only(app_ctx):
    office, units = demo_district()
    _intake, _header, drafts = _start(office)
    nv_led = dataclasses.replace(drafts[2], key="dx", leads=[f"unit:{units['NV'].id}"])
    merged = merge_drafts([drafts[0], nv_led], ["d1", "dx"])
    assert merged[0].coordinating_unit_ids == []


def test_merge_needs_two_drafts(app_ctx):
    office, _units = demo_district()
    _intake, _header, drafts = _start(office)
    with pytest.raises(ValidationError, match="ít nhất hai mục"):
        merge_drafts(drafts, ["d2"])


def test_a_merged_draft_confirms_as_one_task_per_lead(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    merged = merge_drafts(_ready(drafts, units), ["d1", "d4"])
    confirmed = confirm_intake(intake, office, header, merged)
    legal, market = _tasks_by_lead(confirmed.directive)["TP"][0], _tasks_by_lead(confirmed.directive)["KTHT"][0]
    assert legal.content == market.content == f"{drafts[0].content}\n{drafts[3].content}"
    assert [u.code for u in legal.coordinating_units] == ["NV"]


# -- the seed the issue names ----------------------------------------------------------------------------


@needs_seed_002
def test_seed_002_confirmed_with_the_demo_districts_units(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office, SEED_002.read_text(encoding="utf-8"))
    assert header.number == "/UBND-TTHC"  # the seed is the unsigned draft: no number, no day
    assert header.issued_on is None
    unmatched = [draft for draft in drafts if not draft.leads]
    assert [draft.unmatched for draft in unmatched] == [
        ["Cơ quan Thường trực Tổ công tác Đề án 06 huyện"], ["Tổ công nghệ số cộng đồng huyện"]]
    header = dataclasses.replace(header, number="35/UBND-TTHC", issued_on=dt.date(2024, 1, 10))
    drafts = [dataclasses.replace(d, leads=[f"unit:{units['VHTT'].id}"]) if not d.leads else d for d in drafts]

    confirmed = confirm_intake(intake, office, header, drafts)

    by_lead = _tasks_by_lead(confirmed.directive)
    digital = [t for t in by_lead["VHTT"] if "chuyển đổi số" in t.content and t.deadline_period == "2024-Q1"]
    assert len(digital) == 1
    weekly = [t for tasks in by_lead.values() for t in tasks if t.recurrence == "weekly:fri"]
    assert [t.lead_unit.code for t in weekly] == ["VP"]


# -- directives in other shapes, through the services -------------------------------------------------


def test_a_carelessly_typed_letter_gets_the_districts_units_and_confirms(app_ctx):
    office, units = demo_district()
    text = (OTHER_SHAPES / "cong_van_go_voi.txt").read_text(encoding="utf-8")
    intake, header, drafts = _start(office, text)
    # "phòng Nội vụ", "P.TC-KH", "ubnd các xã", "VP HĐND&UBND", "phòng TN&MT ... với P.KT&HT" as the
    # district records them, with nothing left for the clerk to pick
    assert [(d.section, d.leads, d.coordinating_unit_ids, d.unmatched) for d in drafts] == [
        ("1", [f"unit:{units['NV'].id}"], [units["VP"].id], []),
        ("2", [f"unit:{units['TCKH'].id}"], [], []),
        ("3", ["kind:commune"], [], []),
        ("4", [f"unit:{units['VP'].id}"], [], []),
        ("5", [f"unit:{units['TNMT'].id}"], [units["KTHT"].id], []),
    ]
    confirmed = confirm_intake(intake, office, header, drafts)
    db.session.commit()
    by_lead = _tasks_by_lead(confirmed.directive)
    assert [task.deadline for task in by_lead["NV"]] == [dt.date(2024, 9, 30)]
    assert [task.deadline_period for task in by_lead["TCKH"]] == ["2024-Q4"]
    communes = [unit for unit in units.values() if unit.kind == "commune"]
    assert sum(task.recurrence == "monthly" for tasks in by_lead.values() for task in tasks) == len(communes)


def test_a_decisions_targets_per_kind_of_unit_give_each_unit_its_task(app_ctx):
    office, units = demo_district()
    text = (OTHER_SHAPES / "quyet_dinh_giao_chi_tieu.txt").read_text(encoding="utf-8")
    intake, header, drafts = _start(office, text)
    rows = [d for d in drafts if d.section.startswith("Phụ lục")]
    assert [(d.leads, d.deadline_kind, d.recurrence, d.period) for d in rows] == [
        (["kind:department", "kind:commune"], "recurring", "monthly", ""),
        (["kind:department", "kind:commune"], "date", "", ""),
        (["kind:department", "kind:commune"], "period", "", "2025-Q4"),
        (["kind:department", "kind:commune"], "recurring", "monthly", ""),
    ]
    assert rows[0].kpis == [
        "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn: Tối thiểu 98%",
        "Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn: Tối thiểu 95%",
    ]
    confirmed = confirm_intake(intake, office, header, rows)
    db.session.commit()
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == confirmed.directive.id)).all()
    on_time = [task for task in tasks if task.content.startswith("Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng")]
    assert sorted(task.lead_unit_id for task in on_time) == sorted(
        unit.id for unit in units.values() if unit.kind in ("department", "commune")
    )


def test_units_joined_under_one_head_noun_each_lead_and_confirm_as_a_task_each(app_ctx):
    office, units = demo_district()
    text = ("ỦY BAN NHÂN DÂN HUYỆN THỬ NGHIỆM\nSố: 121/UBND-VP\nThử Nghiệm, ngày 02 tháng 3 năm 2026\n"
            "V/v rà soát thủ tục hành chính\n\n"
            "1. Các phòng Nội vụ và Tư pháp rà soát thủ tục hành chính thuộc lĩnh vực quản lý, "
            "hoàn thành trước ngày 30/3/2026.\n")
    intake, header, drafts = _start(office, text)
    assert header.subject == "rà soát thủ tục hành chính"
    [draft] = drafts
    assert (draft.leads, draft.unmatched) == ([f"unit:{units['NV'].id}", f"unit:{units['TP'].id}"], [])
    confirmed = confirm_intake(intake, office, header, drafts)
    db.session.commit()
    assert sorted(task.lead_unit.code for task in confirmed.tasks) == ["NV", "TP"]


def test_a_confirmation_of_the_day_is_undone_and_the_draft_opens_again(app_ctx):
    office, units = demo_district()
    intake, header, drafts = _start(office)
    confirmed = confirm_intake(intake, office, header, _ready(drafts, units))
    directive_id, task_ids = confirmed.directive.id, [task.id for task in confirmed.tasks]
    db.session.commit()
    with pytest.raises(ValidationError):
        undo_confirmation(intake, office, note="")

    undo_confirmation(intake, office, note="Xác nhận nhầm văn bản")
    db.session.commit()

    assert db.session.get(Directive, directive_id) is None
    assert db.session.scalar(sa.select(sa.func.count()).where(Task.id.in_(task_ids))) == 0
    assert intake.directive_id is None
    save_intake(intake, office, header, drafts)  # open again
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "intake_undo"))
    assert (event.entity_id, event.note) == (directive_id, "Xác nhận nhầm văn bản")
    deleted = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "delete"))
    assert deleted == len(task_ids)


def test_confirming_sets_the_targets_read_per_kind_and_links_them_to_the_tasks(app_ctx):
    """An appendix row for departments and communes together: one task group per kind, and each kind's
    figure a KPI target of that kind, linked to a task of its group and to the directive."""
    office, _units = demo_district()
    text = (OTHER_SHAPES / "quyet_dinh_giao_chi_tieu.txt").read_text(encoding="utf-8")
    intake, header, drafts = _start(office, text)
    rows = [d for d in drafts if d.section.startswith("Phụ lục")]
    kpis_before = _count(Kpi)
    confirmed = confirm_intake(intake, office, header, rows)
    db.session.commit()
    targets = db.session.scalars(
        sa.select(KpiTarget).where(KpiTarget.directive_id == confirmed.directive.id).order_by(KpiTarget.id)
    ).all()
    year = str(confirmed.directive.issued_on.year)
    assert [(t.unit_kind, t.target_value, t.kpi.direction, t.period_kind) for t in targets] == [
        ("department", 98, "at_least", "year"), ("commune", 95, "at_least", "year"),
        ("department", 100, "at_least", "year"), ("commune", 100, "at_least", "year"),
        ("department", 60, "at_least", "quarter"), ("commune", 40, "at_least", "quarter"),
        ("department", 2, "at_most", "year"), ("commune", 5, "at_most", "year"),
    ]  # fmt: skip
    assert targets[0].period_start.year == int(year)
    assert (targets[4].period_start, targets[4].period_end) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    for target in targets:
        task = db.session.get(Task, target.task_id)
        assert task.directive_id == confirmed.directive.id
        assert task.lead_unit.kind == target.unit_kind  # the target's task is one of its kind's group
    # each row's figures are one KPI: the catalogue's where its name is in the row's words, else a new one
    # named after the row and citing the directive
    by_row = [targets[i].kpi for i in range(0, 8, 2)]
    assert [targets[i + 1].kpi_id for i in range(0, 8, 2)] == [kpi.id for kpi in by_row]
    assert len({kpi.id for kpi in by_row}) == 4
    new = [kpi for kpi in by_row if kpi.code.startswith(f"VB{confirmed.directive.id}-")]
    assert _count(Kpi) == kpis_before + len(new)
    assert all(confirmed.directive.number in kpi.description for kpi in new)
    # both kinds got their tasks: the row addressed departments and communes together
    kinds = {task.lead_unit.kind for task in confirmed.tasks if task.content.startswith("Tỷ lệ hồ sơ thủ tục")}
    assert kinds == {"department", "commune"}


def test_a_figure_of_a_catalogue_kpi_becomes_its_target(app_ctx):
    office, _units = demo_district()
    kpi = create_kpi(office, code="TTHC-DH", name="Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn",
                     measure="percent", formula="value", direction="at_least")  # fmt: skip
    text = (OTHER_SHAPES / "quyet_dinh_giao_chi_tieu.txt").read_text(encoding="utf-8")
    intake, header, drafts = _start(office, text)
    first = next(d for d in drafts if d.section == "Phụ lục.1")
    confirmed = confirm_intake(intake, office, header, [first])
    db.session.commit()
    targets = db.session.scalars(sa.select(KpiTarget).where(KpiTarget.kpi_id == kpi.id)).all()
    assert sorted((t.unit_kind, t.target_value) for t in targets) == [("commune", 95), ("department", 98)]
    assert {t.directive_id for t in targets} == {confirmed.directive.id}


def test_an_unreadable_figure_refuses_the_draft_and_writes_nothing(app_ctx):
    office, _units = demo_district()
    text = (OTHER_SHAPES / "quyet_dinh_giao_chi_tieu.txt").read_text(encoding="utf-8")
    intake, header, drafts = _start(office, text)
    first = next(d for d in drafts if d.section == "Phụ lục.1")
    broken = dataclasses.replace(first, targets=[{**first.targets[0], "value": 140}])  # a rate above 100%
    db.session.commit()
    before = (_count(Directive), _count(Kpi), _count(KpiTarget), _count(Task))
    with pytest.raises(ValidationError) as caught:
        confirm_intake(intake, office, header, [broken])
    assert any(name.startswith(f"drafts.{first.key}") for name in caught.value.fields)
    db.session.commit()  # a commit after the refusal writes nothing
    assert (_count(Directive), _count(Kpi), _count(KpiTarget), _count(Task)) == before


def test_villages_named_as_a_group_are_the_communes_villages(app_ctx):
    """"Đề nghị các tổ dân phố …" (p08 of the development set): every village unit, one task each."""
    office, units = demo_district()
    parent = next(unit for unit in units.values() if unit.kind == "commune")
    for number in (1, 2):
        db.session.add(Unit(code=f"TDP{number}", name=f"Tổ dân phố {number}", name_folded=f"to dan pho {number}",
                            kind="village", parent_id=parent.id))  # fmt: skip
    db.session.flush()
    text = (Path(__file__).parent / "corpus" / "p08_phucla_tb_thao_bang_ron_2019.txt").read_text(encoding="utf-8")
    intake, header, drafts = _start(office, text)
    first = drafts[0]
    assert (first.leads, first.unmatched) == (["kind:village"], [])
    header = dataclasses.replace(header, number="15/TB-UBND", issued_on=dt.date(2019, 9, 3),
                                 issuer="UBND phường Phúc La", subject="Hết thời gian treo băng rôn")  # fmt: skip
    confirmed = confirm_intake(intake, office, header, [first])
    assert sorted(task.lead_unit.code for task in confirmed.tasks) == ["TDP1", "TDP2"]


def test_a_request_to_departments_and_communes_together_gives_a_task_group_per_kind(app_ctx):
    """A province's request of the development set (q07: "giám đốc các sở, ban, ngành và chủ tịch UBND các
    huyện, thị xã, thành phố ... trước ngày 20.7.2020"): one draft, confirmed as one task per department and
    per commune, each group of its kind, all due that day."""
    office, units = demo_district()
    text = (Path(__file__).parent / "corpus" / "q07_quangnam_nhiem_vu_qua_han_2020.txt").read_text(encoding="utf-8")
    intake, header, drafts = _start(office, text)
    [draft] = drafts
    assert (draft.leads, draft.unmatched) == (["kind:department", "kind:commune"], [])
    header = dataclasses.replace(header, number="1234/UBND-KSTT", issued_on=dt.date(2020, 7, 8),
                                 issuer="UBND tỉnh Quảng Nam", subject="Xử lý dứt điểm các nhiệm vụ quá hạn")
    confirmed = confirm_intake(intake, office, header, drafts)
    db.session.commit()
    tasks = db.session.scalars(sa.select(Task).where(Task.directive_id == confirmed.directive.id)).all()
    expected = sorted(unit.id for unit in units.values() if unit.kind in ("department", "commune"))
    assert sorted(task.lead_unit_id for task in tasks) == expected
    assert {task.deadline for task in tasks} == {dt.date(2020, 7, 20)}
    groups = {task.group_id for task in tasks}
    kinds_by_group = {gid: {t.lead_unit.kind for t in tasks if t.group_id == gid} for gid in groups}
    assert sorted(map(sorted, kinds_by_group.values())) == [["commune"], ["department"]]
