"""Data that scoring reads from other areas, when those areas exist.

Each source answers for all units at once with the items behind each figure (so that every line of a
breakdown names what it counted), and returns None when the area or its function is not installed, so
the breakdown can say "no source" instead of silently counting zero. The contracts:

- KPI component: `kpi_tasks.kpis.queries.target_items_by_unit(period_start, period_end)
  -> {unit_id: [target, …]}`: the unit's applicable KPI targets for periods within the dates, each with
  "ref" (the target's id as text) and "met" (and what a page shows: KPI, period, target, figure).
- Penalties (dossiers area):
  `kpi_tasks.dossiers.queries.late_apology_letter_items(period_start, period_end, as_of)
  -> {unit_id: [letter, …]}`: apology-letter obligations due within the period and by `as_of` that were
  issued after their due date or are still not issued ("ref": the letter's id);
  `kpi_tasks.dossiers.queries.repeat_late_month_items(period_start, period_end) -> {unit_id: [month, …]}`:
  months of the period that belong to a run of 2 or more consecutive months with late dossiers
  ("ref": "yyyy-mm").

Every item has a "ref", unique within its line, by which an objection names it.
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


def _one_unit(unit_ids: list[int]) -> dict[str, int]:
    """The keyword that asks a source for one unit's items only, when only one unit is asked for (a unit's page,
    a unit with an accepted objection): a province's every item is not read for it."""
    return {"unit_id": unit_ids[0]} if len(unit_ids) == 1 else {}


def kpi_items(unit_ids: Iterable[int], period_start: dt.date, period_end: dt.date
              ) -> dict[int, list[dict[str, Any]]] | None:
    """The KPI targets of each unit (every unit of `unit_ids` a key), or None when the KPI area does not
    provide them."""
    function = _function(KPI_MODULE, "target_items_by_unit")
    if function is None:
        return None
    unit_ids = list(unit_ids)
    found = function(period_start, period_end, **_one_unit(unit_ids))
    return {unit_id: list(found.get(unit_id, [])) for unit_id in unit_ids}


def late_apology_letters(period_start: dt.date, period_end: dt.date, as_of: dt.date, unit_ids: Iterable[int] = ()
                         ) -> dict[int, list[dict[str, Any]]] | None:
    function = _function(DOSSIER_MODULE, "late_apology_letter_items")
    return None if function is None else function(period_start, period_end, as_of, **_one_unit(list(unit_ids)))


def repeat_late_months(period_start: dt.date, period_end: dt.date, unit_ids: Iterable[int] = ()
                       ) -> dict[int, list[dict[str, Any]]] | None:
    function = _function(DOSSIER_MODULE, "repeat_late_month_items")
    return None if function is None else function(period_start, period_end, **_one_unit(list(unit_ids)))


# --- figures only: the results table's counts, without the items -------------------------------------------
#
# The same contracts answering how many per unit: `target_counts_by_unit(period_start, period_end)
# -> {unit_id: (met, total)}`, `late_apology_letter_counts(period_start, period_end, as_of) -> {unit_id: n}` and
# `repeat_late_month_counts(period_start, period_end) -> {unit_id: n}`; each equals what the items functions list.
# An area that offers only the items is counted from them.


def kpi_counts(period_start: dt.date, period_end: dt.date) -> dict[int, tuple[int, int]] | None:
    function = _function(KPI_MODULE, "target_counts_by_unit")
    if function is not None:
        return function(period_start, period_end)
    items = _function(KPI_MODULE, "target_items_by_unit")
    if items is None:
        return None
    return {unit_id: (sum(1 for item in found if item["met"]), len(found))
            for unit_id, found in items(period_start, period_end).items()}


def late_apology_letter_counts(period_start: dt.date, period_end: dt.date, as_of: dt.date) -> dict[int, int] | None:
    function = _function(DOSSIER_MODULE, "late_apology_letter_counts")
    return None if function is None else function(period_start, period_end, as_of)


def repeat_late_month_counts(period_start: dt.date, period_end: dt.date) -> dict[int, int] | None:
    function = _function(DOSSIER_MODULE, "repeat_late_month_counts")
    return None if function is None else function(period_start, period_end)
