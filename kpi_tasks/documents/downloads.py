"""Sending a generated Word or Excel document, or its PDF rendition when the address asks for it
(`?format=pdf`, the "Tải PDF" beside each download): one route serves both, with the same access rule."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator
from typing import IO

from flask import request
from werkzeug.wrappers import Response

from kpi_tasks.background.services import JobContext
from kpi_tasks.documents.pdf import PDF_MIME, to_pdf

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUFFIXES = {XLSX_MIME: ".xlsx", DOCX_MIME: ".docx"}
# Generated files up to this size are kept in memory; a larger one (a province's whole task list) goes to a
# temporary file, so that memory stays bounded whatever the export's size.
SPOOL_MAX_BYTES = 4 * 1024 * 1024
CHUNK_BYTES = 64 * 1024


def wants_pdf() -> bool:
    return request.args.get("format") == "pdf"


def _attachment(response: Response, name: str, size: int) -> Response:
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def send_generated(write: Callable[[IO[bytes]], object], mimetype: str, name: str) -> Response:
    """Generate a workbook or document completely (so an error is still a proper error page), then stream it
    in chunks; the spool is closed when the body has been sent or the response is closed."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES)  # noqa: SIM115 - closed below or on close
    try:
        write(spool)
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise

    def chunks() -> Iterator[bytes]:
        try:
            while chunk := spool.read(CHUNK_BYTES):
                yield chunk
        finally:
            spool.close()

    response = Response(chunks(), mimetype=mimetype, direct_passthrough=True)
    response.call_on_close(spool.close)
    return _attachment(response, name, size)


def send_document(write: Callable[[IO[bytes]], object], mimetype: str, name: str) -> Response:
    """The document `write` produces as `name`, or as its PDF (same name, ".pdf") when `?format=pdf`.
    Without LibreOffice the PDF is refused with a Vietnamese message (documents.pdf.PdfUnavailable)."""
    if not wants_pdf():
        return send_generated(write, mimetype, name)
    buffer = io.BytesIO()
    write(buffer)
    pdf = to_pdf(buffer.getvalue(), SUFFIXES[mimetype])
    stem = name.rsplit(".", 1)[0]
    return _attachment(Response(pdf, mimetype=PDF_MIME), f"{stem}.pdf", len(pdf))


def write_job_result(context: JobContext, write: Callable[[IO[bytes]], object], mimetype: str, name: str,
                     pdf: bool = False) -> None:
    """A background job's document as `name`, or its PDF rendition (same name, ".pdf") when the page asked for
    "Tải PDF": the job-side twin of send_document."""
    if not pdf:
        with context.output(name, mimetype) as target:
            write(target)
        return
    buffer = io.BytesIO()
    write(buffer)
    data = to_pdf(buffer.getvalue(), SUFFIXES[mimetype])
    with context.output(name.rsplit(".", 1)[0] + ".pdf", PDF_MIME) as target:
        target.write(data)


def send_bytes(data: bytes, mimetype: str, name: str) -> Response:
    return send_document(lambda target: target.write(data), mimetype, name)
