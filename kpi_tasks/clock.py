"""The one clock of the product: `today()` in Asia/Ho_Chi_Minh, frozen by KPI_TASKS_TODAY."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> dt.datetime:
    """Current time, timezone-aware. When today is frozen, the frozen day at the current wall time."""
    real_now = dt.datetime.now(VIETNAM)
    frozen = _frozen_today()
    if frozen is None:
        return real_now
    return dt.datetime.combine(frozen, real_now.timetz())


def today() -> dt.date:
    """Today's date in Vietnam; KPI_TASKS_TODAY=YYYY-MM-DD freezes it and is read at every call."""
    frozen = _frozen_today()
    return frozen if frozen is not None else dt.datetime.now(VIETNAM).date()


def utcnow() -> dt.datetime:
    """Timestamp for stored events (timezone-aware UTC), following a frozen day too."""
    return now().astimezone(dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    """The day in Vietnam of a stored timestamp (UTC; SQLite hands it back without its offset)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(VIETNAM).date()


def _frozen_today() -> dt.date | None:
    raw = os.environ.get("KPI_TASKS_TODAY", "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise RuntimeError(f"KPI_TASKS_TODAY must be YYYY-MM-DD, got {raw!r}") from exc
