"""What the API answers about background jobs (api/schema.py)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from kpi_tasks.api.schema import Instant, Out, documented_enum
from kpi_tasks.background.models import STATUSES

Status = documented_enum(*STATUSES)


def _absent(value: object) -> bool:
    return value is None


class JobStarted(Out):
    job_id: int
    status: Status
    status_url: str


class Job(Out):
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)  # download_url, message

    id: int
    kind: str
    label: str
    status: Status
    done: int
    total: int | None
    created_at: Instant
    finished_at: Instant | None
    expires_at: Instant | None
    # Only when there is one.
    download_url: str | None = Field(None, exclude_if=_absent)
    message: str | None = Field(None, exclude_if=_absent)


JOB_STARTED = {202: (JobStarted, "Large: made in the background; GET /jobs/{id} tells when it is ready")}
