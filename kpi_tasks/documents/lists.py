"""A list page's export: the rows the page shows under the same filters, as one appendix sheet with the
title block (the committee from the document identity, the list's title, the filters in words, the day).

The page prints the same title block (templates/_macros.html `print_title`), so paper and file read alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, Any

from werkzeug.wrappers import Response

from kpi_tasks.documents.appendix import Appendix, Column, TitleBlock, attached_to_report
from kpi_tasks.documents.downloads import XLSX_MIME, send_document
from kpi_tasks.documents.identity import Identity, current_identity

NO_FILTER = "Không lọc (tất cả)"


def filter_line(parts: Sequence[str]) -> str:
    """The filters in force, as the title block writes them: "Bộ lọc: Trạng thái: Quá hạn; Tìm: “số hóa”"."""
    return "Bộ lọc: " + ("; ".join(part for part in parts if part) or NO_FILTER)


def write_list(target: IO[bytes], rows: Iterable[Sequence[Any]], *, title: str, filters: str, columns: Sequence[Column],
               identity: Identity, today: dt.date, empty: str, sheet_name: str | None = None) -> int:
    """`rows` (cell values, without STT) as an appendix workbook; returns the number of rows written."""
    with Appendix(target, title=title, author=identity.issuing_body) as book:
        block = TitleBlock(identity.issuing_body, title, attached_to_report(identity.issuing_body_short, today),
                           filters, today)
        sheet = book.sheet(sheet_name or title[:31], block, columns)
        for row in rows:
            sheet.append(list(row))
        if not sheet.rows:
            sheet.note(empty)
        sheet.finish()
    return sheet.rows


def send_list(rows: Iterable[Sequence[Any]], *, day: dt.date, file_name: str, title: str, filters: str,
              columns: Sequence[Column], empty: str, sheet_name: str | None = None) -> Response:
    """A list page's "Tải Excel" (or its PDF with ?format=pdf): `write_list` under the committee's identity."""
    identity = current_identity()
    return send_document(
        lambda target: write_list(target, rows, title=title, filters=filters, columns=columns, identity=identity,
                                  today=day, empty=empty, sheet_name=sheet_name),
        XLSX_MIME, file_name,
    )
