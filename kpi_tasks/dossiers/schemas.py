"""What the API reads and answers about dossier imports and apology-letter obligations (api/schema.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, WithJsonSchema

from kpi_tasks.api.routes import file_upload
from kpi_tasks.api.schema import (
    Body,
    ErrorDetail,
    Instant,
    Int,
    Out,
    PageQuery,
    QueryFlag,
    RequiredDay,
    RequiredText,
    Text,
    documented_enum,
    one_of,
)
from kpi_tasks.dossiers.models import LETTER_STATUSES

UPLOAD = file_upload(".xlsx or .csv exported by the one-stop dossier system")
ImportState = documented_enum("queued", "running", "done", "failed")


def _absent(value: object) -> bool:
    return value is None


class Rejection(Out):
    row: int
    message: str


class DossierImport(Out):
    imported: int
    rejected: Annotated[list[Rejection], WithJsonSchema({"type": "array", "maxItems": 0})]
    created: int
    updated: int
    unchanged: int
    obligations_created: int
    import_id: int


class DossierImportRejected(Out):
    """Refused whole: every bad row, and the error of API.md's shape."""

    imported: Literal[0]
    rejected: list[Rejection]
    error: ErrorDetail


class DossierImportStarted(Out):
    import_id: str
    status: Literal["queued"]
    status_url: str
    job_id: int


class DossierImportStatus(Out):
    """Where an import stands; the figures once it is done (`message` when there is one)."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=False)

    import_id: str | int
    status: ImportState
    imported: int
    rejected: list[Rejection]
    rejected_total: int | None = Field(None, exclude_if=_absent)
    stage: str | None = Field(None, exclude_if=_absent)
    rows: int | None = Field(None, exclude_if=_absent)
    file_name: str | None = Field(None, exclude_if=_absent)
    message: str | None = Field(None, exclude_if=_absent)
    created: int | None = Field(None, exclude_if=_absent)
    updated: int | None = Field(None, exclude_if=_absent)
    unchanged: int | None = Field(None, exclude_if=_absent)
    obligations_created: int | None = Field(None, exclude_if=_absent)
    measurements: int | None = Field(None, exclude_if=_absent)


class LetterQuery(PageQuery):
    status: one_of(*LETTER_STATUSES) = None
    unit_id: Int = None
    overdue: QueryFlag = False


class ApologyLetterInput(Body):
    issued_on: RequiredDay
    new_appointment_on: RequiredDay
    reason: RequiredText
    signer: Text = None
    version: Int = None


class ApologyLetter(Out):
    id: int
    dossier_id: int
    dossier_code: str
    unit_id: int
    due_by: dt.date
    status: documented_enum(*LETTER_STATUSES)
    overdue: bool
    issued_on: dt.date | None
    new_appointment_on: dt.date | None
    reason: str
    signer: str | None
    recorded_by_id: int | None
    recorded_at: Instant | None
    version: int


class ApologyLetterPage(Out):
    items: list[ApologyLetter]
    total: int
    page: int
    per_page: int
