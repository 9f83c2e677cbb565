"""What the API answers about one's notifications (api/schema.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field

from kpi_tasks.api.schema import Instant, Out, PageQuery, QueryFlag, documented_enum
from kpi_tasks.notifications.models import EMAIL_STATE_LABELS, KINDS


class NotificationQuery(PageQuery):
    unread: Annotated[QueryFlag, Field(description="1: only unread")] = False


class Notification(Out):
    id: int
    kind: documented_enum(*KINDS)
    task_id: int | None
    created_at: Instant
    read: bool
    occurrence_id: int | None
    report_id: int | None
    offset_days: int
    deadline: dt.date | None
    read_at: Instant | None
    email_state: documented_enum(*EMAIL_STATE_LABELS)
    note: str | None = Field(description="an event's words: a reason, a direction, a comment")
    actor_id: int | None = Field(description="who acted")
    apology_letter_id: int | None = Field(description="apology_due: the obligation reminded of")
    dossier_code: str | None = Field(description="apology_due: the late dossier's code")
    job_id: int | None = Field(description="job_finished: the background job (GET /jobs/{id})")


class NotificationPage(Out):
    items: list[Notification]
    total: int
    page: int
    per_page: int


class MarkedRead(Out):
    updated: int
