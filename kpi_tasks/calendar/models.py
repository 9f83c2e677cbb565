from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from kpi_tasks.extensions import db

DAY_OFF = "day_off"
WORKING_DAY = "working_day"
CALENDAR_DAY_KINDS = {DAY_OFF: "Ngày nghỉ (nghỉ bù, nghỉ thêm)", WORKING_DAY: "Ngày làm việc bù (thứ Bảy)"}


class CalendarDay(db.Model):
    """A day the admin records each year on top of the public-holiday package."""

    __tablename__ = "calendar_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.String(255), default="")
