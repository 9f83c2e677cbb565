"""Data that scoring reads from other areas, when those areas exist.

Each source answers for all units at once (or per unit, for the KPI function the KPI area exposes) and
returns None when the area or its function is not installed, so the breakdown can say "no source"
instead of silently counting zero. The contracts:

- KPI component: `kpi_tasks.kpis.queries.targets_met_share(unit_id, period_start, period_end)
  -> (met, total)`: of the unit's KPI targets for periods within the dates, how many were met. If the
  KPI area also offers `targets_met_share_by_unit(period_start, period_end) -> {unit_id: (met, total)}`,
  that one call is used instead of one call per unit.
- Penalties (dossiers area):
  `kpi_tasks.dossiers.queries.late_apology_letter_counts(period_start, period_end, as_of)
  -> {unit_id: n}`: apology-letter obligations due within the period and by `as_of` that were issued
  after their due date or are still not issued;
  `kpi_tasks.dossiers.queries.repeat_late_month_counts(period_start, period_end) -> {unit_id: n}`:
  months of the period that belong to a run of 2 or more consecutive months with late dossiers.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Iterable
from typing import Any

KPI_MODULE = "kpi_tasks.kpis.queries"
DOSSIER_MODULE = "kpi_tasks.dossiers.queries"


def _function(module_name: str, name: str) -> Callable[..., Any] | None:
    """The named function of an optional module, or None when the module or function does not exist.

    Only the absence of that module itself is tolerated: an import error inside it is a bug and is raised.
    """
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and (module_name == error.name or module_name.startswith(error.name + ".")):
            return None
        raise
    function = getattr(module, name, None)
    return function if callable(function) else None


def kpi_shares(
    unit_ids: Iterable[int], period_start: dt.date, period_end: dt.date
) -> dict[int, tuple[int, int]] | None:
    """(met, total) KPI targets per unit, or None when the KPI area does not provide them."""
    by_unit = _function(KPI_MODULE, "targets_met_share_by_unit")
    if by_unit is not None:
        wanted = set(unit_ids)
        return {int(unit_id): (int(met or 0), int(total or 0))
                for unit_id, (met, total) in by_unit(period_start, period_end).items() if unit_id in wanted}
    function = _function(KPI_MODULE, "targets_met_share")
    if function is None:
        return None
    shares = {}
    for unit_id in unit_ids:
        met, total = function(unit_id, period_start, period_end)
        shares[unit_id] = (int(met or 0), int(total or 0))
    return shares


def late_apology_letters(period_start: dt.date, period_end: dt.date, as_of: dt.date) -> dict[int, int] | None:
    function = _function(DOSSIER_MODULE, "late_apology_letter_counts")
    if function is None:
        return None
    return {int(unit_id): int(count) for unit_id, count in function(period_start, period_end, as_of).items()}


def repeat_late_months(period_start: dt.date, period_end: dt.date) -> dict[int, int] | None:
    function = _function(DOSSIER_MODULE, "repeat_late_month_counts")
    if function is None:
        return None
    return {int(unit_id): int(count) for unit_id, count in function(period_start, period_end).items()}
