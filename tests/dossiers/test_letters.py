"""Apology letters: recording before or after the due day, validation, the daily scan, the printed form."""

from __future__ import annotations

import io

import docx
import pytest
import sqlalchemy as sa

from kpi_tasks.dossiers.letters import letter_context, letter_docx
from kpi_tasks.dossiers.models import ISSUED, LATE, PENDING, ApologyLetter
from kpi_tasks.dossiers.services import create_apology_obligations, record_apology_letter
from kpi_tasks.errors import ConflictError, PermissionDenied, ValidationError
from kpi_tasks.extensions import db
from kpi_tasks.notifications.models import APOLOGY_DUE, Notification
from kpi_tasks.notifications.services import apology_scan_step
from tests.dossiers.helpers import TODAY, D, make_dossier, make_units
from tests.factories import make_identity, make_user


def _letter(dossier) -> ApologyLetter:
    return db.session.scalar(sa.select(ApologyLetter).where(ApologyLetter.dossier_id == dossier.id))


@pytest.fixture
def late(app_ctx):
    tp, bt = make_units()
    dossier = make_dossier(tp, "HS-1", D(2026, 3, 2), D(2026, 3, 10), applicant="Trần Thị Bình",
                           procedure="Đăng ký khai sinh")
    return tp, bt, dossier, _letter(dossier)


def test_recording_on_or_before_the_due_day_is_issued_and_after_it_late(late):
    tp, _, _dossier, letter = late
    manager = make_user("unit_manager", tp)
    assert (letter.status, letter.due_by) == (PENDING, D(2026, 3, 10))

    record_apology_letter(letter, manager, issued_on=D(2026, 3, 10), new_appointment_on=D(2026, 3, 20),
                          reason="Phải xác minh thông tin tại địa phương khác.", today=TODAY)
    assert letter.status == ISSUED

    other = _letter(make_dossier(tp, "HS-2", D(2026, 3, 2), D(2026, 3, 10)))
    record_apology_letter(other, manager, issued_on=D(2026, 3, 11), new_appointment_on=D(2026, 3, 20),
                          reason="Hồ sơ chờ ý kiến cơ quan phối hợp.", today=TODAY)
    assert other.status == LATE
    assert other.recorded_by_id == manager.id


def test_only_the_handling_unit_or_the_office_records(late):
    tp, bt, _, letter = late
    values = {"issued_on": D(2026, 3, 11), "new_appointment_on": D(2026, 3, 20), "reason": "Lý do"}
    for user in (make_user("unit_manager", bt), make_user("leader"), make_user("viewer")):
        with pytest.raises(PermissionDenied):
            record_apology_letter(letter, user, **values)
    record_apology_letter(letter, make_user("unit_staff", tp), **values)
    record_apology_letter(letter, make_user("office"), **{**values, "reason": "Sửa lý do"})
    assert letter.reason == "Sửa lý do"


def test_letter_values_are_checked(late):
    tp, _, _dossier, letter = late
    manager = make_user("unit_manager", tp)
    with pytest.raises(ValidationError) as caught:
        record_apology_letter(letter, manager, issued_on=D(2026, 3, 17), new_appointment_on=D(2026, 3, 9),
                              reason=" ", today=TODAY)
    assert set(caught.value.fields) == {"issued_on", "new_appointment_on", "reason"}
    assert letter.status == PENDING
    with pytest.raises(ConflictError):
        record_apology_letter(letter, manager, issued_on=D(2026, 3, 11), new_appointment_on=D(2026, 3, 20),
                              reason="Lý do", expected_version=letter.version + 1)


def test_obligations_are_created_once(late):
    tp, _, _, _ = late
    assert create_apology_obligations(TODAY) == 0
    make_dossier(tp, "HS-3", D(2026, 3, 2), D(2026, 3, 20))  # due later: not late yet
    assert create_apology_obligations(D(2026, 3, 20)) == 0
    assert create_apology_obligations(D(2026, 3, 23)) == 1
    assert create_apology_obligations(D(2026, 3, 23)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApologyLetter)) == 2


def test_scan_step_creates_obligations_and_reminds_the_unit_then_the_office(app, late, monkeypatch):
    tp, _, _, letter = late
    manager, office = make_user("unit_manager", tp), make_user("office")
    make_dossier(tp, "HS-4", D(2026, 3, 2), D(2026, 3, 12))
    monkeypatch.setitem(app.config, "ESCALATE_AFTER_WORKING_DAYS", 5)

    first = apology_scan_step(TODAY)
    again = apology_scan_step(TODAY)

    assert first == {"phiếu xin lỗi mới phải gửi": 0, "nhắc gửi phiếu xin lỗi": 2}
    assert again["nhắc gửi phiếu xin lỗi"] == 0
    notified = db.session.execute(sa.select(Notification.recipient_id, Notification.kind)).all()
    assert sorted(notified) == [(manager.id, APOLOGY_DUE), (manager.id, APOLOGY_DUE)]
    # On 19/03 HS-1 (due 10/03) is unsent more than five working days: the office hears of it; HS-4 (due
    # 12/03) is exactly five days late and stays with its unit.
    apology_scan_step(D(2026, 3, 19))
    assert db.session.scalars(sa.select(Notification.deadline).where(Notification.recipient_id == office.id)
                              ).all() == [D(2026, 3, 10)]
    assert letter.status == PENDING


def test_printed_letter_follows_form_no_04(app, late):
    tp, _, _dossier, letter = late
    record_apology_letter(letter, make_user("unit_manager", tp), issued_on=D(2026, 3, 11),
                          new_appointment_on=D(2026, 3, 20), reason="Chờ kết quả xác minh.", signer="Lê Văn Cường",
                          today=TODAY)
    content = letter_context(letter, make_identity())
    assert content["header"]["place_date"] == "Gia Lai, ngày 11 tháng 3 năm 2026"
    assert content["addressee"] == "Trần Thị Bình"
    text = " ".join(content["paragraphs"])
    for part in ("HS-1", "“Đăng ký khai sinh”", "10/03/2026", "Lý do chậm trễ: Chờ kết quả xác minh.",
                 "ngày 20 tháng 3 năm 2026"):
        assert part in text

    document = docx.Document(io.BytesIO(letter_docx(letter, make_identity())))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = [[p.text for p in cell.paragraphs] for table in document.tables for cell in table._cells]
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in body
    assert "Kính gửi: Trần Thị Bình." in body
    assert "Lý do chậm trễ: Chờ kết quả xác minh." in body
    # Form 04: the governing body above the unit that handled the dossier, "Nơi nhận", the signer's name.
    assert cells[0][:2] == ["UBND TỈNH GIA LAI", "PHÒNG TƯ PHÁP"]
    assert cells[1][:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert ["Nơi nhận:", "- Như trên;", "- Lưu: VT."] in cells
    assert [text for text in cells[-1] if text] == ["TRƯỞNG PHÒNG", "Lê Văn Cường"]


def test_the_daily_scan_creates_the_obligations_of_dossiers_gone_late(app_ctx):
    from kpi_tasks.dossiers.models import Dossier
    from kpi_tasks.notifications.services import scan

    tp, _ = make_units()
    make_user("unit_manager", tp)
    dossier = Dossier(code="HS-5", unit_id=tp.id, received_on=D(2026, 3, 2), due_on=D(2026, 3, 18),
                      effective_due_on=D(2026, 3, 18))
    db.session.add(dossier)
    db.session.flush()

    assert scan(TODAY).extra["phiếu xin lỗi mới phải gửi"] == 0
    later = scan(D(2026, 3, 19))
    assert later.extra["phiếu xin lỗi mới phải gửi"] == 1
    assert later.extra["nhắc gửi phiếu xin lỗi"] == 1
    assert scan(D(2026, 3, 19)).extra == {**later.extra, "phiếu xin lỗi mới phải gửi": 0, "nhắc gửi phiếu xin lỗi": 0}
    assert _letter(dossier).due_by == D(2026, 3, 18)
