"""A province whose documents run over several pages: the reports' scenario (tests/reports/scenario.py) plus
many departments and communes with overdue and completed tasks, a unit with a long list of overdue tasks, and
late dossiers in February and March (one with its apology letter recorded), targets given to both kinds of unit
and a progress table. Every document of the product, Word and Excel, is made from it."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import sqlalchemy as sa

from kpi_tasks.documents.identity import Identity
from kpi_tasks.dossiers.exports import export_late_dossiers, write_letter_register, write_repeat_offenders
from kpi_tasks.dossiers.letters import letter_docx
from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.dossiers.queries import repeat_offenders
from kpi_tasks.dossiers.services import record_apology_letter
from kpi_tasks.extensions import db
from kpi_tasks.kpis.appendix import write_targets_appendix
from kpi_tasks.kpis.excel import measurement_template, progress_workbook
from kpi_tasks.kpis.queries import progress
from kpi_tasks.kpis.services import set_target
from kpi_tasks.milestones.excel import milestones_workbook
from kpi_tasks.milestones.queries import task_milestones
from kpi_tasks.milestones.services import add_milestone
from kpi_tasks.reports.docx import write_monthly_docx
from kpi_tasks.reports.excel import export_task_list, write_monthly_workbook, write_unit_stats
from kpi_tasks.reports.queries import ReportFilters, make_period, monthly_report, parse_month, rank_units
from kpi_tasks.reports.unit_report import unit_report, write_unit_docx
from kpi_tasks.scoring.appendix import write_appendix_docx
from kpi_tasks.scoring.excel import scoring_workbook
from kpi_tasks.scoring.services import compute_draft
from kpi_tasks.tasks.queries import TaskFilters, unit_stats
from kpi_tasks.units.services import list_units
from tests.dossiers.helpers import make_dossier
from tests.factories import make_identity, make_unit, make_user
from tests.reports.scenario import MARCH, District, build_district, d

TODAY = dt.date(2026, 3, 16)
LONG_TITLE = "Rà soát, số hóa và cập nhật kết quả giải quyết hồ sơ thủ tục hành chính đợt {n} trên Hệ thống"


@dataclass
class Province:
    district: District
    identity: Identity
    letter: ApologyLetter


def build_province(departments: int = 36, communes: int = 24, overdue_of_justice: int = 30,
                   late_dossiers: int = 50) -> Province:
    district = build_district()
    for n in range(1, departments + communes + 1):
        kind = "department" if n <= departments else "commune"
        unit = make_unit(f"Sở thử nghiệm số {n}" if kind == "department" else f"UBND xã Thử Nghiệm {n}", kind)
        district.task(f"late{n}", unit, d(3, 2 + n % 10), title=LONG_TITLE.format(n=n))
        if n % 3:
            district.task(f"done{n}", unit, d(3, 12), title=f"Báo cáo chuyên đề số {n}")
            district.report_done(f"done{n}", d(3, 11))
    for n in range(1, overdue_of_justice + 1):
        district.task(f"justice{n}", district.justice, d(3, 1 + n % 12), title=LONG_TITLE.format(n=100 + n))
    finance = make_unit("Sở Tài chính", code="STC")
    for n in range(1, late_dossiers + 1):
        unit = finance if n % 2 else district.commune
        month = 3 if n % 4 in (1, 2) else 2  # both units late in February and March
        make_dossier(unit, f"000.00.12.H21-26{month:02d}{n:02d}-{n:04d}", dt.date(2026, month, 2),
                     dt.date(2026, month, 3 + n % 12), applicant=f"Ông Nguyễn Văn Số {n}",
                     procedure="Cấp Giấy chứng nhận quyền sử dụng đất lần đầu")
    office = district.office
    set_target(district.kpi, office, period="2026", unit_kind="commune", target_value=70)
    task = district.tasks["justice1"]
    manager = district.manager(district.justice)
    for month in range(1, 4):
        add_milestone(task, manager, step=f"Rà soát hồ sơ đợt {month}", due_on=dt.date(2026, month, 20),
                      done_on=dt.date(2026, month, 18) if month < 3 else None)
    dossier = make_dossier(finance, "000.00.12.H21-260302-0007", dt.date(2026, 3, 2), dt.date(2026, 3, 10),
                           applicant="Bà Trần Thị Bình", procedure="Cấp Giấy chứng nhận đăng ký hộ kinh doanh")
    letter = db.session.scalar(sa.select(ApologyLetter).where(ApologyLetter.dossier_id == dossier.id))
    record_apology_letter(letter, make_user("unit_manager", finance), issued_on=TODAY,
                          new_appointment_on=dt.date(2026, 3, 20), signer="Lê Văn Cường", today=TODAY,
                          reason="Hồ sơ phải lấy ý kiến của cơ quan thuế về nghĩa vụ tài chính.")
    return Province(district, make_identity(), letter)


def _bytes(write: Callable[[IO[bytes]], object]) -> bytes:
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


def documents(province: Province) -> dict[str, bytes]:
    """Every kind of document as its file: name → content (the name's suffix tells Word or Excel)."""
    identity, district = province.identity, province.district
    issuer = identity.issuing_body
    report = monthly_report("2026-03", TODAY, identity, 3)
    march = make_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31), TODAY)
    justice = unit_report(make_user("admin"), district.justice, march, TODAY, identity, 3)
    draft = compute_draft(2026)
    office = district.office
    task = district.tasks["justice1"]
    return {
        "bao-cao-thang.docx": _bytes(lambda target: write_monthly_docx(target, report)),
        "bao-cao-don-vi.docx": _bytes(lambda target: write_unit_docx(target, justice)),
        "phieu-xin-loi.docx": letter_docx(province.letter, identity),
        "phu-luc-cham-diem.docx": _bytes(lambda target: write_appendix_docx(target, draft, identity, "BẢN NHÁP",
                                                                            TODAY)),
        "bieu-bao-cao-thang.xlsx": _bytes(lambda target: write_monthly_workbook(target, report)),
        "danh-sach-nhiem-vu.xlsx": _bytes(lambda target: export_task_list(
            target, office, ReportFilters(TaskFilters()), today=TODAY, due_soon_days=3, issuer=issuer)),
        "thong-ke-don-vi.xlsx": _bytes(lambda target: write_unit_stats(
            target, rank_units(unit_stats(TODAY, *MARCH)), parse_month("2026-03"), issuer=issuer, today=TODAY)),
        "chi-tieu.xlsx": progress_workbook(progress(district.kpi, "2026-03"), issuer, TODAY),
        "bang-tien-do.xlsx": milestones_workbook(task, task_milestones(task), issuer).getvalue(),
        "cham-diem.xlsx": scoring_workbook(draft, issuer, "BẢN NHÁP", TODAY),
        "giao-chi-tieu.xlsx": _bytes(lambda target: write_targets_appendix(target, 2026, identity, TODAY)),
        "ho-so-tre-han.xlsx": _bytes(lambda target: export_late_dossiers(target, office, dt.date(2026, 3, 1),
                                                                         identity, TODAY)),
        "so-phieu-xin-loi.xlsx": _bytes(lambda target: write_letter_register(target, office, 2026, identity, TODAY)),
        "don-vi-tre-han.xlsx": _bytes(lambda target: write_repeat_offenders(target, repeat_offenders(TODAY, 2026),
                                                                           2026, identity, TODAY)),
        "mau-nhap-so-lieu.xlsx": measurement_template(district.kpi, list_units(), [dt.date(2026, 3, 31)], issuer),
    }
