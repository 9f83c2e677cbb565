"""The draft scoring's appendices (.xlsx, .docx) as a background job kind when the year holds many tasks: the
draft is computed on demand over every task due in the period, which at a province's size takes longer than a
web request should. A published version reads its stored figures (one row per unit) and stays immediate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app

from kpi_tasks.background.services import JobContext, register_kind, runs_in_background
from kpi_tasks.clock import today
from kpi_tasks.documents.downloads import DOCX_MIME, XLSX_MIME, write_job_result
from kpi_tasks.documents.identity import current_identity
from kpi_tasks.scoring.appendix import write_appendix_docx
from kpi_tasks.scoring.excel import scoring_workbook
from kpi_tasks.scoring.services import compute_draft, scoring_period
from kpi_tasks.tasks.periods import count_tasks_due_between

DRAFT = "scoring_draft"


def draft_is_large(year: int, start: dt.date | None, end: dt.date | None) -> bool:
    """Whether more than JOB_BACKGROUND_ROWS tasks fall due in the draft's period (counting no further)."""
    limit = current_app.config["JOB_BACKGROUND_ROWS"]
    period = scoring_period(year, start, end)
    return runs_in_background(count_tasks_due_between(period.start, period.end, at_most=limit + 1))


def draft_params(year: int, start: dt.date | None, end: dt.date | None, file_format: str, *,
                 pdf: bool = False) -> dict:
    return {"year": year, "from": start.isoformat() if start else None, "to": end.isoformat() if end else None,
            "format": file_format, "pdf": pdf}


def draft_label(year: int, file_format: str) -> str:
    return f"Chấm điểm thi đua năm {year}, bản nháp ({'Word' if file_format == 'docx' else 'Excel'})"


def run_draft(context: JobContext, params: dict[str, Any]) -> None:
    year = params["year"]
    start, end = (dt.date.fromisoformat(params[key]) if params.get(key) else None for key in ("from", "to"))
    context.progress(0, 1)
    result = compute_draft(year, start, end, with_items=False)
    label = f"BẢN NHÁP, chưa công bố; tính ngày {result.period.as_of:%d/%m/%Y}"
    identity, day = current_identity(), today()
    pdf = params.get("pdf", False)
    if params["format"] == "docx":
        write_job_result(context, lambda target: write_appendix_docx(target, result, identity, label, day),
                         DOCX_MIME, f"phu-luc-cham-diem-thi-dua-{year}-ban-nhap.docx", pdf)
    else:
        write_job_result(context, lambda target: target.write(scoring_workbook(result, identity.issuing_body,
                                                                                label, day)),
                         XLSX_MIME, f"cham-diem-thi-dua-{year}-ban-nhap.xlsx", pdf)
    context.progress(1)


def register_jobs() -> None:
    register_kind(DRAFT, "Chấm điểm thi đua, bản nháp", run_draft)
