"""Read side of KPIs: progress tables, a unit's KPIs and trend, the share of targets met.

Every figure comes from one SQL rule (`counted_clause`): inside a period, a unit's figure is its last
measurement ("latest" KPIs, cumulative figures) or the sum of its measurements ("sum" KPIs); on a day
reported by several sources, the best-ranked source counts (SOURCE_RANK). Units are aggregated with
GROUP BY, totals are Σ numerator / Σ denominator — never an average of rates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from kpi_tasks.errors import NotFound
from kpi_tasks.extensions import db
from kpi_tasks.kpis.models import SOURCE_RANK, Kpi, KpiMeasurement, KpiTarget
from kpi_tasks.kpis.periods import KIND_RANK, Period
from kpi_tasks.kpis.values import actual_fraction, is_met, ratio_is_met, ratios_met, target_fraction
from kpi_tasks.kpis.versions import remembered
from kpi_tasks.units.models import UNIT_KINDS, Unit

PERCENT = "percent"


def source_rank(measurement: Any) -> ColumnElement[int]:
    return sa.case(*[(measurement.source == code, rank) for code, rank in SOURCE_RANK.items()],
                   else_=len(SOURCE_RANK) + 1)


def counted_clause(
    m: Any, aggregation: str | ColumnElement[str], start: dt.date | ColumnElement[dt.date],
    end: dt.date | ColumnElement[dt.date], one_source: bool = False,
) -> ColumnElement[bool]:
    """The rows of measurement alias `m` that make their unit's figure for the period [start, end].

    `aggregation` and the bounds may be plain values or columns of the enclosing query (a KPI's own
    aggregation, a target's period), so that one rule serves the tables, the unit page and scoring.
    `one_source`: the caller knows that every row of the period comes from one source (`one_source_in`), so
    that no row is outranked and none is looked for.
    """
    rival = aliased(KpiMeasurement)
    # The rival's own bounds repeat what its day implies, so that the database reads the period's rows only.
    # Every source is read, not only those that could outrank: with statistics that have not yet seen a new
    # source's rows, PostgreSQL would probe a nested loop with each of them for every row (a minute at 1,500,000
    # tasks after 4,800 entered figures).
    better_source = sa.exists().where(
        rival.kpi_id == m.kpi_id, rival.unit_id == m.unit_id, rival.period_end == m.period_end,
        rival.period_end >= start, rival.period_end <= end, source_rank(rival) < source_rank(m),
    )
    later = aliased(KpiMeasurement)
    later_in_period = sa.exists().where(
        later.kpi_id == m.kpi_id, later.unit_id == m.unit_id, later.period_end > m.period_end,
        later.period_end <= end,
    )
    conditions = [m.period_end >= start, m.period_end <= end]
    if not one_source:
        conditions.append(~better_source)
    if isinstance(aggregation, str):
        if aggregation != "sum":
            conditions.append(~later_in_period)
    else:
        conditions.append(sa.or_(aggregation == "sum", ~later_in_period))
    return sa.and_(*conditions)


def one_source_in(kpi_ids: list[int], start: dt.date, end: dt.date) -> bool:
    """Whether the KPIs' measurements in [start, end] all come from one source (or there are none): then no
    figure is outranked (a day has one row per source). Read from ix_kpi_measurements_source_period_end's ends."""
    m = KpiMeasurement
    in_period = (m.kpi_id.in_(kpi_ids), m.period_end >= start, m.period_end <= end)
    first = db.session.scalar(sa.select(m.source).where(*in_period).order_by(m.source).limit(1))
    last = db.session.scalar(sa.select(m.source).where(*in_period).order_by(m.source.desc()).limit(1))
    return first == last


def _big_sum(column: Any) -> ColumnElement[int]:
    # PostgreSQL sums BIGINT into NUMERIC; cast back so both databases hand out Python ints.
    return sa.cast(sa.func.sum(column), sa.BigInteger)


def _kind_rank(target: Any) -> ColumnElement[int]:
    return sa.case(*[(target.period_kind == kind, rank) for kind, rank in KIND_RANK.items()], else_=9)


def target_subquery(
    kpi_id: int | ColumnElement[int], is_rate: bool | ColumnElement[bool], unit_id: Any, unit_kind: Any,
    period: Period, pick: Callable[[Any], Any],
) -> Any:
    """The target that applies to a unit for `period`, as a correlated scalar subquery.

    A unit's own target beats its kind's; a target for the exact period beats one for an enclosing period
    (month < quarter < year). A rate target holds for every part of its period (90% for the year is 90%
    for each quarter), so rates also take an enclosing period's target; counts and amounts only the exact
    period's.
    """
    t = aliased(KpiTarget)
    exact = sa.and_(t.period_start == period.start, t.period_end == period.end)
    enclosing = sa.and_(t.period_start <= period.start, t.period_end >= period.end)
    if isinstance(is_rate, bool):
        in_period = enclosing if is_rate else exact
    else:
        in_period = sa.or_(exact, sa.and_(is_rate, enclosing))
    return (
        sa.select(pick(t))
        .where(
            t.kpi_id == kpi_id,
            sa.or_(t.unit_id == unit_id, sa.and_(t.unit_id.is_(None), t.unit_kind == unit_kind)),
            in_period,
        )
        .order_by(_kind_rank(t), t.unit_id.is_(None), t.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _figures(kpi: Kpi, period: Period) -> Any:
    """Per unit: the figures that count for `period` (GROUP BY unit)."""
    m = aliased(KpiMeasurement)
    return (
        sa.select(
            m.unit_id.label("unit_id"),
            _big_sum(m.numerator).label("numerator"),
            _big_sum(m.denominator).label("denominator"),
            sa.func.sum(m.value).label("value"),
            sa.func.max(m.period_end).label("as_of"),
        )
        .where(m.kpi_id == kpi.id, counted_clause(m, kpi.aggregation, period.start, period.end))
        .group_by(m.unit_id)
        .subquery()
    )


@dataclass
class ProgressRow:
    rank: int
    unit_id: int
    unit_code: str
    unit_name: str
    unit_kind: str
    numerator: int | None
    denominator: int | None
    value: float | None
    actual_value: float | None
    target_value: float | None
    target_id: int | None
    met: bool | None
    as_of: dt.date | None
    previous_actual_value: float | None
    change: float | None

    @property
    def has_data(self) -> bool:
        return self.as_of is not None


@dataclass
class ProgressTotal:
    numerator: int | None
    denominator: int | None
    value: float | None
    actual_value: float | None
    as_of: dt.date | None
    previous_actual_value: float | None
    change: float | None
    units_reporting: int = 0
    units_with_target: int = 0
    units_met: int = 0
    # Units with a target and a figure: only those can be judged met or not met (no figure is "no data").
    units_judged: int = 0


@dataclass
class ProgressTable:
    """A KPI's progress for one period: the appendix table (rows ranked by rate) and its total row."""

    kpi: Kpi
    period: Period
    previous: Period
    rows: list[ProgressRow] = field(default_factory=list)
    total: ProgressTotal | None = None

    def __iter__(self) -> Iterator[ProgressRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _actual(kpi: Kpi, numerator: int | None, denominator: int | None, value: float | None) -> float | None:
    exact = actual_fraction(kpi.formula, numerator, denominator, value)
    return None if exact is None else round(float(exact), 2)


def _change(current: float | None, previous: float | None) -> float | None:
    return None if current is None or previous is None else round(current - previous, 2)


def progress(kpi_id: int | Kpi, period: str | Period) -> ProgressTable:
    """The progress table of a KPI for a period ("2023", "2023-Q1", "2023-03" or a Period).

    Rows: every unit that reported in this period or the previous one, and every active unit of the root
    committee a target applies to; ranked best first by rate (highest first for "at least/above" KPIs, lowest
    first for "at most/below"), units without figures last. Totals are recomputed from the sums.
    """
    kpi = kpi_id if isinstance(kpi_id, Kpi) else db.session.get(Kpi, kpi_id)
    if kpi is None:
        raise NotFound("Không tìm thấy chỉ tiêu.")
    period = period if isinstance(period, Period) else Period.parse(period)
    previous = period.previous()
    current_figures, previous_figures = _figures(kpi, period), _figures(kpi, previous)
    inner = (
        sa.select(
            Unit.id.label("unit_id"), Unit.code.label("code"), Unit.name.label("name"), Unit.kind.label("kind"),
            Unit.active.label("active"), Unit.parent_id.label("parent_id"),
            current_figures.c.numerator, current_figures.c.denominator, current_figures.c.value,
            current_figures.c.as_of,
            previous_figures.c.numerator.label("prev_numerator"),
            previous_figures.c.denominator.label("prev_denominator"),
            previous_figures.c.value.label("prev_value"),
            previous_figures.c.as_of.label("prev_as_of"),
            target_subquery(kpi.id, kpi.is_rate, Unit.id, Unit.kind, period, lambda t: t.target_value)
            .label("target_value"),
            target_subquery(kpi.id, kpi.is_rate, Unit.id, Unit.kind, period, lambda t: t.id).label("target_id"),
        )
        .select_from(Unit)
        .outerjoin(current_figures, current_figures.c.unit_id == Unit.id)
        .outerjoin(previous_figures, previous_figures.c.unit_id == Unit.id)
        .subquery()
    )
    if kpi.is_ratio:
        rate = sa.case((inner.c.denominator > 0, sa.cast(inner.c.numerator, sa.Float) / inner.c.denominator))
    else:
        rate = inner.c.value
    query = (
        sa.select(inner)
        # A unit without figures is listed for its target only when it is one of the root committee's own units:
        # the departments and villages inside a commune committee answer to the commune, not to these targets.
        .where(sa.or_(inner.c.as_of.is_not(None), inner.c.prev_as_of.is_not(None),
                      sa.and_(inner.c.active.is_(True), inner.c.target_value.is_not(None),
                              inner.c.parent_id.is_(None))))
        .order_by(inner.c.as_of.is_(None), rate.is_(None), rate.desc() if kpi.higher_is_better else rate.asc(),
                  sa.func.coalesce(inner.c.denominator, 0).desc(), inner.c.name, inner.c.unit_id)
    )
    table = ProgressTable(kpi=kpi, period=period, previous=previous)
    for rank, row in enumerate(db.session.execute(query).mappings(), start=1):
        exact = actual_fraction(kpi.formula, row["numerator"], row["denominator"], row["value"])
        actual = None if exact is None else round(float(exact), 2)
        previous_actual = _actual(kpi, row["prev_numerator"], row["prev_denominator"], row["prev_value"])
        table.rows.append(ProgressRow(
            rank=rank, unit_id=row["unit_id"], unit_code=row["code"], unit_name=row["name"], unit_kind=row["kind"],
            numerator=row["numerator"], denominator=row["denominator"], value=row["value"], actual_value=actual,
            target_value=row["target_value"], target_id=row["target_id"],
            met=is_met(kpi.direction, exact, row["target_value"]), as_of=row["as_of"],
            previous_actual_value=previous_actual, change=_change(actual, previous_actual),
        ))
    table.total = _total(kpi, current_figures, previous_figures, table.rows)
    return table


def _total(kpi: Kpi, current_figures: Any, previous_figures: Any, rows: list[ProgressRow]) -> ProgressTotal:
    def sums(figures: Any) -> Any:
        return db.session.execute(sa.select(
            _big_sum(figures.c.numerator), _big_sum(figures.c.denominator), sa.func.sum(figures.c.value),
            sa.func.max(figures.c.as_of),
        )).one()

    numerator, denominator, value, as_of = sums(current_figures)
    prev_numerator, prev_denominator, prev_value, _prev_as_of = sums(previous_figures)
    # A total of reported percentages cannot be recomputed (nothing to divide); counts and amounts add up.
    additive = kpi.is_ratio or kpi.measure != PERCENT
    actual = _actual(kpi, numerator, denominator, value) if additive else None
    previous_actual = _actual(kpi, prev_numerator, prev_denominator, prev_value) if additive else None
    return ProgressTotal(
        numerator=numerator, denominator=denominator, value=value if additive else None, actual_value=actual,
        as_of=as_of, previous_actual_value=previous_actual, change=_change(actual, previous_actual),
        units_reporting=sum(1 for row in rows if row.has_data),
        units_with_target=sum(1 for row in rows if row.target_value is not None),
        units_met=sum(1 for row in rows if row.met),
        units_judged=sum(1 for row in rows if row.target_value is not None and row.has_data),
    )


@dataclass(frozen=True)
class KpiSummary:
    """What a KPI's progress table says of it as a whole for a period (its total row's counts and actual figure),
    and the targets in force, each with the kinds of unit it is given to: ((90.0, ("department",)), …)."""

    units_reporting: int
    units_with_target: int
    units_met: int
    units_judged: int
    actual_value: float | None
    targets: tuple[tuple[float, tuple[str, ...]], ...] = ()


@remembered(lambda kpis, period: (tuple(sorted(kpi.id for kpi in kpis)), period))
def kpi_summaries(kpis: list[Kpi], period: Period) -> dict[int, KpiSummary]:
    """{kpi_id: KpiSummary} of every KPI in `kpis` for `period`, equal to what `progress` counts in its rows and
    total: per KPI and unit, the unit's figure (one statement, without the previous period's figures or any
    ranking) and its target (`target_subquery`'s choice, made here from the period's few targets: a province's
    2,000 units asked it 8,000 times)."""
    if not kpis:
        return {}
    ids = sorted(kpi.id for kpi in kpis)
    # Most provinces' figures are the product's own count only: then the better-source check is left out.
    one_source = one_source_in(ids, period.start, period.end)
    query = _summaries_query(tuple(sorted((kpi.id, kpi.aggregation) for kpi in kpis)), period, one_source)
    targets = _TargetsInForce(kpis, period)
    tallies = {kpi.id: _Tally(kpi) for kpi in kpis}
    # Rows unpacked, no mapping per row: a province has 2,000 units for each KPI. Read on the session's connection,
    # without the ORM's result wrapping of plain columns (about 1 ms of CPU per 1,000 rows), and all at once: row
    # by row, the driver's and SQLAlchemy's per-row calls cost a province's 8,000 rows about 10 ms.
    rows: dict[int, list[Any]] = {kpi_id: [] for kpi_id in tallies}
    for row in db.session.connection().execute(query).fetchall():
        rows[row[0]].append(row)
    for kpi_id, tally in tallies.items():
        tally.add_rows(rows[kpi_id], targets.of_kpi(kpi_id))
    return {kpi_id: tally.summary() for kpi_id, tally in tallies.items()}


# A statement is a value: the same arguments build the same one, and building it (the ORM's aliases, the counted
# rule of each aggregation) costs a dashboard more CPU than reading its 8,000 rows; a day's few periods are kept.
@lru_cache(maxsize=64)
def _summaries_query(kpis: tuple[tuple[int, str], ...], period: Period, one_source: bool) -> sa.Select:
    """The statement of `kpi_summaries` for the KPIs' (id, aggregation): per KPI and unit, the unit's figure and
    whether it reported in the previous period."""
    ids = [kpi_id for kpi_id, _aggregation in kpis]
    k, u = aliased(Kpi), aliased(Unit)
    figures = _figures_of(kpis, period, one_source)
    previous = period.previous()
    reported_before = (
        sa.select(KpiMeasurement.kpi_id, KpiMeasurement.unit_id)
        .where(KpiMeasurement.kpi_id.in_(ids), KpiMeasurement.period_end >= previous.start,
               KpiMeasurement.period_end <= previous.end)
        .distinct()
        .subquery()
    )
    return (
        sa.select(
            k.id, u.id, u.kind, u.active.is_(True) & u.parent_id.is_(None),
            figures.c.numerator, figures.c.denominator, figures.c.value, figures.c.as_of,
            reported_before.c.unit_id.is_not(None),
        )
        .select_from(k)
        .join(u, sa.true())
        .outerjoin(figures, sa.and_(figures.c.kpi_id == k.id, figures.c.unit_id == u.id))
        .outerjoin(reported_before, sa.and_(reported_before.c.kpi_id == k.id, reported_before.c.unit_id == u.id))
        .where(k.id.in_(ids))
    )


class _TargetsInForce:
    """`target_subquery`'s choice of a unit's target for a period, over the KPIs' targets read once: a target
    for the exact period (or, for a rate, an enclosing one), the unit's own or its kind's, the shortest period
    first, then the unit's own, then the latest entered."""

    def __init__(self, kpis: list[Kpi], period: Period) -> None:
        rates = [kpi.id for kpi in kpis if kpi.is_rate]
        t = KpiTarget
        exact = sa.and_(t.period_start == period.start, t.period_end == period.end)
        enclosing = sa.and_(t.kpi_id.in_(rates), t.period_start <= period.start, t.period_end >= period.end)
        rows = db.session.execute(
            sa.select(t.kpi_id, t.unit_id, t.unit_kind, t.period_kind, t.id, t.target_value)
            .where(t.kpi_id.in_([kpi.id for kpi in kpis]), sa.or_(exact, enclosing))
        )
        self.best: dict[tuple[int, int | None, str | None], tuple[tuple[int, bool, int], float]] = {}
        for kpi_id, unit_id, unit_kind, period_kind, target_id, target_value in rows:
            scope = (kpi_id, unit_id, None) if unit_id is not None else (kpi_id, None, unit_kind)
            order = (KIND_RANK.get(period_kind, 9), unit_id is None, -target_id)
            held = self.best.get(scope)
            if held is None or order < held[0]:
                self.best[scope] = (order, target_value)

    def of(self, kpi_id: int, unit_id: int, kind: str) -> float | None:
        if not self.best:
            return None
        own, of_kind = self.best.get((kpi_id, unit_id, None)), self.best.get((kpi_id, None, kind))
        if own is None or (of_kind is not None and of_kind[0] < own[0]):
            own = of_kind
        return None if own is None else own[1]

    def of_kpi(self, kpi_id: int) -> Callable[[int, str], float | None]:
        """`of` for one KPI, as (unit id, kind) → target: a look-up of the kind's target for the units without
        one of their own (most units: targets are mostly given to a kind)."""
        own_units = {unit_id for kpi, unit_id, _kind in self.best if kpi == kpi_id and unit_id is not None}
        by_kind = {kind: held[1] for (kpi, unit_id, kind), held in self.best.items()
                   if kpi == kpi_id and unit_id is None}

        def target(unit_id: int, kind: str) -> float | None:
            if unit_id in own_units:
                return self.of(kpi_id, unit_id, kind)
            return by_kind.get(kind)

        return target


def _figures_of(kpis: tuple[tuple[int, str], ...], period: Period, one_source: bool) -> Any:
    """`_figures` of several KPIs (id, aggregation) at once: per KPI and unit, the figures that count for `period`
    (`one_source`: see `counted_clause`).

    One SELECT per aggregation the KPIs use, each with its rule as a plain value: the database neither joins
    every measurement to its KPI nor checks for a later figure of a "sum" KPI."""
    by_aggregation: dict[str, list[int]] = {}
    for kpi_id, aggregation in kpis:
        by_aggregation.setdefault(aggregation, []).append(kpi_id)
    selects = []
    for aggregation, kpi_ids in sorted(by_aggregation.items()):
        m = aliased(KpiMeasurement)
        selects.append(
            sa.select(
                m.kpi_id.label("kpi_id"),
                m.unit_id.label("unit_id"),
                _big_sum(m.numerator).label("numerator"),
                _big_sum(m.denominator).label("denominator"),
                sa.func.sum(m.value).label("value"),
                sa.func.max(m.period_end).label("as_of"),
            )
            .where(m.kpi_id.in_(sorted(kpi_ids)),
                   counted_clause(m, aggregation, period.start, period.end, one_source))
            .group_by(m.kpi_id, m.unit_id)
        )
    return (selects[0] if len(selects) == 1 else sa.union_all(*selects)).subquery()


class _Tally:
    """One KPI's `_total` counts and sums, and its targets in force, added up row by row of `kpi_summaries`."""

    def __init__(self, kpi: Kpi) -> None:
        self.kpi = kpi
        # Read once: `add` runs for each of a province's 2,000 units, and a mapped attribute is slow to read.
        self.is_ratio, self.direction, self.formula = kpi.is_ratio, kpi.direction, kpi.formula
        self.reporting = self.with_target = self.met = self.judged = 0
        # numerator, denominator, value of the units reporting
        self.numerator: int | None = None
        self.denominator: int | None = None
        self.value: float | None = None
        self.goals: dict[float, Fraction] = {}
        self.target_kinds: set[tuple[float, str]] = set()

    def add(self, kind: str, numerator: int | None, denominator: int | None, value: float | None,
            reporting: bool, target: float | None) -> None:
        if reporting:
            self.reporting += 1
            if numerator is not None:
                self.numerator = numerator if self.numerator is None else self.numerator + numerator
            if denominator is not None:
                self.denominator = denominator if self.denominator is None else self.denominator + denominator
            if value is not None:
                self.value = value if self.value is None else self.value + value
        if target is None:
            return
        self.with_target += 1
        self.target_kinds.add((target, kind))
        if self.is_ratio:
            goal = self.goals.get(target)
            if goal is None:
                goal = self.goals[target] = target_fraction(target)
            verdict = ratio_is_met(self.direction, numerator, denominator, goal)
        else:
            verdict = is_met(self.direction, actual_fraction(self.formula, numerator, denominator, value), target)
        if verdict is not None:
            self.judged += 1
            self.met += verdict

    def add_rows(self, rows: list[Any], target_of: Callable[[int, str], float | None]) -> None:
        """`add` each of the KPI's rows of `kpi_summaries` that `progress` lists (with a figure, or with a target
        and reported before or one of the root committee's units): the others count for nothing. A ratio's rows
        are added up here, in the loop, as `add` does: a province's 2,000 calls of `add` per KPI cost its
        dashboard about 10 ms."""
        if not self.is_ratio:
            for _kpi, unit_id, kind, own_unit, numerator, denominator, value, as_of, reported in rows:
                target = target_of(unit_id, kind)
                if as_of is not None or (target is not None and (reported or own_unit)):
                    self.add(kind, numerator, denominator, value, as_of is not None, target)
            return
        reporting = with_target = 0
        # Added up in the rows' order, one by one, as `add` does (a float sum depends on its order).
        total_numerator, total_denominator, total_value = self.numerator, self.denominator, self.value
        target_kinds = self.target_kinds
        # The figures of the units with a target, by target: judged after the loop, one goal at a time.
        judged_figures: dict[float, list[tuple[int | None, int | None]]] = {}
        for _kpi, unit_id, kind, own_unit, numerator, denominator, value, as_of, reported in rows:
            target = target_of(unit_id, kind)
            if as_of is not None:
                reporting += 1
                if numerator is not None:
                    total_numerator = numerator if total_numerator is None else total_numerator + numerator
                if denominator is not None:
                    total_denominator = denominator if total_denominator is None else total_denominator + denominator
                if value is not None:
                    total_value = value if total_value is None else total_value + value
            elif target is None or not (reported or own_unit):
                continue
            if target is None:
                continue
            with_target += 1
            target_kinds.add((target, kind))
            figures = judged_figures.get(target)
            if figures is None:
                figures = judged_figures[target] = []
            figures.append((numerator, denominator))
        for target, figures in judged_figures.items():
            goal = self.goals.get(target)
            if goal is None:
                goal = self.goals[target] = target_fraction(target)
            judged, met = ratios_met(self.direction, goal, figures)
            self.judged += judged
            self.met += met
        self.reporting += reporting
        self.with_target += with_target
        self.numerator, self.denominator, self.value = total_numerator, total_denominator, total_value

    def summary(self) -> KpiSummary:
        kpi = self.kpi
        # As in `_total`: reported percentages do not add up.
        actual = (_actual(kpi, self.numerator, self.denominator, self.value)
                  if kpi.is_ratio or kpi.measure != PERCENT else None)
        kinds_by_target: dict[float, set[str]] = {}
        for target, kind in self.target_kinds:
            kinds_by_target.setdefault(target, set()).add(kind)
        targets = tuple((value, tuple(kind for kind in UNIT_KINDS if kind in kinds))
                        for value, kinds in sorted(kinds_by_target.items(), reverse=True))
        return KpiSummary(units_reporting=self.reporting, units_with_target=self.with_target, units_met=self.met,
                          units_judged=self.judged, actual_value=actual, targets=targets)


def default_period(kpi: Kpi, today: dt.date) -> Period:
    """The quarter of the KPI's latest figure, or the current quarter when there is none yet."""
    latest = db.session.scalar(sa.select(sa.func.max(KpiMeasurement.period_end)).where(
        KpiMeasurement.kpi_id == kpi.id))
    return Period.containing("quarter", latest or today)


def targets_met_share(unit_id: int, period_start: dt.date, period_end: dt.date) -> tuple[int, int]:
    """(targets met, targets applicable) for a unit, over the targets whose period lies in [start, end].

    A target applies when it names the unit, or the unit's kind without an own target of the unit for the
    same KPI and period. A target without a figure for its period counts as not met: a unit that does not
    report has not shown the result. Only active KPIs count. (`targets_met_share_by_unit` for one unit.)
    """
    return targets_met_share_by_unit(period_start, period_end, unit_id=unit_id).get(unit_id, (0, 0))


def _applicable_targets(period_start: dt.date, period_end: dt.date, unit_id: Any) -> Any:
    """(unit_id, target_id) of every target of an active KPI within [start, end] that applies to a unit.

    Own targets and kind targets are two plain joins (UNION ALL) rather than one join on an OR, so that
    each can use its index; a kind target is left out for a unit with an own target for the same KPI and
    period.
    """
    def targets_of(u: Any, t: Any, applies: ColumnElement[bool]) -> sa.Select:
        k = aliased(Kpi)
        query = (sa.select(u.id.label("unit_id"), t.id.label("target_id"))
                 .select_from(u).join(t, applies).join(k, k.id == t.kpi_id)
                 .where(k.active.is_(True), t.period_start >= period_start, t.period_end <= period_end))
        return query if unit_id is None else query.where(u.id == unit_id)

    u_own, t_own = aliased(Unit), aliased(KpiTarget)
    own_targets = targets_of(u_own, t_own, t_own.unit_id == u_own.id)
    u_kind, t_kind, own = aliased(Unit), aliased(KpiTarget), aliased(KpiTarget)
    has_own = sa.exists().where(
        own.kpi_id == t_kind.kpi_id, own.unit_id == u_kind.id, own.period_kind == t_kind.period_kind,
        own.period_start == t_kind.period_start,
    )
    kind_targets = targets_of(u_kind, t_kind, sa.and_(t_kind.unit_id.is_(None), t_kind.unit_kind == u_kind.kind,
                                                      ~has_own))
    return sa.union_all(own_targets, kind_targets).subquery("applicable_targets")


def targets_met_share_by_unit(
    period_start: dt.date, period_end: dt.date, unit_id: int | None = None
) -> dict[int, tuple[int, int]]:
    """{unit_id: (targets met, targets applicable)} for every unit (or only `unit_id`): `target_counts_by_unit`."""
    return target_counts_by_unit(period_start, period_end, unit_id=unit_id)


@remembered(lambda period_start, period_end, unit_id=None: (period_start, period_end, unit_id))
def target_counts_by_unit(
    period_start: dt.date, period_end: dt.date, unit_id: int | None = None
) -> dict[int, tuple[int, int]]:
    """{unit_id: (targets met, targets applicable)}: the counts of `target_items_by_unit` (every unit, or only
    `unit_id`, a key; (0, 0) without a target), judged in SQL and counted per unit without listing the targets.

    Two statements: the period's target values (with whether its figures come from one source), then one
    aggregate (`_target_counts_query`).
    """
    t, k = KpiTarget, Kpi
    sources = sa.select(KpiMeasurement.source).where(KpiMeasurement.period_end >= period_start,
                                                     KpiMeasurement.period_end <= period_end)
    # Read from ix_kpi_measurements_source_period_end's ends, as `one_source_in` does, in the same statement.
    first_source = sources.order_by(KpiMeasurement.source).limit(1).scalar_subquery()
    last_source = sources.order_by(KpiMeasurement.source.desc()).limit(1).scalar_subquery()
    rows = db.session.execute(
        sa.select(t.target_value, k.aggregation, first_source, last_source).join(k, k.id == t.kpi_id)
        .where(k.active.is_(True), t.period_start >= period_start, t.period_end <= period_end).distinct()
    ).all()
    goals = {}
    for value, _aggregation, _first, _last in rows:
        goal = target_fraction(value)
        goals[value] = (value, goal.numerator, goal.denominator)
    if not rows:  # no target in the period: every unit (or `unit_id`, if it is one) is (0, 0)
        units = sa.select(Unit.id) if unit_id is None else sa.select(Unit.id).where(Unit.id == unit_id)
        return dict.fromkeys(db.session.scalars(units), (0, 0))
    aggregations = tuple(sorted({aggregation for _value, aggregation, _first, _last in rows}))
    one_source = rows[0][2] == rows[0][3]
    query = _target_counts_query(period_start, period_end, tuple(sorted(goals.values())), aggregations, one_source,
                                 unit_id is not None)
    return {int(unit): (int(met), int(total))
            for unit, met, total in db.session.execute(query, {"unit_id": unit_id} if unit_id is not None else {})}


def _compared(direction: Any, actual: Any, goal: Any) -> ColumnElement[bool]:
    """`values._holds` in SQL: whether `actual` meets `goal` for the KPI's direction (a column)."""
    return sa.or_(
        sa.and_(direction == "at_least", actual >= goal),
        sa.and_(direction == "above", actual > goal),
        sa.and_(direction == "at_most", actual <= goal),
        sa.and_(direction.not_in(("at_least", "above", "at_most")), actual < goal),
    )


# A statement is a value: building this one (aliases, the applicable targets, the judging) costs more than a
# unit's answer once compiled; a unit's page binds its unit (":unit_id"), and a day asks a few periods.
@lru_cache(maxsize=64)
def _target_counts_query(period_start: dt.date, period_end: dt.date, goals: tuple[tuple[float, int, int], ...],
                         aggregations: tuple[str, ...], one_source: bool, for_unit: bool) -> sa.Select:
    """Per unit: (targets met, targets applicable) within [start, end], over the figures of each distinct target
    period, summed once per (period, unit) rather than per (target, unit).

    A figure is met exactly as `values.is_met` judges it: a ratio's numerator × 100 × q against p × denominator,
    where p/q is the target as the decimal it was written as (`goals`: each distinct target value with its
    `target_fraction`), in whole numbers; a value figure against the target as floats (two floats compare as
    their shortest decimals do). PostgreSQL sums BIGINT into NUMERIC, so the products are exact there; SQLite's
    64-bit integers hold them for any figure below 10**15 and a target of 2 decimals.
    `aggregations`: those of the KPIs with a target in the period; `one_source`: every figure of the period comes
    from one source (`counted_clause`).
    """
    unit_id = sa.bindparam("unit_id", type_=sa.Integer) if for_unit else None
    # One SELECT per aggregation the period's KPIs use, each with its rule as a plain value (as `_figures_of`): a
    # rule read from the KPI's column is estimated as a probe for a later figure on each of the 96,000 figures of
    # a year, which lifts the estimate past PostgreSQL's JIT threshold (80 ms of compiling).
    selects = []
    for aggregation in aggregations:
        t_of, k_of = aliased(KpiTarget), aliased(Kpi)
        periods = (sa.select(t_of.kpi_id, t_of.period_start, t_of.period_end).join(k_of, k_of.id == t_of.kpi_id)
                   .where(k_of.active.is_(True), k_of.aggregation == aggregation, t_of.period_start >= period_start,
                          t_of.period_end <= period_end)
                   .distinct().subquery(f"{aggregation}_periods"))
        m = aliased(KpiMeasurement)
        select = (
            sa.select(periods.c.kpi_id, periods.c.period_start, periods.c.period_end, m.unit_id,
                      sa.func.sum(m.numerator).label("numerator"), sa.func.sum(m.denominator).label("denominator"),
                      sa.func.sum(m.value).label("value"))
            .select_from(periods)
            .join(m, sa.and_(m.kpi_id == periods.c.kpi_id,
                             counted_clause(m, aggregation, periods.c.period_start, periods.c.period_end,
                                            one_source)))
            .group_by(periods.c.kpi_id, periods.c.period_start, periods.c.period_end, m.unit_id)
        )
        selects.append(select if unit_id is None else select.where(m.unit_id == unit_id))
    f = (selects[0] if len(selects) == 1 else sa.union_all(*selects)).subquery("figures")

    t, k = aliased(KpiTarget), aliased(Kpi)

    def goal_part(index: int) -> ColumnElement[int]:
        return sa.case(*[(t.target_value == goal[0], goal[index]) for goal in goals])

    p, q = goal_part(1), goal_part(2)
    numerator, denominator = f.c.numerator, f.c.denominator
    ratio_met = sa.or_(
        sa.and_(denominator > 0, _compared(k.direction, numerator * 100 * q, p * denominator)),
        # never recorded (the check constraints refuse it); the general rule keeps the sign right
        sa.and_(denominator < 0, _compared(k.direction, p * denominator, numerator * 100 * q)),
    )
    value_met = _compared(k.direction, f.c.value, t.target_value)
    met = sa.case((sa.and_(k.formula == "ratio", ratio_met), 1), (sa.and_(k.formula != "ratio", value_met), 1),
                  else_=0)
    u = aliased(Unit)
    pairs = _applicable_targets(period_start, period_end, unit_id)
    query = (
        sa.select(u.id, sa.func.coalesce(sa.func.sum(met), 0), sa.func.count(t.id))
        .select_from(u)
        .outerjoin(pairs, pairs.c.unit_id == u.id)
        .outerjoin(t, t.id == pairs.c.target_id)
        .outerjoin(k, k.id == t.kpi_id)
        .outerjoin(f, sa.and_(f.c.kpi_id == t.kpi_id, f.c.unit_id == u.id, f.c.period_start == t.period_start,
                              f.c.period_end == t.period_end))
        .group_by(u.id)
    )
    return query if unit_id is None else query.where(u.id == unit_id)


def target_items_by_unit(
    period_start: dt.date, period_end: dt.date, unit_id: int | None = None
) -> dict[int, list[dict[str, Any]]]:
    """{unit_id: [target, …]}: each applicable target (see `_applicable_targets`) with the unit's counted
    figure for the target's period, aggregated in SQL per (unit, target), in one statement. Every unit
    (or only `unit_id`) is a key; a unit without a target has an empty list.

    A target: {"ref", "target_id", "kpi_id", "kpi_code", "kpi_name", "period_start", "period_end" (ISO),
    "target_value", "actual_value" (None: no figure), "met"}. A target without a figure is not met: a
    unit that does not report has not shown the result. This is what scoring's breakdown lists.
    """
    query = _target_items_query(period_start, period_end, unit_id is not None)
    items: dict[int, list[dict[str, Any]]] = {}
    for row in db.session.execute(query, {"unit_id": unit_id} if unit_id is not None else {}).mappings():
        of_unit = items.setdefault(row["unit_id"], [])
        if row["target_id"] is None:
            continue
        exact = actual_fraction(row["formula"], row["numerator"], row["denominator"], row["value"])
        of_unit.append({
            "ref": str(row["target_id"]), "target_id": row["target_id"], "kpi_id": row["kpi_id"],
            "kpi_code": row["code"], "kpi_name": row["name"],
            "period_start": row["period_start"].isoformat(), "period_end": row["period_end"].isoformat(),
            "target_value": row["target_value"],
            "actual_value": None if exact is None else round(float(exact), 2),
            "met": bool(is_met(row["direction"], exact, row["target_value"])),
        })
    return items


# As `_target_counts_query`: built once per period, a unit's page binds its unit.
@lru_cache(maxsize=64)
def _target_items_query(period_start: dt.date, period_end: dt.date, for_unit: bool) -> sa.Select:
    unit_id = sa.bindparam("unit_id", type_=sa.Integer) if for_unit else None
    u, t, k, m = aliased(Unit), aliased(KpiTarget), aliased(Kpi), aliased(KpiMeasurement)
    pairs = _applicable_targets(period_start, period_end, unit_id)
    query = (
        sa.select(u.id.label("unit_id"), t.id.label("target_id"), t.target_value, t.period_start, t.period_end,
                  k.id.label("kpi_id"), k.code, k.name, k.formula, k.direction,
                  _big_sum(m.numerator).label("numerator"), _big_sum(m.denominator).label("denominator"),
                  sa.func.sum(m.value).label("value"))
        .select_from(u)
        .outerjoin(pairs, pairs.c.unit_id == u.id)
        .outerjoin(t, t.id == pairs.c.target_id)
        .outerjoin(k, k.id == t.kpi_id)
        .outerjoin(m, sa.and_(m.kpi_id == t.kpi_id, m.unit_id == u.id,
                              counted_clause(m, k.aggregation, t.period_start, t.period_end)))
        .group_by(u.id, t.id, t.target_value, t.period_start, t.period_end, k.id, k.code, k.name, k.formula,
                  k.direction)
        .order_by(u.id, k.code, t.period_start, t.id)
    )
    return query if unit_id is None else query.where(u.id == unit_id)


@dataclass
class UnitKpiRow:
    kpi: Kpi
    numerator: int | None
    denominator: int | None
    value: float | None
    actual_value: float | None
    target_value: float | None
    met: bool | None
    as_of: dt.date | None
    trend: list[TrendPoint] = field(default_factory=list)


@dataclass
class TrendPoint:
    period_end: dt.date
    actual_value: float | None
    numerator: int | None
    denominator: int | None


TREND_POINTS = 12


def unit_overview(unit: Unit, period: Period) -> list[UnitKpiRow]:
    """Each active KPI with the unit's figure and target for `period`, and its last figures as a trend."""
    m = aliased(KpiMeasurement)
    figures = (
        sa.select(
            m.kpi_id.label("kpi_id"), _big_sum(m.numerator).label("numerator"),
            _big_sum(m.denominator).label("denominator"), sa.func.sum(m.value).label("value"),
            sa.func.max(m.period_end).label("as_of"),
        )
        .join(Kpi, Kpi.id == m.kpi_id)
        .where(m.unit_id == unit.id, counted_clause(m, Kpi.aggregation, period.start, period.end))
        .group_by(m.kpi_id)
        .subquery()
    )
    is_rate = sa.or_(Kpi.formula == "ratio", Kpi.measure == "percent")
    query = (
        sa.select(Kpi, figures.c.numerator, figures.c.denominator, figures.c.value, figures.c.as_of,
                  target_subquery(Kpi.id, is_rate, unit.id, unit.kind, period, lambda t: t.target_value)
                  .label("target_value"))
        .outerjoin(figures, figures.c.kpi_id == Kpi.id)
        .where(Kpi.active.is_(True))
        .order_by(Kpi.code)
    )
    trends = unit_trends(unit.id)
    rows = []
    for kpi, numerator, denominator, value, as_of, target in db.session.execute(query):
        exact = actual_fraction(kpi.formula, numerator, denominator, value)
        rows.append(UnitKpiRow(
            kpi=kpi, numerator=numerator, denominator=denominator, value=value,
            actual_value=None if exact is None else round(float(exact), 2), target_value=target,
            met=is_met(kpi.direction, exact, target), as_of=as_of, trend=trends.get(kpi.id, []),
        ))
    return rows


def unit_trends(unit_id: int, points: int = TREND_POINTS) -> dict[int, list[TrendPoint]]:
    """Per KPI, the unit's last `points` reported figures (the counting source of each day), oldest first."""
    m = aliased(KpiMeasurement)
    rival = aliased(KpiMeasurement)
    better_source = sa.exists().where(
        rival.kpi_id == m.kpi_id, rival.unit_id == m.unit_id, rival.period_end == m.period_end,
        source_rank(rival) < source_rank(m),
    )
    position = sa.func.row_number().over(partition_by=m.kpi_id, order_by=m.period_end.desc()).label("position")
    numbered = (
        sa.select(m.kpi_id, m.period_end, m.numerator, m.denominator, m.value, Kpi.formula, position)
        .join(Kpi, Kpi.id == m.kpi_id)
        .where(m.unit_id == unit_id, ~better_source)
        .subquery()
    )
    query = (sa.select(numbered).where(numbered.c.position <= points)
             .order_by(numbered.c.kpi_id, numbered.c.period_end))
    trends: dict[int, list[TrendPoint]] = {}
    for row in db.session.execute(query).mappings():
        exact = actual_fraction(row["formula"], row["numerator"], row["denominator"], row["value"])
        trends.setdefault(row["kpi_id"], []).append(TrendPoint(
            period_end=row["period_end"], actual_value=None if exact is None else round(float(exact), 2),
            numerator=row["numerator"], denominator=row["denominator"],
        ))
    return trends


@dataclass
class TaskTargetRow:
    target: KpiTarget
    period: Period
    numerator: int | None
    denominator: int | None
    value: float | None
    actual_value: float | None
    met: bool | None
    as_of: dt.date | None
    units_reporting: int
    # For a unit kind's target: how many units of the kind meet their own applicable target (overrides count).
    units_met: int | None = None
    units_judged: int | None = None


def task_targets(task_id: int) -> list[TaskTargetRow]:
    """The targets linked to a task with their latest actual figure in the target's period.

    A unit's target shows that unit's figure; a unit kind's target shows the kind's total (Σ/Σ).
    """
    t, k, m = aliased(KpiTarget), aliased(Kpi), aliased(KpiMeasurement)
    of_kind = sa.select(Unit.id).where(Unit.kind == t.unit_kind).scalar_subquery()
    scope = sa.or_(m.unit_id == t.unit_id, sa.and_(t.unit_id.is_(None), m.unit_id.in_(of_kind)))
    query = (
        sa.select(t, _big_sum(m.numerator), _big_sum(m.denominator), sa.func.sum(m.value),
                  sa.func.max(m.period_end), sa.func.count(sa.distinct(m.unit_id)))
        .join(k, k.id == t.kpi_id)
        .outerjoin(m, sa.and_(m.kpi_id == t.kpi_id, scope,
                              counted_clause(m, k.aggregation, t.period_start, t.period_end)))
        .where(t.task_id == task_id)
        .group_by(t.id)
        .order_by(t.id)
    )
    rows = []
    for target, numerator, denominator, value, as_of, reporting in db.session.execute(query):
        kpi = target.kpi
        period = Period.containing(target.period_kind, target.period_start)
        additive = kpi.is_ratio or kpi.measure != PERCENT or target.unit_id is not None
        exact = actual_fraction(kpi.formula, numerator, denominator, value) if additive else None
        row = TaskTargetRow(
            target=target, period=period, numerator=numerator, denominator=denominator, value=value,
            actual_value=None if exact is None else round(float(exact), 2),
            met=is_met(kpi.direction, exact, target.target_value), as_of=as_of, units_reporting=reporting,
        )
        if target.unit_id is None:
            # A kind's target is met unit by unit (each against its own target, overrides included), not by the
            # kind's total; a task links a handful of targets, so one progress table each is cheap.
            judged = [item for item in progress(kpi, period).rows
                      if item.unit_kind == target.unit_kind and item.target_value is not None and item.has_data]
            row.units_judged = len(judged)
            row.units_met = sum(1 for item in judged if item.met)
            row.met = None if not judged else row.units_met == row.units_judged
        rows.append(row)
    return rows


def kpi_list_rows() -> list[Any]:
    """The catalogue with, per KPI, its number of targets, units reporting and latest reporting date."""
    targets = (sa.select(KpiTarget.kpi_id, sa.func.count().label("targets"))
               .group_by(KpiTarget.kpi_id).subquery())
    figures = (sa.select(KpiMeasurement.kpi_id, sa.func.max(KpiMeasurement.period_end).label("latest"),
                         sa.func.count(sa.distinct(KpiMeasurement.unit_id)).label("units"))
               .group_by(KpiMeasurement.kpi_id).subquery())
    query = (
        sa.select(Kpi, sa.func.coalesce(targets.c.targets, 0).label("targets"), figures.c.latest,
                  sa.func.coalesce(figures.c.units, 0).label("units"))
        .outerjoin(targets, targets.c.kpi_id == Kpi.id)
        .outerjoin(figures, figures.c.kpi_id == Kpi.id)
        .order_by(Kpi.active.desc(), Kpi.code)
    )
    return list(db.session.execute(query))
