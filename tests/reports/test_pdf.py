"""The exports as the server prints them (LibreOffice headless, to PDF, by kpi_tasks.documents.pdf): A4 landscape,
as wide as the page, the header repeated on every page, the formulas of the total row computed, numbers the
Vietnamese way (1.234, 65,54%) whatever the machine's locale. Skipped where LibreOffice is missing."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from kpi_tasks.accounts.models import SYSTEM
from kpi_tasks.documents.pdf import soffice
from kpi_tasks.documents.pdf import to_pdf as print_pdf
from kpi_tasks.kpis.excel import progress_workbook
from kpi_tasks.kpis.queries import progress
from kpi_tasks.kpis.services import record_measurement, set_target
from kpi_tasks.milestones.excel import milestones_workbook
from kpi_tasks.milestones.queries import task_milestones
from kpi_tasks.milestones.services import add_milestone
from kpi_tasks.reports import build_monthly_workbook
from kpi_tasks.reports.excel import write_task_list, write_unit_stats
from kpi_tasks.reports.queries import parse_month, rank_units
from kpi_tasks.scoring import rules
from kpi_tasks.scoring.excel import scoring_workbook
from kpi_tasks.scoring.services import compute_draft
from kpi_tasks.tasks.queries import unit_stats
from tests.factories import make_office, make_task, make_unit, make_user
from tests.kpis.helpers import APPENDIX_1, make_kpi
from tests.reports.scenario import MARCH, build_district
from tests.scoring.dataset import build_district as build_scoring_district

pytestmark = pytest.mark.skipif(
    soffice() is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc; .ci/run does")
TODAY = dt.date(2026, 3, 16)
A4_LANDSCAPE = (842, 595)  # points


def to_pdf(xlsx: bytes) -> PdfReader:
    """The PDF the server makes of an Excel export (one LibreOffice profile per test process)."""
    return PdfReader(io.BytesIO(print_pdf(xlsx, ".xlsx", timeout=180)))


def page_size(page) -> tuple[int, int]:
    return round(float(page.mediabox.width)), round(float(page.mediabox.height))


def test_monthly_workbook_prints_one_a4_landscape_page_per_sheet(app_ctx):
    build_district()
    pdf = to_pdf(build_monthly_workbook("2026-03"))
    assert len(pdf.pages) == 5  # statistics, newly overdue, completed late, extension requests, KPIs
    assert all(page_size(page) == A4_LANDSCAPE for page in pdf.pages)
    # The footer numbers the pages of the whole print.
    assert [f"Trang {n}/5" in page.extract_text() for n, page in enumerate(pdf.pages, start=1)] == [True] * 5


def test_unit_statistics_print_on_one_page_with_the_totals_computed_in_vietnamese_form(app_ctx, monkeypatch):
    # A server whose environment says en-US (the usual default): the PDF still reads "50,00%", not "50.00%".
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    build_district()
    buffer = io.BytesIO()
    write_unit_stats(buffer, rank_units(unit_stats(TODAY, *MARCH)), parse_month("2026-03"),
                     issuer="UBND huyện Tây Sơn", today=TODAY)
    pdf = to_pdf(buffer.getvalue())
    assert len(pdf.pages) == 1
    lines = pdf.pages[0].extract_text().splitlines()
    # The total row: assigned 12, in progress 3, overdue 3, awaiting 1, on time 4, late 1, standing 0, rate 50%.
    assert any(line.endswith("12 3 3 1 4 1 0 50,00%") for line in lines), lines


def test_a_long_task_list_repeats_its_header_and_keeps_every_column_on_each_page():
    rows = [SimpleNamespace(
        title=f"Triển khai số hóa hồ sơ thủ tục hành chính đợt {number}, bảo đảm chất lượng và đúng tiến độ",
        directive_number="4457/UBND-TTHC", directive_issued_on=dt.date(2026, 1, 5), section="2.3",
        lead_unit_name="Phòng Văn hóa và Thông tin", coordinating_unit_names="Phòng Tư pháp",
        deadline=dt.date(2026, 3, 10), effective_deadline=dt.date(2026, 3, 10), progress_percent=100,
        status="done_on_time", due_soon=False, completed_on=dt.date(2026, 3, 9),
    ) for number in range(1, 151)]
    buffer = io.BytesIO()
    write_task_list(buffer, rows, issuer="UBND huyện Tây Sơn", description="Tất cả nhiệm vụ", today=TODAY)
    pdf = to_pdf(buffer.getvalue())
    pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert text.count("STT") == 1, number  # the header row, repeated on each page
        assert "09/03/2026" in text, number  # the last column: fit to width, no page for the overflow
        assert f"Trang {number}/{len(pages)}" in text
    assert "150 nhi" in pages[-1]  # the total row's COUNT, computed: "150 nhiệm vụ"
    numbers = [int(line.split()[0]) for text in pages for line in text.splitlines()
               if line.split() and line.split()[0].isdigit() and "10/03/2026" in line]
    assert numbers == list(range(1, 151))


def test_kpi_progress_export_prints_seed_000s_appendix_on_one_a4_landscape_page(app_ctx):
    office = make_office()
    kpi = make_kpi(office)
    units = [make_unit(name, "commune") for name, *_ in APPENDIX_1]
    set_target(kpi, office, period="2021", unit_kind="commune", target_value=85)
    for unit, (_name, done, total, *_december) in zip(units, APPENDIX_1, strict=True):
        record_measurement(kpi, unit, dt.date(2021, 3, 19), numerator=done, denominator=total, actor=SYSTEM)
    pdf = to_pdf(progress_workbook(progress(kpi, "2021-Q1"), "UBND huyện Tây Sơn", TODAY))
    assert len(pdf.pages) == 1  # eight columns fit the width of one page
    assert page_size(pdf.pages[0]) == A4_LANDSCAPE
    text = pdf.pages[0].extract_text()
    assert "Trang 1/1" in text
    assert "Thay đổi so với" in text  # the last column printed on the page
    total = next(line for line in text.splitlines() if line.startswith("TỔNG CỘNG"))
    # The appendix's printed total (6341/7137), with "." for thousands and "," for decimals.
    assert "6.341 7.137 88,85%" in total


def test_scoring_export_prints_on_one_a4_landscape_page(app, app_ctx, monkeypatch):
    # The scoring dataset's hand-computed figures score coordinating lateness (tests/scoring/conftest.py).
    monkeypatch.setitem(rules.DEFAULT_SETTINGS, "coordinating_lateness", True)
    build_scoring_district()
    result = compute_draft(2026)
    pdf = to_pdf(scoring_workbook(result, "UBND huyện Tây Sơn", "BẢN NHÁP", TODAY))
    assert len(pdf.pages) == 1  # thirteen columns on one page, not spread over four
    assert page_size(pdf.pages[0]) == A4_LANDSCAPE
    text = pdf.pages[0].extract_text()
    assert "Xếp loại" in text
    assert "63,64%" in text  # unit A's task rate, 4.2 ÷ 6.6 (tests/scoring/test_computation.py)


def test_milestone_table_prints_on_a4_landscape(app_ctx):
    unit = make_unit("Phòng Văn hóa và Thông tin")
    task = make_task(unit, title="Số hóa hồ sơ hành chính")
    manager = make_user("unit_manager", unit)
    for number in range(1, 6):
        add_milestone(task, manager, step=f"Bước {number}: khảo sát, số hóa và kiểm tra hồ sơ tại các xã",
                      due_on=dt.date(2026, number, 20), note="Theo kế hoạch của UBND huyện")
    stream = milestones_workbook(task, task_milestones(task), "UBND huyện Tây Sơn")
    pdf = to_pdf(stream.getvalue())
    assert len(pdf.pages) == 1
    assert page_size(pdf.pages[0]) == A4_LANDSCAPE
    assert "Ghi chú" in pdf.pages[0].extract_text()  # the last column on the page
