"""The scoring computation: item outcomes per unit and role counted in one SQL aggregate, then the
rule's arithmetic per unit (never per item). Also the read side of published scorings.

Which items count (as the Government Office's reports do): only items already due — the effective
deadline within the period and not after the computation date — so that each counts in one period
only. An item is a task, or one occurrence of a recurring task (the recurring task itself is not
counted), as in the unit statistics. Statuses come from tasks/status.py's `status_predicate`, so they
agree with every list and count of the product. Withdrawn tasks (and their occurrences), tasks of
confidential directives and standing tasks never count.

A breakdown records how it was counted (`breakdown["tasks"]["counting"]`): absent in the versions
published before this rule (tasks due or completed in the period, a recurring task counted as one
task), `COUNTING` since.

Every line names what it counted: a task line its tasks and occurrences (`task_ids`, `occurrences`), the KPI
line its targets and each penalty its apology letters or months (`items`, each with a `ref` and `excluded`;
absent from breakdowns published before items were listed), so that a unit can check and object to any of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.extensions import db
from kpi_tasks.scoring import sources
from kpi_tasks.scoring.models import (
    OBJECTION_ACCEPTED,
    SUBJECT_KPI,
    SUBJECT_TASK,
    ScoreObjection,
    ScoreRule,
    Scoring,
    UnitScore,
)
from kpi_tasks.scoring.rules import (
    AWAITING_REVIEW,
    COORDINATING,
    DONE_LATE,
    DONE_ON_TIME,
    EXCLUDED,
    EXTENDED_ON_TIME,
    LATE_APOLOGY_LETTERS,
    LEAD,
    OCCURRENCES,
    OVERDUE,
    PENALTIES,
    PENALTY_SETTING,
    REPEAT_LATE_MONTHS,
    ROLES,
    SCORED_OUTCOMES,
    SHARE_SETTING,
    WEIGHT_SETTING,
    coordinating_lateness,
    grade_for,
    number,
)
from kpi_tasks.tasks import status as task_status
from kpi_tasks.tasks.periods import due_items
from kpi_tasks.tasks.queries import coordination
from kpi_tasks.tasks.status import StatusColumns
from kpi_tasks.text import fold
from kpi_tasks.units.models import Unit

LISTED_OUTCOMES = (AWAITING_REVIEW, EXCLUDED)
ALL_OUTCOMES = (*SCORED_OUTCOMES, *LISTED_OUTCOMES)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
# How the items of a breakdown were chosen (see the module's docstring).
COUNTING = 2

# Component and source status codes kept in the breakdown.
OK = "ok"
NO_DATA = "no_data"  # the source exists but has nothing for this unit and period
NO_SOURCE = "no_source"  # the area that provides the data is not installed


@dataclass(frozen=True)
class Period:
    year: int
    start: dt.date
    end: dt.date
    # The computation date: tasks due after it do not count yet, statuses are taken on it.
    as_of: dt.date

    @property
    def due_until(self) -> dt.date:
        return min(self.end, self.as_of)


def year_period(year: int, as_of: dt.date, start: dt.date | None = None, end: dt.date | None = None) -> Period:
    return Period(year, start or dt.date(year, 1, 1), end or dt.date(year, 12, 31), as_of)


@dataclass
class UnitResult:
    unit_id: int
    unit_code: str
    unit_name: str
    score: float | None
    grade: str | None
    breakdown: dict[str, Any]
    position: int = 0

    @property
    def scored_counts(self) -> dict[str, int]:
        """Per scored outcome, the items its task lines count in the score (lines not scored left out): the
        results table's figures, summed here once rather than by filters for every cell."""
        counts = dict.fromkeys(SCORED_OUTCOMES, 0)
        for line in self.breakdown["tasks"]["lines"]:
            if not line.get("not_scored") and line["outcome"] in counts:
                counts[line["outcome"]] += line["count"]
        return counts


@dataclass
class ScoringResult:
    period: Period
    settings: dict[str, Any]
    rule: ScoreRule | None  # None: the shipped default, not saved yet for this year
    sources: dict[str, bool]
    units: list[UnitResult] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return results_digest(self.period, self.settings, self.units)

    def unit(self, unit_id: int) -> UnitResult | None:
        return next((item for item in self.units if item.unit_id == unit_id), None)


# --- SQL -------------------------------------------------------------------------------------------
#
# An item of the scoring is what the unit statistics count (tasks/queries.py `unit_stats_query`): a task
# that does not recur, or one occurrence of a recurring task, which is then not counted itself. Every
# item has the same columns, so the outcome predicates below are the product's status predicates
# (tasks/status.py) applied to a task's or an occurrence's columns alike.


def _date_number(column: ColumnElement[dt.date]) -> ColumnElement[int]:
    """A date as the integer yyyymmdd, the same on SQLite and PostgreSQL (no date-to-text format involved)."""
    return sa.cast(
        sa.extract("year", column) * 10000 + sa.extract("month", column) * 100 + sa.extract("day", column),
        sa.Integer,
    )


def _items(period: Period) -> sa.CTE:
    """The items already due in the period (tasks.periods.due_items): the effective deadline within the period and
    not after the computation date, so that each item counts in one period only."""
    return due_items(period.start, period.due_until, period.as_of)


def _involvements(period: Period, unit_id: int | None) -> sa.Subquery:
    """Each item once for its task's lead unit and once per coordinating unit, with the unit and role."""
    item = _items(period)
    lead = sa.select(*item.c, item.c.lead_unit_id.label("unit_id"), sa.literal_column(f"'{LEAD}'").label("role"))
    links = coordination()
    coordinating = (
        sa.select(*item.c, links.c.unit_id, sa.literal_column(f"'{COORDINATING}'").label("role"))
        .join(links, links.c.task_id == item.c.task_id)
    )
    if unit_id is not None:
        lead = lead.where(item.c.lead_unit_id == unit_id)
        coordinating = coordinating.where(links.c.unit_id == unit_id)
    return sa.union_all(lead, coordinating).subquery("involvement")


def outcome_predicates(
    as_of: dt.date, item: sa.Subquery, excluded: ColumnElement[bool]
) -> dict[str, ColumnElement[bool]]:
    """Mutually exclusive conditions on an item, one per outcome, built on the product's status predicates.

    An excluded item (accepted objection) is listed as excluded when it would otherwise have counted.
    """
    columns = StatusColumns(item.c.state, item.c.effective_deadline, item.c.completed_on, item.c.withdrawn)

    def status(code: str) -> ColumnElement[bool]:
        return task_status.status_predicate(code, as_of, columns)

    extended = sa.and_(item.c.deadline.is_not(None), item.c.effective_deadline > item.c.deadline)
    counted = {
        DONE_ON_TIME: sa.and_(status(task_status.DONE_ON_TIME), sa.not_(extended)),
        EXTENDED_ON_TIME: sa.and_(status(task_status.DONE_ON_TIME), extended),
        DONE_LATE: status(task_status.DONE_LATE),
        OVERDUE: status(task_status.OVERDUE),
        AWAITING_REVIEW: status(task_status.AWAITING_REVIEW),
    }
    kept = sa.not_(excluded)
    return {
        **{outcome: sa.and_(kept, predicate) for outcome, predicate in counted.items()},
        EXCLUDED: sa.and_(excluded, sa.or_(*counted.values())),
    }


def _exclusions(year: int) -> sa.Subquery:
    """(unit_id, task_id) removed from the year's scoring by an accepted objection (with all the task's
    occurrences, for a recurring task)."""
    return (
        sa.select(ScoreObjection.unit_id, ScoreObjection.task_id)
        .where(
            ScoreObjection.year == year,
            ScoreObjection.status == OBJECTION_ACCEPTED,
            ScoreObjection.exclude.is_(True),
            ScoreObjection.subject == SUBJECT_TASK,
        )
        .distinct()
        .subquery("exclusion")
    )


Exclusions = frozenset[tuple[str, str | None]] | set[tuple[str, str | None]]


def line_exclusions(year: int, unit_id: int | None = None) -> dict[int, set[tuple[str, str | None]]]:
    """{unit_id: {(line, item ref or None for the whole line)}} removed from the year's KPI and penalty
    lines by accepted objections (task exclusions are applied in SQL, `_exclusions`)."""
    query = sa.select(ScoreObjection.unit_id, ScoreObjection.subject, ScoreObjection.item_ref).where(
        ScoreObjection.year == year, ScoreObjection.status == OBJECTION_ACCEPTED,
        ScoreObjection.exclude.is_(True), ScoreObjection.subject != SUBJECT_TASK,
    )
    if unit_id is not None:
        query = query.where(ScoreObjection.unit_id == unit_id)
    found: dict[int, set[tuple[str, str | None]]] = {}
    for unit, subject, ref in db.session.execute(query):
        found.setdefault(unit, set()).add((subject, ref))
    return found


def outcome_counts_query(period: Period, unit_id: int | None = None) -> sa.Select:
    """One row per (unit, role, outcome) with items: how many (`item_count`), and the items behind the count: the ids
    of the tasks (`task_ids`) and, for the occurrences (`occurrences`),
    "task:occurrence:due_on:effective_deadline:completed_on" with the dates as yyyymmdd (0: not completed).

    The outcomes are mutually exclusive, so each involvement is classified once (one CASE) and grouped by its
    outcome, rather than tested against every outcome in a column of its own."""
    row = _involvements(period, unit_id)
    exclusion = _exclusions(period.year)
    predicates = outcome_predicates(period.as_of, row, exclusion.c.task_id.is_not(None))
    outcome = sa.case(*((predicate, sa.literal(code)) for code, predicate in predicates.items())).label("outcome")
    is_task = row.c.occurrence_id.is_(None)
    occurrence_ref = (
        sa.cast(row.c.task_id, sa.String) + ":" + sa.cast(row.c.occurrence_id, sa.String)
        + ":" + sa.cast(_date_number(row.c.deadline), sa.String)
        + ":" + sa.cast(_date_number(row.c.effective_deadline), sa.String)
        + ":" + sa.cast(sa.func.coalesce(_date_number(row.c.completed_on), 0), sa.String)
    )
    classified = (
        sa.select(row.c.unit_id, row.c.role, outcome, row.c.task_id, is_task.label("is_task"),
                  occurrence_ref.label("occurrence_ref"))
        .select_from(row)
        .outerjoin(exclusion, sa.and_(exclusion.c.unit_id == row.c.unit_id, exclusion.c.task_id == row.c.task_id))
        .subquery("classified")
    )
    item = classified.c
    return (
        sa.select(
            item.unit_id, item.role, item.outcome, sa.func.count().label("item_count"),
            sa.func.aggregate_strings(sa.case((item.is_task, sa.cast(item.task_id, sa.String))), ",")
            .label("task_ids"),
            sa.func.aggregate_strings(sa.case((sa.not_(item.is_task), item.occurrence_ref)), ",")
            .label("occurrences"),
        )
        .where(item.outcome.is_not(None))
        .group_by(item.unit_id, item.role, item.outcome)
    )


@dataclass(frozen=True)
class Counted:
    """The items of one (role, outcome): how many, the tasks, and the occurrences (recurring tasks)."""

    count: int
    task_ids: list[int]
    # {"task_id", "occurrence_id", "due_on", "effective_deadline", "completed_on"}, dates as "yyyy-mm-dd"
    # (completed_on None when not completed): which occurrence, and the dates its outcome came from.
    occurrences: list[dict[str, Any]]


NOTHING = Counted(0, [], [])
Counts = dict[tuple[str, str], Counted]  # (role, outcome) -> the items


def _iso(number: int) -> str | None:
    """yyyymmdd (see `_date_number`) → "yyyy-mm-dd"; 0 → None."""
    return dt.date(number // 10000, number // 100 % 100, number % 100).isoformat() if number else None


def _occurrence_refs(text: str | None) -> list[dict[str, Any]]:
    refs = []
    for ref in (text or "").split(","):
        if not ref:
            continue
        task_id, occurrence_id, due_on, deadline, completed_on = (int(part) for part in ref.split(":"))
        refs.append({"task_id": task_id, "occurrence_id": occurrence_id, "due_on": _iso(due_on),
                     "effective_deadline": _iso(deadline), "completed_on": _iso(completed_on)})
    return sorted(refs, key=lambda ref: (ref["task_id"], ref["due_on"], ref["occurrence_id"]))


def outcome_counts(period: Period, unit_id: int | None = None) -> dict[int, Counts]:
    """{unit_id: {(role, outcome): Counted}} from one query."""
    result: dict[int, Counts] = {}
    for row in db.session.execute(outcome_counts_query(period, unit_id)):
        ids = sorted(map(int, row.task_ids.split(","))) if row.task_ids else []
        result.setdefault(row.unit_id, {})[(row.role, row.outcome)] = Counted(
            int(row.item_count), ids, _occurrence_refs(row.occurrences))
    return result


# --- arithmetic ------------------------------------------------------------------------------------


def _cents(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _plain(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _marked(items: list[dict[str, Any]] | None, line: str, excluded: Exclusions) -> list[dict[str, Any]]:
    """A source's items with "excluded" set on each: True when an accepted objection removed that item or
    its whole line (a copy: the source's dicts are not changed)."""
    whole = (line, None) in excluded
    return [{**item, "excluded": whole or (line, item["ref"]) in excluded} for item in items or []]


def _counted(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [item for item in items if not item["excluded"]]


def score_unit(
    counts: Counts,
    settings: dict[str, Any],
    kpi_items: list[dict[str, Any]] | None,
    penalty_items: dict[str, list[dict[str, Any]] | None],
    kpi_available: bool,
    excluded: Exclusions = frozenset(),
) -> tuple[Decimal | None, dict[str, Any]]:
    """The rule's arithmetic for one unit, from its counts: (score, breakdown).

    Task component: each counted item (a task, or an occurrence of a recurring task) weighs the role's
    factor (lead / coordinating) and earns the outcome's share of it; rate = earned ÷ weighed. KPI
    component: targets met ÷ targets. A component without data hands its points to the others (points
    rescaled to 100), so a unit is not marked down for a source that is missing. Penalties are
    subtracted, each up to its cap; the score stays in 0–100.

    The KPI line and each penalty line list their items (targets, apology letters, months); an item that
    an accepted objection removed (`excluded`: (line, ref), or (line, None) for the whole line) is listed
    with "excluded": true and not counted.
    """
    kpi_listed = _marked(kpi_items, SUBJECT_KPI, excluded)
    kpi_share = None if kpi_items is None else (
        sum(1 for item in _counted(kpi_listed) if item["met"]), len(_counted(kpi_listed)))
    kpi_rate = Decimal(kpi_share[0]) / Decimal(kpi_share[1]) if kpi_share is not None and kpi_share[1] > 0 else None
    spared = set() if coordinating_lateness(settings) else {(COORDINATING, OVERDUE), (COORDINATING, DONE_LATE)}
    weighed, earned = _weighed_and_earned(counts, settings, spared)
    tasks_rate = earned / weighed if weighed else None
    tasks_max, kpi_max = number(settings, "points_tasks"), number(settings, "points_kpi")
    available = (tasks_max if tasks_rate is not None else 0) + (kpi_max if kpi_rate is not None else 0)
    scale = HUNDRED / available if available else Decimal(0)
    tasks_points = (tasks_rate or Decimal(0)) * tasks_max * scale
    kpi_points = (kpi_rate or Decimal(0)) * kpi_max * scale
    penalties, penalty_total = _penalties(settings, penalty_items, excluded)

    score = None
    if available:
        score = min(HUNDRED, max(Decimal(0), tasks_points + kpi_points - penalty_total))
        score = score.quantize(CENT, rounding=ROUND_HALF_UP)
    breakdown = {
        "tasks": {
            "status": OK if tasks_rate is not None else NO_DATA,
            "counting": COUNTING,
            "max_points": settings["points_tasks"],
            "applied_points": _cents(tasks_max * scale) if tasks_rate is not None else 0,
            "weighed": _plain(weighed), "earned": _plain(earned),
            "rate": _cents(tasks_rate * HUNDRED) if tasks_rate is not None else None,
            "points": _cents(tasks_points),
            "lines": _task_lines(counts, settings, spared, tasks_max * scale, weighed),
        },
        "kpi": _kpi_breakdown(settings, kpi_available, kpi_listed, kpi_share, kpi_rate, (kpi_max, scale)),
        "penalties": penalties,
        "penalty_points": _cents(penalty_total),
        **_listed(counts),
    }
    return score, breakdown


def _kpi_breakdown(settings: dict[str, Any], available: bool, listed: list[dict[str, Any]],
                   share: tuple[int, int] | None, rate: Decimal | None,
                   points: tuple[Decimal, Decimal]) -> dict[str, Any]:
    """The KPI component of the breakdown: targets met of those counted, and the points (its maximum × the
    scale) it earns, computed in the order the score is."""
    kpi_max, scale = points
    return {
        "status": NO_SOURCE if not available else (OK if rate is not None else NO_DATA),
        "met": share[0] if share else 0,
        "total": share[1] if share else 0,
        "max_points": settings["points_kpi"],
        "applied_points": _cents(kpi_max * scale) if rate is not None else 0,
        "rate": _cents(rate * HUNDRED) if rate is not None else None,
        "points": _cents((rate or Decimal(0)) * kpi_max * scale),
        "items": listed,
    }


def _weighed_and_earned(counts: Counts, settings: dict[str, Any],
                        spared: set[tuple[str, str]]) -> tuple[Decimal, Decimal]:
    """The task component's sums: each scored item's role weight, and the outcome's share of it."""
    weighed = Decimal(0)
    earned = Decimal(0)
    for (role, outcome), items in counts.items():
        if outcome in SCORED_OUTCOMES and (role, outcome) not in spared:
            weight = number(settings, WEIGHT_SETTING[role])
            weighed += items.count * weight
            earned += items.count * weight * number(settings, SHARE_SETTING[outcome]) / HUNDRED
    return weighed, earned


def _task_lines(counts: Counts, settings: dict[str, Any], spared: set[tuple[str, str]], applied: Decimal,
                weighed: Decimal) -> list[dict[str, Any]]:
    """One line per (outcome, role) with items: the points it earned and lost of the `applied` task points."""
    lines = []
    for outcome in SCORED_OUTCOMES:
        for role in ROLES:
            items = counts.get((role, outcome), NOTHING)
            count = items.count
            if not count:
                continue
            if (role, outcome) in spared:
                lines.append({
                    "outcome": outcome, "role": role, "count": count, "share": None, "weight": 0, "points": 0,
                    "lost": 0, "not_scored": True, "task_ids": items.task_ids, "occurrences": items.occurrences,
                })
                continue
            weight = number(settings, WEIGHT_SETTING[role])
            share = number(settings, SHARE_SETTING[outcome])
            task_points = applied * count * weight / weighed if weighed else Decimal(0)
            lines.append({
                "outcome": outcome, "role": role, "count": count, "share": _plain(share), "weight": _plain(weight),
                "points": _cents(task_points * share / HUNDRED),
                "lost": _cents(task_points * (HUNDRED - share) / HUNDRED),
                "task_ids": items.task_ids, "occurrences": items.occurrences,
            })
    return lines


def _penalties(settings: dict[str, Any], penalty_items: dict[str, list[dict[str, Any]] | None],
               excluded: Exclusions) -> tuple[list[dict[str, Any]], Decimal]:
    """Each penalty line with its items and points (up to its cap), and their total."""
    penalties = []
    total = Decimal(0)
    for code in PENALTIES:
        per_item_key, cap_key = PENALTY_SETTING[code]
        listed_items = _marked(penalty_items.get(code), code, excluded)
        count = None if penalty_items.get(code) is None else len(_counted(listed_items))
        points = min(Decimal(count or 0) * number(settings, per_item_key), number(settings, cap_key))
        total += points
        penalties.append({
            "code": code, "status": OK if count is not None else NO_SOURCE, "count": count or 0,
            "per_item": settings[per_item_key], "cap": settings[cap_key], "points": _cents(points),
            "items": listed_items,
        })
    return penalties, total


def _listed(counts: Counts) -> dict[str, dict[str, Any]]:
    """Per listed outcome, every role's items together: how many, the tasks and the occurrences."""
    listed = {}
    for outcome in LISTED_OUTCOMES:
        of_roles = [counts.get((role, outcome), NOTHING) for role in ROLES]
        listed[outcome] = {
            "count": sum(items.count for items in of_roles),
            "task_ids": sorted(task_id for items in of_roles for task_id in items.task_ids),
            "occurrences": sorted((ref for items in of_roles for ref in items.occurrences),
                                  key=lambda ref: (ref["task_id"], ref["due_on"], ref["occurrence_id"])),
        }
    return listed


def compute_scoring(
    period: Period, settings: dict[str, Any], rule: ScoreRule | None = None, unit_id: int | None = None
) -> ScoringResult:
    """Score every active unit (or one unit) for the period. The number of queries does not depend on
    the number of tasks: one for the units, one aggregate for the outcomes, one per optional source
    (the KPI area's per-unit function, when it offers no all-units one, once per unit)."""
    # Whole Unit objects (not columns): a source that loads a unit by id then finds it in the session.
    unit_query = sa.select(Unit).where(Unit.active.is_(True) if unit_id is None else Unit.id == unit_id)
    units = list(db.session.scalars(unit_query))
    counts = outcome_counts(period, unit_id)
    kpi = sources.kpi_items([unit.id for unit in units], period.start, period.end)
    letters = sources.late_apology_letters(period.start, period.end, period.as_of)
    months = sources.repeat_late_months(period.start, period.end)
    exclusions = line_exclusions(period.year, unit_id)
    result = ScoringResult(
        period=period, settings=settings, rule=rule,
        sources={"kpi": kpi is not None, LATE_APOLOGY_LETTERS: letters is not None,
                 REPEAT_LATE_MONTHS: months is not None},
    )
    for unit in units:
        penalty_items = {
            LATE_APOLOGY_LETTERS: None if letters is None else letters.get(unit.id, []),
            REPEAT_LATE_MONTHS: None if months is None else months.get(unit.id, []),
        }
        score, breakdown = score_unit(
            counts.get(unit.id, {}), settings, None if kpi is None else kpi.get(unit.id, []), penalty_items,
            kpi_available=kpi is not None, excluded=exclusions.get(unit.id, frozenset()),
        )
        result.units.append(UnitResult(
            unit_id=unit.id, unit_code=unit.code, unit_name=unit.name,
            score=float(score) if score is not None else None, grade=grade_for(score, settings),
            breakdown=breakdown,
        ))
    rank(result.units)
    return result


def rank(units: list[UnitResult]) -> None:
    """Best score first, units without a score last, then by name as a Vietnamese reader sorts it."""
    units.sort(key=lambda item: (item.score is None, -(item.score or 0), fold(item.unit_name), item.unit_id))
    for position, item in enumerate(units, start=1):
        item.position = position


def results_digest(period: Period, settings: dict[str, Any], units: list[UnitResult]) -> str:
    payload = {
        "year": period.year, "start": period.start.isoformat(), "end": period.end.isoformat(),
        "as_of": period.as_of.isoformat(), "settings": settings,
        "units": [[u.unit_id, u.score, u.grade, u.breakdown] for u in units],
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def breakdown_task_ids(breakdown: dict[str, Any]) -> dict[int, str]:
    """Every task named in a breakdown → how it was counted ("overdue/lead", "awaiting_review", …).

    A recurring task is named by its occurrences: "occurrences/<role>" when at least one of them is scored
    (they may have different outcomes), else the listed outcome of its occurrences. Breakdowns stored
    before occurrences were counted have no "occurrences" entries.
    """
    named: dict[int, str] = {}
    for outcome in LISTED_OUTCOMES:
        for task_id in breakdown[outcome]["task_ids"]:
            named[task_id] = outcome
        for ref in breakdown[outcome].get("occurrences", []):
            named[ref["task_id"]] = outcome
    for line in breakdown["tasks"]["lines"]:
        for task_id in line["task_ids"]:
            named[task_id] = f"{line['outcome']}/{line['role']}"
        for ref in line.get("occurrences", []):
            named[ref["task_id"]] = f"{OCCURRENCES}/{line['role']}"
    return named


def counted_by_occurrence(result: ScoringResult) -> bool:
    """Whether a result was counted under the current rule (items due in the period, occurrences of
    recurring tasks one by one), not under the rule of the versions published before it."""
    return all(unit.breakdown["tasks"].get("counting", 1) >= COUNTING for unit in result.units)


@dataclass(frozen=True)
class OccurrenceRef:
    occurrence_id: int
    due_on: dt.date
    effective_deadline: dt.date
    completed_on: dt.date | None

    @property
    def extended(self) -> bool:
        return self.effective_deadline > self.due_on


def occurrence_groups(entry: dict[str, Any]) -> list[tuple[int, list[OccurrenceRef]]]:
    """The occurrences of a breakdown line (or listed outcome) by task, for display: [(task_id, [ref, …]), …],
    tasks and due dates in order. Empty for breakdowns stored before occurrences were counted."""
    groups: dict[int, list[OccurrenceRef]] = {}
    for ref in entry.get("occurrences", []):
        completed_on = ref.get("completed_on")
        groups.setdefault(ref["task_id"], []).append(OccurrenceRef(
            ref["occurrence_id"], dt.date.fromisoformat(ref["due_on"]),
            dt.date.fromisoformat(ref.get("effective_deadline") or ref["due_on"]),
            dt.date.fromisoformat(completed_on) if completed_on else None,
        ))
    return [(task_id, sorted(groups[task_id], key=lambda ref: ref.due_on)) for task_id in sorted(groups)]


# --- published scorings ---------------------------------------------------------------------------


def latest_rule(year: int) -> ScoreRule | None:
    return db.session.scalar(
        sa.select(ScoreRule).where(ScoreRule.year == year).order_by(ScoreRule.version.desc()).limit(1)
    )


def rule_versions(year: int) -> list[ScoreRule]:
    return list(db.session.scalars(
        sa.select(ScoreRule).where(ScoreRule.year == year).order_by(ScoreRule.version.desc())
    ))


def rule_is_used(rule: ScoreRule) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Scoring.rule_id == rule.id))) or False


def scoring_versions(year: int) -> list[Scoring]:
    return list(db.session.scalars(
        sa.select(Scoring).where(Scoring.year == year).order_by(Scoring.version.desc())
    ))


def latest_scoring(year: int) -> Scoring | None:
    return db.session.scalar(
        sa.select(Scoring).where(Scoring.year == year).order_by(Scoring.version.desc()).limit(1)
    )


def is_superseded(scoring: Scoring) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        Scoring.year == scoring.year, Scoring.version > scoring.version
    ))) or False


def published_units(scoring: Scoring, unit_id: int | None = None) -> list[UnitResult]:
    """A published scoring's frozen results, read back as stored (never recomputed)."""
    query = sa.select(UnitScore).where(UnitScore.scoring_id == scoring.id).order_by(UnitScore.position)
    if unit_id is not None:
        query = query.where(UnitScore.unit_id == unit_id)
    return [
        UnitResult(
            unit_id=row.unit_id, unit_code=row.unit_code, unit_name=row.unit_name, score=row.score,
            grade=row.grade, breakdown=row.breakdown, position=row.position,
        )
        for row in db.session.scalars(query)
    ]


def published_result(scoring: Scoring, unit_id: int | None = None) -> ScoringResult:
    period = Period(scoring.year, scoring.period_start, scoring.period_end, scoring.as_of)
    return ScoringResult(
        period=period, settings=scoring.rule.settings, rule=scoring.rule, sources=scoring.sources,
        units=published_units(scoring, unit_id),
    )


def objections_query(year: int | None, unit_id: int | None = None, status: str | None = None) -> sa.Select:
    query = (
        sa.select(ScoreObjection)
        .options(
            joinedload(ScoreObjection.unit), joinedload(ScoreObjection.task),
            joinedload(ScoreObjection.created_by), joinedload(ScoreObjection.decided_by),
        )
        .order_by(ScoreObjection.created_at.desc(), ScoreObjection.id.desc())
    )
    if year is not None:
        query = query.where(ScoreObjection.year == year)
    if unit_id is not None:
        query = query.where(ScoreObjection.unit_id == unit_id)
    if status is not None:
        query = query.where(ScoreObjection.status == status)
    return query


def objection_counts(year: int) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(ScoreObjection.status, sa.func.count()).where(ScoreObjection.year == year)
        .group_by(ScoreObjection.status)
    ).all()
    return {status: int(count) for status, count in rows}
