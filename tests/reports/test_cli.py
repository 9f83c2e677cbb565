"""`kpi-tasks export-report --month YYYY-MM --out FILE`."""

from __future__ import annotations

import io

from docx import Document
from openpyxl import load_workbook

from tests.factories import commit
from tests.reports.scenario import build_district


def test_export_report_writes_the_workbook_or_the_document(app, app_ctx, tmp_path):
    build_district()
    commit()
    runner = app.test_cli_runner()
    xlsx, docx = tmp_path / "bao-cao-thang-3.xlsx", tmp_path / "bao-cao-thang-3.docx"
    result = runner.invoke(args=["export-report", "--month", "2026-03", "--out", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert "tháng 3/2026" in result.output
    assert load_workbook(xlsx).sheetnames[0] == "Biểu 01. Thống kê"
    result = runner.invoke(args=["export-report", "--month", "2026-03", "--out", str(docx)])
    assert result.exit_code == 0, result.output
    assert "BÁO CÁO" in [p.text for p in Document(io.BytesIO(docx.read_bytes())).paragraphs]
    assert sorted(path.name for path in tmp_path.iterdir()) == [docx.name, xlsx.name]  # no leftovers


def test_export_report_refuses_a_bad_month_and_leaves_no_file(app, app_ctx, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "x.xlsx"
    result = runner.invoke(args=["export-report", "--month", "03/2026", "--out", str(out)])
    assert result.exit_code != 0
    assert "YYYY-MM" in result.output
    result = runner.invoke(args=["export-report", "--month", "2026-03", "--out", str(tmp_path / "no" / "x.xlsx")])
    assert result.exit_code != 0
    assert "không tồn tại" in result.output
    assert list(tmp_path.iterdir()) == []
