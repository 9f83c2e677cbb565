"""The import of dossier-system exports: column matching, late detection, obligations, all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.dossiers import importing
from kpi_tasks.dossiers.models import ISSUED, LATE, PENDING, ApologyLetter, Dossier
from kpi_tasks.dossiers.services import import_dossiers
from kpi_tasks.errors import PermissionDenied
from kpi_tasks.extensions import db
from tests.dossiers.helpers import D, make_units, row, standard_rows, write_csv, write_xlsx
from tests.factories import make_user


def _obligations() -> dict[str, tuple[str, dt.date, str, int]]:
    rows = db.session.execute(
        sa.select(Dossier.code, ApologyLetter.unit_id, ApologyLetter.due_by, ApologyLetter.status, ApologyLetter.id)
        .join(Dossier, Dossier.id == ApologyLetter.dossier_id)
    )
    return {code: (unit_id, due_by, status, letter_id) for code, unit_id, due_by, status, letter_id in rows}


def _dossiers() -> dict[str, tuple]:
    table = Dossier.__table__
    return {r.code: tuple(r) for r in db.session.execute(sa.select(table).order_by(table.c.code))}


@pytest.mark.parametrize("writer", [write_xlsx, write_csv], ids=["xlsx", "csv"])
def test_file_yields_exactly_the_obligations_of_late_dossiers_and_reimport_changes_nothing(app_ctx, tmp_path, writer):
    tp, bt = make_units()
    office = make_user("office")
    path = writer(tmp_path / ("ho-so.xlsx" if writer is write_xlsx else "ho-so.csv"), standard_rows())

    first = import_dossiers(path, office, file_name=path.name)
    db.session.commit()

    assert (first.imported, first.created, first.updated, first.unchanged) == (7, 7, 0, 0)
    assert first.obligations_created == 3
    assert _obligations().keys() == {"TP-LATE", "TP-OVERDUE", "BT-LATE"}
    obligations = _obligations()
    assert obligations["TP-LATE"][:3] == (tp.id, D(2026, 2, 5), PENDING)
    assert obligations["TP-OVERDUE"][:3] == (tp.id, D(2026, 3, 10), PENDING)
    assert obligations["BT-LATE"][:3] == (bt.id, D(2026, 2, 6), PENDING)
    weekend = db.session.scalar(sa.select(Dossier).where(Dossier.code == "TP-WEEKEND"))
    assert (weekend.due_on, weekend.effective_due_on) == (D(2026, 3, 14), D(2026, 3, 16))
    before = (_dossiers(), obligations)

    again = import_dossiers(path, office, file_name=path.name)
    db.session.commit()

    assert (again.imported, again.created, again.updated, again.unchanged) == (7, 0, 0, 7)
    assert again.obligations_created == 0
    assert (_dossiers(), _obligations()) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 7


def test_reimport_of_a_corrected_dossier_updates_it_and_its_pending_obligation(app_ctx, tmp_path):
    _tp, bt = make_units()
    office = make_user("office")
    import_dossiers(write_csv(tmp_path / "a.csv", standard_rows()), office, file_name="a.csv")
    corrected = standard_rows()
    corrected[2] = row("TP-OVERDUE", "BT", D(2026, 3, 2), D(2026, 3, 11))  # moved to BT, due a day later
    corrected[1] = row("TP-LATE", "TP", D(2026, 2, 2), D(2026, 2, 5), D(2026, 2, 5))  # in fact on time

    outcome = import_dossiers(write_csv(tmp_path / "b.csv", corrected), office, file_name="b.csv")

    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 2, 5)
    obligations = _obligations()
    assert "TP-LATE" not in obligations
    assert obligations["TP-OVERDUE"][:3] == (bt.id, D(2026, 3, 11), PENDING)


def test_letter_dates_in_the_export_record_the_letter(app_ctx, tmp_path):
    make_units()
    headers = ["Mã hồ sơ", "Đơn vị xử lý", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày trả kết quả",
               "Ngày gửi phiếu xin lỗi", "Ngày hẹn lại"]
    rows = [
        {**row("ON-DAY", "TP", D(2026, 2, 2), D(2026, 2, 5), D(2026, 2, 12)),
         "Ngày gửi phiếu xin lỗi": D(2026, 2, 5), "Ngày hẹn lại": D(2026, 2, 12)},
        {**row("AFTER", "TP", D(2026, 2, 2), D(2026, 2, 5), D(2026, 2, 12)),
         "Ngày gửi phiếu xin lỗi": D(2026, 2, 9), "Ngày hẹn lại": D(2026, 2, 12)},
    ]
    import_dossiers(write_xlsx(tmp_path / "l.xlsx", rows, headers), SYSTEM, file_name="l.xlsx")

    letters = {letter.dossier.code: letter for letter in db.session.scalars(sa.select(ApologyLetter))}
    assert (letters["ON-DAY"].status, letters["ON-DAY"].issued_on) == (ISSUED, D(2026, 2, 5))
    assert (letters["AFTER"].status, letters["AFTER"].new_appointment_on) == (LATE, D(2026, 2, 12))


def test_letters_due_n_working_days_before_the_due_date_when_configured(app, app_ctx, tmp_path, monkeypatch):
    make_units()
    monkeypatch.setitem(app.config, "APOLOGY_LETTER_DAYS_BEFORE_DUE", 1)
    import_dossiers(write_csv(tmp_path / "a.csv", standard_rows()), SYSTEM, file_name="a.csv")

    obligations = _obligations()
    assert obligations["TP-OVERDUE"][1] == D(2026, 3, 9)  # Tuesday 10/03 → Monday 09/03
    assert obligations["TP-LATE"][1] == D(2026, 2, 4)


def test_bad_file_is_refused_whole_with_every_row_explained(app_ctx, tmp_path):
    make_units()
    rows = [
        row("OK-1", "TP", D(2026, 2, 2), D(2026, 2, 10), D(2026, 2, 9)),
        row("BAD-UNIT", "Phòng Không Có", D(2026, 2, 2), D(2026, 2, 10)),
        row("BAD-DATE", "TP", D(2026, 2, 2), D(2026, 2, 10)) | {"Ngày hẹn trả": "31/02/2026"},
        row("OK-1", "TP", D(2026, 2, 3), D(2026, 2, 11)),
        row("OK-2", "TP", D(2026, 2, 2), D(2026, 2, 10), channel="Fax"),
    ]
    path = write_csv(tmp_path / "bad.csv", rows)

    with pytest.raises(importing.DossierImportRejected) as caught:
        import_dossiers(path, SYSTEM, file_name="bad.csv")

    rejected = {item.row: item.message for item in caught.value.rejected}
    assert sorted(rejected) == [3, 4, 5, 6]  # CSV rows: header on 1, data from 2
    assert "không tìm thấy đơn vị xử lý “Phòng Không Có”" in rejected[3]
    assert "ngày hẹn trả “31/02/2026” không phải là ngày hợp lệ" in rejected[4]
    assert "mã hồ sơ “OK-1” trùng với dòng 2" in rejected[5]
    assert "“Fax” không phải hình thức nộp đã biết" in rejected[6]
    assert all(message.startswith(f"Dòng {number} ") for number, message in rejected.items())
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 0


def test_every_problem_of_a_row_is_named(app_ctx, tmp_path):
    make_units()
    rows = [row("", "", "hôm qua", D(2026, 2, 1), D(2026, 4, 1), paid="chắc")]
    with pytest.raises(importing.DossierImportRejected) as caught:
        import_dossiers(write_csv(tmp_path / "x.csv", rows), SYSTEM, file_name="x.csv")
    message = caught.value.rejected[0].message
    for part in ("thiếu mã hồ sơ", "thiếu đơn vị xử lý", "ngày tiếp nhận “hôm qua” không phải là ngày hợp lệ",
                 "ngày trả kết quả 01/04/2026 sau ngày hôm nay", "thanh toán trực tuyến “chắc” không phải Có/Không"):
        assert part in message


def test_missing_columns_are_named(app_ctx, tmp_path):
    make_units()
    path = write_csv(tmp_path / "x.csv", [row("A", "TP", D(2026, 2, 2), D(2026, 2, 10))],
                     headers=["Mã hồ sơ", "Đơn vị xử lý", "Ngày tiếp nhận"])
    with pytest.raises(importing.DossierImportRejected) as caught:
        import_dossiers(path, SYSTEM, file_name="x.csv")
    assert [item.row for item in caught.value.rejected] == [1]
    assert caught.value.rejected[0].message == "Tệp thiếu cột bắt buộc: Ngày hẹn trả."


def test_header_variants_accents_case_order_and_a_title_block(app_ctx, tmp_path):
    _tp, bt = make_units()
    headers = ["SO HO SO", "Hạn xử lý (dd/mm/yyyy)", "cơ quan giải quyết", "Ngày nhận hồ sơ", "Ngày hoàn thành",
               "Kênh", "Đã số hoá", "TT trực tuyến", "Tên thủ tục hành chính", "Ghi chú"]
    data = [{"SO HO SO": "V-1", "Hạn xử lý (dd/mm/yyyy)": "10/02/2026 17:00",
             "cơ quan giải quyết": "ubnd XA binh thanh",
             "Ngày nhận hồ sơ": "2026-02-02", "Ngày hoàn thành": "12/02/2026", "Kênh": "Nộp trực tuyến toàn trình",
             "Đã số hoá": "x", "TT trực tuyến": "Chưa thanh toán", "Tên thủ tục hành chính": "Đăng ký khai sinh",
             "Ghi chú": "bỏ qua"}]
    path = write_xlsx(tmp_path / "v.xlsx", data, headers)

    mapping = importing.preview(path, "xlsx").mapping
    assert mapping.header_row == 4
    assert mapping.ignored == ["Ghi chú"]
    import_dossiers(path, SYSTEM, file_name="v.xlsx")

    dossier = db.session.scalar(sa.select(Dossier))
    assert (dossier.code, dossier.unit_id, dossier.received_on, dossier.due_on, dossier.resolved_on) == (
        "V-1", bt.id, D(2026, 2, 2), D(2026, 2, 10), D(2026, 2, 12))
    assert (dossier.channel, dossier.digitised, dossier.paid_online, dossier.procedure) == (
        "online", True, False, "Đăng ký khai sinh")


def test_semicolon_csv_in_the_windows_vietnamese_code_page(app_ctx, tmp_path):
    make_units()
    path = write_csv(tmp_path / "w.csv", standard_rows(), delimiter=";", encoding="cp1258")
    outcome = import_dossiers(path, SYSTEM, file_name="w.csv")
    assert outcome.imported == 7
    assert db.session.scalar(sa.select(Dossier.procedure).limit(1)) == "Chứng thực bản sao từ bản chính"


def test_a_few_thousand_generated_rows_import_in_one_go(app_ctx, tmp_path):
    _tp, _bt = make_units()
    rows = []
    for n in range(3000):
        received = D(2026, 1, 5) + dt.timedelta(days=n % 50)
        due = received + dt.timedelta(days=7)
        resolved = due + dt.timedelta(days=(n % 5) - 3) if n % 7 else None
        rows.append(row(f"G-{n:05d}", "TP" if n % 2 else "BT", received, due, resolved))
    path = write_csv(tmp_path / "g.csv", rows)

    outcome = import_dossiers(path, SYSTEM, file_name="g.csv")

    assert (outcome.imported, outcome.created) == (3000, 3000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 3000
    assert outcome.obligations_created == db.session.scalar(sa.select(sa.func.count()).select_from(ApologyLetter))
    assert outcome.obligations_created > 0


def test_only_the_office_imports(app_ctx, tmp_path):
    tp, _ = make_units()
    with pytest.raises(PermissionDenied):
        import_dossiers(write_csv(tmp_path / "a.csv", standard_rows()), make_user("unit_manager", tp),
                        file_name="a.csv")


def test_non_export_files_are_refused(app_ctx, tmp_path):
    make_units()
    old_excel = tmp_path / "cu.xls"
    old_excel.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    with pytest.raises(importing.DossierImportRejected) as caught:
        import_dossiers(old_excel, SYSTEM, file_name="cu.xls")
    assert ".xlsx" in caught.value.rejected[0].message
    text = tmp_path / "ghi-chu.csv"
    text.write_text("Một tệp không phải danh sách hồ sơ\nchỉ có chữ\n", encoding="utf-8")
    with pytest.raises(importing.DossierImportRejected) as caught:
        import_dossiers(text, SYSTEM, file_name="ghi-chu.csv")
    assert "Không tìm thấy dòng tiêu đề" in caught.value.rejected[0].message


def test_console_command_imports_or_lists_every_bad_row(app, app_ctx, tmp_path):
    make_units()
    db.session.commit()
    runner = app.test_cli_runner()
    good = runner.invoke(args=["import-dossiers", str(write_csv(tmp_path / "a.csv", standard_rows()))])
    assert good.exit_code == 0, good.output
    assert "Đã nhập 7 hồ sơ: 7 mới" in good.stdout
    bad = runner.invoke(args=["import-dossiers", str(write_csv(tmp_path / "b.csv", [
        *standard_rows(), row("Z-1", "??", D(2026, 2, 2), D(2026, 2, 9))]))])
    assert bad.exit_code == 1
    assert "Dòng 9 (hồ sơ Z-1): không tìm thấy đơn vị xử lý “??”" in bad.stderr
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Dossier)) == 7
