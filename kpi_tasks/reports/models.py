"""The scheduled reports: a weekly or monthly summary kept as it was sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpi_tasks.clock import utcnow
from kpi_tasks.extensions import db
from kpi_tasks.text import format_date

WEEKLY = "weekly"
MONTHLY = "monthly"
REPORT_LABELS = {WEEKLY: "Báo cáo tuần", MONTHLY: "Báo cáo tháng"}


class ScheduledReport(db.Model):
    """A weekly or monthly summary, computed once for its period and kept as it was sent."""

    __tablename__ = "scheduled_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    # "2026-W12" for a week, "2026-03" for a month: one report per period, whatever runs it.
    period_key: Mapped[str] = mapped_column(sa.String(20))
    period_from: Mapped[dt.date] = mapped_column(sa.Date)
    period_to: Mapped[dt.date] = mapped_column(sa.Date)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    __table_args__ = (sa.UniqueConstraint("kind", "period_key"),)

    @property
    def title(self) -> str:
        label = REPORT_LABELS.get(self.kind, self.kind)
        return f"{label} từ {format_date(self.period_from)} đến {format_date(self.period_to)}"
