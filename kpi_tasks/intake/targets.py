"""The KPI targets a confirmed draft creates: each figure the parser read ("đạt tối thiểu 90% đối với cơ
quan chuyên môn và 70% đối với UBND cấp xã") becomes a target of the KPI catalogue, for the unit kind the
text names or for the draft's lead units, and is linked to the task created for that scope.

The KPI itself is the catalogue's entry whose name the draft's words cover best; a figure that fits none
gets a new catalogue entry named after the task, so that nothing the document set is lost."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from kpi_tasks.accounts.models import User
from kpi_tasks.directives.models import Directive
from kpi_tasks.errors import ValidationError
from kpi_tasks.intake.unit_matching import fold, match_unit
from kpi_tasks.kpis.models import Kpi, KpiTarget
from kpi_tasks.kpis.services import create_kpi, list_kpis, normalise_measure, set_target
from kpi_tasks.tasks.models import Task
from kpi_tasks.units.models import UNIT_KINDS, Unit

# The parser's directions, in the catalogue's words: "exactly" is held as a floor.
_DIRECTIONS = {"at_least": "at_least", "at_most": "at_most", "exactly": "at_least"}
_MIN_NAME_COVER = 0.7  # share of a catalogue name's words the draft must contain to be that KPI
_KPI_NAME_LENGTH = 200
_STOP_WORDS = frozenset({"cac", "cua", "va", "trong", "tren", "duoc", "dat", "ty", "le", "so"})


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9]+", fold(text).lower()) if word not in _STOP_WORDS}


def catalogue_kpi(text: str, measure: str | None, kpis: Sequence[Kpi]) -> Kpi | None:
    """The catalogue KPI of the same measure whose name's words the text covers best (at least 70%)."""
    words = _words(text)
    best: tuple[float, Kpi] | None = None
    for kpi in kpis:
        name = _words(kpi.name)
        if not name or (measure and kpi.measure != measure):
            continue
        cover = len(name & words) / len(name)
        if cover >= _MIN_NAME_COVER and (best is None or cover > best[0]):
            best = (cover, kpi)
    return best[1] if best else None


def _period(target: dict[str, Any], draft_period: str, deadline: dt.date | None, issued_on: dt.date) -> str:
    """The target's period: the one the text gives, the draft's period, the deadline's year, the year of issue."""
    if target.get("period"):
        return str(target["period"])
    if draft_period.strip():
        return draft_period.strip()
    return str((deadline or issued_on).year)


def _scopes(applies_to: str, leads: Sequence[str], units: dict[int, Unit]) -> list[tuple[str, int | str]]:
    """Whom a figure is set for: the unit kind it names ("đối với UBND cấp xã"), a unit it names, or else
    each of the draft's lead choices (a kind, or one unit)."""
    if applies_to in UNIT_KINDS:
        return [("kind", applies_to)]
    if applies_to and applies_to != "all":
        named = match_unit(applies_to, list(units.values()))
        if len(named) == 1:
            return [("unit", named[0])]
    scopes: list[tuple[str, int | str]] = []
    for choice in leads:
        if choice.startswith("unit:"):
            scopes.append(("unit", int(choice.removeprefix("unit:"))))
        elif choice == "kind:all":
            scopes += [("kind", kind) for kind in UNIT_KINDS if any(u.kind == kind for u in units.values())]
        else:
            scopes.append(("kind", choice.removeprefix("kind:")))
    return list(dict.fromkeys(scopes))


def _task_for(scope: tuple[str, int | str], tasks: Sequence[Task], units: dict[int, Unit]) -> Task | None:
    """The task created for a scope: the unit's own, or the first of the kind's group (a target has one task)."""
    how, value = scope
    for task in tasks:
        unit = units.get(task.lead_unit_id)
        if how == "unit" and task.lead_unit_id == value:
            return task
        if how == "kind" and unit is not None and unit.kind == value:
            return task
    return tasks[0] if tasks else None


def create_targets(
    directive: Directive,
    actor: User,
    *,
    title: str,
    content: str,
    targets: Sequence[dict[str, Any]],
    leads: Sequence[str],
    period: str,
    deadline: dt.date | None,
    tasks: Sequence[Task],
    units: dict[int, Unit],
) -> list[KpiTarget]:
    """Create (or update) the targets a draft read, each linked to its task and to the directive."""
    created: list[KpiTarget] = []
    kpis = list_kpis()
    for target in targets:
        measure = normalise_measure(str(target.get("measure") or ""))
        if measure is None or target.get("value") is None:
            message = f"Không đọc được giá trị hoặc đơn vị đo của chỉ tiêu “{target.get('text', '')}”."
            raise ValidationError("Chỉ tiêu chưa đọc được.", {"kpis": message})
        kpi = catalogue_kpi(f"{target.get('text', '')} {content}", measure, kpis)
        if kpi is None:
            number = 1 + sum(other.code.startswith(f"VB{directive.id}-") for other in kpis)
            kpi = create_kpi(
                actor,
                code=f"VB{directive.id}-{number}",
                name=(title or content)[:_KPI_NAME_LENGTH],
                measure=measure,
                formula="value",
                direction=_DIRECTIONS.get(str(target.get("direction")), "at_least"),
                description=f"Theo văn bản {directive.number}: “{target.get('text', '')}”.",
            )
            kpis.append(kpi)
        for scope in _scopes(str(target.get("applies_to") or "all"), leads, units):
            how, value = scope
            task = _task_for(scope, tasks, units)
            created.append(
                set_target(
                    kpi,
                    actor,
                    period=_period(target, period, deadline, directive.issued_on),
                    target_value=target["value"],
                    unit_id=int(value) if how == "unit" else None,
                    unit_kind=str(value) if how == "kind" else None,
                    directive_id=directive.id,
                    task_id=task.id if task is not None else None,
                )
            )
    return created
