"""The shipped Word templates: made by the committed builder, laid out as Decree 30/2020 wants, rendered in
a sandbox; every context the application builds has every name its kind's sample has."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import docx
import pytest
import sqlalchemy as sa
from jinja2 import UndefinedError

from kpi_tasks.documents.build_templates import build
from kpi_tasks.documents.kinds import APOLOGY_LETTER, MONTHLY_REPORT, SCORING_APPENDIX, UNIT_REPORT, WORD_KINDS
from kpi_tasks.documents.samples import sample_context
from kpi_tasks.documents.word import SHIPPED_FOLDER, render_template_bytes, shipped_template
from kpi_tasks.dossiers.letters import letter_context
from kpi_tasks.dossiers.models import ApologyLetter
from kpi_tasks.dossiers.services import record_apology_letter
from kpi_tasks.extensions import db
from kpi_tasks.reports.docx import monthly_context
from kpi_tasks.reports.queries import make_period, monthly_report
from kpi_tasks.reports.unit_report import unit_context, unit_report
from kpi_tasks.scoring.appendix import appendix_context
from kpi_tasks.scoring.services import compute_draft
from tests.dossiers.helpers import make_dossier
from tests.factories import make_identity, make_unit, make_user
from tests.reports.scenario import build_district

TODAY = dt.date(2026, 3, 16)
PARTS = ("word/document.xml", "word/header1.xml", "word/header2.xml", "word/styles.xml", "word/settings.xml")


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name in PARTS}


def test_the_committed_templates_are_what_the_builder_lays_out(tmp_path):
    """Change a layout in build_templates.py, run it, commit its output: this fails when one was forgotten."""
    for path in build(tmp_path):
        assert _parts(path.read_bytes()) == _parts((SHIPPED_FOLDER / path.name).read_bytes()), path.name


@pytest.mark.parametrize("kind", list(WORD_KINDS))
def test_each_template_is_laid_out_as_decree_30_wants(kind):
    data = render_template_bytes(shipped_template(kind), sample_context(kind), title="Thử", author="UBND tỉnh Gia Lai")
    parts = {name: text.decode() for name, text in _parts(data).items()}
    body, styles, settings = parts["word/document.xml"], parts["word/styles.xml"], parts["word/settings.xml"]
    assert 'w:lang w:val="vi-VN"' in styles  # Word checks the spelling in Vietnamese
    assert 'w:ascii="Times New Roman"' in styles
    assert "<w:titlePg/>" in body  # no page number on the first page …
    assert any(" PAGE " in text for name, text in parts.items() if name.startswith("word/header"))  # … then one
    assert body.count("<w:pBdr>") >= 2  # the short rules under the issuing body and under the motto
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body
    assert "{{" not in body
    assert "{%" not in body
    if kind != APOLOGY_LETTER:
        assert "<w:tblHeader/>" in body  # table headers repeat on each page
        assert "<w:cantSplit/>" in body  # rows never split across pages
        assert "<w:noWrap/>" in body  # dates and figures stay on one line
    if WORD_KINDS[kind].signed:
        assert "Nơi nhận:" in body
        assert "- Như trên;" in body
    assert 'w:updateFields' not in settings
    properties = docx.Document(io.BytesIO(data)).core_properties
    assert (properties.title, properties.author, properties.language) == ("Thử", "UBND tỉnh Gia Lai", "vi-VN")
    assert properties.created.date() >= dt.date(2026, 1, 1)


def test_templates_run_in_a_sandbox_where_a_misspelt_name_is_an_error():
    with pytest.raises(UndefinedError):
        render_template_bytes(shipped_template(APOLOGY_LETTER), {"header": {}}, title="", author="")


def _names(value: Any, prefix: str = "") -> set[str]:
    """Every name reachable in a context: "stats.groups.rows", "header.place_date"."""
    if isinstance(value, dict):
        return {name for key, item in value.items() for name in {prefix + key, *_names(item, f"{prefix}{key}.")}}
    if isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        return _names(value[0], prefix)
    return set()


def test_the_application_builds_every_name_of_each_sample(app_ctx):
    district = build_district()
    identity = make_identity()
    report = monthly_report("2026-03", TODAY, identity, 3)
    period = make_period(dt.date(2026, 3, 1), dt.date(2026, 3, 31), TODAY)
    finance = make_unit("Sở Tài chính", code="STC")
    dossier = make_dossier(finance, "HS-9", dt.date(2026, 3, 2), dt.date(2026, 3, 10), applicant="Trần Thị Bình")
    letter = db.session.scalar(sa.select(ApologyLetter).where(ApologyLetter.dossier_id == dossier.id))
    record_apology_letter(letter, make_user("unit_manager", finance), issued_on=TODAY, new_appointment_on=TODAY,
                          reason="Chờ xác minh.", signer="Lê Văn Cường", today=TODAY)
    built = {
        MONTHLY_REPORT: monthly_context(report),
        UNIT_REPORT: unit_context(unit_report(make_user("admin"), district.culture, period, TODAY, identity, 3)),
        APOLOGY_LETTER: letter_context(letter, identity),
        SCORING_APPENDIX: appendix_context(compute_draft(2026), identity, "BẢN NHÁP", TODAY),
    }
    for kind, context in built.items():
        assert _names(sample_context(kind)) <= _names(context), kind
