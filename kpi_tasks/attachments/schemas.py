"""What the API answers about a stored file (api/schema.py)."""

from __future__ import annotations

from kpi_tasks.api.routes import file_upload
from kpi_tasks.api.schema import Instant, Out, documented_enum
from kpi_tasks.attachments.filetypes import ALLOWED_TEXT, KINDS

UPLOAD = file_upload(f"{ALLOWED_TEXT}, checked by content")


class Attachment(Out):
    id: int
    name: str
    kind: documented_enum(*KINDS)
    content_type: str
    size: int
    sha256: str
    directive_id: int | None
    update_id: int | None
    task_id: int | None
    uploaded_by_id: int
    created_at: Instant
    download_url: str


class Attachments(Out):
    items: list[Attachment]
