"""What every draft reads from the directive as a whole."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

Json = dict[str, Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Context:
    """The year and date of issue (for dates without a year, N days from issue) and the preamble's
    addressees (for items that name no unit)."""

    year: int | None
    issued_on: dt.date | None
    default_lead: list[str]
