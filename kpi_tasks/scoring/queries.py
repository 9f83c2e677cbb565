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
import functools
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
from kpi_tasks.tasks.counts import OPEN as OPEN_BUCKET
from kpi_tasks.tasks.periods import due_items, kept_involvements
from kpi_tasks.tasks.queries import coordination
from kpi_tasks.tasks.status import StatusColumns
from kpi_tasks.text import fold
from kpi_tasks.units.models import Unit

LISTED_OUTCOMES = (AWAITING_REVIEW, EXCLUDED)
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
    # `figures_text(breakdown)`, when the computation had it at hand (the digest's part for this unit).
    figures: str | None = None

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


def _items(period: Period, task_ids: list[int] | None = None, unit_id: int | None = None) -> sa.CTE:
    """The items already due in the period (tasks.periods.due_items): the effective deadline within the period and
    not after the computation date, so that each item counts in one period only."""
    return due_items(period.start, period.due_until, period.as_of, task_ids, unit_id)


def _involvements(period: Period, unit_id: int | None, task_ids: list[int] | None = None) -> sa.Subquery:
    """Each item once for its task's lead unit and once per coordinating unit, with the unit and role."""
    item = _items(period, task_ids, unit_id)
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


def outcome_counts_query(period: Period, unit_id: int | None = None, *, with_items: bool = True,
                         excluded_only: list[int] | None = None) -> sa.Select:
    """One row per (unit, role, outcome) with items: how many (`item_count`), and with `with_items` the items behind
    the count: the ids of the tasks (`task_ids`) and, for the occurrences (`occurrences`),
    "task:occurrence:due_on:effective_deadline:completed_on" with the dates as yyyymmdd (0: not completed).

    With `excluded_only` (the ids of the tasks accepted objections name), only the involvements an accepted objection
    removed, each under the outcome it would have without the objection (what a kept count holds for them).

    The outcomes are mutually exclusive, so each involvement is classified once (one CASE) and grouped by its
    outcome, rather than tested against every outcome in a column of its own."""
    row = _involvements(period, unit_id, excluded_only)
    exclusion = _exclusions(period.year)
    excluded = sa.false() if excluded_only is not None else exclusion.c.task_id.is_not(None)
    predicates = outcome_predicates(period.as_of, row, excluded)
    outcome = sa.case(*((predicate, sa.literal(code)) for code, predicate in predicates.items())).label("outcome")
    is_task = row.c.occurrence_id.is_(None)
    occurrence_ref = (
        sa.cast(row.c.task_id, sa.String) + ":" + sa.cast(row.c.occurrence_id, sa.String)
        + ":" + sa.cast(_date_number(row.c.deadline), sa.String)
        + ":" + sa.cast(_date_number(row.c.effective_deadline), sa.String)
        + ":" + sa.cast(sa.func.coalesce(_date_number(row.c.completed_on), 0), sa.String)
    )
    on_exclusion = sa.and_(exclusion.c.unit_id == row.c.unit_id, exclusion.c.task_id == row.c.task_id)
    classified = sa.select(row.c.unit_id, row.c.role, outcome, row.c.task_id, is_task.label("is_task"),
                           occurrence_ref.label("occurrence_ref")).select_from(row)
    classified = (classified.join(exclusion, on_exclusion) if excluded_only is not None
                  else classified.outerjoin(exclusion, on_exclusion)).subquery("classified")
    item = classified.c
    figures = [sa.func.count().label("item_count")]
    if with_items:
        figures += [
            sa.func.aggregate_strings(sa.case((item.is_task, sa.cast(item.task_id, sa.String))), ",")
            .label("task_ids"),
            sa.func.aggregate_strings(sa.case((sa.not_(item.is_task), item.occurrence_ref)), ",")
            .label("occurrences"),
        ]
    return (
        sa.select(item.unit_id, item.role, item.outcome, *figures)
        .where(item.outcome.is_not(None))
        .group_by(item.unit_id, item.role, item.outcome)
    )


@dataclass(frozen=True)
class Counted:
    """The items of one (role, outcome): how many, and unless counted only (None), the tasks and the occurrences
    (recurring tasks)."""

    count: int
    task_ids: list[int] | None
    # {"task_id", "occurrence_id", "due_on", "effective_deadline", "completed_on"}, dates as "yyyy-mm-dd"
    # (completed_on None when not completed): which occurrence, and the dates its outcome came from.
    occurrences: list[dict[str, Any]] | None


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
    """{unit_id: {(role, outcome): Counted}} with the items, from one query."""
    result: dict[int, Counts] = {}
    for row in db.session.execute(outcome_counts_query(period, unit_id)):
        ids = sorted(map(int, row.task_ids.split(","))) if row.task_ids else []
        result.setdefault(row.unit_id, {})[(row.role, row.outcome)] = Counted(
            int(row.item_count), ids, _occurrence_refs(row.occurrences))
    return result


# The figures of a unit's results-table row, in this order: how many items of each role have each outcome.
SLOTS = tuple((role, outcome) for role in ROLES for outcome in (*SCORED_OUTCOMES, *LISTED_OUTCOMES))
_SLOT = {slot: index for index, slot in enumerate(SLOTS)}
# The kept keys (tasks/counts.py: role, bucket, extended) of an item due before the computation date, per slot.
_BUCKET_OUTCOMES = {
    (task_status.DONE_ON_TIME, False): DONE_ON_TIME, (task_status.DONE_ON_TIME, True): EXTENDED_ON_TIME,
    **{(task_status.DONE_LATE, extended): DONE_LATE for extended in (False, True)},
    **{(OPEN_BUCKET, extended): OVERDUE for extended in (False, True)},
    **{(task_status.AWAITING_REVIEW, extended): AWAITING_REVIEW for extended in (False, True)},
}
_KEPT_COLUMNS = [[(role, bucket, extended) for (bucket, extended), kept in _BUCKET_OUTCOMES.items() if kept == outcome]
                 for role, outcome in SLOTS]

Figures = tuple[int, ...]  # a unit's items per slot (SLOTS)
NO_FIGURES: Figures = (0,) * len(SLOTS)


def outcome_totals(period: Period) -> dict[int, Figures]:
    """{unit_id: items per slot (SLOTS)}, for every unit: what `outcome_counts` counts, without the items, read from
    the kept counts (tasks.periods.kept_involvements) for the whole months due before the computation date, and from
    the tasks for the days around them. The involvements an accepted objection removed are moved from the outcome
    they are kept under to EXCLUDED (a fresh count of those few)."""
    kept = kept_involvements(period.start, period.due_until, period.as_of, _KEPT_COLUMNS)
    totals = kept.rows
    changes: list[tuple[int, str, str, int]] = []
    for start, end in kept.fresh:
        fresh = Period(period.year, start, end, period.as_of)
        changes += [(row.unit_id, row.role, row.outcome, int(row.item_count))
                    for row in db.session.execute(outcome_counts_query(fresh, with_items=False))]
    excluded_tasks = sorted(db.session.scalars(sa.select(_exclusions(period.year).c.task_id).distinct()))
    if kept.days is not None and excluded_tasks:
        kept_days = Period(period.year, *kept.days, period.as_of)
        for row in db.session.execute(outcome_counts_query(kept_days, with_items=False,
                                                           excluded_only=excluded_tasks)):
            changes += [(row.unit_id, row.role, row.outcome, -int(row.item_count)),
                        (row.unit_id, row.role, EXCLUDED, int(row.item_count))]
    for unit_id, role, outcome, count in changes:
        figures = list(totals.get(unit_id, NO_FIGURES))
        figures[_SLOT[(role, outcome)]] += count
        totals[unit_id] = tuple(figures)
    return totals


def counts_of(figures: Figures) -> Counts:
    """A unit's figures per slot as the arithmetic's counts (without items)."""
    return {slot: Counted(count, None, None) for slot, count in zip(SLOTS, figures, strict=True) if count}


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


@dataclass(frozen=True)
class LineFigures:
    """A KPI or penalty line of one unit: how many items count (`met` of them met, for the KPI) and, when listed,
    every item with its "excluded" mark (None: counted only, for the results table)."""

    counted: int
    met: int = 0
    items: list[dict[str, Any]] | None = None


def listed_line(items: list[dict[str, Any]], line: str, excluded: Exclusions) -> LineFigures:
    """A line from its items: an item that an accepted objection removed (`excluded`: (line, ref), or (line, None)
    for the whole line) is listed with "excluded": true and not counted."""
    marked = _marked(items, line, excluded)
    kept = [item for item in marked if not item["excluded"]]
    return LineFigures(len(kept), sum(1 for item in kept if item.get("met")), marked)


@dataclass(frozen=True)
class RuleNumbers:
    """A rule's settings as the decimals the arithmetic uses: read once per computation, not once per unit."""

    weight: dict[str, Decimal]  # role →
    share: dict[str, Decimal]  # outcome →
    tasks_max: Decimal
    kpi_max: Decimal
    penalty: dict[str, tuple[Decimal, Decimal]]  # code → (points per item, cap)
    spared: frozenset[tuple[str, str]]  # (role, outcome) listed but not scored

    @classmethod
    def of(cls, settings: dict[str, Any]) -> RuleNumbers:
        return cls(
            weight={role: number(settings, WEIGHT_SETTING[role]) for role in ROLES},
            share={outcome: number(settings, SHARE_SETTING[outcome]) for outcome in SCORED_OUTCOMES},
            tasks_max=number(settings, "points_tasks"), kpi_max=number(settings, "points_kpi"),
            penalty={code: (number(settings, PENALTY_SETTING[code][0]), number(settings, PENALTY_SETTING[code][1]))
                     for code in PENALTIES},
            spared=frozenset() if coordinating_lateness(settings)
            else frozenset({(COORDINATING, OVERDUE), (COORDINATING, DONE_LATE)}),
        )


def score_unit(
    counts: Counts,
    settings: dict[str, Any],
    kpi: LineFigures | None,
    penalty_lines: dict[str, LineFigures | None],
    with_items: bool = True,
    numbers: RuleNumbers | None = None,
) -> tuple[Decimal | None, dict[str, Any]]:
    """The rule's arithmetic for one unit, from its counts: (score, breakdown).

    Task component: each counted item (a task, or an occurrence of a recurring task) weighs the role's
    factor (lead / coordinating) and earns the outcome's share of it; rate = earned ÷ weighed. KPI
    component: targets met ÷ targets. A component without data hands its points to the others (points
    rescaled to 100), so a unit is not marked down for a source that is missing (`kpi` or a penalty line None).
    Penalties are subtracted, each up to its cap; the score stays in 0–100.

    `with_items`: the breakdown names the items behind each line (tasks, occurrences, targets, letters, months),
    which the counts and lines then carry; without, it is the same breakdown less those lists ("task_ids",
    "occurrences", "items").
    """
    numbers = numbers or RuleNumbers.of(settings)
    kpi_rate = Decimal(kpi.met) / Decimal(kpi.counted) if kpi is not None and kpi.counted > 0 else None
    weighed, earned = _weighed_and_earned(counts, numbers)
    tasks_rate = earned / weighed if weighed else None
    tasks_max, kpi_max = numbers.tasks_max, numbers.kpi_max
    available = (tasks_max if tasks_rate is not None else 0) + (kpi_max if kpi_rate is not None else 0)
    scale = HUNDRED / available if available else Decimal(0)
    tasks_points = (tasks_rate or Decimal(0)) * tasks_max * scale
    kpi_points = (kpi_rate or Decimal(0)) * kpi_max * scale
    penalties, penalty_total = _penalties(settings, penalty_lines, with_items, numbers)

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
            "lines": _task_lines(counts, numbers, (tasks_max * scale, weighed), with_items),
        },
        "kpi": _kpi_breakdown(settings, kpi, kpi_rate, (kpi_max, scale), with_items),
        "penalties": penalties,
        "penalty_points": _cents(penalty_total),
        **_listed(counts, with_items),
    }
    return score, breakdown


def _kpi_breakdown(settings: dict[str, Any], kpi: LineFigures | None, rate: Decimal | None,
                   points: tuple[Decimal, Decimal], with_items: bool) -> dict[str, Any]:
    """The KPI component of the breakdown: targets met of those counted, and the points (its maximum × the
    scale) it earns, computed in the order the score is."""
    kpi_max, scale = points
    entry = {
        "status": NO_SOURCE if kpi is None else (OK if rate is not None else NO_DATA),
        "met": kpi.met if kpi else 0,
        "total": kpi.counted if kpi else 0,
        "max_points": settings["points_kpi"],
        "applied_points": _cents(kpi_max * scale) if rate is not None else 0,
        "rate": _cents(rate * HUNDRED) if rate is not None else None,
        "points": _cents((rate or Decimal(0)) * kpi_max * scale),
    }
    return {**entry, "items": kpi.items if kpi and kpi.items is not None else []} if with_items else entry


def _weighed_and_earned(counts: Counts, numbers: RuleNumbers) -> tuple[Decimal, Decimal]:
    """The task component's sums: each scored item's role weight, and the outcome's share of it."""
    weighed = Decimal(0)
    earned = Decimal(0)
    for (role, outcome), items in counts.items():
        if outcome in numbers.share and (role, outcome) not in numbers.spared:
            weight = numbers.weight[role]
            weighed += items.count * weight
            earned += items.count * weight * numbers.share[outcome] / HUNDRED
    return weighed, earned


def _task_lines(counts: Counts, numbers: RuleNumbers, points: tuple[Decimal, Decimal],
                with_items: bool) -> list[dict[str, Any]]:
    """One line per (outcome, role) with items: the points it earned and lost of the applied task points (of the
    `points`: applied, weighed)."""
    applied, weighed = points

    def _named(entry: dict[str, Any], items: Counted) -> dict[str, Any]:
        return {**entry, "task_ids": items.task_ids, "occurrences": items.occurrences} if with_items else entry

    lines = []
    for outcome in SCORED_OUTCOMES:
        for role in ROLES:
            items = counts.get((role, outcome), NOTHING)
            count = items.count
            if not count:
                continue
            if (role, outcome) in numbers.spared:
                lines.append(_named({
                    "outcome": outcome, "role": role, "count": count, "share": None, "weight": 0, "points": 0,
                    "lost": 0, "not_scored": True,
                }, items))
                continue
            weight, share = numbers.weight[role], numbers.share[outcome]
            task_points = applied * count * weight / weighed if weighed else Decimal(0)
            lines.append(_named({
                "outcome": outcome, "role": role, "count": count, "share": _plain(share), "weight": _plain(weight),
                "points": _cents(task_points * share / HUNDRED),
                "lost": _cents(task_points * (HUNDRED - share) / HUNDRED),
            }, items))
    return lines


def _penalties(settings: dict[str, Any], lines: dict[str, LineFigures | None], with_items: bool,
               numbers: RuleNumbers) -> tuple[list[dict[str, Any]], Decimal]:
    """Each penalty line with its items and points (up to its cap), and their total."""
    penalties = []
    total = Decimal(0)
    for code in PENALTIES:
        per_item_key, cap_key = PENALTY_SETTING[code]
        per_item, cap = numbers.penalty[code]
        line = lines.get(code)
        count = None if line is None else line.counted
        points = min(Decimal(count or 0) * per_item, cap)
        total += points
        entry = {
            "code": code, "status": OK if count is not None else NO_SOURCE, "count": count or 0,
            "per_item": settings[per_item_key], "cap": settings[cap_key], "points": _cents(points),
        }
        if with_items:
            entry["items"] = line.items if line is not None and line.items is not None else []
        penalties.append(entry)
    return penalties, total


def _listed(counts: Counts, with_items: bool) -> dict[str, dict[str, Any]]:
    """Per listed outcome, every role's items together: how many, the tasks and the occurrences."""
    listed = {}
    for outcome in LISTED_OUTCOMES:
        of_roles = [counts[(role, outcome)] for role in ROLES if (role, outcome) in counts]
        entry: dict[str, Any] = {"count": sum(items.count for items in of_roles)}
        if with_items:
            entry["task_ids"] = sorted(task_id for items in of_roles for task_id in items.task_ids or [])
            entry["occurrences"] = sorted((ref for items in of_roles for ref in items.occurrences or []),
                                          key=lambda ref: (ref["task_id"], ref["due_on"], ref["occurrence_id"]))
        listed[outcome] = entry
    return listed


Lines = tuple[LineFigures | None, dict[str, LineFigures | None]]  # a unit's KPI line and penalty lines


def _listed_lines(unit_ids: list[int], period: Period,
                  exclusions: dict[int, set[tuple[str, str | None]]]) -> tuple[dict[str, bool], dict[int, Lines]]:
    """Every unit's KPI and penalty lines with their items, and which sources exist."""
    kpi = sources.kpi_items(unit_ids, period.start, period.end)
    found = {
        LATE_APOLOGY_LETTERS: sources.late_apology_letters(period.start, period.end, period.as_of, unit_ids),
        REPEAT_LATE_MONTHS: sources.repeat_late_months(period.start, period.end, unit_ids),
    }
    lines = {}
    for unit in unit_ids:
        excluded = exclusions.get(unit, set())
        lines[unit] = (
            None if kpi is None else listed_line(kpi.get(unit, []), SUBJECT_KPI, excluded),
            {code: None if items is None else listed_line(items.get(unit, []), code, excluded)
             for code, items in found.items()},
        )
    available = {"kpi": kpi is not None, **{code: items is not None for code, items in found.items()}}
    return available, lines


def _counted_lines(unit_ids: list[int], period: Period,
                   exclusions: dict[int, set[tuple[str, str | None]]]) -> tuple[dict[str, bool], dict[int, Lines]]:
    """Every unit's KPI and penalty lines as counts only. The few units with an accepted objection on a line are
    counted from their items (which the objection names)."""
    kpi = sources.kpi_counts(period.start, period.end)
    found = {
        LATE_APOLOGY_LETTERS: sources.late_apology_letter_counts(period.start, period.end, period.as_of),
        REPEAT_LATE_MONTHS: sources.repeat_late_month_counts(period.start, period.end),
    }
    listed: dict[int, Lines] = {}
    scored = set(unit_ids)
    for unit in sorted(unit for unit, excluded in exclusions.items() if excluded and unit in scored):
        listed.update(_listed_lines([unit], period, exclusions)[1])
    lines: dict[int, Lines] = {}
    for unit in unit_ids:
        kpi_line = None if kpi is None else LineFigures(kpi.get(unit, (0, 0))[1], kpi.get(unit, (0, 0))[0])
        penalty_lines = {code: None if counts is None else LineFigures(counts.get(unit, 0))
                         for code, counts in found.items()}
        if unit in listed:
            excluded_lines = {line for line, _ref in exclusions[unit]}
            listed_kpi, listed_penalties = listed[unit]
            if SUBJECT_KPI in excluded_lines and kpi_line is not None and listed_kpi is not None:
                kpi_line = LineFigures(listed_kpi.counted, listed_kpi.met)
            for code in penalty_lines:
                if code in excluded_lines and penalty_lines[code] is not None and listed_penalties[code] is not None:
                    penalty_lines[code] = LineFigures(listed_penalties[code].counted)
        lines[unit] = (kpi_line, penalty_lines)
    available = {"kpi": kpi is not None, **{code: counts is not None for code, counts in found.items()}}
    return available, lines


def compute_scoring(
    period: Period, settings: dict[str, Any], rule: ScoreRule | None = None, unit_id: int | None = None,
    *, with_items: bool = True,
) -> ScoringResult:
    """Score every active unit (or one unit) for the period. The number of queries does not depend on
    the number of tasks: one for the units, one aggregate for the outcomes, one per optional source.

    `with_items` False: the results table's figures only (every breakdown the full one less its items), from the kept
    counts and the sources' per-unit counts, whatever the number of tasks; the same digest as the full result."""
    units = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name)
                               .where(Unit.active.is_(True) if unit_id is None else Unit.id == unit_id)).all()
    unit_ids = [unit.id for unit in units]
    exclusions = line_exclusions(period.year, unit_id)
    if with_items:
        counts = outcome_counts(period, unit_id)
        available, lines = _listed_lines(unit_ids, period, exclusions)
    else:
        totals = outcome_totals(period)
        available, lines = _counted_lines(unit_ids, period, exclusions)
    result = ScoringResult(period=period, settings=settings, rule=rule, sources=available)
    numbers = RuleNumbers.of(settings)
    rule_key = json.dumps(settings, sort_keys=True)
    for unit in units:
        kpi_line, penalty_lines = lines[unit.id]
        figures = None
        if with_items:
            score, breakdown = score_unit(counts.get(unit.id, {}), settings, kpi_line, penalty_lines, True, numbers)
            grade = grade_for(score, settings)
        else:
            score, grade, breakdown, figures = _scored_figures(
                rule_key, totals.get(unit.id, NO_FIGURES),
                None if kpi_line is None else (kpi_line.counted, kpi_line.met),
                tuple((code, None if line is None else line.counted) for code, line in penalty_lines.items()),
            )
        result.units.append(UnitResult(
            unit_id=unit.id, unit_code=unit.code, unit_name=unit.name,
            score=float(score) if score is not None else None, grade=grade,
            breakdown=breakdown, figures=figures,
        ))
    rank(result.units)
    return result


@functools.lru_cache(maxsize=20_000)
def _scored_figures(
    rule_key: str, counts: Figures, kpi: tuple[int, int] | None, penalties: tuple[tuple[str, int | None], ...],
) -> tuple[Decimal | None, str | None, dict[str, Any], str]:
    """`score_unit` without items, remembered by its inputs (a pure function of them): a province's draft is looked
    at again and again while few units' figures change, so a view computes only the units whose figures did. The
    breakdown is shared between the results that use it, hence read only."""
    settings, numbers = _rule(rule_key)
    score, breakdown = score_unit(
        counts_of(counts), settings, None if kpi is None else LineFigures(kpi[0], kpi[1]),
        {code: None if count is None else LineFigures(count) for code, count in penalties},
        with_items=False, numbers=numbers,
    )
    return score, grade_for(score, settings), breakdown, figures_text(breakdown)


@functools.lru_cache(maxsize=32)
def _rule(rule_key: str) -> tuple[dict[str, Any], RuleNumbers]:
    settings = json.loads(rule_key)
    return settings, RuleNumbers.of(settings)


# A province's 2,000 unit names are folded for every ranking: once per name is enough.
_folded = functools.lru_cache(maxsize=8192)(fold)


def rank(units: list[UnitResult]) -> None:
    """Best score first, units without a score last, then by name as a Vietnamese reader sorts it."""
    units.sort(key=lambda item: (item.score is None, -(item.score or 0), _folded(item.unit_name), item.unit_id))
    for position, item in enumerate(units, start=1):
        item.position = position


def _figures(breakdown: dict[str, Any]) -> list[Any]:
    """What a breakdown's every figure is computed from under a rule: how many items each task line counts and how
    each was counted, the listed outcomes, the KPI line's targets met and counted, each penalty line's count."""
    kpi = breakdown["kpi"]
    return [
        breakdown["tasks"].get("counting"),
        [[line["outcome"], line["role"], line["count"], bool(line.get("not_scored"))]
         for line in breakdown["tasks"]["lines"]],
        [breakdown[outcome]["count"] for outcome in LISTED_OUTCOMES],
        [kpi["status"], kpi["met"], kpi["total"]],
        [[penalty["code"], penalty["status"], penalty["count"]] for penalty in breakdown["penalties"]],
    ]


def figures_text(breakdown: dict[str, Any]) -> str:
    return json.dumps(_figures(breakdown), ensure_ascii=False, separators=(",", ":"))


def results_digest(period: Period, settings: dict[str, Any], units: list[UnitResult]) -> str:
    """The fingerprint of the figures a results table shows: the draft page sends it, and publication refuses other
    figures. It covers every unit's score, grade and what its breakdown's figures are computed from (`_figures`),
    not the items behind them, so that the page can show a province's figures without reading every task; a draft
    with the same figures but an item swapped for another of the same outcome publishes the same scores."""
    header = {
        "year": period.year, "start": period.start.isoformat(), "end": period.end.isoformat(),
        "as_of": period.as_of.isoformat(), "settings": settings,
    }
    digest = hashlib.sha256(json.dumps(header, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode())
    for unit in units:
        line = json.dumps([unit.unit_id, unit.score, unit.grade], ensure_ascii=False, separators=(",", ":"))
        digest.update(f"\n{line}{unit.figures or figures_text(unit.breakdown)}".encode())
    return digest.hexdigest()


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


def published_units(scoring: Scoring, unit_id: int | None = None,
                    positions: tuple[int, int] | None = None) -> list[UnitResult]:
    """A published scoring's frozen results, read back as stored (never recomputed); with `positions` (first, last),
    only the units ranked there: a page of a province's results does not read every unit's items."""
    query = sa.select(UnitScore).where(UnitScore.scoring_id == scoring.id).order_by(UnitScore.position)
    if unit_id is not None:
        query = query.where(UnitScore.unit_id == unit_id)
    if positions is not None:
        query = query.where(UnitScore.position.between(*positions))
    return [
        UnitResult(
            unit_id=row.unit_id, unit_code=row.unit_code, unit_name=row.unit_name, score=row.score,
            grade=row.grade, breakdown=row.breakdown, position=row.position,
        )
        for row in db.session.scalars(query)
    ]


def published_unit_count(scoring: Scoring) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(UnitScore.scoring_id == scoring.id)) or 0


def published_result(scoring: Scoring, unit_id: int | None = None,
                     positions: tuple[int, int] | None = None) -> ScoringResult:
    period = Period(scoring.year, scoring.period_start, scoring.period_end, scoring.as_of)
    return ScoringResult(
        period=period, settings=scoring.rule.settings, rule=scoring.rule, sources=scoring.sources,
        units=published_units(scoring, unit_id, positions),
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
