"""A list page's export: the rows the page shows under the same filters, as one appendix sheet with the
title block (the committee from the document identity, the list's title, the filters in words, the day).

The page prints the same title block (templates/_macros.html `print_title`), so paper and file read alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import IO, Any

from werkzeug.wrappers import Response

from kpi_tasks.audit.models import AuditEvent
from kpi_tasks.audit.services import ACTION_LABELS
from kpi_tasks.documents.appendix import CENTER, WRAP, Appendix, Column, TitleBlock, attached_to_report, count_rows
from kpi_tasks.documents.downloads import XLSX_MIME, send_document
from kpi_tasks.documents.identity import Identity, current_identity
from kpi_tasks.text import format_datetime

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


HISTORY_COLUMNS = [
    Column("Thời điểm", 17, CENTER),
    # The total row's label covers STT and the first column: the number of changes is written here.
    Column("Người thực hiện", 26, WRAP, count_rows(), 'format:#,##0 "lần thay đổi"'),
    Column("Thao tác", 26, WRAP),
    Column("Nội dung thay đổi", 60, WRAP),
    Column("Ghi chú", 34, WRAP),
]


def send_history(events: Sequence[AuditEvent], *, day: dt.date, subject: str, file_name: str) -> Response:
    """An object's change log as its page shows it (templates/audit/_history.html: oldest first, each changed field
    "label: old → new"); `subject` names the object ("Nhiệm vụ: …"), on the filters line. The caller has checked
    that the user may open the object's page."""

    def rows() -> Iterable[list[str]]:
        for event in events:
            changes = "\n".join(f"{line.label}: {line.old} → {line.new}" for line in event.lines)
            yield [format_datetime(event.at), event.actor.display_name if event.actor else "Hệ thống",
                   ACTION_LABELS.get(event.action, event.action), changes, event.note or ""]

    return send_list(rows(), day=day, file_name=file_name, title="Lịch sử thay đổi", filters=filter_line([subject]),
                     columns=HISTORY_COLUMNS, empty="Chưa có thay đổi nào được ghi lại.", sheet_name="Lịch sử thay đổi")
